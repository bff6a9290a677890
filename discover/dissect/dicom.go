package dissect

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// IsDICOM reports whether b starts with a DICOM upper-layer A-ASSOCIATE-RQ
// PDU (type 1, protocol version 1): DICOM runs on any port, so it is
// recognised by content.
func IsDICOM(b []byte) bool {
	if len(b) < 10 || b[0] != 0x01 || b[1] != 0 {
		return false
	}
	l := binary.BigEndian.Uint32(b[2:6])
	return l >= 68 && l < 1<<20 && b[6] == 0 && b[7] == 1
}

// Transfer syntax encodings of data sets.
const (
	tsUnknown uint8 = iota
	tsImplicitLE
	tsExplicitLE
	tsExplicitBE
	tsDeflated
)

func transferSyntaxKind(uid []byte) uint8 {
	switch string(uid) {
	case "1.2.840.10008.1.2":
		return tsImplicitLE
	case "1.2.840.10008.1.2.2":
		return tsExplicitBE
	case "1.2.840.10008.1.2.1.99":
		return tsDeflated
	}
	if bytes.HasPrefix(uid, []byte("1.2.840.10008.1.2.")) {
		return tsExplicitLE // explicit VR little endian and every encapsulated syntax
	}
	return tsUnknown
}

var dimseNames = map[uint16]string{
	0x0001: "C-STORE", 0x0010: "C-GET", 0x0020: "C-FIND", 0x0021: "C-MOVE", 0x0030: "C-ECHO",
	0x0100: "N-EVENT-REPORT", 0x0110: "N-GET", 0x0120: "N-SET", 0x0130: "N-ACTION", 0x0140: "N-CREATE",
	0x0150: "N-DELETE", 0x0fff: "C-CANCEL",
}

// DICOMConn dissects a DICOM upper-layer association: the A-ASSOCIATE
// request/accept (calling and called AE titles, implementation class UID
// and version name, proposed abstract syntaxes), rejects, the DIMSE command
// of every message (command field, affected SOP class) and a few attributes
// at the start of data sets (modality, manufacturer, model, station name).
// Pixel data and other bulk is skipped without buffering.
type DICOMConn struct {
	inPData    [2]bool
	pduLeft    [2]int
	cmd        [2][]byte
	expectData [2]bool
	lastCmd    [2]uint16
	lastPC     [2]uint8
	ts         [256]uint8 // accepted transfer syntax per presentation context
	proposed   [256]uint8 // first proposed transfer syntax (until accepted)
	released   bool
}

const (
	maxDICOMPDU     = 256 << 10 // association PDUs and command sets are small
	maxDataSetPeek  = 16 << 10  // bytes of a data set read for identity attributes
	maxCommandBytes = 64 << 10
)

// Feed implements StreamParser.
func (c *DICOMConn) Feed(dir int, b []byte, o *Out) (int, bool) {
	used := 0
	for {
		rest := b[used:]
		if !c.inPData[dir] {
			if len(rest) < 6 {
				return used, false
			}
			typ := rest[0]
			l := int(binary.BigEndian.Uint32(rest[2:6]))
			switch typ {
			case 1, 2, 3:
				if l > maxDICOMPDU {
					return used, true
				}
				if len(rest) < 6+l {
					return used, false
				}
				c.association(dir, typ, rest[6:6+l], o)
				used += 6 + l
				if typ == 3 {
					return used, true
				}
			case 4:
				c.inPData[dir] = true
				c.pduLeft[dir] = l
				used += 6
			case 5, 6:
				used += 6 + l
				if typ == 6 {
					c.released = true
				}
				if used > len(b) {
					return used, c.released
				}
			case 7:
				return used + 6 + l, true
			default:
				return used, true
			}
			continue
		}
		if c.pduLeft[dir] <= 0 {
			c.inPData[dir] = false
			continue
		}
		if len(rest) < 6 {
			return used, false
		}
		pdvLen := int(binary.BigEndian.Uint32(rest[0:4]))
		if pdvLen < 2 || pdvLen+4 > c.pduLeft[dir] {
			return used, true // lost framing
		}
		pc, mch := rest[4], rest[5]
		data := pdvLen - 2
		c.pduLeft[dir] -= 4 + pdvLen
		if mch&1 != 0 { // command fragment
			if len(c.cmd[dir])+data > maxCommandBytes {
				return used, true
			}
			if len(rest) < 6+data {
				c.pduLeft[dir] += 4 + pdvLen // not consumed yet
				return used, false
			}
			c.cmd[dir] = append(c.cmd[dir], rest[6:6+data]...)
			if mch&2 != 0 {
				c.command(dir, pc, c.cmd[dir], o)
				c.cmd[dir] = c.cmd[dir][:0]
			}
			used += 6 + data
			continue
		}
		// Data fragment: read the start of the first fragment of a data set.
		if c.expectData[dir] {
			need := min(data, maxDataSetPeek)
			if len(rest) < 6+need {
				c.pduLeft[dir] += 4 + pdvLen
				return used, false
			}
			c.expectData[dir] = false
			c.dataSet(dir, pc, rest[6:6+need], o)
		}
		used += 6 + data
		if used > len(b) {
			return used, false // skip the rest of the fragment
		}
	}
}

