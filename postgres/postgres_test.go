package postgres_test

import (
	"sync"
	"testing"

	"bianque"
	"bianque/postgres"
	"bianque/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bianque.Store { return storetest.NewPostgres(t) })
}

func TestEncryption(t *testing.T) {
	storetest.RunEncryption(t, func(t *testing.T, key []byte) bianque.Store {
		return storetest.NewPostgres(t, postgres.WithFieldKey(key))
	})
}

// Nodes starting together on an empty schema: the advisory lock lets one
// migrate while the others wait, and all of them come up.
func TestConcurrentOpen(t *testing.T) {
	url := storetest.PostgresSchema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(t.Context(), url, postgres.WithMaxConns(2))
			if err != nil {
				errs <- err
				return
			}
			errs <- db.Ping(t.Context())
			db.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
}

func TestOpenBadURL(t *testing.T) {
	if _, err := postgres.Open(t.Context(), "postgres://%zz"); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("bad URL: %v", err)
	}
}
