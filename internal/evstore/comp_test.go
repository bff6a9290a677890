package evstore

import (
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"bianque/internal/testutil"
)

// BenchmarkCompress compares compressors on one block of FortiGate records
// (what chose S2 for blocks: see docs/performance.md).
func BenchmarkCompress(b *testing.B) {
	evs := fortigate(b, 2000, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	ds, _ := Prepare(evs)
	raw := []byte{}
	for _, it := range ds[0].Items {
		raw = append(raw, it.Rec...)
	}
	z1, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
	z2, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
	for _, c := range []struct {
		name string
		f    func(dst []byte) []byte
	}{
		{"zstd-fastest", func(dst []byte) []byte { return z1.EncodeAll(raw, dst[:0]) }},
		{"zstd-default", func(dst []byte) []byte { return z2.EncodeAll(raw, dst[:0]) }},
		{"s2", func(dst []byte) []byte { return s2.Encode(dst[:cap(dst)], raw) }},
		{"s2-better", func(dst []byte) []byte { return s2.EncodeBetter(dst[:cap(dst)], raw) }},
		{"snappy", func(dst []byte) []byte { return s2.EncodeSnappy(dst[:cap(dst)], raw) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, len(raw)+1000)
			cpu := testutil.CPUTime()
			var out []byte
			for i := 0; i < b.N; i++ {
				out = c.f(dst)
			}
			b.ReportMetric(float64(len(out))/2000, "B/event")
			b.ReportMetric(float64(b.N)*float64(len(raw))/1e6/(testutil.CPUTime()-cpu).Seconds(), "MB/cpu-s")
		})
	}
}
