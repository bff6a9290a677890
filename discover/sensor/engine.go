// Package sensor is the passive discovery pipeline: it decodes frames,
// tracks transport flows in a bounded table, reassembles TCP streams for
// the dissectors, accumulates identity facts per IP and MAC address, and
// aggregates flows into the communication map (client, server, transport,
// port). Every table has a size limit with least-recently-used eviction;
// evicted state is handed to the Sink (or kept for the report) and counted.
//
// An Engine is not safe for concurrent use: one goroutine feeds it (one
// engine per capture queue); Report and Flush are called from that same
// goroutine or after feeding stopped.
package sensor

import (
	"context"
	"errors"
	"hash/maphash"
	"io"
	"net/netip"
	"time"

	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/decode"
	"bianque/discover/dissect"
)

// Config bounds the engine's memory and sets its timeouts.
type Config struct {
	MaxFlows int // transport conversations tracked at once
	MaxHosts int // IP addresses
	MaxMACs  int // MAC addresses
	MaxEdges int // communication map aggregates
	// HostFactBytes bounds the identity bytes kept per host.
	HostFactBytes int
	// StreamBuffer bounds the unconsumed bytes buffered per TCP direction.
	StreamBuffer int
	// TCPIdle and UDPIdle expire idle flows; ClosedIdle expires TCP flows
	// after FIN or RST.
	TCPIdle, UDPIdle, ClosedIdle time.Duration
	// KeepEvicted keeps evicted hosts and edges for Report (offline use,
	// where the report must list everything); a live sensor hands them to
	// the Sink instead.
	KeepEvicted bool
	Sink        discover.Sink
	// Enrich completes a report (classification, communication map, risks).
	Enrich func(*discover.Report)
}

// DefaultConfig suits a live sensor on a hospital network.
func DefaultConfig() Config {
	return Config{
		MaxFlows:      262144,
		MaxHosts:      65536,
		MaxMACs:       65536,
		MaxEdges:      131072,
		HostFactBytes: 32 << 10,
		StreamBuffer:  256 << 10,
		TCPIdle:       10 * time.Minute,
		UDPIdle:       2 * time.Minute,
		ClosedIdle:    30 * time.Second,
	}
}

// Engine is the passive discovery pipeline.
type Engine struct {
	cfg   Config
	pkt   decode.Packet
	out   dissect.Out
	seed  maphash.Seed
	now   int64
	stats discover.Stats

	flows    map[flowKey]*flow
	flowLRU  lru[flow, *flow]
	hosts    map[netip.Addr]*host
	hostLRU  lru[host, *host]
	macs     map[decode.MAC]*macHost
	macLRU   lru[macHost, *macHost]
	edges    map[edgeKey]*edge
	edgeLRU  lru[edge, *edge]
	names    map[netip.Addr]string // DNS answers: address → name
	freeFlow []*flow

	retiredHosts []*host
	retiredMACs  []*macHost
	retiredEdges []*edge
	evictedOut   []discover.Device
	evictedFlows []discover.Flow

	dissected [dissect.NumApps]uint64
	errs      map[string]uint64
}

const maxNames = 65536

// New returns an engine with cfg; zero fields take DefaultConfig values.
func New(cfg Config) *Engine {
	d := DefaultConfig()
	if cfg.MaxFlows <= 0 {
		cfg.MaxFlows = d.MaxFlows
	}
	if cfg.MaxHosts <= 0 {
		cfg.MaxHosts = d.MaxHosts
	}
	if cfg.MaxMACs <= 0 {
		cfg.MaxMACs = d.MaxMACs
	}
	if cfg.MaxEdges <= 0 {
		cfg.MaxEdges = d.MaxEdges
	}
	if cfg.HostFactBytes <= 0 {
		cfg.HostFactBytes = d.HostFactBytes
	}
	if cfg.StreamBuffer <= 0 {
		cfg.StreamBuffer = d.StreamBuffer
	}
	if cfg.TCPIdle <= 0 {
		cfg.TCPIdle = d.TCPIdle
	}
	if cfg.UDPIdle <= 0 {
		cfg.UDPIdle = d.UDPIdle
	}
	if cfg.ClosedIdle <= 0 {
		cfg.ClosedIdle = d.ClosedIdle
	}
	return &Engine{
		cfg:   cfg,
		seed:  maphash.MakeSeed(),
		flows: make(map[flowKey]*flow),
		hosts: make(map[netip.Addr]*host),
		macs:  make(map[decode.MAC]*macHost),
		edges: make(map[edgeKey]*edge),
		names: make(map[netip.Addr]string),
		errs:  make(map[string]uint64),
	}
}

