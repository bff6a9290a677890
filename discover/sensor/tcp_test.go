package sensor

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"bianque/discover/decode"
	"bianque/discover/dissect"
	"bianque/discover/internal/synth"
)

func clientHelloRecord(sni string) []byte {
	list := append([]byte{0, byte(len(sni) >> 8), byte(len(sni))}, sni...)
	sn := append([]byte{byte(len(list) >> 8), byte(len(list))}, list...)
	ext := append([]byte{0, 0, byte(len(sn) >> 8), byte(len(sn))}, sn...)
	// Padding extension so the hello spans several segments.
	pad := make([]byte, 1200)
	ext = append(ext, 0, 21, byte(len(pad)>>8), byte(len(pad)))
	ext = append(ext, pad...)
	body := append([]byte{3, 3}, make([]byte, 32)...)
	body = append(body, 0, 0, 4, 0x13, 0x01, 0xc0, 0x2f, 1, 0, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	hs := append([]byte{1, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{22, 3, 1, byte(len(hs) >> 8), byte(len(hs))}, hs...)
}

type segment struct {
	fromClient bool
	seq        uint32
	data       []byte
	flags      uint8
}

func runSegments(t *testing.T, segs []segment) *Engine {
	t.Helper()
	c := synth.NewHost("02:00:00:00:00:01", "10.0.0.1")
	s := synth.NewHost("02:00:00:00:00:02", "10.0.0.2")
	e := New(DefaultConfig())
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, g := range segs {
		flags := g.flags
		if flags&decode.TCPSyn == 0 {
			flags |= decode.TCPAck
		}
		var f []byte
		if g.fromClient {
			f = synth.TCPFrame(c, s, 40000, 443, g.seq, 1, flags, g.data)
		} else {
			f = synth.TCPFrame(s, c, 443, 40000, g.seq, 1, flags, g.data)
		}
		e.Packet(decode.LinkEthernet, f, t0.Add(time.Duration(i)*time.Millisecond))
	}
	return e
}

func sniOf(e *Engine) []string {
	if h := e.hosts[mustAddr("10.0.0.1")]; h != nil {
		return h.facts.values(keySNI)
	}
	return nil
}

// TestReassemblyOutOfOrder: a ClientHello split over three segments that
// arrive out of order, with a retransmission, still gives its SNI.
func TestReassemblyOutOfOrder(t *testing.T) {
	hello := clientHelloRecord("pacs.hospital.example")
	a, b, c := hello[:500], hello[500:1000], hello[1000:]
	isn := uint32(1000)
	segs := []segment{
		{true, isn, nil, decode.TCPSyn},
		{true, isn + 1 + 1000, c, 0}, // third part first
		{true, isn + 1, a, 0},
		{true, isn + 1, a, 0}, // retransmission
		{true, isn + 1 + 500, b, 0},
	}
	e := runSegments(t, segs)
	if got := sniOf(e); !slices.Equal(got, []string{"pacs.hospital.example"}) {
		t.Fatalf("SNI %v", got)
	}
	if e.stats.TCPGaps != 0 {
		t.Errorf("gaps %d", e.stats.TCPGaps)
	}
}

// TestReassemblyOverlap: a segment that overlaps delivered bytes is trimmed.
func TestReassemblyOverlap(t *testing.T) {
	hello := clientHelloRecord("ris.hospital.example")
	isn := uint32(7)
	e := runSegments(t, []segment{
		{true, isn, nil, decode.TCPSyn},
		{true, isn + 1, hello[:700], 0},
		{true, isn + 1 + 600, hello[600:], 0}, // 100 bytes again, then new data
	})
	if got := sniOf(e); !slices.Equal(got, []string{"ris.hospital.example"}) {
		t.Fatalf("SNI %v", got)
	}
}

// TestReassemblyGap: bytes that never arrive stop the stream parser (and
// are counted) instead of feeding it garbage.
func TestReassemblyGap(t *testing.T) {
	hello := clientHelloRecord("lost.example")
	var segs []segment
	segs = append(segs, segment{true, 1, nil, decode.TCPSyn})
	// The first 100 bytes are lost; nine later segments wait, then give up.
	for i := 0; i < 10; i++ {
		off := 100 + i*100
		if off >= len(hello) {
			break
		}
		segs = append(segs, segment{true, uint32(2 + off), hello[off:min(off+100, len(hello))], 0})
	}
	e := runSegments(t, segs)
	if got := sniOf(e); len(got) != 0 {
		t.Fatalf("SNI from a stream with a gap: %v", got)
	}
	if e.stats.TCPGaps != 1 {
		t.Errorf("gaps %d, want 1", e.stats.TCPGaps)
	}
}

// TestDirectionFromSYN: the SYN decides the client even against port order.
func TestDirectionFromSYN(t *testing.T) {
	c := synth.NewHost("02:00:00:00:00:01", "10.0.0.1")
	s := synth.NewHost("02:00:00:00:00:02", "10.0.0.2")
	e := New(DefaultConfig())
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e.Packet(decode.LinkEthernet, synth.TCPFrame(c, s, 80, 50000, 1, 0, decode.TCPSyn, nil), t0)
	e.Packet(decode.LinkEthernet, synth.TCPFrame(s, c, 50000, 80, 9, 2, decode.TCPSyn|decode.TCPAck, nil), t0)
	r := e.Report()
	if len(r.Flows) != 1 || r.Flows[0].Client != "10.0.0.1" || r.Flows[0].Port != 50000 {
		t.Fatalf("flows %+v", r.Flows)
	}
}

var keySNI = dissect.TLSSNI

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
