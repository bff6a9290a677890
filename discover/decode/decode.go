// Package decode turns link-layer frames into the few header fields passive
// discovery needs: MAC addresses, VLAN tags, IPv4/IPv6 addresses, the
// transport protocol and ports, TCP flags and sequence numbers, and the
// payload. It never allocates: a Packet is reused for every frame and its
// slices point into the frame.
//
// Supported link types are Ethernet (with any number of 802.1Q / 802.1ad
// tags), Linux cooked capture v1 and v2, BSD loopback (null/loop) and raw
// IPv4/IPv6. Non-IP frames the dissectors care about (ARP, LLDP, CDP over
// 802.2 SNAP) are recognised and their payload is exposed.
package decode

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// LinkType is a pcap LINKTYPE_ value.
type LinkType uint32

// Link types understood by Decode.
const (
	LinkNull     LinkType = 0   // BSD loopback, host-endian family
	LinkEthernet LinkType = 1   // IEEE 802.3 Ethernet
	LinkRaw      LinkType = 101 // raw IPv4 or IPv6
	LinkLoop     LinkType = 108 // OpenBSD loopback, big-endian family
	LinkSLL      LinkType = 113 // Linux cooked capture v1
	LinkIPv4     LinkType = 228 // raw IPv4
	LinkIPv6     LinkType = 229 // raw IPv6
	LinkSLL2     LinkType = 276 // Linux cooked capture v2
	linkRawAlt1  LinkType = 12  // raw IP on some BSDs
	linkRawAlt2  LinkType = 14  // raw IP on OpenBSD
)

// EtherTypes and IP protocol numbers used by the decoder and its callers.
const (
	EtherTypeIPv4  = 0x0800
	EtherTypeARP   = 0x0806
	EtherTypeVLAN  = 0x8100
	EtherTypeQinQ  = 0x88a8
	EtherType9100  = 0x9100
	EtherTypeIPv6  = 0x86dd
	EtherTypeLLDP  = 0x88cc
	EtherTypePPPoE = 0x8864
	EtherTypeMPLS  = 0x8847
	EtherTypeMPLSm = 0x8848

	ProtoICMP   = 1
	ProtoIGMP   = 2
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoGRE    = 47
	ProtoESP    = 50
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// TCP flag bits.
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
)

// MAC is an IEEE 802 MAC-48 address.
type MAC [6]byte

// String formats the address as lower-case colon-separated hex.
func (m MAC) String() string {
	const hexd = "0123456789abcdef"
	var b [17]byte
	for i, v := range m {
		if i > 0 {
			b[i*3-1] = ':'
		}
		b[i*3] = hexd[v>>4]
		b[i*3+1] = hexd[v&0xf]
	}
	return string(b[:])
}

// IsZero reports whether every byte is zero (loopback captures, cooked captures).
func (m MAC) IsZero() bool { return m == MAC{} }

// IsGroup reports a multicast or broadcast address (I/G bit set).
func (m MAC) IsGroup() bool { return m[0]&1 == 1 }

// OUI returns the 24-bit organisationally unique identifier.
func (m MAC) OUI() uint32 { return uint32(m[0])<<16 | uint32(m[1])<<8 | uint32(m[2]) }

// ParseMAC parses "aa:bb:cc:dd:ee:ff", "aa-bb-..." or "aabb.ccdd.eeff".
func ParseMAC(s string) (MAC, bool) {
	var m MAC
	n := 0
	hi := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'a' && c <= 'f':
			v = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = int(c-'A') + 10
		case c == ':' || c == '-' || c == '.':
			continue
		default:
			return MAC{}, false
		}
		if hi < 0 {
			hi = v
			continue
		}
		if n == 6 {
			return MAC{}, false
		}
		m[n] = byte(hi<<4 | v)
		n++
		hi = -1
	}
	return m, n == 6 && hi < 0
}

// Errors reported by Decode. A frame that fails to decode is counted by the
// caller, never silently dropped.
var (
	ErrTruncated = errors.New("frame truncated")
	ErrLinkType  = errors.New("unsupported link type")
	ErrBadHeader = errors.New("malformed header")
)

