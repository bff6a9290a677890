package sensor

import (
	"net/netip"

	"bianque/discover/decode"
	"bianque/discover/dissect"
)

// links makes a record a member of an LRU list.
type links[E any] struct{ prev, next *E }

type node[E any] interface {
	*E
	lnk() *links[E]
}

// lru is an intrusive least-recently-used list: the head is the most
// recently touched element, the tail the next to evict.
type lru[E any, P node[E]] struct {
	head, tail *E
	n          int
}

func (l *lru[E, P]) pushFront(e *E) {
	ln := P(e).lnk()
	ln.prev, ln.next = nil, l.head
	if l.head != nil {
		P(l.head).lnk().prev = e
	} else {
		l.tail = e
	}
	l.head = e
	l.n++
}

func (l *lru[E, P]) remove(e *E) {
	ln := P(e).lnk()
	if ln.prev != nil {
		P(ln.prev).lnk().next = ln.next
	} else {
		l.head = ln.next
	}
	if ln.next != nil {
		P(ln.next).lnk().prev = ln.prev
	} else {
		l.tail = ln.prev
	}
	ln.prev, ln.next = nil, nil
	l.n--
}

func (l *lru[E, P]) touch(e *E) {
	if l.head == e {
		return
	}
	l.remove(e)
	l.pushFront(e)
}

// strSet is a small set of strings kept in insertion order; lookups with a
// byte slice do not allocate.
type strSet struct {
	list []string
	idx  map[string]struct{}
}

const setIndexAt = 16

func (s *strSet) has(b []byte) bool {
	if s.idx != nil {
		_, ok := s.idx[string(b)]
		return ok
	}
	for _, v := range s.list {
		if v == string(b) {
			return true
		}
	}
	return false
}

// add inserts b; it returns the bytes added (0 when present or full).
func (s *strSet) add(b []byte, max int) (added int, full bool) {
	if s.has(b) {
		return 0, false
	}
	if len(s.list) >= max {
		return 0, true
	}
	v := string(b)
	s.list = append(s.list, v)
	if s.idx != nil {
		s.idx[v] = struct{}{}
	} else if len(s.list) > setIndexAt {
		s.idx = make(map[string]struct{}, len(s.list)*2)
		for _, x := range s.list {
			s.idx[x] = struct{}{}
		}
	}
	return len(v) + 16, false
}

// factSet holds the distinct values of each fact key of one host.
type factSet struct {
	keys  []dissect.Key
	sets  []strSet
	bytes int
}

// Limits of fact values per host.
const (
	defaultValuesPerKey = 16
	maxValueLen         = 4096
)

func (f *factSet) set(k dissect.Key) *strSet {
	for i, x := range f.keys {
		if x == k {
			return &f.sets[i]
		}
	}
	return nil
}

// add records a value; it reports whether it was new and whether a limit
// dropped it.
func (f *factSet) add(k dissect.Key, v []byte, maxBytes int) (isNew, dropped bool) {
	if len(v) == 0 {
		return false, false
	}
	if len(v) > maxValueLen {
		v = v[:maxValueLen]
	}
	s := f.set(k)
	if s == nil {
		if f.bytes+len(v) > maxBytes {
			return false, true
		}
		f.keys = append(f.keys, k)
		f.sets = append(f.sets, strSet{})
		s = &f.sets[len(f.sets)-1]
	} else if s.has(v) {
		return false, false
	}
	if f.bytes+len(v) > maxBytes {
		return false, true
	}
	limit := k.Info().Max
	if limit == 0 {
		limit = defaultValuesPerKey
	}
	n, full := s.add(v, limit)
	f.bytes += n
	return n > 0, full
}

func (f *factSet) values(k dissect.Key) []string {
	if s := f.set(k); s != nil {
		return s.list
	}
	return nil
}

// host is the state kept per IP address.
type host struct {
	ip    netip.Addr
	macs  []decode.MAC // source MACs seen with this IP (bounded)
	facts factSet
	vlans []uint16
	svc   []service // ports this host answered on

	first, last   int64
	pkts, bytes   uint64
	asSource      bool
	dirty         bool // changed since the last sink flush
	evicted       bool
	lastPromotion int64
	links         links[host]
}

func (h *host) lnk() *links[host] { return &h.links }

type service struct {
	proto uint8
	port  uint16
	app   dissect.App
}

const (
	maxMACsPerHost  = 8
	maxIPsPerMAC    = 64
	maxVLANsPerHost = 8
	maxServices     = 32
)

