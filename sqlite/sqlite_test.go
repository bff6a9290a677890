package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"bianque"
	"bianque/sqlite"
	"bianque/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bianque.Store { return storetest.NewSQLite(t) })
}

func TestEncryption(t *testing.T) {
	storetest.RunEncryption(t, func(t *testing.T, key []byte) bianque.Store {
		return storetest.NewSQLite(t, sqlite.WithFieldKey(key))
	})
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "nested", "dir", "bianque.db")
	key := []byte("0123456789abcdef")
	db, err := sqlite.Open(ctx, path, sqlite.WithFieldKey(key))
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.Writer().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v; want wal", mode, err)
	}
	var fk int
	if err := db.Reader().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign keys on readers: %d, %v", fk, err)
	}
	if _, err := db.Reader().ExecContext(ctx, "CREATE TABLE nope (x)"); err == nil {
		t.Fatalf("reader connections must be read-only")
	}
	u := &bianque.User{Username: "keeper", Role: bianque.RoleAuditor, Email: "k@example.org"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = sqlite.Open(ctx, path, sqlite.WithFieldKey(key))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	got, err := db.User(ctx, u.ID)
	if err != nil || got.Email != u.Email {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	var n int
	db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n)
	if n == 0 {
		t.Fatalf("schema_migrations is empty")
	}
	db.Close()

	for name, opts := range map[string][]sqlite.Option{
		"no key":    nil,
		"wrong key": {sqlite.WithFieldKey([]byte("fedcba9876543210"))},
	} {
		db, err = sqlite.Open(ctx, path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.User(ctx, u.ID); bianque.ErrorCode(err) != bianque.EINTERNAL {
			t.Errorf("%s: reading an encrypted field gave %v, want an internal error", name, err)
		}
		db.Close()
	}
	if _, err := sqlite.Open(ctx, path, sqlite.WithFieldKey([]byte("short"))); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Errorf("short key: %v", err)
	}
}

func TestEventConformance(t *testing.T) {
	storetest.RunEvents(t, func(t *testing.T) bianque.Store { return storetest.NewSQLite(t) })
}

// TestEventSegments checks the files behind the event store: one segment per
// tenant and day, dropped by retention, removed with the tenant, and
// readable by a second opener of the same data directory (another process,
// e.g. the CLI) while the first writes.
func TestEventSegments(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bianque.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tn := &bianque.Tenant{Code: "seg", Name: "Seg", Contract: bianque.DefaultContract()}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	evs := append(storetest.FortiGateEvents(t, tn.ID, day.Add(-time.Second), 2000), storetest.FortiGateEvents(t, tn.ID, day.AddDate(0, 0, 3), 10)...)
	if n, err := db.AppendEvents(ctx, tn.ID, evs); err != nil || n != len(evs) {
		t.Fatalf("append: %d, %v", n, err)
	}
	segs := func() []string {
		names, _ := filepath.Glob(filepath.Join(dir, "events", tn.ID, "*.db"))
		for i, n := range names {
			names[i] = filepath.Base(n)
		}
		return names
	}
	if got := segs(); !slices.Equal(got, []string{"2026-03-01.db", "2026-03-02.db", "2026-03-05.db"}) {
		t.Fatalf("segments %v", got)
	}

	other, err := sqlite.Open(ctx, filepath.Join(dir, "bianque.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	count := func(es bianque.EventStore) int64 {
		parts, err := es.EventPartitions(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, p := range parts {
			n += p.Events
		}
		return n
	}
	if n := count(other); n != 2010 {
		t.Fatalf("second opener counts %d events", n)
	}
	more := storetest.FortiGateEvents(t, tn.ID, day.Add(time.Hour), 500)
	if _, err := db.AppendEvents(ctx, tn.ID, more); err != nil {
		t.Fatal(err)
	}
	if n := count(other); n != 2510 {
		t.Fatalf("second opener counts %d events after another append", n)
	}

	dropped, err := db.DropEventPartitionsBefore(ctx, tn.ID, day)
	if err != nil || len(dropped) != 1 || dropped[0].Events != 1000 {
		t.Fatalf("drop: %+v, %v", dropped, err)
	}
	if got := segs(); !slices.Equal(got, []string{"2026-03-02.db", "2026-03-05.db"}) {
		t.Fatalf("segments after the drop: %v", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "events", tn.ID, "2026-03-01*")); len(left) != 0 {
		t.Fatalf("files of the dropped day left: %v", left)
	}
	if _, err := db.PurgeTenant(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "events", tn.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the purged tenant's event directory is still there: %v", err)
	}
}
