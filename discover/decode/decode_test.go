package decode_test

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"bianque/discover/decode"
	"bianque/discover/internal/synth"
)

func TestDecodeLayers(t *testing.T) {
	a := synth.NewHost("00:11:22:33:44:55", "10.0.0.1")
	b := synth.NewHost("66:77:88:99:aa:bb", "10.0.0.2")
	udp := synth.UDPFrame(a, b, 1234, 53, []byte("payload"))
	tagged := a
	tagged.VLAN = 100
	vlan := synth.UDPFrame(tagged, b, 1234, 53, []byte("payload"))
	qinq := append(append(append([]byte{}, vlan[:12]...), 0x88, 0xa8, 0x00, 0x0a), vlan[12:]...)
	ip := udp[14:]
	pppoe := append(append(append([]byte{}, udp[:12]...), 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, byte((len(ip)+2)>>8), byte(len(ip)+2), 0x00, 0x21), ip...)
	mpls := append(append(append([]byte{}, udp[:12]...), 0x88, 0x47, 0x00, 0x01, 0x01, 0x40), ip...)
	sll := append([]byte{0, 0, 0, 1, 0, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0x08, 0x00}, ip...)
	v6a := synth.NewHost("00:11:22:33:44:55", "fe80::1")
	v6b := synth.NewHost("66:77:88:99:aa:bb", "ff02::fb")
	v6 := synth.UDPFrame(v6a, v6b, 5353, 5353, []byte("x"))
	// IPv6 with a hop-by-hop header in front of UDP.
	v6hop := append([]byte{}, v6[:14+40]...)
	v6hop[14+6] = 0 // next header: hop-by-hop
	binary.BigEndian.PutUint16(v6hop[14+4:], uint16(len(v6)-14-40+8))
	v6hop = append(v6hop, 17, 0, 1, 4, 0, 0, 0, 0)
	v6hop = append(v6hop, v6[14+40:]...)
	// 6in4: IPv6 packet inside IPv4 (protocol 41).
	sixin4 := synth.Ethernet(a.MAC, b.MAC, 0, decode.EtherTypeIPv4, synth.IP(a.IP, b.IP, 41, v6[14:]))
	// ERSPAN type II carrying a mirrored frame.
	gre := append([]byte{0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1}, make([]byte, 8)...)
	gre = append(gre, udp...)
	erspan := synth.Ethernet(b.MAC, a.MAC, 0, decode.EtherTypeIPv4, synth.IP(b.IP, a.IP, decode.ProtoGRE, gre))
	// VXLAN carrying a mirrored frame.
	vx := append([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, udp...)
	vxlan := synth.UDPFrame(b, a, 40000, 4789, vx)

	cases := []struct {
		name     string
		link     decode.LinkType
		frame    []byte
		src, dst string
		sport    uint16
		vlans    int
		tunnel   bool
	}{
		{"udp", decode.LinkEthernet, udp, "10.0.0.1", "10.0.0.2", 1234, 0, false},
		{"vlan", decode.LinkEthernet, vlan, "10.0.0.1", "10.0.0.2", 1234, 1, false},
		{"qinq", decode.LinkEthernet, qinq, "10.0.0.1", "10.0.0.2", 1234, 2, false},
		{"pppoe", decode.LinkEthernet, pppoe, "10.0.0.1", "10.0.0.2", 1234, 0, false},
		{"mpls", decode.LinkEthernet, mpls, "10.0.0.1", "10.0.0.2", 1234, 0, false},
		{"raw", decode.LinkRaw, ip, "10.0.0.1", "10.0.0.2", 1234, 0, false},
		{"sll", decode.LinkSLL, sll, "10.0.0.1", "10.0.0.2", 1234, 0, false},
		{"ipv6", decode.LinkEthernet, v6, "fe80::1", "ff02::fb", 5353, 0, false},
		{"ipv6-hop-by-hop", decode.LinkEthernet, v6hop, "fe80::1", "ff02::fb", 5353, 0, false},
		{"6in4", decode.LinkEthernet, sixin4, "fe80::1", "ff02::fb", 5353, 0, true},
		{"erspan", decode.LinkEthernet, erspan, "10.0.0.1", "10.0.0.2", 1234, 0, true},
		{"vxlan", decode.LinkEthernet, vxlan, "10.0.0.1", "10.0.0.2", 1234, 0, true},
	}
	for _, c := range cases {
		var p decode.Packet
		if err := p.Decode(c.link, c.frame); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if p.Src != netip.MustParseAddr(c.src) || p.Dst != netip.MustParseAddr(c.dst) || p.SrcPort != c.sport || p.Proto != decode.ProtoUDP {
			t.Errorf("%s: got %v:%d -> %v:%d proto %d", c.name, p.Src, p.SrcPort, p.Dst, p.DstPort, p.Proto)
		}
		if p.NumVLAN != c.vlans || c.vlans > 0 && p.VLANs[c.vlans-1] != 100 {
			t.Errorf("%s: vlans %v (%d)", c.name, p.VLANs, p.NumVLAN)
		}
		if p.Tunnel != c.tunnel {
			t.Errorf("%s: tunnel %v", c.name, p.Tunnel)
		}
		if string(p.Payload) != "payload" && string(p.Payload) != "x" {
			t.Errorf("%s: payload %q", c.name, p.Payload)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	a := synth.NewHost("00:11:22:33:44:55", "10.0.0.1")
	b := synth.NewHost("66:77:88:99:aa:bb", "10.0.0.2")
	f := synth.TCPFrame(a, b, 1, 2, 0, 0, decode.TCPSyn, nil)
	var p decode.Packet
	for n := 0; n < len(f); n++ {
		_ = p.Decode(decode.LinkEthernet, f[:n]) // must not panic
	}
	if err := p.Decode(decode.LinkEthernet, f[:20]); err != decode.ErrTruncated {
		t.Errorf("truncated IP: %v", err)
	}
	if err := p.Decode(decode.LinkType(9999), f); err != decode.ErrLinkType {
		t.Errorf("unknown link: %v", err)
	}
}

func TestMAC(t *testing.T) {
	for _, s := range []string{"00:11:22:aa:bb:cc", "00-11-22-AA-BB-CC", "0011.22aa.bbcc"} {
		m, ok := decode.ParseMAC(s)
		if !ok || m.String() != "00:11:22:aa:bb:cc" {
			t.Errorf("%s: %v %v", s, m, ok)
		}
	}
	for _, s := range []string{"", "00:11", "zz:11:22:33:44:55", "00:11:22:33:44:55:66"} {
		if _, ok := decode.ParseMAC(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	a := synth.NewHost("00:11:22:33:44:55", "10.0.0.1")
	b := synth.NewHost("66:77:88:99:aa:bb", "10.0.0.2")
	f.Add(uint16(1), synth.UDPFrame(a, b, 1, 2, []byte("x")))
	f.Add(uint16(1), synth.TCPFrame(a, b, 1, 2, 3, 4, decode.TCPAck, []byte("y")))
	f.Add(uint16(101), synth.UDPFrame(a, b, 1, 2, nil)[14:])
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		var p decode.Packet
		for _, l := range []decode.LinkType{decode.LinkType(link), decode.LinkEthernet, decode.LinkRaw, decode.LinkSLL, decode.LinkSLL2, decode.LinkNull} {
			_ = p.Decode(l, data)
			if len(p.Payload) > len(data) {
				t.Fatalf("payload longer than frame")
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	a := synth.NewHost("00:11:22:33:44:55", "10.0.0.1")
	c := synth.NewHost("66:77:88:99:aa:bb", "10.0.0.2")
	f := synth.TCPFrame(a, c, 40000, 443, 1, 2, decode.TCPAck, make([]byte, 200))
	var p decode.Packet
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Decode(decode.LinkEthernet, f)
	}
}
