// Package ioc matches events against indicators of compromise (R3.3) at
// pipeline speed: hashes and addresses in hash sets keyed by fixed-size
// arrays, networks in one hash set per prefix length, domains by walking
// the labels of a host name (so an indicator covers its subdomains), URLs,
// file paths and registry keys (a key covers its subkeys) in string sets.
// Lookups cost the same with a thousand indicators or a million.
//
// A Set is immutable; build a new one when the indicators change and swap
// it in atomically (Matcher).
package ioc

import (
	"encoding/hex"
	"hash/maphash"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"bianque"
	"bianque/event"
)

// Hit is one indicator found in an event.
type Hit struct {
	Indicator *bianque.Indicator
	// Field is the event key the value was read from, Value what it held.
	Field string
	Value string
}

// Set is an immutable, indexed set of indicators.
type Set struct {
	inds   []*bianque.Indicator
	md5    map[[16]byte]int32
	sha1   map[[20]byte]int32
	sha256 map[[32]byte]int32
	ip4    map[uint32]int32
	ip6    map[[16]byte]int32
	net4   []prefixTable4 // by prefix length, longest first
	net6   []prefixTable6
	domain map[string]int32
	url    map[string]int32
	path   map[string]int32
	regkey map[string]int32

	// bloom answers "certainly absent" for most lookups from a table small
	// enough to stay in cache, so a million indicators cost about what a
	// thousand do.
	bloom  []uint64
	bmask  uint64
	fields []fieldRef // the event keys worth reading for this set
}

type fieldRef struct {
	key  string
	kind fieldKind
}

var seed = maphash.MakeSeed()

func bloomHash(kind byte, key []byte) uint64 {
	return maphash.Bytes(seed, key) ^ uint64(kind)*0x9E3779B97F4A7C15
}

func (s *Set) bloomAdd(kind byte, key []byte) {
	h := bloomHash(kind, key)
	h1, h2 := h, h>>32|h<<32|1
	for i := uint64(0); i < 4; i++ {
		b := (h1 + i*h2) & s.bmask
		s.bloom[b>>6] |= 1 << (b & 63)
	}
}

func (s *Set) maybe(kind byte, key []byte) bool {
	h := bloomHash(kind, key)
	h1, h2 := h, h>>32|h<<32|1
	for i := uint64(0); i < 4; i++ {
		b := (h1 + i*h2) & s.bmask
		if s.bloom[b>>6]&(1<<(b&63)) == 0 {
			return false
		}
	}
	return true
}

// Bloom filter key kinds.
const (
	bkMD5 byte = iota + 1
	bkSHA1
	bkSHA256
	bkIP4
	bkIP6
	bkNet4
	bkNet6
	bkDomain
)

type prefixTable4 struct {
	bits int
	m    map[uint32]int32
}

type prefixTable6 struct {
	bits int
	m    map[[16]byte]int32
}

// NewSet indexes copies of indicators, their values normalised. Invalid ones
// are skipped and returned with the reason; when two indicators have the
// same type and value the later wins.
func NewSet(inds []*bianque.Indicator) (*Set, []error) {
	s := &Set{
		md5: map[[16]byte]int32{}, sha1: map[[20]byte]int32{}, sha256: map[[32]byte]int32{},
		ip4: map[uint32]int32{}, ip6: map[[16]byte]int32{},
		domain: map[string]int32{}, url: map[string]int32{}, path: map[string]int32{}, regkey: map[string]int32{},
	}
	var errs []error
	n4, n6 := map[int]map[uint32]int32{}, map[int]map[[16]byte]int32{}
	for _, in := range inds {
		v, err := bianque.NormalizeIndicator(in.Type, in.Value)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		idx := int32(len(s.inds))
		c := *in
		c.Value = v
		s.inds = append(s.inds, &c)
		switch in.Type {
		case bianque.IndicatorMD5:
			var k [16]byte
			hex.Decode(k[:], []byte(v))
			s.md5[k] = idx
		case bianque.IndicatorSHA1:
			var k [20]byte
			hex.Decode(k[:], []byte(v))
			s.sha1[k] = idx
		case bianque.IndicatorSHA256:
			var k [32]byte
			hex.Decode(k[:], []byte(v))
			s.sha256[k] = idx
		case bianque.IndicatorIP:
			a := netip.MustParseAddr(v)
			if a.Is4() {
				s.ip4[v4(a)] = idx
			} else {
				s.ip6[a.As16()] = idx
			}
		case bianque.IndicatorCIDR:
			p := netip.MustParsePrefix(v)
			if p.Addr().Is4() {
				if n4[p.Bits()] == nil {
					n4[p.Bits()] = map[uint32]int32{}
				}
				n4[p.Bits()][v4(p.Addr())] = idx
			} else {
				if n6[p.Bits()] == nil {
					n6[p.Bits()] = map[[16]byte]int32{}
				}
				n6[p.Bits()][p.Addr().As16()] = idx
			}
		case bianque.IndicatorDomain:
			s.domain[v] = idx
		case bianque.IndicatorURL:
			s.url[v] = idx
		case bianque.IndicatorFilePath:
			s.path[v] = idx
		case bianque.IndicatorRegistryKey:
			s.regkey[v] = idx
		}
	}
	for bits, m := range n4 {
		s.net4 = append(s.net4, prefixTable4{bits, m})
	}
	for bits, m := range n6 {
		s.net6 = append(s.net6, prefixTable6{bits, m})
	}
	slices.SortFunc(s.net4, func(a, b prefixTable4) int { return b.bits - a.bits })
	slices.SortFunc(s.net6, func(a, b prefixTable6) int { return b.bits - a.bits })
	s.buildBloom()
	s.buildFields()
	return s, errs
}

