package dissect

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

var (
	bClient     = []byte("client")
	bServerRole = []byte("server")
)

// ModbusConn dissects Modbus/TCP (port 502): unit identifiers and function
// codes in both directions, and the read-device-identification objects
// (vendor, product code, revision, model) a server returns. Each new
// (unit, function) pair is reported once per connection.
type ModbusConn struct {
	seen  [2][256 / 8]byte // function codes already reported, per direction
	units [256 / 8]byte
	role  bool
}

// Feed implements StreamParser.
func (c *ModbusConn) Feed(dir int, b []byte, o *Out) (int, bool) {
	if len(b) < 8 {
		return 0, false
	}
	if binary.BigEndian.Uint16(b[2:4]) != 0 {
		return 0, true
	}
	l := int(binary.BigEndian.Uint16(b[4:6]))
	if l < 2 || l > 256 {
		return 0, true
	}
	if len(b) < 6+l {
		return 0, false
	}
	unit, fn := b[6], b[7]&0x7f
	if !c.role {
		c.role = true
		if dir == 0 {
			o.Fact(Src, ModbusRole, bClient)
			o.Fact(Dst, ModbusRole, bServerRole)
		} else {
			o.Fact(Src, ModbusRole, bServerRole)
			o.Fact(Dst, ModbusRole, bClient)
		}
	}
	if c.units[unit/8]&(1<<(unit%8)) == 0 {
		c.units[unit/8] |= 1 << (unit % 8)
		o.Fact(Both, ModbusUnit, strconv.AppendUint(o.fbuf[:0], uint64(unit), 10))
	}
	if c.seen[dir][fn/8]&(1<<(fn%8)) == 0 {
		c.seen[dir][fn/8] |= 1 << (fn % 8)
		o.Fact(Both, ModbusFunction, strconv.AppendUint(o.fbuf[:0], uint64(fn), 10))
	}
	if dir == 1 && b[7] == 43 && l >= 9 && b[8] == 14 {
		modbusDeviceID(b[8:6+l], o)
	}
	return 6 + l, false
}

var modbusObjects = [...]string{"vendor", "product_code", "revision", "vendor_url", "product_name", "model",
	"application"}

func modbusDeviceID(p []byte, o *Out) {
	// MEI type 14, read code, conformity, more follows, next id, count, objects.
	if len(p) < 6 {
		return
	}
	n := int(p[5])
	p = p[6:]
	for range n {
		if len(p) < 2 || 2+int(p[1]) > len(p) {
			return
		}
		id, v := p[0], p[2:2+int(p[1])]
		p = p[2+int(p[1]):]
		if int(id) < len(modbusObjects) && len(v) > 0 {
			out := append(o.fbuf[:0], modbusObjects[id]...)
			out = append(out, '=')
			out = append(out, trimText(v)...)
			o.Fact(Src, ModbusDeviceID, out)
		}
	}
}

// bacTag is one BACnet tag header.
type bacTag struct {
	num     uint8
	context bool
	open    bool
	close   bool
	length  int // value length (for application booleans: 0, value in lvt)
	lvt     uint8
	hdr     int
}

func readBACTag(b []byte) (bacTag, bool) {
	if len(b) < 1 {
		return bacTag{}, false
	}
	t := bacTag{num: b[0] >> 4, context: b[0]&8 != 0, lvt: b[0] & 7, hdr: 1}
	if t.num == 15 {
		if len(b) < 2 {
			return t, false
		}
		t.num = b[1]
		t.hdr = 2
	}
	switch {
	case t.context && t.lvt == 6:
		t.open = true
		return t, true
	case t.context && t.lvt == 7:
		t.close = true
		return t, true
	case !t.context && t.num == 1: // boolean: value in lvt
		return t, true
	case t.lvt == 5:
		if len(b) < t.hdr+1 {
			return t, false
		}
		l := int(b[t.hdr])
		t.hdr++
		switch l {
		case 254:
			if len(b) < t.hdr+2 {
				return t, false
			}
			l = int(binary.BigEndian.Uint16(b[t.hdr:]))
			t.hdr += 2
		case 255:
			if len(b) < t.hdr+4 {
				return t, false
			}
			l = int(binary.BigEndian.Uint32(b[t.hdr:]))
			t.hdr += 4
		}
		t.length = l
	default:
		t.length = int(t.lvt)
	}
	if t.length < 0 || t.hdr+t.length > len(b) {
		return t, false
	}
	return t, true
}

func bacUnsigned(v []byte) (uint64, bool) {
	if len(v) == 0 || len(v) > 8 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		n = n<<8 | uint64(c)
	}
	return n, true
}

