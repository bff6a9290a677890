package synth

import (
	"encoding/binary"
	"strings"
)

// DICOM upper layer (PS3.8) and message exchange (PS3.7) builders.

// PresentationContext is one proposed or accepted presentation context.
type PresentationContext struct {
	ID               byte
	AbstractSyntax   string
	TransferSyntaxes []string
	Result           byte // accept: 0 acceptance
}

func item(typ byte, v []byte) []byte {
	b := []byte{typ, 0, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(v)))
	return append(b, v...)
}

func aeTitle(s string) []byte {
	b := []byte(s + strings.Repeat(" ", 16))
	return b[:16]
}

func pdu(typ byte, body []byte) []byte {
	b := []byte{typ, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[2:], uint32(len(body)))
	return append(b, body...)
}

// ImplicitLE and ExplicitLE are the transfer syntax UIDs.
const (
	ImplicitLE = "1.2.840.10008.1.2"
	ExplicitLE = "1.2.840.10008.1.2.1"
)

func associate(typ byte, called, calling string, pcs []PresentationContext, implUID, implVersion string) []byte {
	body := []byte{0, 1, 0, 0}
	body = append(body, aeTitle(called)...)
	body = append(body, aeTitle(calling)...)
	body = append(body, make([]byte, 32)...)
	body = append(body, item(0x10, []byte("1.2.840.10008.3.1.1.1"))...)
	for _, pc := range pcs {
		if typ == 1 {
			v := []byte{pc.ID, 0, 0, 0}
			v = append(v, item(0x30, []byte(pc.AbstractSyntax))...)
			for _, ts := range pc.TransferSyntaxes {
				v = append(v, item(0x40, []byte(ts))...)
			}
			body = append(body, item(0x20, v)...)
		} else {
			v := []byte{pc.ID, 0, pc.Result, 0}
			v = append(v, item(0x40, []byte(pc.TransferSyntaxes[0]))...)
			body = append(body, item(0x21, v)...)
		}
	}
	ui := item(0x51, []byte{0, 0, 0x40, 0})
	ui = append(ui, item(0x52, []byte(implUID))...)
	ui = append(ui, item(0x55, []byte(implVersion))...)
	body = append(body, item(0x50, ui)...)
	return pdu(typ, body)
}

// AssociateRQ builds an A-ASSOCIATE-RQ PDU.
func AssociateRQ(called, calling string, pcs []PresentationContext, implUID, implVersion string) []byte {
	return associate(1, called, calling, pcs, implUID, implVersion)
}

// AssociateAC builds an A-ASSOCIATE-AC PDU.
func AssociateAC(called, calling string, pcs []PresentationContext, implUID, implVersion string) []byte {
	return associate(2, called, calling, pcs, implUID, implVersion)
}

// ReleaseRQ and ReleaseRP are the release PDUs.
func ReleaseRQ() []byte { return pdu(5, make([]byte, 4)) }

// ReleaseRP builds an A-RELEASE-RP PDU.
func ReleaseRP() []byte { return pdu(6, make([]byte, 4)) }

// Element is one data element: tag, VR (explicit encodings) and value.
type Element struct {
	Tag   uint32
	VR    string
	Value []byte
}

func pad(v []byte, vr string) []byte {
	if len(v)%2 == 0 {
		return v
	}
	if vr == "UI" || vr == "OB" {
		return append(v, 0)
	}
	return append(v, ' ')
}

// Implicit encodes elements in implicit VR little endian.
func Implicit(els ...Element) []byte {
	var b []byte
	for _, e := range els {
		v := pad(e.Value, e.VR)
		b = binary.LittleEndian.AppendUint16(b, uint16(e.Tag>>16))
		b = binary.LittleEndian.AppendUint16(b, uint16(e.Tag))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return b
}

// Explicit encodes elements in explicit VR little endian; an SQ element's
// Value holds already encoded items.
func Explicit(els ...Element) []byte {
	var b []byte
	for _, e := range els {
		v := pad(e.Value, e.VR)
		b = binary.LittleEndian.AppendUint16(b, uint16(e.Tag>>16))
		b = binary.LittleEndian.AppendUint16(b, uint16(e.Tag))
		b = append(b, e.VR...)
		switch e.VR {
		case "OB", "OW", "SQ", "UN", "UT", "UC", "UR":
			b = append(b, 0, 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		default:
			b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
		}
		b = append(b, v...)
	}
	return b
}

// Item wraps encoded elements as one sequence item of defined length.
func Item(els []byte) []byte {
	b := []byte{0xfe, 0xff, 0x00, 0xe0}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(els)))
	return append(b, els...)
}

// Command builds a DIMSE command set (implicit VR LE, with group length).
func Command(field uint16, sopClass string, msgID uint16, hasDataSet bool) []byte {
	dst := uint16(0x0101)
	if hasDataSet {
		dst = 0x0000
	}
	us := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	els := []Element{}
	if sopClass != "" {
		els = append(els, Element{Tag: 0x00000002, VR: "UI", Value: []byte(sopClass)})
	}
	els = append(els, Element{Tag: 0x00000100, VR: "US", Value: us(field)})
	if field&0x8000 == 0 {
		els = append(els, Element{Tag: 0x00000110, VR: "US", Value: us(msgID)})
	} else {
		els = append(els, Element{Tag: 0x00000120, VR: "US", Value: us(msgID)})
	}
	els = append(els, Element{Tag: 0x00000800, VR: "US", Value: us(dst)})
	if field&0x8000 != 0 {
		els = append(els, Element{Tag: 0x00000900, VR: "US", Value: us(0)})
	}
	body := Implicit(els...)
	gl := Implicit(Element{Tag: 0x00000000, VR: "UL", Value: binary.LittleEndian.AppendUint32(nil, uint32(len(body)))})
	return append(gl, body...)
}

// PData builds a P-DATA-TF PDU with one PDV.
func PData(pc byte, command, last bool, data []byte) []byte {
	mch := byte(0)
	if command {
		mch |= 1
	}
	if last {
		mch |= 2
	}
	pdv := binary.BigEndian.AppendUint32(nil, uint32(len(data)+2))
	pdv = append(pdv, pc, mch)
	pdv = append(pdv, data...)
	return pdu(4, pdv)
}

// MLLP frames an HL7 v2 message (segments joined by CR).
func MLLP(segments ...string) []byte {
	b := []byte{0x0b}
	b = append(b, strings.Join(segments, "\r")...)
	b = append(b, '\r', 0x1c, 0x0d)
	return b
}
