package sqlite_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
	"bianque/storetest"
)

// BenchmarkAppendEvents appends realistic FortiGate events (parsed and
// normalized, with the pipeline's fields) in batches of 2,000, as the
// pipeline does, and reports events per second and per CPU-second.
func BenchmarkAppendEvents(b *testing.B) {
	ctx := context.Background()
	db := storetest.NewSQLite(b)
	tn := &bianque.Tenant{Code: "bench", Name: "Bench", Contract: bianque.DefaultContract()}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	// As many events as a few pipeline batches hold at once (the live heap
	// the collector scans is part of the cost).
	pool := storetest.FortiGateEvents(b, tn.ID, start, 5*batch)
	b.ResetTimer()
	cpu := testutil.CPUTime()
	for i := 0; i < b.N; i += batch {
		evs := pool[i%len(pool) : i%len(pool)+min(batch, b.N-i)]
		// Fresh IDs past the pool's first round: every event is new.
		if i >= len(pool) {
			b.StopTimer()
			for j, e := range evs {
				e.Set("event.id", "bench-"+strconv.Itoa(i+j))
			}
			b.StartTimer()
		}
		n, err := db.AppendEvents(ctx, tn.ID, evs)
		if err != nil {
			b.Fatal(err)
		}
		if n != len(evs) {
			b.Fatalf("inserted %d of %d", n, len(evs))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	testutil.ReportCPURate(b, cpu, "events")
}

// BenchmarkSearchEvents: see storetest.BenchSearchEvents.
func BenchmarkSearchEvents(b *testing.B) { storetest.BenchSearchEvents(b, storetest.NewSQLite(b)) }
