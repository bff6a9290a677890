//go:build unix

package pipeline

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"bianque/discover/decode"
	"bianque/discover/internal/benchgen"
	"bianque/discover/sensor"
	"bianque/internal/testutil"
)

// BenchmarkDiscoverCorpusLoop measures decode + dissect + classify on the
// pcap corpus looped to one million packets (client ports moved each loop,
// so every loop opens new conversations): all dissectors on, the report
// with classification and the communication map built at the end. Run with
// -cpu 1 for the per-core figure of docs/performance.md.
func BenchmarkDiscoverCorpusLoop(b *testing.B) {
	frames, err := benchgen.Load(filepath.Join(testutil.Corpora(b), "pcap"))
	if err != nil {
		b.Fatal(err)
	}
	loop := benchgen.Loop(frames, 1_000_000)
	var bytes int64
	for _, f := range loop {
		bytes += int64(len(f))
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.SetBytes(bytes)
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		cfg := OfflineConfig()
		cfg.Enrich = Default
		eng := sensor.New(cfg)
		for i, f := range loop {
			eng.Packet(decode.LinkEthernet, f, t0.Add(time.Duration(i)*time.Microsecond))
		}
		rep := eng.Report()
		if len(rep.Devices) == 0 {
			b.Fatal("no devices")
		}
	}
	b.ReportMetric(float64(len(loop))*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(float64(len(loop))*float64(b.N)/cpu, "packets/cpu-s")
	}
}

// cpuTime is the process's user + system CPU time (garbage collection
// included): on a shared machine a better measure of the cost per core
// than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
