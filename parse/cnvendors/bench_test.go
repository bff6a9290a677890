package cnvendors_test

import (
	"sort"
	"testing"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
	"bianque/parse/vendors"
)

// BenchmarkCN parses each vendor's corpus lines without a hint (detection
// included), as the ingest pipeline does for a shared syslog port.
func BenchmarkCN(b *testing.B) {
	byVendor := map[string][][]byte{}
	var all [][]byte
	for _, c := range loadCNCorpus(b) {
		byVendor[c.Vendor] = append(byVendor[c.Vendor], []byte(c.Raw))
		all = append(all, []byte(c.Raw))
	}
	names := make([]string, 0, len(byVendor))
	for k := range byVendor {
		names = append(names, k)
	}
	sort.Strings(names)
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(refTime)})
	// The peer: the same lines through the registry without this package
	// (package vendors' detection, then the generic normalizer).
	base := parse.NewRegistry()
	vendors.Register(base)
	peer := parse.NewParser(base, parse.Options{Clock: testutil.NewFakeClock(refTime)})
	run := func(b *testing.B, lines [][]byte) { runWith(b, p, lines) }
	b.Run("all", func(b *testing.B) { run(b, all) })
	b.Run("all-peer-generic", func(b *testing.B) { runWith(b, peer, all) })
	for _, n := range names {
		b.Run(n, func(b *testing.B) { run(b, byVendor[n]) })
	}
}

func runWith(b *testing.B, p *parse.Parser, lines [][]byte) {
	{
		h := parse.Hint{ReceivedAt: refTime}
		var n int64
		for _, l := range lines {
			n += int64(len(l))
		}
		b.SetBytes(n / int64(len(lines)))
		b.ReportAllocs()
		b.ResetTimer()
		cpu := testutil.CPUTime()
		for i := 0; i < b.N; i++ {
			if _, err := p.Parse(lines[i%len(lines)], h); err != nil && err.Error() == "" {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		testutil.ReportCPURate(b, cpu, "events")
	}
}