// Packet is one decoded frame. Slices alias the frame passed to Decode.
type Packet struct {
	// Layer 2.
	HasEth         bool
	SrcMAC, DstMAC MAC
	VLANs          [2]uint16 // outermost first
	NumVLAN        int
	EtherType      uint16 // innermost EtherType (after VLAN tags); 0 for 802.3 length frames
	// L2Payload is the payload after the Ethernet/VLAN/LLC headers: the LLDP
	// PDU (EtherType 0x88cc) or the SNAP payload of CDP (LLC, OUI 00000c, PID 0x2000).
	L2Payload []byte
	// SNAPPID is the SNAP protocol ID of an 802.2 LLC/SNAP frame (0x2000 = CDP).
	SNAPPID uint16
	IsSNAP  bool

	// ARP (EtherType 0x0806, Ethernet/IPv4 only).
	IsARP        bool
	ARPOp        uint16
	ARPSenderMAC MAC
	ARPSenderIP  netip.Addr
	ARPTargetIP  netip.Addr

	// Layer 3.
	IPVersion uint8 // 0 when the frame carries no IP
	Src, Dst  netip.Addr
	Proto     uint8 // transport protocol after IPv6 extension headers
	TTL       uint8
	IPLen     int  // IP packet length from the header (or the captured length when 0)
	Fragment  bool // a non-first IPv4/IPv6 fragment: no transport header
	MoreFrags bool

	// Layer 4.
	SrcPort, DstPort uint16
	TCPFlags         uint8
	Seq, Ack         uint32
	Window           uint16
	// Payload is the transport payload for TCP/UDP, and the IP payload for
	// other protocols (ICMP, IGMP, ...).
	Payload []byte
	// Snapped is set when the capture cut the payload short of the length
	// the headers announce (snap length).
	Snapped bool
	// ICMPType and ICMPCode for ICMP and ICMPv6.
	ICMPType, ICMPCode uint8

	ipPayload int // transport length announced by the IP header

	// Tunnel is set when the frame was decapsulated (IP-in-IP, 6in4, GRE,
	// ERSPAN, VXLAN): the fields above describe the inner packet, Outer*
	// the tunnel endpoints. TunnelEth says the inner packet had its own
	// Ethernet header (mirrored traffic: ERSPAN, VXLAN, GRE bridging).
	Tunnel      bool
	TunnelEth   bool
	OuterSrc    netip.Addr
	OuterDst    netip.Addr
	OuterProto  uint8
	OuterPort   uint16 // UDP port of a VXLAN tunnel
	OuterSrcMAC MAC
	OuterHasEth bool
	OuterLen    int
	depth       int
}

// Reset clears the packet for reuse.
func (p *Packet) Reset() { *p = Packet{} }

// Decode decodes data captured with the given link type into p. The fields
// up to the layer where decoding stopped are set; the error says why it
// stopped (truncated frame, unknown link type, malformed header). Frames
// that are simply not IP (e.g. STP) return nil with IPVersion 0.
func (p *Packet) Decode(link LinkType, data []byte) error {
	*p = Packet{}
	switch link {
	case LinkEthernet:
		return p.decodeEthernet(data)
	case LinkRaw, linkRawAlt1, linkRawAlt2:
		return p.decodeIP(data)
	case LinkIPv4:
		return p.decodeIPv4(data)
	case LinkIPv6:
		return p.decodeIPv6(data)
	case LinkNull, LinkLoop:
		if len(data) < 4 {
			return ErrTruncated
		}
		// The family is host-endian for NULL, big-endian for LOOP; the
		// values 2 (AF_INET) and 24/28/30 (AF_INET6 on BSDs) are distinct
		// in either byte order, so just look at the IP version nibble.
		return p.decodeIP(data[4:])
	case LinkSLL:
		if len(data) < 16 {
			return ErrTruncated
		}
		if binary.BigEndian.Uint16(data[4:6]) == 6 { // ARPHRD address length 6: a MAC
			copy(p.SrcMAC[:], data[6:12])
			p.HasEth = true
		}
		return p.decodeEtherType(binary.BigEndian.Uint16(data[14:16]), data[16:])
	case LinkSLL2:
		if len(data) < 20 {
			return ErrTruncated
		}
		if data[11] == 6 {
			copy(p.SrcMAC[:], data[12:18])
			p.HasEth = true
		}
		return p.decodeEtherType(binary.BigEndian.Uint16(data[0:2]), data[20:])
	}
	return ErrLinkType
}

