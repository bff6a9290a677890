// Package sqlite is the embedded store of Bianque: one SQLite database file
// (pure Go, modernc.org/sqlite, no cgo) in WAL mode with foreign keys on.
// Writes go through a single connection, so writers queue inside the process
// instead of failing with SQLITE_BUSY; reads use a small pool of read-only
// connections that WAL lets run beside the writer.
//
// Migrations (migrations/NNNN_name.sql, embedded) are applied by Open. The
// platform tables are implemented by internal/sqlstore, shared with the
// PostgreSQL store; both pass the storetest conformance suite.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"bianque"
	"bianque/internal/migrate"
	"bianque/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the SQLite store. It implements bianque.Store.
type DB struct {
	*sqlstore.Store
	path   string
	w, r   *sql.DB
	events *events
}

var (
	_ bianque.Store      = (*DB)(nil)
	_ bianque.EventStore = (*DB)(nil)
)

type options struct {
	clock     bianque.Clock
	fieldKey  []byte
	readers   int
	eventsDir string
}

// Option configures Open.
type Option func(*options)

// WithFieldKey encrypts users' e-mail address, phone number and TOTP secret
// at rest with AES-GCM under key (16, 24 or 32 bytes; R15.4). Without a key
// these fields are stored in plain text. Values stored before a key was set
// stay readable and are encrypted when the user is next updated; losing the
// key loses those fields.
func WithFieldKey(key []byte) Option { return func(o *options) { o.fieldKey = key } }

// WithClock sets the clock used for timestamps the caller left empty.
func WithClock(c bianque.Clock) Option { return func(o *options) { o.clock = c } }

// WithReaders sets the size of the read connection pool (default 4).
func WithReaders(n int) Option { return func(o *options) { o.readers = n } }

// WithEventsDir sets the directory of the event segments (default: events
// beside the database file).
func WithEventsDir(dir string) Option { return func(o *options) { o.eventsDir = dir } }

// Open opens (creating if needed, with its directory) the database file at
// path and applies pending migrations.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{readers: 4, clock: bianque.SystemClock{}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.readers < 1 {
		o.readers = 1
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, bianque.Errorf(bianque.EINVALID, "sqlite database path %q must be a file name without '?' or '#'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", path+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	db := &DB{path: path, w: w}
	if err := db.migrate(ctx, o.clock); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(o.readers)
	r.SetMaxIdleConns(o.readers)
	db.r = r
	db.Store, err = sqlstore.New(dialect, w, r, sqlstore.Config{Clock: o.clock, FieldKey: o.fieldKey})
	if err != nil {
		db.Close()
		return nil, err
	}
	if o.eventsDir == "" {
		o.eventsDir = filepath.Join(filepath.Dir(path), "events")
	}
	db.events = newEvents(db, o.eventsDir)
	return db, nil
}

func (db *DB) migrate(ctx context.Context, clock bianque.Clock) error {
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s: %w", db.path, err)
	}
	defer conn.Close()
	if _, err := migrate.Apply(ctx, conn, ms, migrate.Options{Now: clock.Now}); err != nil {
		return fmt.Errorf("migrate %s: %w", db.path, err)
	}
	return nil
}

// Path returns the database file.
func (db *DB) Path() string { return db.path }

// Close runs PRAGMA optimize and closes the connections.
func (db *DB) Close() error {
	var errs []error
	if db.events != nil {
		errs = append(errs, db.events.close())
	}
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		db.w.Exec("PRAGMA optimize")
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}

// PurgeTenant deletes every row of the tenant (see sqlstore.Store.PurgeTenant)
// and its event segments, counted as "events". Appends for the tenant fail
// with ENOTFOUND from the start of the purge.
func (db *DB) PurgeTenant(ctx context.Context, id string) (map[string]int64, error) {
	es := db.events
	es.mu.Lock()
	es.purging[id] = true
	es.mu.Unlock()
	defer func() {
		es.mu.Lock()
		delete(es.purging, id)
		es.mu.Unlock()
	}()
	return db.Store.PurgeTenantWith(ctx, id, func(ctx context.Context, tx *sql.Tx, _ string, counts map[string]int64) error {
		// Check foreign keys at commit, so the delete order between tables
		// added by later migrations cannot fail the purge midway.
		if _, err := tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
			return err
		}
		n, err := es.purge(ctx, db, id)
		counts["events"] += n
		return err
	})
}

// TenantRowCounts counts the tenant's rows per table (see
// sqlstore.Store.TenantRowCounts) and its stored events as "events".
func (db *DB) TenantRowCounts(ctx context.Context, tenantID string) (map[string]int64, error) {
	counts, err := db.Store.TenantRowCounts(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if counts["events"], err = db.countEvents(ctx, tenantID); err != nil {
		return nil, err
	}
	return counts, nil
}

var dialect = sqlstore.Dialect{
	Name:      "sqlite",
	Position:  "instr",
	TimeNanos: true,
	Classify: func(err error) string {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return ""
		}
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return bianque.ECONFLICT
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return bianque.ENOTFOUND
		}
		return ""
	},
	TenantTables: func(ctx context.Context, q sqlstore.Querier) ([]string, map[string][]string, error) {
		rows, err := q.QueryContext(ctx, `SELECT m.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.name = 'tenant_id' ORDER BY m.name`)
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
		rows, err = q.QueryContext(ctx, `SELECT m.name, f."table" FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
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
