package storetest

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
)

// BenchAppendEvents appends realistic FortiGate events (parsed and
// normalized, with the pipeline's fields) to st in batches of 2,000, as the
// pipeline does, and reports events per second and per CPU-second.
func BenchAppendEvents(b *testing.B, st bianque.Store) {
	ctx := context.Background()
	tn := &bianque.Tenant{Code: "bench", Name: "Bench", Contract: bianque.DefaultContract()}
	if err := st.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	es, ok := st.(bianque.EventStore)
	if !ok {
		b.Fatalf("%T keeps no events", st)
	}
	const batch = 2000
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	// As many events as a few pipeline batches hold at once (the live heap
	// the collector scans is part of the cost).
	pool := FortiGateEvents(b, tn.ID, start, 5*batch)
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
		if n, err := es.AppendEvents(ctx, tn.ID, evs); err != nil || n != len(evs) {
			b.Fatalf("inserted %d of %d: %v", n, len(evs), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	testutil.ReportCPURate(b, cpu, "events")
}

// BenchSearchEvents measures searches over 1,000,000 FortiGate events of
// one tenant and day in st ($BIANQUE_BENCH_EVENTS to change the count): the
// newest page, a one-minute window, a rare field match and free text that
// matches nothing (both read every event), and a common term. Each reports
// the events looked at per search and per CPU-second.
func BenchSearchEvents(b *testing.B, st bianque.Store) {
	ctx := context.Background()
	db := st.(bianque.EventStore)
	total := 1_000_000
	if s := os.Getenv("BIANQUE_BENCH_EVENTS"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	tn := &bianque.Tenant{Code: "bench", Name: "Bench", Contract: bianque.DefaultContract()}
	if err := st.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 20000
	for i := 0; i < total; i += chunk {
		evs := FortiGateEvents(b, tn.ID, start.Add(time.Duration(i)*time.Millisecond), min(chunk, total-i))
		for j := 0; j < len(evs); j += 2000 {
			if _, err := db.AppendEvents(ctx, tn.ID, evs[j:min(j+2000, len(evs))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	filter := func(s string) bianque.FieldFilter {
		f, err := bianque.ParseFieldFilter(s)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	mid := start.Add(time.Duration(total/2) * time.Millisecond)
	for _, c := range []struct {
		name string
		q    bianque.EventQuery
	}{
		{"newest", bianque.EventQuery{}},
		{"window", bianque.EventQuery{From: mid, To: mid.Add(time.Minute)}},
		{"field-rare", bianque.EventQuery{Filters: []bianque.FieldFilter{filter("source.ip=10.0.0.99"), filter("event.action=deny")}}},
		{"text-none", bianque.EventQuery{Text: "no-such-thing"}},
		{"text-common", bianque.EventQuery{Text: "FGT60F https"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.q.TenantIDs, c.q.Limit = []string{tn.ID}, 50
			var scanned int64
			cpu := testutil.CPUTime()
			for i := 0; i < b.N; i++ {
				p, err := db.SearchEvents(ctx, c.q)
				if err != nil {
					b.Fatal(err)
				}
				scanned += p.Scanned
			}
			b.ReportMetric(float64(scanned)/float64(b.N), "scanned/op")
			b.ReportMetric(float64(scanned)/(testutil.CPUTime()-cpu).Seconds(), "scanned/cpu-s")
		})
	}
}
