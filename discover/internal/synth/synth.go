// Package synth builds frames and writes captures for tests: Ethernet
// (optionally 802.1Q-tagged) IPv4/IPv6 with UDP or TCP, TCP connections with
// handshakes and segmentation, and LLDP. Captures of devices that have no
// public traffic samples (patient monitors, infusion pumps, cameras) are
// generated with it from the protocols' published specifications.
package synth

import (
	"encoding/binary"
	"io"
	"net/netip"
	"time"

	"bianque/discover/capture"
	"bianque/discover/decode"
)

// Host is an endpoint: a MAC and an IP address.
type Host struct {
	MAC  decode.MAC
	IP   netip.Addr
	VLAN uint16 // 802.1Q tag on frames this host sends (0: untagged)
}

// NewHost parses mac and ip; it panics on bad literals (test data).
func NewHost(mac, ip string) Host {
	m, ok := decode.ParseMAC(mac)
	if !ok {
		panic("synth: bad MAC " + mac)
	}
	return Host{MAC: m, IP: netip.MustParseAddr(ip)}
}

func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func pseudoSum(src, dst netip.Addr, proto uint8, l int) uint32 {
	var sum uint32
	for _, a := range []netip.Addr{src, dst} {
		b := a.AsSlice()
		for i := 0; i < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
	}
	return sum + uint32(proto) + uint32(l)
}

// Ethernet builds an Ethernet frame (with a VLAN tag when vlan > 0).
func Ethernet(src, dst decode.MAC, vlan uint16, etherType uint16, payload []byte) []byte {
	b := make([]byte, 0, 18+len(payload))
	b = append(b, dst[:]...)
	b = append(b, src[:]...)
	if vlan > 0 {
		b = binary.BigEndian.AppendUint16(b, decode.EtherTypeVLAN)
		b = binary.BigEndian.AppendUint16(b, vlan&0x0fff)
	}
	b = binary.BigEndian.AppendUint16(b, etherType)
	return append(b, payload...)
}

// IP builds an IPv4 or IPv6 packet around a transport segment.
func IP(src, dst netip.Addr, proto uint8, seg []byte) []byte {
	if src.Is4() {
		h := make([]byte, 20, 20+len(seg))
		h[0] = 0x45
		binary.BigEndian.PutUint16(h[2:], uint16(20+len(seg)))
		h[8] = 64
		h[9] = proto
		s4, d4 := src.As4(), dst.As4()
		copy(h[12:16], s4[:])
		copy(h[16:20], d4[:])
		binary.BigEndian.PutUint16(h[10:], checksum(h, 0))
		return append(h, seg...)
	}
	h := make([]byte, 40, 40+len(seg))
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(seg)))
	h[6] = proto
	h[7] = 64
	s16, d16 := src.As16(), dst.As16()
	copy(h[8:24], s16[:])
	copy(h[24:40], d16[:])
	return append(h, seg...)
}

// UDPFrame builds an Ethernet/IP/UDP frame.
func UDPFrame(src, dst Host, sp, dp uint16, payload []byte) []byte {
	seg := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(seg[0:], sp)
	binary.BigEndian.PutUint16(seg[2:], dp)
	binary.BigEndian.PutUint16(seg[4:], uint16(8+len(payload)))
	seg = append(seg, payload...)
	binary.BigEndian.PutUint16(seg[6:], checksum(seg, pseudoSum(src.IP, dst.IP, decode.ProtoUDP, len(seg))))
	return Ethernet(src.MAC, dst.MAC, src.VLAN, etherTypeOf(src.IP), IP(src.IP, dst.IP, decode.ProtoUDP, seg))
}

func etherTypeOf(a netip.Addr) uint16 {
	if a.Is4() {
		return decode.EtherTypeIPv4
	}
	return decode.EtherTypeIPv6
}