// appendBACString decodes a BACnet CharacterString value (charset byte first).
func appendBACString(dst, v []byte) []byte {
	if len(v) < 1 {
		return dst
	}
	s := v[1:]
	switch v[0] {
	case 0: // UTF-8 / ANSI X3.4
		return append(dst, trimText(s)...)
	case 4: // UCS-2 big-endian
		for i := 0; i+1 < len(s); i += 2 {
			dst = utf8.AppendRune(dst, rune(binary.BigEndian.Uint16(s[i:])))
		}
		return dst
	case 5: // ISO 8859-1
		for _, c := range s {
			dst = utf8.AppendRune(dst, rune(c))
		}
		return dst
	}
	return dst
}

var bacServices = [...]string{
	// Unconfirmed services.
	0: "i-am", 1: "i-have", 2: "unconfirmed-cov-notification", 3: "unconfirmed-event-notification",
	4: "unconfirmed-private-transfer", 5: "unconfirmed-text-message", 6: "time-synchronization", 7: "who-has",
	8: "who-is", 9: "utc-time-synchronization", 10: "write-group",
}

var bacConfirmed = [...]string{
	0: "acknowledge-alarm", 1: "confirmed-cov-notification", 2: "confirmed-event-notification",
	3: "get-alarm-summary", 4: "get-enrollment-summary", 5: "subscribe-cov", 6: "atomic-read-file",
	7: "atomic-write-file", 8: "add-list-element", 9: "remove-list-element", 10: "create-object",
	11: "delete-object", 12: "read-property", 14: "read-property-multiple", 15: "write-property",
	16: "write-property-multiple", 17: "device-communication-control", 18: "confirmed-private-transfer",
	19: "confirmed-text-message", 20: "reinitialize-device", 26: "read-range", 28: "subscribe-cov-property",
	29: "get-event-information",
}

// BACnet dissects a BACnet/IP datagram (UDP 47808-47823): I-Am (device
// instance, vendor identifier), I-Have and Who-Has object names, read
// property answers (object, model, vendor names, firmware), and the
// services a host uses.
func BACnet(b []byte, o *Out) bool {
	if len(b) < 4 || b[0] != 0x81 {
		return false
	}
	fn := b[1]
	p := 4
	switch fn {
	case 0x0a, 0x0b, 0x09: // original unicast / broadcast, distribute broadcast
	case 0x04: // forwarded NPDU: the original B/IP address follows
		p = 10
	default:
		return true // BVLC control messages
	}
	if len(b) < p+2 || b[p] != 0x01 {
		return false
	}
	ctrl := b[p+1]
	p += 2
	if ctrl&0x20 != 0 { // DNET
		if len(b) < p+3 {
			return false
		}
		p += 3 + int(b[p+2])
	}
	if ctrl&0x08 != 0 { // SNET
		if len(b) < p+3 {
			return false
		}
		p += 3 + int(b[p+2])
	}
	if ctrl&0x20 != 0 {
		p++ // hop count
	}
	if ctrl&0x80 != 0 || p >= len(b) { // network layer message
		return true
	}
	apdu := b[p:]
	switch apdu[0] >> 4 {
	case 0: // confirmed request
		if len(apdu) < 4 {
			return true
		}
		q := 3
		if apdu[0]&0x08 != 0 {
			q += 2
		}
		if q >= len(apdu) {
			return true
		}
		svc := apdu[q]
		if int(svc) < len(bacConfirmed) && bacConfirmed[svc] != "" {
			o.Fact(Src, BACnetService, []byte(bacConfirmed[svc]))
		}
		if svc == 12 || svc == 15 { // read/write property: object of the target
			bacObjectRef(apdu[q+1:], Dst, o)
		}
	case 1: // unconfirmed request
		if len(apdu) < 2 {
			return true
		}
		svc := apdu[1]
		if int(svc) < len(bacServices) && bacServices[svc] != "" {
			o.Fact(Src, BACnetService, []byte(bacServices[svc]))
		}
		body := apdu[2:]
		switch svc {
		case 0: // I-Am: device identifier, max APDU, segmentation, vendor ID
			var vals [4][]byte
			for i := range 4 {
				t, ok := readBACTag(body)
				if !ok || t.context {
					return true
				}
				vals[i] = body[t.hdr : t.hdr+t.length]
				body = body[t.hdr+t.length:]
			}
			if len(vals[0]) == 4 {
				id := binary.BigEndian.Uint32(vals[0])
				o.Fact(Src, BACnetInstance, strconv.AppendUint(o.fbuf[:0], uint64(id&0x3fffff), 10))
			}
			if v, ok := bacUnsigned(vals[3]); ok {
				o.Fact(Src, BACnetVendor, strconv.AppendUint(o.fbuf[:0], v, 10))
			}
		case 1: // I-Have: device id, object id, object name
			var vals [3][]byte
			for i := range 3 {
				t, ok := readBACTag(body)
				if !ok || t.context {
					return true
				}
				vals[i] = body[t.hdr : t.hdr+t.length]
				body = body[t.hdr+t.length:]
			}
			if len(vals[0]) == 4 {
				id := binary.BigEndian.Uint32(vals[0])
				o.Fact(Src, BACnetInstance, strconv.AppendUint(o.fbuf[:0], uint64(id&0x3fffff), 10))
			}
			if s := appendBACString(o.fbuf[:0], vals[2]); len(s) > 0 {
				o.Fact(Src, BACnetObjectName, s)
			}
		case 7: // Who-Has: [0][1] limits, then [2] object id or [3] object name
			for len(body) > 0 {
				t, ok := readBACTag(body)
				if !ok || !t.context || t.open || t.close {
					break
				}
				v := body[t.hdr : t.hdr+t.length]
				body = body[t.hdr+t.length:]
				if t.num == 3 {
					if s := appendBACString(o.fbuf[:0], v); len(s) > 0 {
						o.Fact(Src, BACnetQueryName, s)
					}
				}
			}
		}
	case 3: // complex ACK
		if len(apdu) < 3 {
			return true
		}
		q := 2
		if apdu[0]&0x08 != 0 {
			q += 2
		}
		if q >= len(apdu) {
			return true
		}
		switch apdu[q] {
		case 12:
			bacReadPropertyACK(apdu[q+1:], o)
		case 14:
			bacReadPropertyMultipleACK(apdu[q+1:], o)
		}
	}
	return true
}

