package dissect

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

var lldpCapNames = [...]string{"other", "repeater", "bridge", "wlan-ap", "router", "telephone", "docsis", "station",
	"c-vlan", "s-vlan", "tpmr"}

func appendCaps(dst []byte, caps uint16, names []string) []byte {
	first := true
	for i, n := range names {
		if caps&(1<<i) != 0 {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, n...)
		}
	}
	return dst
}

// appendAddr formats an IPv4 or IPv6 address held in b.
func appendAddr(dst, b []byte) []byte {
	switch len(b) {
	case 4:
		for i, c := range b {
			if i > 0 {
				dst = append(dst, '.')
			}
			dst = strconv.AppendUint(dst, uint64(c), 10)
		}
	case 16:
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				dst = append(dst, ':')
			}
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(b[i:])), 16)
		}
	default:
		dst = appendHex(dst, b)
	}
	return dst
}

// LLDP dissects an LLDP PDU sent by the station with MAC src: chassis and
// port IDs (the port tells where on the switch a device is plugged), system
// name and description, capabilities, management address, port VLAN, the
// LLDP-MED inventory and a MUD URL.
func LLDP(src [6]byte, b []byte, o *Out) bool {
	if len(b) < 2 {
		return false
	}
	seen := false
	for len(b) >= 2 {
		h := binary.BigEndian.Uint16(b)
		typ := h >> 9
		l := int(h & 0x1ff)
		if 2+l > len(b) {
			return seen
		}
		v := b[2 : 2+l]
		b = b[2+l:]
		seen = true
		switch typ {
		case 0:
			return true
		case 1, 2: // chassis ID, port ID: subtype then value
			if l < 2 {
				continue
			}
			key := LLDPChassisID
			if typ == 2 {
				key = LLDPPortID
			}
			sub, id := v[0], v[1:]
			var out []byte
			switch {
			case (typ == 1 && sub == 4 || typ == 2 && sub == 3) && len(id) == 6: // MAC address
				out = appendHexColon(o.fbuf[:0], id, 6)
			case (typ == 1 && sub == 5 || typ == 2 && sub == 4) && len(id) >= 5: // network address
				out = appendAddr(o.fbuf[:0], id[1:])
			default:
				out = trimText(id)
			}
			if len(out) > 0 {
				o.MACFact(src, key, out)
			}
		case 4:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(src, LLDPPortDesc, s)
			}
		case 5:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(src, LLDPSysName, s)
			}
		case 6:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(src, LLDPSysDesc, s)
			}
		case 7:
			if l >= 4 {
				caps := binary.BigEndian.Uint16(v[2:4]) // enabled capabilities
				if caps == 0 {
					caps = binary.BigEndian.Uint16(v[0:2])
				}
				if out := appendCaps(o.fbuf[:0], caps, lldpCapNames[:]); len(out) > 0 {
					o.MACFact(src, LLDPCaps, out)
				}
			}
		case 8:
			if l >= 2 {
				al := int(v[0])
				if al >= 2 && 1+al <= l {
					o.MACFact(src, LLDPMgmtAddr, appendAddr(o.fbuf[:0], v[2:1+al]))
				}
			}
		case 127:
			if l < 4 {
				continue
			}
			oui := uint32(v[0])<<16 | uint32(v[1])<<8 | uint32(v[2])
			sub := v[3]
			val := v[4:]
			switch {
			case oui == 0x0080c2 && sub == 1 && len(val) >= 2: // IEEE 802.1 port VLAN ID
				o.MACFact(src, LLDPVLAN, strconv.AppendUint(o.fbuf[:0], uint64(binary.BigEndian.Uint16(val)), 10))
			case oui == 0x0012bb && sub >= 5 && sub <= 11: // TIA-1057 inventory
				labels := [...]string{5: "hardware", 6: "firmware", 7: "software", 8: "serial", 9: "manufacturer",
					10: "model", 11: "asset"}
				if s := trimText(val); len(s) > 0 {
					out := append(o.fbuf[:0], labels[sub]...)
					out = append(out, '=')
					out = append(out, s...)
					o.MACFact(src, LLDPModel, out)
				}
			case oui == 0x00005e && sub == 1: // IETF MUD URL (RFC 8520)
				if s := trimText(val); len(s) > 0 {
					o.MACFact(src, LLDPMUDURL, s)
				}
			}
		}
	}
	return seen
}

var cdpCapNames = [...]string{"router", "trans-bridge", "source-route-bridge", "switch", "host", "igmp", "repeater",
	"phone", "remote", "cvta", "mac-relay"}

// CDP dissects a Cisco Discovery Protocol frame (SNAP PID 0x2000) from the
// station with MAC src.
func CDP(src [6]byte, b []byte, o *Out) bool {
	if len(b) < 4 || (b[0] != 1 && b[0] != 2) {
		return false
	}
	b = b[4:]
	for len(b) >= 4 {
		typ := binary.BigEndian.Uint16(b)
		l := int(binary.BigEndian.Uint16(b[2:]))
		if l < 4 || l > len(b) {
			return true
		}
		v := b[4:l]
		b = b[l:]
		switch typ {
		case 0x0001:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(src, CDPDeviceID, s)
			}
		case 0x0003:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(src, CDPPortID, s)
			}
		case 0x0005:
			// Multi-line version text: each line separately (the first
			// names the OS), then the whole.
			rest := v
			for len(rest) > 0 {
				i := bytes.IndexByte(rest, '\n')
				line := rest
				if i >= 0 {
					line, rest = rest[:i], rest[i+1:]
				} else {
					rest = nil
				}
				line = trimCR(line)
				if len(bytes.TrimSpace(line)) > 0 {
					o.MACFact(src, CDPSoftware, line)
				}
			}
		case 0x0006:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(src, CDPPlatform, s)
			}
		case 0x0004:
			if l >= 8 {
				caps := binary.BigEndian.Uint32(v)
				if out := appendCaps(o.fbuf[:0], uint16(caps), cdpCapNames[:]); len(out) > 0 {
					o.MACFact(src, CDPCaps, out)
				}
			}
		case 0x000a:
			if len(v) >= 2 {
				o.MACFact(src, CDPVLAN, strconv.AppendUint(o.fbuf[:0], uint64(binary.BigEndian.Uint16(v)), 10))
			}
		case 0x0002, 0x0016: // addresses, management addresses
			if len(v) < 4 {
				continue
			}
			n := int(binary.BigEndian.Uint32(v))
			p := 4
			for range min(n, 16) {
				if p+2 > len(v) {
					break
				}
				pl := int(v[p+1])
				if p+2+pl+2 > len(v) {
					break
				}
				al := int(binary.BigEndian.Uint16(v[p+2+pl:]))
				a := p + 2 + pl + 2
				if a+al > len(v) {
					break
				}
				if v[p] == 1 && pl == 1 && v[p+2] == 0xcc && al == 4 { // NLPID IPv4
					o.MACFact(src, CDPAddress, appendAddr(o.fbuf[:0], v[a:a+al]))
					o.Bind(src, v[a:a+al])
				}
				p = a + al
			}
		}
	}
	return true
}