// Run feeds every frame of src to the engine until io.EOF or ctx ends. A
// corrupt file stops the run with an error after the frames read so far
// were processed.
func (e *Engine) Run(ctx context.Context, src capture.Source) error {
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		fr, err := src.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		e.Packet(fr.Link, fr.Data, fr.Time)
	}
}

// Now is the time of the latest packet.
func (e *Engine) Now() time.Time { return time.Unix(0, e.now).UTC() }

// Packet processes one frame.
func (e *Engine) Packet(link decode.LinkType, data []byte, ts time.Time) {
	e.stats.Frames++
	e.stats.Bytes += uint64(len(data))
	if now := ts.UnixNano(); now > e.now {
		e.now = now
	}
	p := &e.pkt
	err := p.Decode(link, data)
	if err != nil {
		e.errs[err.Error()]++
		if p.IPVersion == 0 {
			return
		}
	}
	if p.Tunnel {
		e.tunnel(p)
	}
	if p.IPVersion == 0 {
		e.nonIP(p)
		return
	}
	if err != nil || p.Fragment {
		if p.Fragment {
			e.stats.Fragments++
		}
		src := e.host(p.Src)
		e.seenFrom(src, p)
		e.host(p.Dst)
		return
	}
	e.ipPacket(p, len(data))
	e.expire()
}

func (e *Engine) nonIP(p *decode.Packet) {
	switch {
	case p.IsARP:
		if p.ARPSenderIP.IsValid() && !p.ARPSenderIP.IsUnspecified() {
			h := e.host(p.ARPSenderIP)
			h.asSource = true
			h.addMAC(p.ARPSenderMAC)
			touchHost(h, e.now)
			m := e.macHost(p.ARPSenderMAC)
			m.addIP(p.ARPSenderIP)
			m.bind(p.ARPSenderIP)
			if p.NumVLAN > 0 {
				h.addVLAN(p.VLANs[p.NumVLAN-1])
			}
		}
	case p.EtherType == decode.EtherTypeLLDP:
		e.out.Reset()
		if dissect.LLDP(p.SrcMAC, p.L2Payload, &e.out) {
			e.dissected[dissect.AppUnknown]++
			e.l2Facts(p)
		}
	case p.IsSNAP && p.SNAPPID == 0x2000:
		e.out.Reset()
		if dissect.CDP(p.SrcMAC, p.L2Payload, &e.out) {
			e.l2Facts(p)
		}
	default:
		e.stats.NonIP++
	}
}

func (e *Engine) l2Facts(p *decode.Packet) {
	m := e.macHost(p.SrcMAC)
	m.last = e.now
	if p.NumVLAN > 0 && len(m.vlans) < maxVLANsPerHost {
		m.vlans = appendUniq16(m.vlans, p.VLANs[p.NumVLAN-1])
	}
	e.applyFacts(nil, nil, nil)
}

func appendUniq16(s []uint16, v uint16) []uint16 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// tunnel records the endpoints of an encapsulating tunnel and its aggregate
// (the inner packet is processed as any other).
func (e *Engine) tunnel(p *decode.Packet) {
	src, dst := e.host(p.OuterSrc), e.host(p.OuterDst)
	src.asSource = true
	touchHost(src, e.now)
	touchHost(dst, e.now)
	src.pkts++
	src.bytes += uint64(p.OuterLen)
	if p.OuterHasEth {
		if src.addMAC(p.OuterSrcMAC) {
			src.dirty = true
		}
		e.macHost(p.OuterSrcMAC).addIP(src.ip)
	}
	ed := e.edgeForKey(edgeKey{client: src.ip, server: dst.ip, proto: p.OuterProto, port: p.OuterPort}, dissect.AppUnknown)
	if ed.last < e.now {
		ed.last = e.now
	}
	ed.pkts[0]++
	ed.bytes[0] += uint64(p.OuterLen)
	ed.dPkts[0]++
	ed.dBytes[0] += uint64(p.OuterLen)
	ed.dirty = true
}

