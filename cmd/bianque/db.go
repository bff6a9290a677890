package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"bianque"
)

// storeOpeners open a store by URL scheme; each store package's opener
// registers itself from its own file (db_sqlite.go, db_postgres.go).
var storeOpeners = map[string]func(ctx context.Context, dsn string, fieldKey []byte) (bianque.Store, error){}

// dbFlagUsage documents --db for every command that opens the store.
const dbFlagUsage = "database: empty for SQLite at <data>/bianque.db, sqlite:PATH, or postgres://user@host/db"

// fieldKeyUsage documents --field-key.
const fieldKeyUsage = "key encrypting e-mail, phone and TOTP secrets at rest (R15.4): 32 bytes as base64 or hex; keep it safe, losing it loses those fields"

// parseFieldKey reads a field-encryption key given as base64 or hex.
func parseFieldKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("--field-key must be 32 bytes as base64 or hex (try: head -c 32 /dev/urandom | base64)")
}

// openStore opens the store named by db, or the default SQLite database
// under dataDir when db is empty.
func openStore(ctx context.Context, db, dataDir string, fieldKey []byte) (bianque.Store, string, error) {
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
	st, err := open(ctx, dsn, fieldKey)
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
