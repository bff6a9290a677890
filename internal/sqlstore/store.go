// Package sqlstore implements the platform store (bianque.Store) once, in SQL
// that SQLite and PostgreSQL both accept, over database/sql. The packages
// sqlite and postgres open the database, run their own migrations (the table
// definitions differ in types) and hand a Dialect that covers the rest:
// placeholders, how times are stored, error classification and catalog
// queries.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianque"
)

// Dialect is what differs between the databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Dollar selects $1, $2, ... placeholders; otherwise "?".
	Dollar bool
	// Position is the function returning the 1-based position of a substring
	// (instr in SQLite, strpos in PostgreSQL), for case-insensitive search.
	Position string
	// LockRow is appended to a SELECT that must lock the rows it reads until
	// the transaction ends (" FOR UPDATE"); empty where writers are serialised
	// anyway (SQLite's single writer).
	LockRow string
	// TimeNanos stores times as integer nanoseconds since the epoch (SQLite);
	// otherwise as native timestamps (PostgreSQL, microsecond precision).
	TimeNanos bool
	// Classify returns bianque.ECONFLICT for a unique violation,
	// bianque.ENOTFOUND for a foreign-key violation, or "".
	Classify func(err error) string
	// TenantTables lists the tables that have a tenant_id column and, for
	// ordering deletes, which of them reference which (child → parents).
	TenantTables func(ctx context.Context, q Querier) (tables []string, refs map[string][]string, err error)
}

// Querier is the common part of *sql.DB, *sql.Conn and *sql.Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is the platform store over one database.
type Store struct {
	d Dialect
	// w takes every write (SQLite: a single connection, so writers queue in
	// the process instead of failing with SQLITE_BUSY); r serves reads.
	w, r  *sql.DB
	clock bianque.Clock
	crypt *fieldCrypt

	rebound sync.Map // query → rebound query
}

// Config holds what New needs beyond the connections.
type Config struct {
	Clock bianque.Clock
	// FieldKey, when set (16, 24 or 32 bytes), encrypts users' e-mail, phone
	// and TOTP secret with AES-GCM.
	FieldKey []byte
}

// New returns a store writing through w and reading through r (r may be w).
func New(d Dialect, w, r *sql.DB, cfg Config) (*Store, error) {
	if cfg.Clock == nil {
		cfg.Clock = bianque.SystemClock{}
	}
	s := &Store{d: d, w: w, r: r, clock: cfg.Clock}
	if len(cfg.FieldKey) > 0 {
		c, err := newFieldCrypt(cfg.FieldKey)
		if err != nil {
			return nil, err
		}
		s.crypt = c
	}
	return s, nil
}

// Ping checks both connection pools.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return bianque.WrapError(bianque.EUNAVAILABLE, err, "database unreachable")
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return bianque.WrapError(bianque.EUNAVAILABLE, err, "database unreachable")
		}
	}
	return nil
}

// Writer returns the write pool (for the owning package's own queries).
func (s *Store) Writer() *sql.DB { return s.w }

// Reader returns the read pool.
func (s *Store) Reader() *sql.DB { return s.r }

// Encrypted reports whether sensitive user fields are encrypted at rest.
func (s *Store) Encrypted() bool { return s.crypt != nil }

// Q rewrites a query written with "?" placeholders for the dialect.
func (s *Store) Q(query string) string {
	if !s.d.Dollar {
		return query
	}
	if v, ok := s.rebound.Load(query); ok {
		return v.(string)
	}
	out := Rebind(query)
	s.rebound.Store(query, out)
	return out
}

// Rebind turns "?" placeholders into "$1", "$2", ... outside quoted strings
// and identifiers.
func Rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// T encodes a time for a time column.
func (s *Store) T(t time.Time) any {
	if s.d.TimeNanos {
		if t.IsZero() {
			return int64(0)
		}
		return t.UnixNano()
	}
	return t.UTC()
}

// NT encodes an optional time; nil is NULL.
func (s *Store) NT(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.T(*t)
}

// TimeCol scans a time column of either representation into *t.
type TimeCol struct{ T *time.Time }

// Scan implements sql.Scanner.
func (c TimeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.T = time.Time{}
	case int64:
		if x == 0 {
			*c.T = time.Time{}
		} else {
			*c.T = time.Unix(0, x).UTC()
		}
	case time.Time:
		*c.T = x.UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", v)
	}
	return nil
}

// NullTimeCol scans an optional time column into **t (nil for NULL).
type NullTimeCol struct{ T **time.Time }

// Scan implements sql.Scanner.
func (c NullTimeCol) Scan(v any) error {
	if v == nil {
		*c.T = nil
		return nil
	}
	var t time.Time
	if err := (TimeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.T = &t
	return nil
}

// NullStr scans a nullable text column into *string ("" for NULL).
type NullStr struct{ S *string }

// Scan implements sql.Scanner.
func (c NullStr) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.S = ""
	case string:
		*c.S = x
	case []byte:
		*c.S = string(x)
	default:
		return fmt.Errorf("text column: unexpected %T", v)
	}
	return nil
}

// JSONCol scans a JSON text column into the value V points to; NULL or ""
// leaves it unchanged.
type JSONCol struct{ V any }

// Scan implements sql.Scanner.
func (c JSONCol) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("json column: unexpected %T", v)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, c.V)
}

// JSON encodes v for a JSON column.
func JSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json column: %w", err)
	}
	return string(b), nil
}

// nullIfEmpty maps "" to NULL, for optional references (users.tenant_id).
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// dbErr turns a driver error into a domain error: unique violations become
// ECONFLICT, foreign-key violations ENOTFOUND, anything else EINTERNAL with
// the context what.
func (s *Store) dbErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *bianque.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch s.d.Classify(err) {
	case bianque.ECONFLICT:
		return bianque.WrapError(bianque.ECONFLICT, err, "%s: already exists", what)
	case bianque.ENOTFOUND:
		return bianque.WrapError(bianque.ENOTFOUND, err, "%s: a referenced record does not exist", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func notFound(what string) error { return bianque.Errorf(bianque.ENOTFOUND, "%s not found", what) }

// Tx runs fn in a write transaction, committing if fn returns nil.
func (s *Store) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.dbErr(err, "commit")
	}
	return nil
}

// where accumulates the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?, ?, ...)" for a non-empty list.
func in[T ~string](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
	w.conds = append(w.conds, col+" IN ("+ph+")")
	for _, v := range vals {
		w.args = append(w.args, string(v))
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// contains adds a case-insensitive substring match of q over any of cols.
func (s *Store) contains(w *where, q string, cols ...string) {
	q = strings.TrimSpace(q)
	if q == "" {
		return
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = s.d.Position + "(lower(" + c + "), lower(?)) > 0"
		w.args = append(w.args, q)
	}
	w.conds = append(w.conds, "("+strings.Join(parts, " OR ")+")")
}

// page adds the keyset condition and returns the ORDER/LIMIT tail; lists
// fetch one row more than the limit to know whether a next page exists.
func page(w *where, col string, p bianque.Page) (tail string, limit int) {
	p = p.Normalize()
	if p.Cursor != "" {
		w.add(col+" < ?", p.Cursor)
	}
	return fmt.Sprintf(" ORDER BY %s DESC LIMIT %d", col, p.Limit+1), p.Limit
}

// trim cuts a fetched page to limit and returns the next cursor.
func trim[T any](items []T, limit int, id func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, id(items[limit-1])
}

// QuoteIdent quotes a table or column name for both dialects.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
