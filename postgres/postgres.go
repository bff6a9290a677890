// Package postgres is the scale-out store of Bianque on PostgreSQL (pgx,
// pgxpool). Several nodes may share one database: migrations run under an
// advisory lock, ticket numbers come from a locked counter row, and audit
// appends lock their chain's head row.
//
// The platform tables are implemented by internal/sqlstore, shared with the
// SQLite store, over database/sql on top of the same pgx pool; both pass the
// storetest conformance suite.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"bianque"
	"bianque/internal/migrate"
	"bianque/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the PostgreSQL store. It implements bianque.Store.
type DB struct {
	*sqlstore.Store
	pool   *pgxpool.Pool
	sql    *sql.DB
	events *events
}

var (
	_ bianque.Store      = (*DB)(nil)
	_ bianque.EventStore = (*DB)(nil)
)

type options struct {
	clock    bianque.Clock
	fieldKey []byte
	maxConns int32
}

// Option configures Open.
type Option func(*options)

// WithFieldKey encrypts users' e-mail address, phone number and TOTP secret
// at rest with AES-GCM under key (16, 24 or 32 bytes; R15.4). Without a key
// these fields are stored in plain text. Values stored before a key was set
// stay readable and are encrypted when the user is next updated.
func WithFieldKey(key []byte) Option { return func(o *options) { o.fieldKey = key } }

// WithClock sets the clock used for timestamps the caller left empty.
func WithClock(c bianque.Clock) Option { return func(o *options) { o.clock = c } }

// WithMaxConns caps the connection pool (default: pgxpool's, the larger of 4
// and the number of CPUs; or pool_max_conns in the URL).
func WithMaxConns(n int) Option { return func(o *options) { o.maxConns = int32(n) } }

// Open connects to the database at url (postgres://user@host:port/db?...;
// any other query parameter, e.g. search_path, is passed to the server as a
// run-time setting) and applies pending migrations under an advisory lock.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	o := options{clock: bianque.SystemClock{}}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, bianque.WrapError(bianque.EINVALID, err, "bad PostgreSQL URL")
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	db := &DB{pool: pool, sql: stdlib.OpenDBFromPool(pool)}
	db.events = &events{db: db, known: map[string]bool{}}
	if err := db.migrate(ctx, o.clock); err != nil {
		db.Close()
		return nil, err
	}
	db.Store, err = sqlstore.New(dialect, db.sql, db.sql, sqlstore.Config{Clock: o.clock, FieldKey: o.fieldKey})
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context, clock bianque.Clock) error {
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return bianque.WrapError(bianque.EUNAVAILABLE, err, "connect to PostgreSQL")
	}
	defer conn.Close()
	// One migrator per schema at a time; the others wait, then find nothing to do.
	const lockKey = `hashtext('bianque.migrate.' || current_schema())`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`)
	var schema sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("read current schema: %w", err)
	}
	if !schema.Valid {
		return bianque.Errorf(bianque.EINVALID, "no schema of the search_path exists; create it first")
	}
	_, err = migrate.Apply(ctx, conn, ms, migrate.Options{
		Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		Now:         clock.Now,
	})
	if err != nil {
		return fmt.Errorf("migrate schema %s: %w", schema.String, err)
	}
	return nil
}

// PurgeTenant deletes every row of the tenant (see sqlstore.Store.PurgeTenant),
// its event partitions included (counted under event_keys and event_blocks).
func (db *DB) PurgeTenant(ctx context.Context, id string) (map[string]int64, error) {
	return db.Store.PurgeTenantWith(ctx, id, db.purgeEventsHook)
}

// Pool returns the pgx pool (for code that needs pgx itself, e.g. COPY).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool.
func (db *DB) Close() error {
	err := db.sql.Close()
	db.pool.Close()
	return err
}

var dialect = sqlstore.Dialect{
	Name:     "postgres",
	Dollar:   true,
	Position: "strpos",
	LockRow:  " FOR UPDATE",
	Classify: func(err error) string {
		var e *pgconn.PgError
		if !errors.As(err, &e) {
			return ""
		}
		switch e.Code {
		case "23505": // unique_violation
			return bianque.ECONFLICT
		case "23503": // foreign_key_violation
			return bianque.ENOTFOUND
		}
		return ""
	},
	TenantTables: func(ctx context.Context, q sqlstore.Querier) ([]string, map[string][]string, error) {
		// Ordinary and partitioned tables of the current schema; partitions
		// are reached through their parent.
		rows, err := q.QueryContext(ctx, `SELECT c.relname FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
			WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
			ORDER BY c.relname`)
		if err != nil {
			return nil, nil, err
		}
		var tables []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return nil, nil, err
			}
			tables = append(tables, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		rows, err = q.QueryContext(ctx, `SELECT child.relname, parent.relname FROM pg_constraint k
			JOIN pg_class child ON child.oid = k.conrelid
			JOIN pg_class parent ON parent.oid = k.confrelid
			JOIN pg_namespace n ON n.oid = child.relnamespace
			WHERE k.contype = 'f' AND n.nspname = current_schema()`)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		refs := map[string][]string{}
		for rows.Next() {
			var child, parent string
			if err := rows.Scan(&child, &parent); err != nil {
				return nil, nil, err
			}
			refs[child] = append(refs[child], parent)
		}
		return tables, refs, rows.Err()
	},
}