// bacObjectRef reports the device instance named by a context [0] object
// identifier.
func bacObjectRef(b []byte, side Side, o *Out) {
	t, ok := readBACTag(b)
	if !ok || !t.context || t.num != 0 || t.length != 4 {
		return
	}
	id := binary.BigEndian.Uint32(b[t.hdr:])
	if id>>22 == 8 { // device object
		o.Fact(side, BACnetInstance, strconv.AppendUint(o.fbuf[:0], uint64(id&0x3fffff), 10))
	}
}

// bacProperty reports a property value of the answering device.
func bacProperty(prop uint64, val []byte, o *Out) {
	t, ok := readBACTag(val)
	if !ok || t.context {
		return
	}
	v := val[t.hdr : t.hdr+t.length]
	var key Key
	switch prop {
	case 77:
		key = BACnetObjectName
	case 70:
		key = BACnetModel
	case 121:
		key = BACnetVendorName
	case 44, 12:
		key = BACnetFirmware
	case 120:
		if n, ok := bacUnsigned(v); ok && t.num == 2 {
			o.Fact(Src, BACnetVendor, strconv.AppendUint(o.fbuf[:0], n, 10))
		}
		return
	default:
		return
	}
	if t.num == 7 {
		if s := appendBACString(o.fbuf[:0], v); len(s) > 0 {
			o.Fact(Src, key, s)
		}
	}
}

func bacReadPropertyACK(b []byte, o *Out) {
	t, ok := readBACTag(b) // [0] object identifier
	if !ok || !t.context || t.num != 0 || t.length != 4 {
		return
	}
	id := binary.BigEndian.Uint32(b[t.hdr:])
	o.Fact(Src, BACnetInstance, strconv.AppendUint(o.fbuf[:0], uint64(id&0x3fffff), 10))
	b = b[t.hdr+t.length:]
	t, ok = readBACTag(b) // [1] property identifier
	if !ok || !t.context || t.num != 1 {
		return
	}
	prop, ok := bacUnsigned(b[t.hdr : t.hdr+t.length])
	if !ok {
		return
	}
	b = b[t.hdr+t.length:]
	if t, ok = readBACTag(b); ok && t.context && t.num == 2 && !t.open { // array index
		b = b[t.hdr+t.length:]
	}
	if t, ok = readBACTag(b); !ok || !t.open || t.num != 3 {
		return
	}
	bacProperty(prop, b[t.hdr:], o)
}

func bacReadPropertyMultipleACK(b []byte, o *Out) {
	var prop uint64
	for range 256 {
		if len(b) == 0 {
			return
		}
		t, ok := readBACTag(b)
		if !ok {
			return
		}
		switch {
		case t.context && t.num == 0 && t.length == 4 && !t.open && !t.close:
			id := binary.BigEndian.Uint32(b[t.hdr:])
			if id>>22 == 8 {
				o.Fact(Src, BACnetInstance, strconv.AppendUint(o.fbuf[:0], uint64(id&0x3fffff), 10))
			}
		case t.context && t.num == 2 && !t.open && !t.close:
			prop, _ = bacUnsigned(b[t.hdr : t.hdr+t.length])
		case t.context && t.num == 4 && t.open:
			bacProperty(prop, b[t.hdr:], o)
		}
		if t.open || t.close {
			b = b[t.hdr:]
		} else {
			b = b[t.hdr+t.length:]
		}
	}
}
