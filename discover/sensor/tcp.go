package sensor

import (
	"bianque/discover/decode"
	"bianque/discover/dissect"
)

// tcpState reassembles the two directions of a TCP connection for its
// stream parser: in-order delivery, overlap trimming, a few out-of-order
// segments held back, and a bounded buffer for bytes the parser has not
// consumed yet.
type tcpState struct {
	dir [2]tcpDir
}

type tcpDir struct {
	next    uint32
	init    bool
	done    bool
	skip    int
	buf     []byte
	pending []pendingSeg
	pendLen int
}

type pendingSeg struct {
	seq  uint32
	data []byte
}

const (
	maxPendingSegs  = 8
	maxPendingBytes = 64 << 10
)

// seqDiff is a - b in sequence space.
func seqDiff(a, b uint32) int32 { return int32(a - b) }

// segment handles one segment's payload in direction d of flow f.
func (e *Engine) tcpSegment(f *flow, d int, seq uint32, payload []byte, snapped bool) {
	t := f.tcp
	s := &t.dir[d]
	if s.done || len(payload) == 0 {
		return
	}
	if snapped {
		// The capture cut this segment: the stream can no longer be followed.
		s.done = true
		e.stats.TCPGaps++
		e.maybeDropTCP(f)
		return
	}
	if !s.init {
		s.init = true
		s.next = seq
	}
	diff := seqDiff(seq, s.next)
	switch {
	case diff > 0:
		// A gap: hold the segment until the missing bytes arrive.
		if len(s.pending) >= maxPendingSegs || s.pendLen+len(payload) > maxPendingBytes {
			s.done = true
			e.stats.TCPGaps++
			e.maybeDropTCP(f)
			return
		}
		s.pending = append(s.pending, pendingSeg{seq: seq, data: append([]byte(nil), payload...)})
		s.pendLen += len(payload)
		return
	case diff < 0:
		if int(-diff) >= len(payload) {
			return // retransmission of delivered bytes
		}
		payload = payload[-diff:]
	}
	e.deliver(f, d, payload)
	s.next += uint32(len(payload))
	// Deliver held segments that are now in order.
	for !s.done && len(s.pending) > 0 {
		progressed := false
		for i := 0; i < len(s.pending); i++ {
			p := s.pending[i]
			pd := seqDiff(p.seq, s.next)
			if pd > 0 {
				continue
			}
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			s.pendLen -= len(p.data)
			i--
			if int(-pd) >= len(p.data) {
				continue
			}
			data := p.data[-pd:]
			e.deliver(f, d, data)
			s.next += uint32(len(data))
			progressed = true
		}
		if !progressed {
			break
		}
	}
	e.maybeDropTCP(f)
}

// detect recognises the protocol of a connection from its first in-order
// bytes; without a parser for it, reassembly stops.
func (e *Engine) detect(f *flow, d int, data []byte) {
	serverPort := f.serverPort()
	app, parser := dissect.DetectStream(data, d, serverPort)
	f.markDetected()
	f.app = app
	if app != dissect.AppUnknown {
		if f.edge != nil {
			f.edge.addApp(app)
		}
		if srv := f.hosts[1]; srv != nil && !srv.evicted {
			srv.addService(decode.ProtoTCP, serverPort, app)
		}
	}
	if parser == nil {
		f.tcp.dir[0].done, f.tcp.dir[1].done = true, true
		return
	}
	f.parser = parser
	e.dissected[app]++
}

// deliver hands in-order bytes to the parser.
func (e *Engine) deliver(f *flow, d int, data []byte) {
	s := &f.tcp.dir[d]
	if f.parser == nil && len(data) > 0 && !s.done {
		if f.detected() {
			s.done = true
			return
		}
		e.detect(f, d, data)
		if f.parser == nil {
			return
		}
	}
	if s.skip > 0 {
		n := min(s.skip, len(data))
		s.skip -= n
		data = data[n:]
	}
	if len(data) == 0 || s.done {
		return
	}
	if len(s.buf) == 0 {
		// Fast path: parse straight from the packet, keep only the rest.
		c, done := e.feed(f, d, data)
		if done {
			s.done = true
			return
		}
		if c >= len(data) {
			s.skip = c - len(data)
			return
		}
		data = data[c:]
		if len(data) > e.cfg.StreamBuffer {
			s.done = true
			e.stats.ParserGaveUp++
			return
		}
		s.buf = append(s.buf[:0], data...)
		return
	}
	if len(s.buf)+len(data) > e.cfg.StreamBuffer {
		s.done = true
		s.buf = nil
		e.stats.ParserGaveUp++
		return
	}
	s.buf = append(s.buf, data...)
	c, done := e.feed(f, d, s.buf)
	if done {
		s.done = true
		s.buf = nil
		return
	}
	if c >= len(s.buf) {
		s.skip = c - len(s.buf)
		s.buf = s.buf[:0]
		return
	}
	n := copy(s.buf, s.buf[c:])
	s.buf = s.buf[:n]
}

// feed calls the parser until it stops consuming.
func (e *Engine) feed(f *flow, d int, b []byte) (int, bool) {
	used := 0
	for used < len(b) {
		e.out.Reset()
		c, done := f.parser.Feed(d, b[used:], &e.out)
		e.applyStreamFacts(f, d)
		if done {
			return used + c, true
		}
		if c <= 0 {
			break
		}
		used += c
	}
	return used, false
}

// maybeDropTCP frees the reassembly state once both directions are done.
func (e *Engine) maybeDropTCP(f *flow) {
	if f.tcp != nil && f.tcp.dir[0].done && f.tcp.dir[1].done {
		f.tcp = nil
		f.parser = nil
	}
}

var _ dissect.StreamParser = (*dissect.HTTPConn)(nil)