// serverIsDst decides which end of a new conversation is the server.
func serverIsDst(p *decode.Packet) bool {
	switch p.Proto {
	case decode.ProtoTCP:
		switch {
		case p.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn:
			return true
		case p.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn|decode.TCPAck:
			return false
		}
		return portServerIsDst(6, p.SrcPort, p.DstPort)
	case decode.ProtoUDP:
		switch {
		case p.DstPort == 67 || p.DstPort == 547: // DHCP: the server port decides, not the broadcast
			return true
		case p.SrcPort == 67 || p.SrcPort == 547:
			return false
		}
		sk := dissect.PortApp(17, p.SrcPort) != dissect.AppUnknown || p.SrcPort < 1024
		dk := dissect.PortApp(17, p.DstPort) != dissect.AppUnknown || p.DstPort < 1024
		if sk != dk {
			return dk
		}
		if p.Dst.IsMulticast() || isBroadcast4(p.Dst) {
			return true
		}
		return portServerIsDst(17, p.SrcPort, p.DstPort)
	}
	if p.Src.IsMulticast() {
		return false
	}
	// ICMP and others: the sender of the first packet is the client, except
	// for replies (echo reply 0, ICMPv6 echo reply 129).
	if p.Proto == decode.ProtoICMP && p.ICMPType == 0 || p.Proto == decode.ProtoICMPv6 && p.ICMPType == 129 {
		return false
	}
	return true
}

func isBroadcast4(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	b := a.As4()
	return b == [4]byte{255, 255, 255, 255}
}

// portServerIsDst: a well-known or registered service port marks the server;
// otherwise the lower port; on a tie the destination.
func portServerIsDst(proto uint8, sp, dp uint16) bool {
	sk := dissect.PortApp(proto, sp) != dissect.AppUnknown || sp < 1024
	dk := dissect.PortApp(proto, dp) != dissect.AppUnknown || dp < 1024
	switch {
	case dk && !sk:
		return true
	case sk && !dk:
		return false
	case sp == dp:
		return true
	}
	return dp < sp
}

func (e *Engine) ipPacket(p *decode.Packet, wire int) {
	var sp, dp uint16
	if p.Proto == decode.ProtoTCP || p.Proto == decode.ProtoUDP || p.Proto == decode.ProtoSCTP {
		sp, dp = p.SrcPort, p.DstPort
	}
	key, srcIsA := makeFlowKey(p.Src, p.Dst, sp, dp, p.Proto)
	f := e.flows[key]
	newFlow := f == nil
	if newFlow {
		f = e.newFlow(key, p, srcIsA)
	} else {
		if f.hosts[0].evicted {
			f.hosts[0] = e.host(f.hosts[0].ip)
		}
		if f.hosts[1].evicted {
			f.hosts[1] = e.host(f.hosts[1].ip)
		}
		e.flowLRU.touch(f)
	}
	dir := 0
	if srcIsA != f.clientIsA {
		dir = 1
	}
	src, dst := f.hosts[dir], f.hosts[1-dir]
	f.last = e.now
	f.pkts[dir]++
	f.bytes[dir] += uint64(p.IPLen)
	src.pkts++
	src.bytes += uint64(p.IPLen)
	touchHost(src, e.now)
	touchHost(dst, e.now)
	if !f.hasMAC[dir] || f.macs[dir] != p.SrcMAC {
		e.seenFrom(src, p)
		f.macs[dir], f.hasMAC[dir] = p.SrcMAC, p.HasEth
	}
	ed := f.edge
	if ed == nil || ed.evicted {
		ed = e.edgeFor(f)
		f.edge = ed
	}
	ed.pkts[dir]++
	ed.bytes[dir] += uint64(p.IPLen)
	ed.dPkts[dir]++
	ed.dBytes[dir] += uint64(p.IPLen)
	if ed.last < e.now {
		if e.now-ed.last > int64(time.Second) {
			e.edgeLRU.touch(ed)
		}
		ed.last = e.now
	}
	ed.dirty = true
	if !f.counted {
		f.counted = true
		ed.conns++
		ed.dConns++
	}
	if dir == 1 && f.pkts[1] == 1 && !dst.evicted {
		// The server answered: it offers the service.
		if p.Proto == decode.ProtoTCP || p.Proto == decode.ProtoUDP {
			if src.addService(p.Proto, p.SrcPort, f.app) {
				src.dirty = true
			}
		}
	}

	switch p.Proto {
	case decode.ProtoTCP:
		e.tcpPacket(f, dir, p)
	case decode.ProtoUDP:
		e.udpPacket(f, dir, p, src, dst)
	}
	_ = wire
}