func (p *Packet) decodeEthernet(data []byte) error {
	if len(data) < 14 {
		return ErrTruncated
	}
	p.HasEth = true
	copy(p.DstMAC[:], data[0:6])
	copy(p.SrcMAC[:], data[6:12])
	et := binary.BigEndian.Uint16(data[12:14])
	data = data[14:]
	for et == EtherTypeVLAN || et == EtherTypeQinQ || et == EtherType9100 {
		if len(data) < 4 {
			return ErrTruncated
		}
		if p.NumVLAN < len(p.VLANs) {
			p.VLANs[p.NumVLAN] = binary.BigEndian.Uint16(data[0:2]) & 0x0fff
		}
		p.NumVLAN++
		et = binary.BigEndian.Uint16(data[2:4])
		data = data[4:]
	}
	if et <= 1500 { // IEEE 802.3 length field: 802.2 LLC follows
		if int(et) < len(data) {
			data = data[:et]
		}
		return p.decodeLLC(data)
	}
	return p.decodeEtherType(et, data)
}

func (p *Packet) decodeLLC(data []byte) error {
	if len(data) < 3 {
		return ErrTruncated
	}
	if data[0] == 0xaa && data[1] == 0xaa && data[2] == 0x03 { // SNAP
		if len(data) < 8 {
			return ErrTruncated
		}
		p.IsSNAP = true
		p.SNAPPID = binary.BigEndian.Uint16(data[6:8])
		p.L2Payload = data[8:]
		oui := uint32(data[3])<<16 | uint32(data[4])<<8 | uint32(data[5])
		if oui == 0 { // RFC 1042 encapsulation of an EtherType
			return p.decodeEtherType(p.SNAPPID, data[8:])
		}
		return nil
	}
	p.L2Payload = data[3:]
	return nil
}

func (p *Packet) decodeEtherType(et uint16, data []byte) error {
	p.EtherType = et
	switch et {
	case EtherTypeIPv4:
		return p.decodeIPv4(data)
	case EtherTypeIPv6:
		return p.decodeIPv6(data)
	case EtherTypeARP:
		return p.decodeARP(data)
	case EtherTypeLLDP:
		p.L2Payload = data
	case EtherTypePPPoE:
		// PPPoE session: version/type, code, session, length, then the PPP protocol.
		if len(data) < 8 {
			return ErrTruncated
		}
		switch binary.BigEndian.Uint16(data[6:8]) {
		case 0x0021:
			return p.decodeIPv4(data[8:])
		case 0x0057:
			return p.decodeIPv6(data[8:])
		}
	case EtherTypeMPLS, EtherTypeMPLSm:
		// Label stack until the bottom-of-stack bit, then IP (by version nibble).
		for range 8 {
			if len(data) < 4 {
				return ErrTruncated
			}
			bottom := data[2]&1 != 0
			data = data[4:]
			if bottom {
				return p.decodeIP(data)
			}
		}
		return ErrBadHeader
	}
	return nil
}

func (p *Packet) decodeARP(data []byte) error {
	p.IsARP = true
	if len(data) < 28 {
		return ErrTruncated
	}
	// Ethernet (1) / IPv4 (0x0800), hlen 6, plen 4.
	if binary.BigEndian.Uint16(data[0:2]) != 1 || binary.BigEndian.Uint16(data[2:4]) != EtherTypeIPv4 ||
		data[4] != 6 || data[5] != 4 {
		return nil
	}
	p.ARPOp = binary.BigEndian.Uint16(data[6:8])
	copy(p.ARPSenderMAC[:], data[8:14])
	p.ARPSenderIP = netip.AddrFrom4([4]byte(data[14:18]))
	p.ARPTargetIP = netip.AddrFrom4([4]byte(data[24:28]))
	return nil
}

func (p *Packet) decodeIP(data []byte) error {
	if len(data) < 1 {
		return ErrTruncated
	}
	switch data[0] >> 4 {
	case 4:
		p.EtherType = EtherTypeIPv4
		return p.decodeIPv4(data)
	case 6:
		p.EtherType = EtherTypeIPv6
		return p.decodeIPv6(data)
	}
	return ErrBadHeader
}

