package dissect

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"bianque/discover/capture"
	"bianque/discover/decode"
	"bianque/internal/testutil"
)

// corpusPayloads returns transport payloads (or L2 payloads for LLDP/CDP)
// from the shared pcap corpus that match keep, as fuzz seeds from real
// traffic. Without the corpus it returns nothing.
func corpusPayloads(f *testing.F, keep func(p *decode.Packet) bool) [][]byte {
	dir := os.Getenv("BIANQUE_CORPORA")
	if dir == "" {
		dir = filepath.Join(testutil.RepoRoot(), "..", "shared", "corpora")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "pcap", "*.pcap*"))
	var out [][]byte
	var p decode.Packet
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			continue
		}
		src, err := capture.Open(fh)
		if err != nil {
			fh.Close()
			continue
		}
		for len(out) < 400 {
			fr, err := src.Next()
			if errors.Is(err, io.EOF) || err != nil {
				break
			}
			if p.Decode(fr.Link, fr.Data) != nil || !keep(&p) {
				continue
			}
			pl := p.Payload
			if p.IPVersion == 0 {
				pl = p.L2Payload
			}
			if len(pl) > 0 {
				out = append(out, append([]byte(nil), pl...))
			}
		}
		fh.Close()
	}
	return out
}

func udpPort(ports ...uint16) func(p *decode.Packet) bool {
	return func(p *decode.Packet) bool {
		if p.Proto != decode.ProtoUDP {
			return false
		}
		for _, x := range ports {
			if p.SrcPort == x || p.DstPort == x {
				return true
			}
		}
		return false
	}
}

func tcpPort(ports ...uint16) func(p *decode.Packet) bool {
	return func(p *decode.Packet) bool {
		if p.Proto != decode.ProtoTCP {
			return false
		}
		for _, x := range ports {
			if p.SrcPort == x || p.DstPort == x {
				return true
			}
		}
		return false
	}
}

func seed(f *testing.F, keep func(p *decode.Packet) bool, extra ...[]byte) {
	for _, b := range corpusPayloads(f, keep) {
		f.Add(b)
	}
	for _, b := range extra {
		f.Add(b)
	}
	f.Add([]byte{})
}

func FuzzDHCP(f *testing.F) {
	seed(f, udpPort(67, 68))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		DHCP(b, &o)
	})
}

func FuzzDNS(f *testing.F) {
	seed(f, udpPort(53, 5353, 5355))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		for _, m := range []DNSMode{ModeDNS, ModeMDNS, ModeLLMNR} {
			o.Reset()
			DNS(b, m, &o)
		}
	})
}

func FuzzNetBIOS(f *testing.F) {
	seed(f, udpPort(137, 138))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		NBNS(b, &o)
		o.Reset()
		NBDGM(b, &o)
	})
}

func FuzzSSDP(f *testing.F) {
	seed(f, udpPort(1900), []byte("NOTIFY * HTTP/1.1\r\nSERVER: Linux UPnP/1.0\r\nUSN: uuid:x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		SSDP(b, &o)
	})
}

func FuzzSNMP(f *testing.F) {
	seed(f, udpPort(161, 162))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		SNMP(b, &o)
	})
}

func FuzzBACnet(f *testing.F) {
	seed(f, udpPort(47808))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		BACnet(b, &o)
	})
}

func FuzzSyslog(f *testing.F) {
	seed(f, udpPort(514), []byte("<34>1 2026-03-01T08:00:00Z host app - - - msg"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		Syslog(b, &o)
	})
}