func (e *Engine) tcpPacket(f *flow, dir int, p *decode.Packet) {
	if p.TCPFlags&(decode.TCPFin|decode.TCPRst) != 0 {
		f.finSeen++
	}
	if p.TCPFlags&decode.TCPSyn != 0 {
		f.synSeen = true
		f.isn[dir], f.isnOK[dir] = p.Seq, true
		if f.tcp != nil {
			s := &f.tcp.dir[dir]
			if !s.init {
				s.init, s.next = true, p.Seq+1
			}
		}
		return
	}
	if len(p.Payload) == 0 {
		return
	}
	if !f.detected() && f.tcp == nil {
		// The protocol is recognised from the first in-order bytes, which the
		// reassembly delivers (segments may arrive out of order).
		f.tcp = &tcpState{}
		for d := range 2 {
			if f.isnOK[d] {
				f.tcp.dir[d].init, f.tcp.dir[d].next = true, f.isn[d]+1
			}
		}
	}
	if f.tcp != nil {
		e.tcpSegment(f, dir, p.Seq, p.Payload, p.Snapped)
	}
}

func (e *Engine) udpPacket(f *flow, dir int, p *decode.Packet, src, dst *host) {
	if len(p.Payload) == 0 || !f.udpDissect() {
		return
	}
	h := maphash.Bytes(e.seed, p.Payload)
	if h == f.udpHash[dir] {
		return // the same datagram again (announcements repeat)
	}
	f.udpHash[dir] = h
	e.out.Reset()
	app := dissect.DissectUDP(p.SrcPort, p.DstPort, p.Payload, &e.out)
	if app != dissect.AppUnknown {
		e.dissected[app]++
		if f.app != app {
			if f.app == dissect.AppUnknown {
				f.app = app
			}
			f.edge.addApp(app)
		}
	}
	e.applyFacts(src, dst, f)
}

// seenFrom records the frame's source MAC and VLAN for host h.
func (e *Engine) seenFrom(h *host, p *decode.Packet) {
	h.asSource = true
	if p.NumVLAN > 0 {
		h.addVLAN(p.VLANs[p.NumVLAN-1])
	}
	if !p.HasEth {
		return
	}
	if h.addMAC(p.SrcMAC) {
		h.dirty = true
	}
	m := e.macHost(p.SrcMAC)
	m.addIP(h.ip)
	if p.NumVLAN > 0 && len(m.vlans) < maxVLANsPerHost {
		m.vlans = appendUniq16(m.vlans, p.VLANs[p.NumVLAN-1])
	}
	if m.last < e.now {
		m.last = e.now
	}
}

func touchHost(h *host, now int64) {
	if h.last < now {
		h.last = now
	}
}

// host returns the state of address a, creating it (and evicting the least
// recently seen host when the table is full).
func (e *Engine) host(a netip.Addr) *host {
	if h := e.hosts[a]; h != nil {
		if e.now-h.lastPromotion > int64(time.Second) {
			h.lastPromotion = e.now
			e.hostLRU.touch(h)
		}
		return h
	}
	for len(e.hosts) >= e.cfg.MaxHosts && e.hostLRU.tail != nil {
		old := e.hostLRU.tail
		e.hostLRU.remove(old)
		delete(e.hosts, old.ip)
		old.evicted = true
		e.stats.HostsEvicted++
		e.retireHost(old)
	}
	h := &host{ip: a, first: e.now, last: e.now, lastPromotion: e.now, dirty: true}
	e.hosts[a] = h
	e.hostLRU.pushFront(h)
	return h
}

func (e *Engine) macHost(m decode.MAC) *macHost {
	if h := e.macs[m]; h != nil {
		return h
	}
	for len(e.macs) >= e.cfg.MaxMACs && e.macLRU.tail != nil {
		old := e.macLRU.tail
		e.macLRU.remove(old)
		delete(e.macs, old.mac)
		old.evicted = true
		if e.cfg.KeepEvicted {
			e.retiredMACs = append(e.retiredMACs, old)
		}
	}
	h := &macHost{mac: m, first: e.now, last: e.now, dirty: true}
	e.macs[m] = h
	e.macLRU.pushFront(h)
	return h
}

func (e *Engine) newFlow(key flowKey, p *decode.Packet, srcIsA bool) *flow {
	for len(e.flows) >= e.cfg.MaxFlows && e.flowLRU.tail != nil {
		e.stats.FlowsEvicted++
		e.endFlow(e.flowLRU.tail)
	}
	var f *flow
	if n := len(e.freeFlow); n > 0 {
		f = e.freeFlow[n-1]
		e.freeFlow = e.freeFlow[:n-1]
		*f = flow{}
	} else {
		f = &flow{}
	}
	f.key = key
	dstIsServer := serverIsDst(p)
	// The client is the source when the destination is the server.
	f.clientIsA = srcIsA == dstIsServer
	src, dst := e.host(p.Src), e.host(p.Dst)
	if dstIsServer {
		f.hosts = [2]*host{src, dst}
	} else {
		f.hosts = [2]*host{dst, src}
	}
	f.first, f.last = e.now, e.now
	if p.Proto == decode.ProtoUDP {
		if dissect.UDPDissectable(p.SrcPort, p.DstPort) {
			f.flags |= flagUDPDissect
		}
	}
	e.flows[key] = f
	e.flowLRU.pushFront(f)
	e.stats.FlowsCreated++
	f.edge = e.edgeFor(f)
	return f
}

