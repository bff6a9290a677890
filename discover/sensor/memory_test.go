package sensor

import (
	"context"
	"encoding/binary"
	"io"
	"runtime"
	"testing"
	"time"

	"bianque/discover/capture"
	"bianque/discover/decode"
	"bianque/discover/internal/synth"
)

// measuring wraps a source and samples the heap every n frames.
type measuring struct {
	src      capture.Source
	n, every int
	peak     uint64
	samples  []uint64
}

func (m *measuring) Next() (capture.Frame, error) {
	m.n++
	if m.n%m.every == 0 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.samples = append(m.samples, ms.HeapAlloc)
		m.peak = max(m.peak, ms.HeapAlloc)
	}
	return m.src.Next()
}

// TestMemoryBoundedManyFlows feeds a generated capture of millions of
// distinct flows (random addresses and ports, TCP and UDP) through a pipe
// and checks that the tables stay within their limits, that evictions are
// counted, and that the heap stops growing once the tables are full.
func TestMemoryBoundedManyFlows(t *testing.T) {
	total := 2_000_000
	if testing.Short() {
		total = 300_000
	}
	pr, pw := io.Pipe()
	go func() {
		w, err := capture.NewPcapWriter(pw, decode.LinkEthernet)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		a := synth.NewHost("02:00:00:00:00:01", "10.0.0.1")
		b := synth.NewHost("02:00:00:00:00:02", "10.128.0.1")
		udp := synth.UDPFrame(a, b, 1, 2, []byte("payload-of-a-datagram"))
		tcp := synth.TCPFrame(a, b, 1, 2, 100, 0, decode.TCPSyn, nil)
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		x := uint32(2463534242)
		for i := range total {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			f := udp
			if i%2 == 0 {
				f = tcp
			}
			// Sources spread over 10.0.0.0/10 (4M addresses), destinations
			// over 256 servers, ports random: nearly every frame a new flow.
			binary.BigEndian.PutUint32(f[26:30], 0x0a000000|x&0x3fffff)
			binary.BigEndian.PutUint32(f[30:34], 0x0a800000|(x>>22)&0xff)
			binary.BigEndian.PutUint16(f[34:36], uint16(x>>8)|1024)
			binary.BigEndian.PutUint16(f[36:38], uint16(x%2048)+1)
			copy(f[6:12], []byte{0x02, 0, byte(x >> 16), byte(x >> 8), byte(x), 1})
			if err := w.WritePacket(t0.Add(time.Duration(i)*time.Microsecond), f); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	src, err := capture.Open(pr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.MaxFlows, cfg.MaxHosts, cfg.MaxMACs, cfg.MaxEdges = 100_000, 50_000, 50_000, 50_000
	eng := New(cfg)
	m := &measuring{src: src, every: total / 10}
	if err := eng.Run(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	flows, hosts, macs, edges := eng.Sizes()
	st := eng.Stats()
	t.Logf("%d frames: flows %d hosts %d macs %d edges %d; evicted flows %d hosts %d edges %d; heap samples (MB) %v",
		st.Frames, flows, hosts, macs, edges, st.FlowsEvicted, st.HostsEvicted, st.EdgesEvicted, mb(m.samples))
	if int(st.Frames) != total {
		t.Fatalf("processed %d of %d frames", st.Frames, total)
	}
	if flows > cfg.MaxFlows || hosts > cfg.MaxHosts || macs > cfg.MaxMACs || edges > cfg.MaxEdges {
		t.Fatalf("tables over their limits")
	}
	if st.FlowsEvicted == 0 || st.HostsEvicted == 0 || st.EdgesEvicted == 0 {
		t.Fatalf("no evictions counted: %+v", st)
	}
	const limit = 512 << 20
	if m.peak > limit {
		t.Fatalf("heap peaked at %d MB (limit %d MB)", m.peak>>20, limit>>20)
	}
	// Once full, the heap must not keep growing with the number of flows.
	if n := len(m.samples); n >= 6 {
		mid, last := m.samples[n/2], m.samples[n-1]
		if float64(last) > 1.3*float64(mid) {
			t.Fatalf("heap still growing: %d MB at half, %d MB at the end", mid>>20, last>>20)
		}
	}
}

func mb(s []uint64) []uint64 {
	out := make([]uint64, len(s))
	for i, v := range s {
		out[i] = v >> 20
	}
	return out
}
