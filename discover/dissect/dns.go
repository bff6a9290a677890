package dissect

import "encoding/binary"

// DNS record types used below.
const (
	dnsA    = 1
	dnsPTR  = 12
	dnsTXT  = 16
	dnsAAAA = 28
	dnsSRV  = 33
)

// Mode of DNS dissection.
type DNSMode uint8

// DNS modes: unicast DNS, multicast DNS / DNS-SD, LLMNR.
const (
	ModeDNS DNSMode = iota
	ModeMDNS
	ModeLLMNR
)

// readName decodes a possibly compressed name at off into dst. It returns
// the name, the offset after the name in the original position, and ok.
func readName(msg []byte, off int, dst []byte) ([]byte, int, bool) {
	next := -1
	jumps := 0
	for {
		if off >= len(msg) {
			return dst, 0, false
		}
		l := int(msg[off])
		switch l & 0xc0 {
		case 0x00:
			if l == 0 {
				if next < 0 {
					next = off + 1
				}
				return dst, next, true
			}
			if off+1+l > len(msg) || len(dst)+l+1 > 1024 {
				return dst, 0, false
			}
			if len(dst) > 0 {
				dst = append(dst, '.')
			}
			dst = append(dst, msg[off+1:off+1+l]...)
			off += 1 + l
		case 0xc0:
			if off+1 >= len(msg) {
				return dst, 0, false
			}
			if next < 0 {
				next = off + 2
			}
			jumps++
			if jumps > 32 {
				return dst, 0, false
			}
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
		default:
			return dst, 0, false
		}
	}
}

// DNS dissects a DNS, mDNS or LLMNR message.
func DNS(msg []byte, mode DNSMode, o *Out) bool {
	if len(msg) < 12 {
		return false
	}
	flags := binary.BigEndian.Uint16(msg[2:4])
	response := flags&0x8000 != 0
	if (flags>>11)&0xf != 0 { // only standard queries carry names worth keeping
		return false
	}
	qd := int(binary.BigEndian.Uint16(msg[4:6]))
	an := int(binary.BigEndian.Uint16(msg[6:8]))
	ns := int(binary.BigEndian.Uint16(msg[8:10]))
	ar := int(binary.BigEndian.Uint16(msg[10:12]))
	if qd+an+ns+ar > 512 {
		return false
	}
	nbuf, tbuf := o.nbuf[:], o.tbuf[:]
	off := 12
	for range qd {
		name, next, ok := readName(msg, off, nbuf[:0])
		if !ok || next+4 > len(msg) {
			return false
		}
		off = next + 4
		if len(name) == 0 {
			continue
		}
		switch mode {
		case ModeMDNS:
			o.Fact(Src, MDNSName, name)
			o.Fact(Src, MDNSQuery, name)
		case ModeLLMNR:
			o.Fact(Src, LLMNRName, name)
		case ModeDNS:
			if !response {
				o.Fact(Src, DNSQuery, name)
			}
		}
	}
	if mode == ModeDNS && response {
		o.Fact(Src, DNSServer, bServer)
	}
	total := an + ns + ar
	for i := range total {
		name, next, ok := readName(msg, off, nbuf[:0])
		if !ok || next+10 > len(msg) {
			return true
		}
		typ := binary.BigEndian.Uint16(msg[next:])
		rdlen := int(binary.BigEndian.Uint16(msg[next+8:]))
		rd := next + 10
		if rd+rdlen > len(msg) {
			return true
		}
		off = rd + rdlen
		rdata := msg[rd : rd+rdlen]
		answer := i < an
		switch mode {
		case ModeDNS:
			// Remember which names resolve to which addresses: internet
			// destinations are later shown by name.
			if response && answer && len(name) > 0 {
				switch {
				case typ == dnsA && rdlen == 4, typ == dnsAAAA && rdlen == 16:
					o.Resolved(name, rdata)
				}
			}
			continue
		case ModeLLMNR:
			if response && len(name) > 0 {
				o.Fact(Src, LLMNRName, name)
			}
			continue
		}
		// mDNS. Known answers in a query describe other hosts; only names
		// are kept for tho.
		if len(name) > 0 {
			o.Fact(Src, MDNSName, name)
		}
		switch typ {
		case dnsPTR:
			target, _, ok := readName(msg, rd, tbuf[:0])
			if !ok || len(target) == 0 {
				continue
			}
			o.Fact(Src, MDNSName, target)
			if !response {
				continue
			}
			switch {
			case isReverseName(name):
				o.Fact(Src, MDNSHostname, target)
			case hasPrefixFold(name, "_services._dns-sd._udp."):
				o.Fact(Src, MDNSService, target)
			default:
				if svc := serviceType(name); len(svc) > 0 {
					o.Fact(Src, MDNSService, svc)
					o.Fact(Src, MDNSInstance, target)
				}
			}
		case dnsSRV:
			if rdlen < 7 {
				continue
			}
			target, _, ok := readName(msg, rd+6, tbuf[:0])
			if !ok {
				continue
			}
			if response {
				if len(name) > 0 {
					o.Fact(Src, MDNSInstance, name)
					if svc := serviceType(name); len(svc) > 0 {
						o.Fact(Src, MDNSService, svc)
					}
				}
				if len(target) > 0 {
					o.Fact(Src, MDNSHostname, target)
				}
			}
			if len(target) > 0 {
				o.Fact(Src, MDNSName, target)
			}
		case dnsTXT:
			if !response {
				continue
			}
			for j := 0; j < len(rdata); {
				l := int(rdata[j])
				if j+1+l > len(rdata) {
					break
				}
				if l > 0 {
					o.Fact(Src, MDNSTXT, rdata[j+1:j+1+l])
				}
				j += 1 + l
			}
		case dnsA, dnsAAAA:
			if response && len(name) > 0 && !isReverseName(name) {
				o.Fact(Src, MDNSHostname, name)
			}
		}
	}
	return true
}

var bServer = []byte("server")

func isReverseName(n []byte) bool {
	return hasSuffixFold(n, ".in-addr.arpa") || hasSuffixFold(n, ".ip6.arpa")
}

// serviceType returns "_svc._tcp.local" from "Instance._svc._tcp.local",
// "_svc._tcp.local" or "_sub-type._sub._svc._tcp.local"; nil when the name is
// not a DNS-SD service name.
func serviceType(n []byte) []byte {
	for i := 0; i+6 <= len(n); i++ {
		if i == 0 || n[i-1] == '.' {
			if n[i] != '_' {
				continue
			}
			// Find "._tcp." or "._udp." after this label.
			j := i
			for j < len(n) && n[j] != '.' {
				j++
			}
			if j+5 < len(n) && (hasPrefixFold(n[j:], "._tcp.") || hasPrefixFold(n[j:], "._udp.")) {
				return n[i:]
			}
		}
	}
	return nil
}

func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lower(b[i]) != lower(p[i]) {
			return false
		}
	}
	return true
}

func hasSuffixFold(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	return hasPrefixFold(b[len(b)-len(s):], s)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func equalFold(b []byte, s string) bool { return len(b) == len(s) && hasPrefixFold(b, s) }

// indexFold finds s in b ignoring ASCII case.
func indexFold(b []byte, s string) int {
	if len(s) == 0 {
		return 0
	}
	c0 := lower(s[0])
	for i := 0; i+len(s) <= len(b); i++ {
		if lower(b[i]) == c0 && hasPrefixFold(b[i:], s) {
			return i
		}
	}
	return -1
}
