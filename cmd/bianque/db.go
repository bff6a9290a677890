package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"bianque"
)

// storeOpeners open a store by URL scheme; each store package's opener
// registers itself from its own file (db_sqlite.go, db_postgres.go).
var storeOpeners = map[string]func(ctx context.Context, dsn string) (bianque.Store, error){}

// dbFlagUsage documents --db for every command that opens the store.
const dbFlagUsage = "database: empty for SQLite at <data>/bianque.db, sqlite:PATH, or postgres://user@host/db"

// openStore opens the store named by db, or the default SQLite database
// under dataDir when db is empty.
func openStore(ctx context.Context, db, dataDir string) (bianque.Store, string, error) {
	scheme, dsn := "sqlite", db
	switch {
	case db == "":
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, "", fmt.Errorf("create data directory: %w", err)
		}
		dsn = filepath.Join(dataDir, "bianque.db")
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		scheme = "postgres"
	case strings.HasPrefix(db, "sqlite:"):
		dsn = strings.TrimPrefix(db, "sqlite:")
	default:
		return nil, "", fmt.Errorf("--db %q: want postgres://..., sqlite:PATH or nothing", db)
	}
	open, ok := storeOpeners[scheme]
	if !ok {
		return nil, "", fmt.Errorf("this build has no %s store", scheme)
	}
	st, err := open(ctx, dsn)
	if err != nil {
		return nil, "", fmt.Errorf("open %s store: %w", scheme, err)
	}
	return st, describeDB(scheme, dsn), nil
}

// describeDB names the database for logs without its password.
func describeDB(scheme, dsn string) string {
	if scheme == "postgres" {
		if at := strings.LastIndex(dsn, "@"); at >= 0 {
			return "postgres://…" + dsn[at:]
		}
	}
	return scheme + ":" + dsn
}