func (s *Set) buildBloom() {
	n := uint64(len(s.inds))*12 + 1024
	size := uint64(1024)
	for size < n {
		size <<= 1
	}
	s.bloom = make([]uint64, size/64)
	s.bmask = size - 1
	for k := range s.md5 {
		s.bloomAdd(bkMD5, k[:])
	}
	for k := range s.sha1 {
		s.bloomAdd(bkSHA1, k[:])
	}
	for k := range s.sha256 {
		s.bloomAdd(bkSHA256, k[:])
	}
	for k := range s.ip4 {
		b := be32(k)
		s.bloomAdd(bkIP4, b[:])
	}
	for k := range s.ip6 {
		s.bloomAdd(bkIP6, k[:])
	}
	for _, t := range s.net4 {
		for k := range t.m {
			b := be32(k)
			s.bloomAdd(bkNet4, append(b[:], byte(t.bits)))
		}
	}
	for _, t := range s.net6 {
		for k := range t.m {
			s.bloomAdd(bkNet6, append(k[:], byte(t.bits)))
		}
	}
	for k := range s.domain {
		s.bloomAdd(bkDomain, []byte(k))
	}
}

func be32(x uint32) [4]byte { return [4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)} }

// buildFields keeps the event keys whose kind of indicator the set holds.
func (s *Set) buildFields() {
	has := map[fieldKind]bool{
		kindIP:           len(s.ip4)+len(s.ip6)+len(s.net4)+len(s.net6) > 0,
		kindDomain:       len(s.domain) > 0,
		kindURL:          len(s.url)+len(s.domain)+len(s.ip4)+len(s.ip6)+len(s.net4)+len(s.net6) > 0,
		kindHash:         len(s.md5)+len(s.sha1)+len(s.sha256) > 0,
		kindSysmonHashes: len(s.md5)+len(s.sha1)+len(s.sha256) > 0,
		kindPath:         len(s.path) > 0,
		kindRegistry:     len(s.regkey) > 0,
	}
	for _, f := range Fields {
		if has[f.kind] {
			s.fields = append(s.fields, fieldRef{f.Key, f.kind})
		}
	}
}

// Len returns the number of indicators indexed.
func (s *Set) Len() int { return len(s.inds) }

func v4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// LookupIP returns the indicator for an address: the address itself, or the
// most specific network holding it.
func (s *Set) LookupIP(a netip.Addr) *bianque.Indicator {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		x := v4(a)
		b := be32(x)
		if s.maybe(bkIP4, b[:]) {
			if i, ok := s.ip4[x]; ok {
				return s.inds[i]
			}
		}
		var key [5]byte
		for _, t := range s.net4 {
			mask := uint32(0)
			if t.bits > 0 {
				mask = ^uint32(0) << (32 - t.bits)
			}
			b := be32(x & mask)
			copy(key[:], b[:])
			key[4] = byte(t.bits)
			if !s.maybe(bkNet4, key[:]) {
				continue
			}
			if i, ok := t.m[x&mask]; ok {
				return s.inds[i]
			}
		}
		return nil
	}
	if !a.Is6() {
		return nil
	}
	a16 := a.As16()
	if s.maybe(bkIP6, a16[:]) {
		if i, ok := s.ip6[a16]; ok {
			return s.inds[i]
		}
	}
	var key [17]byte
	for _, t := range s.net6 {
		p, _ := a.Prefix(t.bits)
		k := p.Addr().As16()
		copy(key[:], k[:])
		key[16] = byte(t.bits)
		if !s.maybe(bkNet6, key[:]) {
			continue
		}
		if i, ok := t.m[k]; ok {
			return s.inds[i]
		}
	}
	return nil
}