func trimAE(b []byte) []byte { return bytes.TrimSpace(bytes.TrimRight(b, "\x00")) }

var (
	bSCU = []byte("scu")
	bSCP = []byte("scp")
)

func (c *DICOMConn) association(dir int, typ byte, body []byte, o *Out) {
	if typ == 3 { // A-ASSOCIATE-RJ: reserved, result, source, reason
		if len(body) >= 4 {
			o.Fact(Src, DICOMReject, appendReject(o.fbuf[:0], body[1], body[2], body[3]))
		}
		return
	}
	if len(body) < 68 {
		return
	}
	called, calling := trimAE(body[4:20]), trimAE(body[20:36])
	// The request comes from the calling AE; the accept echoes both titles.
	if typ == 1 {
		if len(calling) > 0 {
			o.Fact(Src, DICOMCallingAE, calling)
		}
		if len(called) > 0 {
			o.Fact(Dst, DICOMCalledAE, called)
		}
		o.Fact(Src, DICOMRole, bSCU)
		o.Fact(Dst, DICOMRole, bSCP)
	} else {
		if len(calling) > 0 {
			o.Fact(Dst, DICOMCallingAE, calling)
		}
		if len(called) > 0 {
			o.Fact(Src, DICOMCalledAE, called)
		}
	}
	items := body[68:]
	for len(items) >= 4 {
		it := items[0]
		l := int(binary.BigEndian.Uint16(items[2:4]))
		if 4+l > len(items) {
			return
		}
		v := items[4 : 4+l]
		items = items[4+l:]
		switch it {
		case 0x20, 0x21: // presentation context (request / accept)
			if len(v) < 4 {
				continue
			}
			pc := v[0]
			result := v[2]
			subs := v[4:]
			first := true
			for len(subs) >= 4 {
				st := subs[0]
				sl := int(binary.BigEndian.Uint16(subs[2:4]))
				if 4+sl > len(subs) {
					break
				}
				sv := trimAE(subs[4 : 4+sl])
				subs = subs[4+sl:]
				switch st {
				case 0x30:
					if len(sv) > 0 && it == 0x20 {
						o.Fact(Src, DICOMAbstractSyntax, sv)
						o.Fact(Dst, DICOMRequestedSyntax, sv)
					}
				case 0x40:
					if it == 0x20 && first {
						c.proposed[pc] = transferSyntaxKind(sv)
						first = false
					}
					if it == 0x21 && result == 0 {
						c.ts[pc] = transferSyntaxKind(sv)
					}
				}
			}
		case 0x50: // user information
			for len(v) >= 4 {
				st := v[0]
				sl := int(binary.BigEndian.Uint16(v[2:4]))
				if 4+sl > len(v) {
					break
				}
				sv := trimAE(v[4 : 4+sl])
				v = v[4+sl:]
				switch st {
				case 0x52:
					if len(sv) > 0 {
						o.Fact(Src, DICOMImplClassUID, sv)
					}
				case 0x55:
					if len(sv) > 0 {
						o.Fact(Src, DICOMImplVersion, sv)
					}
				}
			}
		}
	}
}

func appendReject(dst []byte, result, source, reason byte) []byte {
	dst = strconv.AppendUint(dst, uint64(reason), 10)
	var why string
	switch {
	case source == 1 && reason == 1, source == 2 && reason == 1:
		why = "no-reason-given"
	case source == 1 && reason == 2:
		why = "application-context-name-not-supported"
	case source == 1 && reason == 3:
		why = "calling-AE-title-not-recognized"
	case source == 1 && reason == 7:
		why = "called-AE-title-not-recognized"
	case source == 2 && reason == 2:
		why = "protocol-version-not-supported"
	case source == 3 && reason == 1:
		why = "temporary-congestion"
	case source == 3 && reason == 2:
		why = "local-limit-exceeded"
	}
	if why != "" {
		dst = append(dst, " ("...)
		dst = append(dst, why...)
		dst = append(dst, ')')
	}
	if result == 2 {
		dst = append(dst, " transient"...)
	}
	return dst
}