// TCPFrame builds an Ethernet/IP/TCP frame.
func TCPFrame(src, dst Host, sp, dp uint16, seq, ack uint32, flags uint8, payload []byte) []byte {
	seg := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(seg[0:], sp)
	binary.BigEndian.PutUint16(seg[2:], dp)
	binary.BigEndian.PutUint32(seg[4:], seq)
	binary.BigEndian.PutUint32(seg[8:], ack)
	seg[12] = 5 << 4
	seg[13] = flags
	binary.BigEndian.PutUint16(seg[14:], 65535)
	seg = append(seg, payload...)
	binary.BigEndian.PutUint16(seg[16:], checksum(seg, pseudoSum(src.IP, dst.IP, decode.ProtoTCP, len(seg))))
	return Ethernet(src.MAC, dst.MAC, src.VLAN, etherTypeOf(src.IP), IP(src.IP, dst.IP, decode.ProtoTCP, seg))
}

// LLDPFrame builds an LLDP frame from TLVs (type, value) sent by src.
func LLDPFrame(src decode.MAC, tlvs ...TLV) []byte {
	var b []byte
	for _, t := range tlvs {
		b = binary.BigEndian.AppendUint16(b, uint16(t.Type)<<9|uint16(len(t.Value)))
		b = append(b, t.Value...)
	}
	b = append(b, 0, 0)
	return Ethernet(src, decode.MAC{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}, 0, decode.EtherTypeLLDP, b)
}

// TLV is an LLDP type-length-value.
type TLV struct {
	Type  int
	Value []byte
}

// Writer writes frames to a pcap capture with increasing timestamps.
type Writer struct {
	w    *capture.PcapWriter
	T    time.Time
	Step time.Duration
}

// New writes a pcap header to w; frames start at t0 and advance by 1 ms.
func New(w io.Writer, t0 time.Time) (*Writer, error) {
	pw, err := capture.NewPcapWriter(w, decode.LinkEthernet)
	if err != nil {
		return nil, err
	}
	return &Writer{w: pw, T: t0, Step: time.Millisecond}, nil
}

// Frame writes one frame.
func (w *Writer) Frame(b []byte) error {
	err := w.w.WritePacket(w.T, b)
	w.T = w.T.Add(w.Step)
	return err
}

// UDP writes one datagram.
func (w *Writer) UDP(src, dst Host, sp, dp uint16, payload []byte) error {
	return w.Frame(UDPFrame(src, dst, sp, dp, payload))
}

// Conn is a TCP connection being written.
type Conn struct {
	w          *Writer
	c, s       Host
	cp, sp     uint16
	cseq, sseq uint32
	err        error
}

// Dial writes a three-way handshake from client c:cp to server s:sp.
func (w *Writer) Dial(c, s Host, cp, sp uint16) *Conn {
	k := &Conn{w: w, c: c, s: s, cp: cp, sp: sp, cseq: 1000, sseq: 5000}
	k.frame(true, decode.TCPSyn, nil)
	k.cseq++
	k.frame(false, decode.TCPSyn|decode.TCPAck, nil)
	k.sseq++
	k.frame(true, decode.TCPAck, nil)
	return k
}

func (k *Conn) frame(fromClient bool, flags uint8, payload []byte) {
	if k.err != nil {
		return
	}
	if fromClient {
		k.err = k.w.Frame(TCPFrame(k.c, k.s, k.cp, k.sp, k.cseq, k.sseq, flags, payload))
	} else {
		k.err = k.w.Frame(TCPFrame(k.s, k.c, k.sp, k.cp, k.sseq, k.cseq, flags, payload))
	}
}

// Send writes payload from one side in segments of at most mss bytes
// (0: 1460), each acknowledged by the other side.
func (k *Conn) Send(fromClient bool, payload []byte, mss int) {
	if mss <= 0 {
		mss = 1460
	}
	for len(payload) > 0 {
		n := min(mss, len(payload))
		k.frame(fromClient, decode.TCPAck|decode.TCPPsh, payload[:n])
		if fromClient {
			k.cseq += uint32(n)
		} else {
			k.sseq += uint32(n)
		}
		k.frame(!fromClient, decode.TCPAck, nil)
		payload = payload[n:]
	}
}

// Close writes FIN exchanges and returns the first write error.
func (k *Conn) Close() error {
	k.frame(true, decode.TCPFin|decode.TCPAck, nil)
	k.cseq++
	k.frame(false, decode.TCPFin|decode.TCPAck, nil)
	k.sseq++
	k.frame(true, decode.TCPAck, nil)
	return k.err
}
