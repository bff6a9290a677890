package dissect

import "bytes"

// IsHL7 reports whether b starts an HL7 v2 message, framed by MLLP (0x0b)
// or bare.
func IsHL7(b []byte) bool {
	if len(b) > 0 && b[0] == 0x0b {
		b = b[1:]
	}
	return len(b) >= 4 && (string(b[:3]) == "MSH" || string(b[:3]) == "BHS" || string(b[:3]) == "FHS") &&
		(b[3] == '|' || b[3] == '^' || b[3] == '~' || b[3] > 0x20 && b[3] < 0x7f)
}

// HL7Conn dissects HL7 v2 messages over MLLP (or bare on a stream): the MSH
// header of every message (sending and receiving application and facility,
// message type, version, profile) and IEEE 11073 device codes (MDC_DEV_*)
// named in OBX segments, which tell patient monitors and infusion pumps
// apart from the systems that relay their data.
type HL7Conn struct {
	phase [2]uint8 // 0 seeking a message start, 1 reading the header segment, 2 in the body
	msgs  [2]int
	tail  [2][]byte // end of the previous body chunk, so codes across chunks are found
}

const (
	maxHL7Header   = 16 << 10
	maxHL7Messages = 4096
)

var (
	bSender   = []byte("sender")
	bReceiver = []byte("receiver")
)

// Feed implements StreamParser.
func (c *HL7Conn) Feed(dir int, b []byte, o *Out) (int, bool) {
	used := 0
	for used < len(b) {
		rest := b[used:]
		switch c.phase[dir] {
		case 0:
			i := bytes.IndexByte(rest, 0x0b)
			if i < 0 {
				if used == 0 && IsHL7(rest) {
					c.phase[dir] = 1
					continue
				}
				return len(b), false
			}
			used += i + 1
			c.phase[dir] = 1
		case 1:
			end := bytes.IndexAny(rest, "\r\n\x1c")
			if end < 0 {
				if len(rest) > maxHL7Header {
					c.phase[dir] = 2
					continue
				}
				return used, false
			}
			c.msgs[dir]++
			if c.msgs[dir] > maxHL7Messages {
				return len(b), true
			}
			msh(rest[:end], o)
			used += end
			c.phase[dir] = 2
			c.tail[dir] = c.tail[dir][:0]
		case 2:
			end := bytes.IndexByte(rest, 0x1c)
			chunk := rest
			if end >= 0 {
				chunk = rest[:end]
			}
			c.deviceCodes(dir, chunk, o)
			if end < 0 {
				return len(b), false
			}
			used += end + 1
			c.phase[dir] = 0
		}
	}
	return used, false
}

// msh reports the fields of an MSH segment.
func msh(seg []byte, o *Out) {
	if len(seg) < 8 || string(seg[:3]) != "MSH" {
		return
	}
	sep := seg[3]
	// MSH-1 is the separator itself, so MSH-n is element n-1 of the split.
	var f [22][]byte
	n := 0
	for start := 0; n < len(f); n++ {
		i := bytes.IndexByte(seg[start:], sep)
		if i < 0 {
			f[n] = seg[start:]
			n++
			break
		}
		f[n] = seg[start : start+i]
		start += i + 1
	}
	get := func(msh int) []byte {
		if msh-1 < n {
			return bytes.TrimSpace(f[msh-1])
		}
		return nil
	}
	emit := func(side Side, k Key, v []byte) {
		if len(v) > 0 {
			o.Fact(side, k, v)
		}
	}
	emit(Src, HL7SendingApp, get(3))
	emit(Src, HL7SendingFacility, get(4))
	emit(Dst, HL7ReceivingApp, get(5))
	emit(Dst, HL7ReceivingFacility, get(6))
	typ := get(9)
	emit(Src, HL7MessageType, typ)
	emit(Src, HL7Version, get(12))
	emit(Src, HL7Profile, get(21))
	if len(typ) > 0 && !bytes.HasPrefix(typ, []byte("ACK")) {
		o.Fact(Src, HL7Role, bSender)
		o.Fact(Dst, HL7Role, bReceiver)
	}
}

// deviceCodes finds "MDC_DEV_..." tokens (IEEE 11073-10101 device
// nomenclature) in message text.
func (c *HL7Conn) deviceCodes(dir int, chunk []byte, o *Out) {
	scan := chunk
	if t := c.tail[dir]; len(t) > 0 {
		// Join the tail of the previous chunk with the head of this one.
		var join [128]byte
		j := append(join[:0], t...)
		j = append(j, chunk[:min(len(chunk), 64)]...)
		mdcTokens(j, len(t), o)
	}
	mdcTokens(scan, 0, o)
	if len(chunk) > 0 {
		k := max(0, len(chunk)-48)
		c.tail[dir] = append(c.tail[dir][:0], chunk[k:]...)
	}
}

// mdcTokens reports tokens that start at or after from... only tokens that
// end past from, so a joined buffer does not repeat earlier ones.
func mdcTokens(b []byte, from int, o *Out) {
	for i := 0; i+8 <= len(b); {
		j := bytes.Index(b[i:], []byte("MDC_DEV_"))
		if j < 0 {
			return
		}
		s := i + j
		e := s + 8
		for e < len(b) && (b[e] >= 'A' && b[e] <= 'Z' || b[e] >= '0' && b[e] <= '9' || b[e] == '_') {
			e++
		}
		if e > from && e < len(b) && e-s > 8 {
			o.Fact(Src, HL7DeviceCode, b[s:e])
		}
		i = e
	}
}
