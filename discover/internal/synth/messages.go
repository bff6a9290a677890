package synth

import "encoding/binary"

// ClientHello is a minimal TLS 1.2 ClientHello record naming sni.
func ClientHello(sni string) []byte {
	ext := []byte{0, 0}
	list := append([]byte{0}, byte(len(sni)>>8), byte(len(sni)))
	list = append(list, sni...)
	sn := append([]byte{byte(len(list) >> 8), byte(len(list))}, list...)
	ext = append(ext, byte(len(sn)>>8), byte(len(sn)))
	ext = append(ext, sn...)
	body := []byte{3, 3}
	body = append(body, make([]byte, 32)...)
	body = append(body, 0, 0, 2, 0xc0, 0x2f, 1, 0)
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	hs := append([]byte{1, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{22, 3, 1, byte(len(hs) >> 8), byte(len(hs))}, hs...)
}

// dnsName encodes a domain name from its labels.
func dnsName(labels ...string) []byte {
	var b []byte
	for _, l := range labels {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

func dnsRR(owner []byte, typ uint16, rdata []byte) []byte {
	b := append([]byte{}, owner...)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, 0x8001) // IN, cache flush
	b = binary.BigEndian.AppendUint32(b, 4500)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
	return append(b, rdata...)
}

// MDNSPrinter is an mDNS announcement of an IPP printer (DNS-SD, RFC 6763):
// PTR, SRV, TXT with the model (ty=) and the host's A record.
func MDNSPrinter(instance, model, host string, ip [4]byte) []byte {
	inst := dnsName(instance, "_ipp", "_tcp", "local")
	srv := []byte{0, 0, 0, 0, 0x02, 0x77}
	srv = append(srv, dnsName(host, "local")...)
	txt := []byte{}
	for _, s := range []string{"txtvers=1", "ty=" + model, "pdl=application/pdf"} {
		txt = append(txt, byte(len(s)))
		txt = append(txt, s...)
	}
	msg := []byte{0, 0, 0x84, 0, 0, 0, 0, 4, 0, 0, 0, 0}
	msg = append(msg, dnsRR(dnsName("_ipp", "_tcp", "local"), 12, inst)...)
	msg = append(msg, dnsRR(inst, 33, srv)...)
	msg = append(msg, dnsRR(inst, 16, txt)...)
	msg = append(msg, dnsRR(dnsName(host, "local"), 1, ip[:])...)
	return msg
}

// ber encodes one BER element with a definite length.
func ber(tag byte, content ...[]byte) []byte {
	var body []byte
	for _, c := range content {
		body = append(body, c...)
	}
	out := []byte{tag}
	switch n := len(body); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, body...)
}

// sysDescrOID is 1.3.6.1.2.1.1.1.0.
var sysDescrOID = []byte{0x2b, 6, 1, 2, 1, 1, 1, 0}

// SNMPGetSysDescr is an SNMPv2c GetRequest of sysDescr.0 (RFC 3416).
func SNMPGetSysDescr(community string, id byte) []byte {
	vb := ber(0x30, ber(0x06, sysDescrOID), []byte{0x05, 0x00})
	pdu := ber(0xa0, ber(0x02, []byte{id}), ber(0x02, []byte{0}), ber(0x02, []byte{0}), ber(0x30, vb))
	return ber(0x30, ber(0x02, []byte{1}), ber(0x04, []byte(community)), pdu)
}

// SNMPSysDescrResponse is the SNMPv2c Response carrying sysDescr.0.
func SNMPSysDescrResponse(community string, id byte, descr string) []byte {
	vb := ber(0x30, ber(0x06, sysDescrOID), ber(0x04, []byte(descr)))
	pdu := ber(0xa2, ber(0x02, []byte{id}), ber(0x02, []byte{0}), ber(0x02, []byte{0}), ber(0x30, vb))
	return ber(0x30, ber(0x02, []byte{1}), ber(0x04, []byte(community)), pdu)
}
