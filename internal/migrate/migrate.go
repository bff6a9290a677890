// Package migrate applies versioned SQL migrations embedded in a store
// package. Files are named NNNN_description.sql; the number is the version.
// Versions are reserved in ranges per area (see docs/store.md) so that areas
// developed apart can land in any order: Apply runs every migration whose
// version is not recorded yet, in version order, not only those above the
// highest applied one.
//
// The applied versions are recorded in the table schema_migrations with the
// SHA-256 of the file, and a file changed after it was applied is an error:
// a released migration is never edited, a new one is added instead.
package migrate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Migration is one SQL file.
type Migration struct {
	Version  int
	Name     string // file name
	SQL      string
	Checksum string // hex SHA-256 of SQL
}

var fileRE = regexp.MustCompile(`^(\d{4,})_[a-z0-9_]+\.sql$`)

// Load reads every *.sql file of dir in fsys and returns the migrations in
// version order. A badly named file or a duplicate version is an error.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := fileRE.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_lower_case_words.sql", e.Name())
		}
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("migration %s: version: %w", e.Name(), err)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	return ms, nil
}

// Applied is a row of schema_migrations.
type Applied struct {
	Version  int
	Name     string
	Checksum string
}

// Pending returns the migrations of all that are not in applied, in version
// order. It fails if an applied migration's file changed.
func Pending(all []Migration, applied []Applied) ([]Migration, error) {
	done := make(map[int]Applied, len(applied))
	for _, a := range applied {
		done[a.Version] = a
	}
	var out []Migration
	for _, m := range all {
		a, ok := done[m.Version]
		if !ok {
			out = append(out, m)
			continue
		}
		if a.Checksum != m.Checksum {
			return nil, fmt.Errorf("migration %s was changed after it was applied (as %s); add a new migration instead of editing a released one", m.Name, a.Name)
		}
	}
	return out, nil
}

// Execer is the part of *sql.Conn and *sql.Tx that Apply needs.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Options adapt Apply to a database.
type Options struct {
	// Placeholder returns the n-th (1-based) bind parameter: "?" or "$n".
	Placeholder func(n int) string
	// Now stamps applied_at; defaults to the wall clock.
	Now func() time.Time
}

// createTable is valid in SQLite and PostgreSQL alike.
const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT PRIMARY KEY,
	name       TEXT NOT NULL,
	checksum   TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// Apply creates schema_migrations if needed and runs the pending migrations
// on conn, each in its own transaction together with its record. The caller
// holds whatever lock keeps other processes from migrating at the same time.
// It returns the versions it applied.
func Apply(ctx context.Context, conn *sql.Conn, all []Migration, opt Options) ([]int, error) {
	if opt.Placeholder == nil {
		opt.Placeholder = func(int) string { return "?" }
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if _, err := conn.ExecContext(ctx, createTable); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := readApplied(ctx, conn)
	if err != nil {
		return nil, err
	}
	pending, err := Pending(all, applied)
	if err != nil {
		return nil, err
	}
	p := opt.Placeholder
	insert := fmt.Sprintf("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (%s, %s, %s, %s)", p(1), p(2), p(3), p(4))
	var done []int
	for _, m := range pending {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return done, fmt.Errorf("migration %s: begin: %w", m.Name, err)
		}
		// Another process may have applied it since we looked (SQLite has no
		// lock around the whole run; its transactions take the write lock).
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = "+p(1), m.Version).Scan(&n); err != nil {
			tx.Rollback()
			return done, fmt.Errorf("migration %s: check: %w", m.Name, err)
		}
		if n > 0 {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return done, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, insert, m.Version, m.Name, m.Checksum, opt.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			tx.Rollback()
			return done, fmt.Errorf("migration %s: record: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return done, fmt.Errorf("migration %s: commit: %w", m.Name, err)
		}
		done = append(done, m.Version)
	}
	return done, nil
}

func readApplied(ctx context.Context, q Execer) ([]Applied, error) {
	rows, err := q.QueryContext(ctx, "SELECT version, name, checksum FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	var out []Applied
	for rows.Next() {
		var a Applied
		if err := rows.Scan(&a.Version, &a.Name, &a.Checksum); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
