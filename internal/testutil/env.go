package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Corpora returns the shared corpora directory: $BIANQUE_CORPORA, or
// ../shared/corpora next to the repository. If it is absent the test is
// skipped with a message saying where it was looked for; CI always sets it.
func Corpora(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("BIANQUE_CORPORA")
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "..", "shared", "corpora")
	}
	if _, err := os.Stat(dir); err != nil {
		Missing(t, "corpora not found at %s (set BIANQUE_CORPORA): %v", dir, err)
	}
	return dir
}

// Missing reports that something a test needs from the machine — the
// corpora, a service, a program, root — is absent. Under CI (CI set, as
// .ci/run does), which installs and starts all of it, that is a failure;
// elsewhere the test is skipped with the reason, so a developer without,
// say, Chromium can still run the rest.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI must provide this: "+format, args...)
	}
	t.Skipf(format, args...)
}

// NeedRoot fails or skips (see Missing) unless the test runs as root.
func NeedRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root: %s", why)
	}
}

// Env returns the environment variable name, or def when it is unset.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// PostgresURL is the PostgreSQL server tests use ($BIANQUE_TEST_POSTGRES).
func PostgresURL() string {
	return Env("BIANQUE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

// NATSURL is the NATS JetStream server tests use ($BIANQUE_TEST_NATS).
func NATSURL() string { return Env("BIANQUE_TEST_NATS", "nats://127.0.0.1:4222") }

// MariaDBAddr is the MariaDB server tests use ($BIANQUE_TEST_MARIADB).
func MariaDBAddr() string { return Env("BIANQUE_TEST_MARIADB", "127.0.0.1:3306") }

// RedisAddr is the Redis server tests use ($BIANQUE_TEST_REDIS).
func RedisAddr() string { return Env("BIANQUE_TEST_REDIS", "127.0.0.1:6379") }
