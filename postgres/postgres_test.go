package postgres_test

import (
	"slices"
	"sync"
	"testing"
	"time"

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

func TestEventConformance(t *testing.T) {
	storetest.RunEvents(t, func(t *testing.T) bianque.Store { return storetest.NewPostgres(t) })
}

// TestEventPartitionsInCatalog checks that events live in native partitions
// per tenant and day, that retention drops a day's tables and a purge the
// tenant's.
func TestEventPartitionsInCatalog(t *testing.T) {
	ctx := t.Context()
	db := storetest.NewPostgres(t)
	tn := &bianque.Tenant{Code: "cat", Name: "Cat", Contract: bianque.DefaultContract()}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if _, err := db.AppendEvents(ctx, tn.ID, storetest.FortiGateEvents(t, tn.ID, day.Add(-time.Second), 2000)); err != nil {
		t.Fatal(err)
	}
	parts := func() []string {
		rows, err := db.Pool().Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
			JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname LIKE 'event_%_' || $1 ORDER BY 1`, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	want := []string{"event_blocks_" + tn.ID + "_20260301", "event_blocks_" + tn.ID + "_20260302",
		"event_keys_" + tn.ID + "_20260301", "event_keys_" + tn.ID + "_20260302"}
	if got := parts(); !slices.Equal(got, want) {
		t.Fatalf("partitions %v, want %v", got, want)
	}
	if _, err := db.DropEventPartitionsBefore(ctx, tn.ID, day); err != nil {
		t.Fatal(err)
	}
	if got := parts(); !slices.Equal(got, []string{want[1], want[3]}) {
		t.Fatalf("partitions after the drop: %v", got)
	}
	if _, err := db.PurgeTenant(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname LIKE '%' || $1 || '%'`, tn.ID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d tables of the purged tenant left (%v)", n, err)
	}
}

// BenchmarkAppendEvents: see storetest.BenchAppendEvents.
func BenchmarkAppendEvents(b *testing.B) { storetest.BenchAppendEvents(b, storetest.NewPostgres(b)) }

// BenchmarkSearchEvents: see storetest.BenchSearchEvents.
func BenchmarkSearchEvents(b *testing.B) { storetest.BenchSearchEvents(b, storetest.NewPostgres(b)) }
