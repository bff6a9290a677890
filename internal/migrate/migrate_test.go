package migrate

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"
)

func open(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func file(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }

func TestApplyFillsGapsInVersionOrder(t *testing.T) {
	ctx := context.Background()
	conn := open(t)
	fsys := fstest.MapFS{
		"m/0001_core.sql":   file("CREATE TABLE core (id TEXT);"),
		"m/0200_alerts.sql": file("CREATE TABLE alerts (id TEXT, tenant_id TEXT);"),
		"m/README.txt":      file("ignored"),
	}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	done, err := Apply(ctx, conn, ms, Options{})
	if err != nil || !slices.Equal(done, []int{1, 200}) {
		t.Fatalf("first run applied %v, %v", done, err)
	}
	// An area whose range lies below an applied version lands later.
	fsys["m/0100_events.sql"] = file("CREATE TABLE events (id TEXT); INSERT INTO core VALUES ('x');")
	fsys["m/0101_events_index.sql"] = file("CREATE INDEX events_id ON events (id);")
	ms, err = Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	done, err = Apply(ctx, conn, ms, Options{})
	if err != nil || !slices.Equal(done, []int{100, 101}) {
		t.Fatalf("second run applied %v, %v; want the gap 100, 101", done, err)
	}
	done, err = Apply(ctx, conn, ms, Options{})
	if err != nil || len(done) != 0 {
		t.Fatalf("third run applied %v, %v; want nothing", done, err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != 4 {
		t.Fatalf("schema_migrations rows: %d %v", n, err)
	}
}

func TestApplyRejectsEditedMigration(t *testing.T) {
	ctx := context.Background()
	conn := open(t)
	fsys := fstest.MapFS{"m/0001_core.sql": file("CREATE TABLE core (id TEXT);")}
	ms, _ := Load(fsys, "m")
	if _, err := Apply(ctx, conn, ms, Options{}); err != nil {
		t.Fatal(err)
	}
	fsys["m/0001_core.sql"] = file("CREATE TABLE core (id TEXT, extra TEXT);")
	ms, _ = Load(fsys, "m")
	_, err := Apply(ctx, conn, ms, Options{})
	if err == nil || !strings.Contains(err.Error(), "changed after it was applied") {
		t.Fatalf("edited migration: %v", err)
	}
}

func TestApplyRollsBackFailedMigration(t *testing.T) {
	ctx := context.Background()
	conn := open(t)
	fsys := fstest.MapFS{
		"m/0001_core.sql": file("CREATE TABLE core (id TEXT);"),
		"m/0002_bad.sql":  file("CREATE TABLE half (id TEXT); THIS IS NOT SQL;"),
	}
	ms, _ := Load(fsys, "m")
	done, err := Apply(ctx, conn, ms, Options{})
	if err == nil || !strings.Contains(err.Error(), "0002_bad.sql") || !slices.Equal(done, []int{1}) {
		t.Fatalf("got %v, %v", done, err)
	}
	var n int
	conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'").Scan(&n)
	if n != 0 {
		t.Fatalf("a failed migration left its table behind")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"bad name":  {"m/1_core.sql": file("")},
		"upper":     {"m/0001_Core.sql": file("")},
		"duplicate": {"m/0001_a.sql": file(""), "m/0001_b.sql": file("")},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
