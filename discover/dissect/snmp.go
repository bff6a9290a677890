package dissect

import (
	"bytes"
	"strconv"
)

// berTLV reads one BER element (definite lengths only).
func berTLV(b []byte) (tag byte, val, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	tag = b[0]
	l := int(b[1])
	p := 2
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 4 || p+n > len(b) {
			return 0, nil, nil, false
		}
		l = 0
		for i := range n {
			l = l<<8 | int(b[p+i])
		}
		p += n
		if l < 0 {
			return 0, nil, nil, false
		}
	}
	if p+l > len(b) {
		return 0, nil, nil, false
	}
	return tag, b[p : p+l], b[p+l:], true
}

func berInt(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 8 {
		return 0, false
	}
	n := int64(int8(v[0]))
	for _, c := range v[1:] {
		n = n<<8 | int64(c)
	}
	return n, true
}

// appendOID formats a BER-encoded object identifier.
func appendOID(dst, v []byte) []byte {
	if len(v) == 0 {
		return dst
	}
	var n uint64
	first := true
	for _, c := range v {
		if n > 1<<56 {
			return dst
		}
		n = n<<7 | uint64(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		if first {
			a := min(n/40, 2)
			dst = strconv.AppendUint(dst, a, 10)
			dst = append(dst, '.')
			dst = strconv.AppendUint(dst, n-40*a, 10)
			first = false
		} else {
			dst = append(dst, '.')
			dst = strconv.AppendUint(dst, n, 10)
		}
		n = 0
	}
	return dst
}

// Encoded OIDs of the system group (1.3.6.1.2.1.1.x.0).
var (
	oidSysDescr    = []byte{0x2b, 6, 1, 2, 1, 1, 1, 0}
	oidSysObjectID = []byte{0x2b, 6, 1, 2, 1, 1, 2, 0}
	oidSysName     = []byte{0x2b, 6, 1, 2, 1, 1, 5, 0}
	oidSysLocation = []byte{0x2b, 6, 1, 2, 1, 1, 6, 0}

	bAgent   = []byte("agent")
	bManager = []byte("manager")
	bV1      = []byte("1")
	bV2c     = []byte("2c")
	bV3      = []byte("3")
)

// SNMP dissects an SNMP v1/v2c/v3 message: version, community (kept for
// both ends: default communities are a weak-authentication risk), the
// manager/agent roles, and the system group values of responses and traps.
func SNMP(b []byte, o *Out) bool {
	tag, msg, _, ok := berTLV(b)
	if !ok || tag != 0x30 {
		return false
	}
	tag, v, msg, ok := berTLV(msg)
	if !ok || tag != 0x02 {
		return false
	}
	ver, ok := berInt(v)
	if !ok {
		return false
	}
	switch ver {
	case 0:
		o.Fact(Both, SNMPVersion, bV1)
	case 1:
		o.Fact(Both, SNMPVersion, bV2c)
	case 3:
		o.Fact(Both, SNMPVersion, bV3)
		return true
	default:
		return false
	}
	tag, comm, msg, ok := berTLV(msg)
	if !ok || tag != 0x04 {
		return false
	}
	o.Fact(Both, SNMPCommunity, comm)
	tag, pdu, _, ok := berTLV(msg)
	if !ok || tag < 0xa0 || tag > 0xa8 {
		return true
	}
	switch tag {
	case 0xa0, 0xa1, 0xa3, 0xa5: // get, get-next, set, get-bulk
		o.Fact(Src, SNMPRole, bManager)
		o.Fact(Dst, SNMPRole, bAgent)
		return true
	case 0xa2, 0xa4, 0xa6, 0xa7: // response, trap, inform, v2 trap
		o.Fact(Src, SNMPRole, bAgent)
	default:
		return true
	}
	rest := pdu
	if tag == 0xa4 { // v1 trap: enterprise, agent address, generic, specific, timestamp
		for range 5 {
			if _, _, rest, ok = berTLV(rest); !ok {
				return true
			}
		}
	} else {
		for range 3 { // request id, error status, error index
			if _, _, rest, ok = berTLV(rest); !ok {
				return true
			}
		}
	}
	tag, vbl, _, ok := berTLV(rest)
	if !ok || tag != 0x30 {
		return true
	}
	for range 64 {
		if len(vbl) == 0 {
			break
		}
		var vb []byte
		tag, vb, vbl, ok = berTLV(vbl)
		if !ok || tag != 0x30 {
			break
		}
		tag, oid, val, ok := berTLV(vb)
		if !ok || tag != 0x06 {
			continue
		}
		vtag, value, _, ok := berTLV(val)
		if !ok || len(value) == 0 {
			continue
		}
		switch {
		case bytes.Equal(oid, oidSysDescr) && vtag == 0x04:
			o.Fact(Src, SNMPSysDescr, trimText(value))
		case bytes.Equal(oid, oidSysName) && vtag == 0x04:
			o.Fact(Src, SNMPSysName, trimText(value))
		case bytes.Equal(oid, oidSysLocation) && vtag == 0x04:
			o.Fact(Src, SNMPSysLocation, trimText(value))
		case bytes.Equal(oid, oidSysObjectID) && vtag == 0x06:
			o.Fact(Src, SNMPSysObjectID, appendOID(o.fbuf[:0], value))
		}
	}
	return true
}
