package dissect

import (
	"encoding/binary"
	"strconv"
)

// DHCP dissects a DHCPv4/BOOTP message (UDP 67/68). Client facts (option 12
// host name, 55 parameter request list, 60 vendor class, 61 client
// identifier, 77 user class, 81 FQDN, 161 MUD URL) are attached to the
// client hardware address; a server's reply binds the leased address to it.
func DHCP(b []byte, o *Out) bool {
	if len(b) < 240 || b[1] != 1 || b[2] != 6 { // Ethernet hardware type and length only
		return false
	}
	if binary.BigEndian.Uint32(b[236:240]) != 0x63825363 {
		return false
	}
	op := b[0]
	var mac [6]byte
	copy(mac[:], b[28:34])
	ciaddr := b[12:16]
	yiaddr := b[16:20]

	var scratch [256]byte
	msgType := byte(0)
	opts := b[240:]
	// Options may be overloaded into sname/file (option 52); the identity
	// options are always in the main area in practice, so only it is read.
	for i := 0; i < len(opts); {
		code := opts[i]
		if code == 0 {
			i++
			continue
		}
		if code == 255 || i+1 >= len(opts) {
			break
		}
		n := int(opts[i+1])
		if i+2+n > len(opts) {
			break
		}
		v := opts[i+2 : i+2+n]
		i += 2 + n
		if op == 2 {
			// Replies: the message type, and a vendor class a server sent
			// about itself (e.g. wireless controllers answering access points).
			switch code {
			case 53:
				if n == 1 {
					msgType = v[0]
				}
			case 60:
				if s := trimText(v); len(s) > 0 {
					o.Fact(Src, DHCPVendorClass, s)
				}
			}
			continue
		}
		switch code {
		case 53:
			if n == 1 {
				msgType = v[0]
			}
		case 12:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(mac, DHCPHostname, s)
			}
		case 60:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(mac, DHCPVendorClass, s)
			}
		case 55:
			out := scratch[:0]
			for j, c := range v {
				if j > 0 {
					out = append(out, ',')
				}
				out = strconv.AppendUint(out, uint64(c), 10)
				if len(out) > len(scratch)-4 {
					break
				}
			}
			if len(out) > 0 {
				o.MACFact(mac, DHCPParamList, out)
			}
		case 61:
			if n > 0 {
				o.MACFact(mac, DHCPClientID, appendHexColon(scratch[:0], v, 64))
			}
		case 77:
			// RFC 3004 user class: a list of length-prefixed strings (some
			// clients send one plain string instead).
			if n > 0 {
				if int(v[0])+1 <= n && v[0] > 0 {
					for j := 0; j < n; {
						l := int(v[j])
						if l == 0 || j+1+l > n {
							break
						}
						if s := trimText(v[j+1 : j+1+l]); len(s) > 0 {
							o.MACFact(mac, DHCPUserClass, s)
						}
						j += 1 + l
					}
				} else if s := trimText(v); len(s) > 0 {
					o.MACFact(mac, DHCPUserClass, s)
				}
			}
		case 81:
			if n > 3 {
				name := v[3:]
				if v[0]&0x04 != 0 { // E flag: canonical wire encoding
					if out, ok := wireName(name, scratch[:0]); ok && len(out) > 0 {
						o.MACFact(mac, DHCPFQDN, out)
					}
				} else if s := trimText(name); len(s) > 0 {
					o.MACFact(mac, DHCPFQDN, s)
				}
			}
		case 161:
			if s := trimText(v); len(s) > 0 {
				o.MACFact(mac, DHCPMUDURL, s)
			}
		}
	}
	if msgType != 0 {
		if op == 1 {
			o.MACFact(mac, DHCPMessageType, dhcpTypeName(msgType))
		} else {
			o.Fact(Src, DHCPServer, bServer)
		}
	}
	if op == 1 && !zero4(ciaddr) {
		o.Bind(mac, ciaddr)
	}
	if op == 2 && msgType == 5 && !zero4(yiaddr) { // DHCPACK
		o.Bind(mac, yiaddr)
	}
	return true
}

var dhcpTypes = [...]string{1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}

func dhcpTypeName(t byte) []byte {
	if int(t) < len(dhcpTypes) && dhcpTypes[t] != "" {
		return []byte(dhcpTypes[t])
	}
	var b [3]byte
	return strconv.AppendUint(b[:0], uint64(t), 10)
}

func zero4(b []byte) bool { return b[0]|b[1]|b[2]|b[3] == 0 }

// trimText drops trailing NULs and surrounding spaces that some stacks
// append to option strings.
func trimText(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == 0 || b[len(b)-1] == ' ' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && (b[0] == ' ' || b[0] == 0) {
		b = b[1:]
	}
	return b
}

const hexDigits = "0123456789abcdef"

func appendHexColon(dst, b []byte, max int) []byte {
	for i, c := range b {
		if i >= max {
			break
		}
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

func appendHex(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// wireName decodes an uncompressed DNS wire-format name.
func wireName(b, dst []byte) ([]byte, bool) {
	for i := 0; i < len(b); {
		l := int(b[i])
		if l == 0 {
			return dst, true
		}
		if l > 63 || i+1+l > len(b) {
			return dst, false
		}
		if len(dst) > 0 {
			dst = append(dst, '.')
		}
		dst = append(dst, b[i+1:i+1+l]...)
		i += 1 + l
	}
	return dst, true
}