func (p *Packet) decodeIPv4(data []byte) error {
	if len(data) < 20 {
		return ErrTruncated
	}
	ihl := int(data[0]&0x0f) * 4
	if data[0]>>4 != 4 || ihl < 20 {
		return ErrBadHeader
	}
	if len(data) < ihl {
		return ErrTruncated
	}
	p.IPVersion = 4
	p.Src = netip.AddrFrom4([4]byte(data[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(data[16:20]))
	p.Proto = data[9]
	p.TTL = data[8]
	total := int(binary.BigEndian.Uint16(data[2:4]))
	p.IPLen = total
	frag := binary.BigEndian.Uint16(data[6:8])
	p.MoreFrags = frag&0x2000 != 0
	if frag&0x1fff != 0 {
		p.Fragment = true
	}
	// Trim Ethernet padding; TSO captures carry total length 0.
	if total >= ihl && total < len(data) {
		data = data[:total]
	} else if total == 0 {
		p.IPLen = len(data)
	}
	if total >= ihl {
		p.ipPayload = total - ihl
	}
	if p.Fragment {
		p.Payload = data[ihl:]
		return nil
	}
	return p.decodeL4(data[ihl:])
}

func (p *Packet) decodeIPv6(data []byte) error {
	if len(data) < 40 {
		return ErrTruncated
	}
	if data[0]>>4 != 6 {
		return ErrBadHeader
	}
	p.IPVersion = 6
	p.Src = netip.AddrFrom16([16]byte(data[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(data[24:40]))
	p.TTL = data[7]
	plen := int(binary.BigEndian.Uint16(data[4:6]))
	p.IPLen = plen + 40
	if plen > 0 && 40+plen <= len(data) {
		data = data[:40+plen]
	} else if plen == 0 {
		p.IPLen = len(data)
	}
	next := data[6]
	data = data[40:]
	extStart := len(data)
	// Walk extension headers (at most a handful; bound the loop anyway).
	for range 8 {
		switch next {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination options, mobility, HIP, shim6
			if len(data) < 8 {
				return ErrTruncated
			}
			n := (int(data[1]) + 1) * 8
			if len(data) < n {
				return ErrTruncated
			}
			next = data[0]
			data = data[n:]
		case 44: // fragment
			if len(data) < 8 {
				return ErrTruncated
			}
			next = data[0]
			off := binary.BigEndian.Uint16(data[2:4])
			p.MoreFrags = off&1 != 0
			if off&0xfff8 != 0 {
				p.Fragment = true
			}
			data = data[8:]
		case 51: // authentication header: length in 4-octet units minus 2
			if len(data) < 8 {
				return ErrTruncated
			}
			n := (int(data[1]) + 2) * 4
			if len(data) < n {
				return ErrTruncated
			}
			next = data[0]
			data = data[n:]
		default:
			p.Proto = next
			if plen > 0 {
				p.ipPayload = plen - (extStart - len(data))
			}
			if p.Fragment {
				p.Payload = data
				return nil
			}
			return p.decodeL4(data)
		}
	}
	return ErrBadHeader
}

// maxTunnelDepth bounds nested encapsulation.
const maxTunnelDepth = 2

// enterTunnel records the current (outer) addresses before an inner packet
// is decoded over them.
func (p *Packet) enterTunnel(port uint16) bool {
	if p.depth >= maxTunnelDepth {
		return false
	}
	p.depth++
	if !p.Tunnel {
		p.Tunnel = true
		p.OuterSrc, p.OuterDst, p.OuterProto, p.OuterPort = p.Src, p.Dst, p.Proto, port
		p.OuterSrcMAC, p.OuterHasEth, p.OuterLen = p.SrcMAC, p.HasEth, p.IPLen
	}
	return true
}

// innerEthernet decodes a mirrored Ethernet frame carried in a tunnel.
func (p *Packet) innerEthernet(data []byte) error {
	saved := *p
	*p = Packet{}
	p.Tunnel, p.TunnelEth = true, true
	p.OuterSrc, p.OuterDst, p.OuterProto, p.OuterPort = saved.OuterSrc, saved.OuterDst, saved.OuterProto, saved.OuterPort
	p.OuterSrcMAC, p.OuterHasEth, p.OuterLen, p.depth = saved.OuterSrcMAC, saved.OuterHasEth, saved.OuterLen, saved.depth
	return p.decodeEthernet(data)
}

func (p *Packet) decodeGRE(data []byte) error {
	if len(data) < 4 || data[1]&0x07 != 0 { // version 0 only
		return nil
	}
	flags := data[0]
	off := 4
	if flags&0x80 != 0 {
		off += 4
	}
	if flags&0x20 != 0 {
		off += 4
	}
	if flags&0x10 != 0 {
		off += 4
	}
	if len(data) < off {
		return ErrTruncated
	}
	proto := binary.BigEndian.Uint16(data[2:4])
	inner := data[off:]
	switch proto {
	case EtherTypeIPv4, EtherTypeIPv6:
		if p.enterTunnel(0) {
			p.HasEth = false // the frame's MACs are the tunnel's, not the inner hosts'
			return p.decodeIP(inner)
		}
	case 0x6558: // transparent Ethernet bridging
		if p.enterTunnel(0) {
			return p.innerEthernet(inner)
		}
	case 0x88be: // ERSPAN type II: 8-byte header, then the mirrored frame
		if len(inner) >= 8 && p.enterTunnel(0) {
			return p.innerEthernet(inner[8:])
		}
	case 0x22eb: // ERSPAN type III: 12-byte header (+8 with the O flag)
		if len(inner) >= 12 && p.enterTunnel(0) {
			h := 12
			if inner[11]&0x01 != 0 {
				h += 8
			}
			if len(inner) >= h {
				return p.innerEthernet(inner[h:])
			}
		}
	}
	return nil
}

func (p *Packet) decodeL4(data []byte) error {
	switch p.Proto {
	case 4, 41: // IPv4 / IPv6 encapsulated in IP (IP-in-IP, 6in4)
		if p.enterTunnel(0) {
			p.HasEth = false
			return p.decodeIP(data)
		}
		p.Payload = data
		return nil
	case ProtoGRE:
		p.Payload = data
		return p.decodeGRE(data)
	case ProtoTCP:
		if len(data) < 20 {
			return ErrTruncated
		}
		p.SrcPort = binary.BigEndian.Uint16(data[0:2])
		p.DstPort = binary.BigEndian.Uint16(data[2:4])
		p.Seq = binary.BigEndian.Uint32(data[4:8])
		p.Ack = binary.BigEndian.Uint32(data[8:12])
		off := int(data[12]>>4) * 4
		p.TCPFlags = data[13]
		p.Window = binary.BigEndian.Uint16(data[14:16])
		if off < 20 {
			return ErrBadHeader
		}
		if len(data) < off {
			return ErrTruncated
		}
		p.Payload = data[off:]
		if p.ipPayload > 0 && len(data) < p.ipPayload {
			p.Snapped = true
		}
	case ProtoUDP:
		if len(data) < 8 {
			return ErrTruncated
		}
		p.SrcPort = binary.BigEndian.Uint16(data[0:2])
		p.DstPort = binary.BigEndian.Uint16(data[2:4])
		ulen := int(binary.BigEndian.Uint16(data[4:6]))
		if ulen >= 8 && ulen < len(data) {
			data = data[:ulen]
		} else if ulen > len(data) {
			p.Snapped = true
		}
		p.Payload = data[8:]
		// VXLAN (RFC 7348): flags with the I bit, then the mirrored frame.
		if p.DstPort == 4789 && len(p.Payload) >= 8+14 && p.Payload[0]&0x08 != 0 && p.enterTunnel(4789) {
			return p.innerEthernet(p.Payload[8:])
		}
	case ProtoICMP, ProtoICMPv6:
		if len(data) < 4 {
			return ErrTruncated
		}
		p.ICMPType, p.ICMPCode = data[0], data[1]
		p.Payload = data
	default:
		p.Payload = data
	}
	return nil
}

// ProtoName names an IP protocol number the way flow records do.
func ProtoName(proto uint8) string {
	switch proto {
	case ProtoICMP:
		return "icmp"
	case 4:
		return "ipip"
	case 41:
		return "ipv6-in-ip"
	case ProtoIGMP:
		return "igmp"
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoGRE:
		return "gre"
	case ProtoESP:
		return "esp"
	case 51:
		return "ah"
	case ProtoICMPv6:
		return "icmpv6"
	case 89:
		return "ospf"
	case 103:
		return "pim"
	case 112:
		return "vrrp"
	case ProtoSCTP:
		return "sctp"
	}
	return protoNumbers[proto]
}

var protoNumbers = func() (t [256]string) {
	const digits = "0123456789"
	for i := range t {
		switch {
		case i >= 100:
			t[i] = "ip-" + string(digits[i/100]) + string(digits[i/10%10]) + string(digits[i%10])
		case i >= 10:
			t[i] = "ip-" + string(digits[i/10]) + string(digits[i%10])
		default:
			t[i] = "ip-" + string(digits[i])
		}
	}
	return t
}()

// ProtoNumber is the inverse of ProtoName for the names it produces.
func ProtoNumber(name string) (uint8, bool) {
	for i := range 256 {
		if ProtoName(uint8(i)) == name {
			return uint8(i), true
		}
	}
	return 0, false
}