// LookupDomain returns the indicator for a host name or any of its parents.
func (s *Set) LookupDomain(host string) *bianque.Indicator {
	if len(s.domain) == 0 || host == "" {
		return nil
	}
	h := strings.TrimSuffix(lowerASCII(host), ".")
	for {
		if s.maybe(bkDomain, unsafe.Slice(unsafe.StringData(h), len(h))) {
			if i, ok := s.domain[h]; ok {
				return s.inds[i]
			}
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			return nil
		}
		h = h[dot+1:]
	}
}

// LookupHash returns the indicator of an MD5, SHA-1 or SHA-256 hash (hex).
func (s *Set) LookupHash(h string) *bianque.Indicator {
	var buf [32]byte
	if len(h) > 64 || !decodeHex(buf[:len(h)/2], h) {
		return nil
	}
	switch len(h) {
	case 32:
		if s.maybe(bkMD5, buf[:16]) {
			if i, ok := s.md5[[16]byte(buf[:16])]; ok {
				return s.inds[i]
			}
		}
	case 40:
		if s.maybe(bkSHA1, buf[:20]) {
			if i, ok := s.sha1[[20]byte(buf[:20])]; ok {
				return s.inds[i]
			}
		}
	case 64:
		if s.maybe(bkSHA256, buf[:]) {
			if i, ok := s.sha256[buf]; ok {
				return s.inds[i]
			}
		}
	}
	return nil
}