func (f *flow) serverPort() uint16 {
	if f.clientIsA {
		return f.key.pb
	}
	return f.key.pa
}

const (
	flagUDPDissect = 1 << iota
	flagDetected
)

func (f *flow) udpDissect() bool { return f.flags&flagUDPDissect != 0 }
func (f *flow) detected() bool   { return f.flags&flagDetected != 0 }
func (f *flow) markDetected()    { f.flags |= flagDetected }

// edgeFor finds or creates the aggregate of flow f.
func (e *Engine) edgeFor(f *flow) *edge {
	k := edgeKey{client: f.hosts[0].ip, server: f.hosts[1].ip, proto: f.key.proto, port: f.serverPort()}
	return e.edgeForKey(k, f.app)
}

func (e *Engine) edgeForKey(k edgeKey, app dissect.App) *edge {
	if ed := e.edges[k]; ed != nil {
		return ed
	}
	for len(e.edges) >= e.cfg.MaxEdges && e.edgeLRU.tail != nil {
		old := e.edgeLRU.tail
		e.edgeLRU.remove(old)
		delete(e.edges, old.key)
		old.evicted = true
		e.stats.EdgesEvicted++
		e.retireEdge(old)
	}
	ed := &edge{key: k, first: e.now, last: e.now, dirty: true}
	ed.addApp(app)
	e.edges[k] = ed
	e.edgeLRU.pushFront(ed)
	return ed
}

// endFlow removes a flow from the table.
func (e *Engine) endFlow(f *flow) {
	e.flowLRU.remove(f)
	delete(e.flows, f.key)
	f.parser, f.tcp, f.edge = nil, nil, nil
	f.hosts = [2]*host{}
	if len(e.freeFlow) < 4096 {
		e.freeFlow = append(e.freeFlow, f)
	}
}

// expire ends flows idle beyond their timeout (oldest first).
func (e *Engine) expire() {
	for n := 0; n < 8; n++ {
		f := e.flowLRU.tail
		if f == nil {
			return
		}
		idle := e.cfg.UDPIdle
		switch {
		case f.key.proto == decode.ProtoTCP && f.finSeen > 0:
			idle = e.cfg.ClosedIdle
		case f.key.proto == decode.ProtoTCP:
			idle = e.cfg.TCPIdle
		}
		if e.now-f.last < int64(idle) {
			return
		}
		e.stats.FlowsExpired++
		e.endFlow(f)
	}
}

func (e *Engine) retireHost(h *host) {
	if e.cfg.KeepEvicted {
		e.retiredHosts = append(e.retiredHosts, h)
		return
	}
	if e.cfg.Sink != nil {
		e.evictedOut = append(e.evictedOut, e.deviceOf(h, nil))
	}
}

func (e *Engine) retireEdge(ed *edge) {
	if e.cfg.KeepEvicted {
		e.retiredEdges = append(e.retiredEdges, ed)
		return
	}
	if e.cfg.Sink != nil {
		e.evictedFlows = append(e.evictedFlows, e.flowOf(ed, true))
	}
}

// Stats returns a copy of the counters.
func (e *Engine) Stats() discover.Stats {
	s := e.stats
	s.DecodeErrors = map[string]uint64{}
	for k, v := range e.errs {
		s.DecodeErrors[k] = v
	}
	s.Dissected = map[string]uint64{}
	for a, n := range e.dissected {
		if n == 0 {
			continue
		}
		name := dissect.App(a).String()
		if name == "" {
			name = "lldp/cdp"
		}
		s.Dissected[name] = n
	}
	return s
}

// AddCaptureDrops counts frames the capture layer (kernel) dropped.
func (e *Engine) AddCaptureDrops(n uint64) { e.stats.CaptureDropped += n }

// Sizes reports the current table sizes (flows, hosts, MACs, edges).
func (e *Engine) Sizes() (flows, hosts, macs, edges int) {
	return len(e.flows), len(e.hosts), len(e.macs), len(e.edges)
}
