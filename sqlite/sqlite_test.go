package sqlite_test

import (
	"path/filepath"
	"testing"

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