func (h *host) addMAC(m decode.MAC) bool {
	for _, x := range h.macs {
		if x == m {
			return false
		}
	}
	if len(h.macs) >= maxMACsPerHost {
		return false
	}
	h.macs = append(h.macs, m)
	return true
}

func (h *host) addVLAN(v uint16) {
	for _, x := range h.vlans {
		if x == v {
			return
		}
	}
	if len(h.vlans) < maxVLANsPerHost {
		h.vlans = append(h.vlans, v)
	}
}

func (h *host) addService(proto uint8, port uint16, app dissect.App) bool {
	for i, s := range h.svc {
		if s.proto == proto && s.port == port {
			if s.app == dissect.AppUnknown && app != dissect.AppUnknown {
				h.svc[i].app = app
				return true
			}
			return false
		}
	}
	if len(h.svc) >= maxServices {
		return false
	}
	h.svc = append(h.svc, service{proto, port, app})
	return true
}

// macHost is the state kept per MAC address: facts learnt at layer 2
// (DHCP client options, LLDP, CDP) and the addresses it used.
type macHost struct {
	mac   decode.MAC
	facts factSet
	ips   []netip.Addr // source addresses seen with this MAC (bounded)
	bound []netip.Addr // addresses ARP or a DHCP lease tied to it
	more  bool         // more source addresses than kept
	vlans []uint16

	first, last int64
	dirty       bool
	evicted     bool
	links       links[macHost]
}

func (m *macHost) lnk() *links[macHost] { return &m.links }

func (m *macHost) addIP(a netip.Addr) {
	for _, x := range m.ips {
		if x == a {
			return
		}
	}
	if len(m.ips) >= maxIPsPerMAC {
		m.more = true
		return
	}
	m.ips = append(m.ips, a)
}

func (m *macHost) bind(a netip.Addr) bool {
	for _, x := range m.bound {
		if x == a {
			return false
		}
	}
	if len(m.bound) >= maxIPsPerMAC {
		return false
	}
	m.bound = append(m.bound, a)
	return true
}

// flowKey identifies a transport conversation independent of direction:
// endpoint a sorts before endpoint b.
type flowKey struct {
	a, b   netip.Addr
	pa, pb uint16
	proto  uint8
}

func makeFlowKey(src, dst netip.Addr, sp, dp uint16, proto uint8) (k flowKey, srcIsA bool) {
	c := src.Compare(dst)
	if c < 0 || c == 0 && sp <= dp {
		return flowKey{a: src, b: dst, pa: sp, pb: dp, proto: proto}, true
	}
	return flowKey{a: dst, b: src, pa: dp, pb: sp, proto: proto}, false
}

// flow is one transport conversation (5-tuple).
type flow struct {
	key flowKey
	// clientIsA says which key endpoint is the client.
	clientIsA bool
	hosts     [2]*host // client, server
	macs      [2]decode.MAC
	hasMAC    [2]bool
	edge      *edge
	app       dissect.App

	first, last int64
	pkts        [2]uint64 // by direction: 0 client→server
	bytes       [2]uint64
	// Traffic not yet added to the edge.
	pendPkts  [2]uint64
	pendBytes [2]uint64

	parser  dissect.StreamParser
	tcp     *tcpState
	udpHash [2]uint64
	isn     [2]uint32 // initial sequence numbers from SYNs
	isnOK   [2]bool
	flags   uint8
	synSeen bool
	finSeen int
	counted bool // connection counted on the edge
	links   links[flow]
}

func (f *flow) lnk() *links[flow] { return &f.links }

// edgeKey identifies an aggregate: client, server, transport and server port.
type edgeKey struct {
	client, server netip.Addr
	proto          uint8
	port           uint16
}

// edge is the aggregate of every flow between a client and a server on one
// port: the communication map.
type edge struct {
	key         edgeKey
	apps        []dissect.App
	details     factSet
	conns       uint64
	pkts        [2]uint64
	bytes       [2]uint64
	first, last int64
	// Deltas since the last sink flush.
	dConns  uint64
	dPkts   [2]uint64
	dBytes  [2]uint64
	dirty   bool
	evicted bool
	links   links[edge]
}

func (e *edge) lnk() *links[edge] { return &e.links }

func (e *edge) addApp(a dissect.App) {
	if a == dissect.AppUnknown {
		return
	}
	for _, x := range e.apps {
		if x == a {
			return
		}
	}
	if len(e.apps) < 4 {
		e.apps = append(e.apps, a)
	}
}
