package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"bianque/internal/testutil"
	"bianque/postgres"
	"bianque/sqlite"
)

// NewSQLite opens a fresh SQLite store in a temporary directory, closed when
// the test ends.
func NewSQLite(t testing.TB, opts ...sqlite.Option) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bianque.db"), opts...)
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresSchema creates a schema of its own on the test server
// (testutil.PostgresURL) and returns a URL whose search_path selects it; the
// schema is dropped when the test ends, so parallel runs do not collide. If
// the server is unreachable the test is skipped, or fails when $CI is set.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := testutil.PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		testutil.Missing(t, "PostgreSQL test server %s is unreachable (set BIANQUE_TEST_POSTGRES): %v", redact(base), err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	rand.Read(b[:])
	schema := "bianque_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", redact(base), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// NewPostgres opens a fresh PostgreSQL store in a schema of its own (see
// PostgresSchema), closed and dropped when the test ends.
func NewPostgres(t testing.TB, opts ...postgres.Option) *postgres.DB {
	t.Helper()
	u := PostgresSchema(t)
	db, err := postgres.Open(context.Background(), u, opts...)
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