func FuzzWSDiscovery(f *testing.F) {
	f.Add([]byte(`<e:Envelope><e:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/name/X</d:Scopes></d:ProbeMatch></d:ProbeMatches></e:Body></e:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		WSDiscovery(b, &o)
	})
}

func FuzzL2(f *testing.F) {
	seed(f, func(p *decode.Packet) bool { return p.IPVersion == 0 && len(p.L2Payload) > 0 })
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		var mac [6]byte
		LLDP(mac, b, &o)
		o.Reset()
		CDP(mac, b, &o)
	})
}

func FuzzNTLM(f *testing.F) {
	f.Add([]byte("NTLMSSP\x00\x03\x00\x00\x00" + string(make([]byte, 60))))
	f.Add([]byte("NTLMSSP\x00\x02\x00\x00\x00" + string(make([]byte, 48))))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Out
		NTLM(b, &o)
	})
}

func FuzzUDP(f *testing.F) {
	f.Add(uint16(5353), uint16(5353), []byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0})
	f.Add(uint16(24005), uint16(24005), []byte{1})
	f.Fuzz(func(t *testing.T, sp, dp uint16, b []byte) {
		var o Out
		DissectUDP(sp, dp, b, &o)
	})
}

// feedStream drives a stream parser the way the sensor's reassembly does:
// chunks arrive in order, unconsumed bytes stay buffered, consumed counts
// beyond the buffer are skipped.
func feedStream(p StreamParser, chunks [][]byte, dirs []int) {
	var o Out
	var buf [2][]byte
	var skip [2]int
	var done [2]bool
	for i, c := range chunks {
		d := dirs[i%len(dirs)] & 1
		if done[d] {
			continue
		}
		if skip[d] > 0 {
			n := min(skip[d], len(c))
			skip[d] -= n
			c = c[n:]
		}
		buf[d] = append(buf[d], c...)
		for len(buf[d]) > 0 && !done[d] {
			o.Reset()
			n, fin := p.Feed(d, buf[d], &o)
			if fin {
				done[d] = true
				break
			}
			if n <= 0 {
				break
			}
			if n >= len(buf[d]) {
				skip[d] = n - len(buf[d])
				buf[d] = buf[d][:0]
				break
			}
			buf[d] = buf[d][n:]
		}
		if len(buf[d]) > 1<<20 {
			done[d] = true
		}
	}
}

// split cuts b into pieces at the offsets given by cuts (bytes as offsets).
func split(b, cuts []byte) [][]byte {
	var out [][]byte
	for _, c := range cuts {
		n := int(c) % (len(b) + 1)
		out = append(out, b[:n])
		b = b[n:]
		if len(b) == 0 {
			break
		}
	}
	if len(b) > 0 {
		out = append(out, b)
	}
	return out
}

func fuzzStream(f *testing.F, keep func(p *decode.Packet) bool, mk func() StreamParser) {
	for _, b := range corpusPayloads(f, keep) {
		f.Add(b, []byte{7, 200, 3}, []byte{0, 1})
	}
	f.Add([]byte{}, []byte{}, []byte{0})
	f.Fuzz(func(t *testing.T, b, cuts, dirs []byte) {
		ds := make([]int, 0, len(dirs)+1)
		for _, d := range dirs {
			ds = append(ds, int(d))
		}
		if len(ds) == 0 {
			ds = append(ds, 0)
		}
		feedStream(mk(), split(b, cuts), ds)
	})
}

func FuzzHTTPConn(f *testing.F) {
	fuzzStream(f, tcpPort(80, 8080, 631, 3128), func() StreamParser { return &HTTPConn{} })
}

func FuzzTLSConn(f *testing.F) {
	fuzzStream(f, tcpPort(443, 8443), func() StreamParser { return &TLSConn{} })
}

func FuzzSMBConn(f *testing.F) {
	fuzzStream(f, tcpPort(139, 445), func() StreamParser { return &SMBConn{} })
}

func FuzzDICOMConn(f *testing.F) {
	fuzzStream(f, tcpPort(104, 11112, 11113), func() StreamParser { return &DICOMConn{} })
}

func FuzzHL7Conn(f *testing.F) {
	fuzzStream(f, tcpPort(2575, 6661), func() StreamParser { return &HL7Conn{} })
}

func FuzzModbusConn(f *testing.F) {
	fuzzStream(f, tcpPort(502), func() StreamParser { return &ModbusConn{} })
}

func FuzzSyslogConn(f *testing.F) {
	fuzzStream(f, tcpPort(514, 601), func() StreamParser { return &SyslogConn{} })
}

func FuzzBannerConn(f *testing.F) {
	fuzzStream(f, tcpPort(21, 22, 23, 554), func() StreamParser { return &BannerConn{App: AppFTP} })
}

func FuzzRTSPConn(f *testing.F) {
	f.Add([]byte("RTSP/1.0 200 OK\r\nServer: Hikvision\r\n\r\n"), []byte{5}, []byte{1})
	f.Fuzz(func(t *testing.T, b, cuts, dirs []byte) {
		ds := []int{0}
		for _, d := range dirs {
			ds = append(ds, int(d))
		}
		feedStream(&BannerConn{App: AppRTSP}, split(b, cuts), ds)
	})
}