// command parses a DIMSE command set (always implicit VR little endian).
func (c *DICOMConn) command(dir int, pc uint8, b []byte, o *Out) {
	var field uint16
	var sop []byte
	dataSetType := uint16(0x0101)
	haveField := false
	for len(b) >= 8 {
		group := binary.LittleEndian.Uint16(b[0:2])
		elem := binary.LittleEndian.Uint16(b[2:4])
		l := int(binary.LittleEndian.Uint32(b[4:8]))
		if group != 0 || l < 0 || 8+l > len(b) {
			break
		}
		v := b[8 : 8+l]
		b = b[8+l:]
		switch elem {
		case 0x0002, 0x0003:
			if sop == nil {
				sop = trimAE(v)
			}
		case 0x0100:
			if l == 2 {
				field = binary.LittleEndian.Uint16(v)
				haveField = true
			}
		case 0x0800:
			if l == 2 {
				dataSetType = binary.LittleEndian.Uint16(v)
			}
		}
	}
	if !haveField {
		return
	}
	name, ok := dimseNames[field&0x7fff]
	if !ok {
		return
	}
	out := append(o.fbuf[:0], name...)
	if field&0x8000 != 0 {
		out = append(out, "-RSP"...)
	} else {
		out = append(out, "-RQ"...)
		if len(sop) > 0 {
			o.Fact(Src, DICOMSOPClass, sop)
		}
	}
	o.Fact(Src, DICOMCommand, out)
	c.lastCmd[dir] = field
	c.lastPC[dir] = pc
	c.expectData[dir] = dataSetType != 0x0101
}

// Data set attributes worth keeping.
const (
	tagModality     = 0x00080060
	tagManufacturer = 0x00080070
	tagStation      = 0x00081010
	tagModel        = 0x00081090
	tagSoftware     = 0x00181020
)

// dataSet walks the first bytes of a data set, descending into sequences,
// and reports identity attributes. Which host they describe depends on the
// command: images sent by C-STORE describe the sender; a worklist answer
// (C-FIND-RSP) names the modality scheduled for the querier.
func (c *DICOMConn) dataSet(dir int, pc uint8, b []byte, o *Out) {
	kind := c.ts[pc]
	if kind == tsUnknown {
		kind = c.proposed[pc]
	}
	if kind == tsDeflated || kind == tsUnknown {
		return
	}
	explicit := kind != tsImplicitLE
	var order binary.ByteOrder = binary.LittleEndian
	if kind == tsExplicitBE {
		order = binary.BigEndian
	}
	cmd := c.lastCmd[dir]
	for steps := 0; len(b) >= 8 && steps < 512; steps++ {
		group := order.Uint16(b[0:2])
		elem := order.Uint16(b[2:4])
		tag := uint32(group)<<16 | uint32(elem)
		if group == 0xfffe { // item, item delimiter, sequence delimiter: walk into items
			b = b[8:]
			continue
		}
		var l int
		var hdr int
		sq := false
		if explicit {
			vr := string(b[4:6])
			switch vr {
			case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
				if len(b) < 12 {
					return
				}
				l = int(order.Uint32(b[8:12]))
				hdr = 12
				sq = vr == "SQ"
			default:
				l = int(order.Uint16(b[6:8]))
				hdr = 8
			}
		} else {
			l = int(order.Uint32(b[4:8]))
			hdr = 8
		}
		if uint32(l) == 0xffffffff || sq {
			b = b[hdr:] // undefined length or sequence: walk into it
			continue
		}
		if !explicit && l >= 8 && hdr+4 <= len(b) && order.Uint16(b[hdr:]) == 0xfffe && order.Uint16(b[hdr+2:]) == 0xe000 {
			b = b[hdr:] // implicit VR sequence of items
			continue
		}
		if l < 0 || hdr+l > len(b) {
			return
		}
		v := bytes.TrimRight(trimAE(b[hdr:hdr+l]), "\x00 ")
		b = b[hdr+l:]
		if len(v) == 0 {
			continue
		}
		if group > 0x0040 {
			return
		}
		switch tag {
		case tagModality:
			if cmd&0x7fff == 0x0020 && cmd&0x8000 != 0 {
				o.Fact(Dst, DICOMWorklistModality, v)
			} else {
				o.Fact(Src, DICOMModality, v)
			}
		case tagManufacturer, tagStation, tagModel, tagSoftware:
			if cmd&0x8000 != 0 && cmd&0x7fff == 0x0020 {
				continue // query answers describe other devices
			}
			switch tag {
			case tagManufacturer:
				o.Fact(Src, DICOMManufacturer, v)
			case tagStation:
				o.Fact(Src, DICOMStation, v)
			case tagModel:
				o.Fact(Src, DICOMModel, v)
			case tagSoftware:
				o.Fact(Src, DICOMSoftware, v)
			}
		}
	}
}