// decodeHex decodes hex (either case) into dst without allocating.
func decodeHex(dst []byte, h string) bool {
	if len(h) != 2*len(dst) {
		return false
	}
	for i := range dst {
		a, ok1 := fromHex(h[2*i])
		b, ok2 := fromHex(h[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = a<<4 | b
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// LookupURL returns the indicator of a URL (exact, normalised), or of its host.
func (s *Set) LookupURL(raw string) *bianque.Indicator {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil
	}
	if len(s.url) > 0 {
		if i, ok := s.url[bianque.NormalizeURL(u)]; ok {
			return s.inds[i]
		}
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return s.LookupIP(a)
	}
	return s.LookupDomain(host)
}

// LookupPath returns the indicator of a file path (case-insensitive).
func (s *Set) LookupPath(p string) *bianque.Indicator {
	if len(s.path) == 0 {
		return nil
	}
	if i, ok := s.path[strings.ToLower(p)]; ok {
		return s.inds[i]
	}
	return nil
}

// LookupRegistry returns the indicator of a registry key or value path, or
// of any key above it.
func (s *Set) LookupRegistry(k string) *bianque.Indicator {
	if len(s.regkey) == 0 {
		return nil
	}
	k = bianque.NormalizeRegistryKey(k)
	for {
		if i, ok := s.regkey[k]; ok {
			return s.inds[i]
		}
		slash := strings.LastIndexByte(k, '\\')
		if slash <= 0 {
			return nil
		}
		k = k[:slash]
	}
}

// fieldKind says how an event field is looked up.
type fieldKind uint8

const (
	kindIP fieldKind = iota
	kindDomain
	kindURL
	kindHash
	kindSysmonHashes // "SHA1=..,MD5=..,SHA256=..,IMPHASH=.."
	kindPath
	kindRegistry
)

// Fields lists the event keys read, per kind: ECS keys, then the raw
// Windows (EventData) and winlog keys of the same information.
var Fields = []struct {
	Key  string
	kind fieldKind
}{
	{"source.ip", kindIP}, {"destination.ip", kindIP}, {"client.ip", kindIP}, {"server.ip", kindIP},
	{"related.ip", kindIP},
	{"Event.EventData.IpAddress", kindIP}, {"Event.EventData.SourceIp", kindIP}, {"Event.EventData.DestinationIp", kindIP},
	{"Event.EventData.SourceAddress", kindIP}, {"Event.EventData.DestAddress", kindIP},
	{"dns.question.name", kindDomain}, {"url.domain", kindDomain}, {"destination.domain", kindDomain},
	{"server.domain", kindDomain}, {"source.domain", kindDomain}, {"tls.client.server_name", kindDomain},
	{"Event.EventData.QueryName", kindDomain}, {"Event.EventData.DestinationHostname", kindDomain},
	{"url.original", kindURL}, {"url.full", kindURL},
	{"file.hash.md5", kindHash}, {"file.hash.sha1", kindHash}, {"file.hash.sha256", kindHash},
	{"process.hash.md5", kindHash}, {"process.hash.sha1", kindHash}, {"process.hash.sha256", kindHash},
	{"dll.hash.md5", kindHash}, {"dll.hash.sha1", kindHash}, {"dll.hash.sha256", kindHash}, {"related.hash", kindHash},
	{"Event.EventData.Hashes", kindSysmonHashes}, {"winlog.event_data.Hashes", kindSysmonHashes},
	{"file.path", kindPath}, {"process.executable", kindPath}, {"dll.path", kindPath},
	{"Event.EventData.Image", kindPath}, {"Event.EventData.TargetFilename", kindPath}, {"Event.EventData.ImageLoaded", kindPath},
	{"registry.path", kindRegistry}, {"registry.key", kindRegistry},
	{"Event.EventData.TargetObject", kindRegistry}, {"winlog.event_data.TargetObject", kindRegistry},
}

// Match appends the indicators found in ev that are active at now.
func (s *Set) Match(ev *event.Event, now time.Time, dst []Hit) []Hit {
	for _, f := range s.fields {
		v, ok := ev.Get(f.key)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			dst = s.matchValue(f.key, f.kind, x, now, dst)
		case []string:
			for _, el := range x {
				dst = s.matchValue(f.key, f.kind, el, now, dst)
			}
		case []any:
			for _, el := range x {
				if str, ok := el.(string); ok {
					dst = s.matchValue(f.key, f.kind, str, now, dst)
				}
			}
		}
	}
	return dst
}

func (s *Set) matchValue(key string, kind fieldKind, v string, now time.Time, dst []Hit) []Hit {
	add := func(in *bianque.Indicator, val string) {
		if in == nil || !in.ActiveAt(now) {
			return
		}
		for _, h := range dst {
			if h.Indicator == in && h.Field == key {
				return
			}
		}
		dst = append(dst, Hit{Indicator: in, Field: key, Value: val})
	}
	switch kind {
	case kindIP:
		if a, err := netip.ParseAddr(v); err == nil {
			add(s.LookupIP(a), v)
		}
	case kindDomain:
		add(s.LookupDomain(v), v)
	case kindURL:
		add(s.LookupURL(v), v)
	case kindHash:
		add(s.LookupHash(v), v)
	case kindSysmonHashes:
		for rest := v; rest != ""; {
			var part string
			part, rest, _ = strings.Cut(rest, ",")
			if _, h, ok := strings.Cut(part, "="); ok {
				add(s.LookupHash(h), h)
			}
		}
	case kindPath:
		add(s.LookupPath(v), v)
	case kindRegistry:
		add(s.LookupRegistry(v), v)
	}
	return dst
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// Matcher holds the current Set and swaps it atomically when the indicators
// change, without stopping matching.
type Matcher struct {
	cur   atomic.Pointer[Set]
	clock bianque.Clock
}

// NewMatcher returns a matcher with an empty set; clock decides expiry.
func NewMatcher(clock bianque.Clock) *Matcher {
	if clock == nil {
		clock = bianque.SystemClock{}
	}
	m := &Matcher{clock: clock}
	empty, _ := NewSet(nil)
	m.cur.Store(empty)
	return m
}

// Swap installs s and returns the previous set.
func (m *Matcher) Swap(s *Set) *Set { return m.cur.Swap(s) }

// Set returns the current set.
func (m *Matcher) Set() *Set { return m.cur.Load() }

// Match appends the active indicators found in ev.
func (m *Matcher) Match(ev *event.Event, dst []Hit) []Hit {
	return m.cur.Load().Match(ev, m.clock.Now(), dst)
}
