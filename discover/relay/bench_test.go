//go:build unix

package relay_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianque/discover/internal/benchgen"
	"bianque/discover/relay"
	"bianque/ingest"
	"bianque/internal/testutil"
	"bianque/queue"
)

// benchRelay replays path through a relay as bianque collect runs it: live
// table limits, classification, each flush cut into spool records and
// written to a disk spool (fsync per write unless sync is false). It
// reports packets per CPU-second, CPU-seconds per million packets, and the
// sightings and flow summaries written to the spool per CPU-second (the
// machine is shared, so CPU time is the measure of cost, not the wall clock).
func benchRelay(b *testing.B, path string, packets int, sync bool) {
	policy := queue.SyncNone
	if sync {
		policy = queue.SyncAlways
	}
	var sightings, summaries, records uint64
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cpu0 := testutil.CPUTime()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		spool, err := queue.OpenLocal(filepath.Join(b.TempDir(), "spool"), queue.LocalOptions{Sync: policy})
		if err != nil {
			b.Fatal(err)
		}
		ds := &ingest.DiscoverySpool{Sink: &ingest.QueueSink{Queue: spool}}
		r, err := relay.New(relay.Config{Files: []string{path}, Interval: 200 * time.Millisecond, Forward: ds.Forward, Logger: log})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := r.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st := r.Stats()
		if st.Sensor.Frames != uint64(packets) {
			b.Fatalf("%d frames read, want %d", st.Sensor.Frames, packets)
		}
		sightings += st.Sightings
		summaries += st.FlowSummaries
		qs, _ := spool.Stats(context.Background())
		records += uint64(qs.Backlog)
		spool.Close()
		b.StartTimer()
	}
	cpu := (testutil.CPUTime() - cpu0).Seconds()
	n := float64(b.N)
	b.ReportMetric(float64(packets)*n/cpu, "packets/cpu-s")
	b.ReportMetric(cpu/n/(float64(packets)/1e6), "cpu-s/Mpackets")
	b.ReportMetric(float64(sightings)/cpu, "sightings/cpu-s")
	b.ReportMetric(float64(summaries)/cpu, "flows/cpu-s")
	b.ReportMetric(float64(sightings)/n, "sightings/op")
	b.ReportMetric(float64(summaries)/n, "flows/op")
	b.ReportMetric(float64(records)/n, "records/op")
}

// BenchmarkRelayCorpusLoop: the pcap corpus looped to one million packets
// (client ports moved each loop: new conversations, the same devices), as
// a hospital's steady traffic. Run with -cpu 1 for docs/performance.md.
func BenchmarkRelayCorpusLoop(b *testing.B) {
	frames, err := benchgen.Load(filepath.Join(testutil.Corpora(b), "pcap"))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "loop.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchgen.Write(f, benchgen.Loop(frames, n)); err != nil {
		b.Fatal(err)
	}
	f.Close()
	benchRelay(b, path, n, true)
}

// BenchmarkRelayChurn: 200,000 frames each between a new client and a new
// server, the worst case for what is forwarded (every frame is a new
// device pair and a new flow summary).
func BenchmarkRelayChurn(b *testing.B) {
	path := filepath.Join(b.TempDir(), "churn.pcap")
	const n = 200_000
	writeChurn(b, path, n)
	benchRelay(b, path, n, true)
}
