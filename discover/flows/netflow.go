// Package flows reads flow records where only flows are available:
// NetFlow v5 and v9 (RFC 3954) and IPFIX (RFC 7011, with RFC 5103 biflow
// reverse elements) export datagrams, IPFIX files (RFC 5655), and Zeek
// conn.log files (TSV or JSON lines). Records come out as
// discover.FlowRecord for the sensor's communication map.
package flows

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"bianque/discover"
)

// ErrFormat reports a datagram or file that is not a flow export.
var ErrFormat = errors.New("not a flow export")

// templateKey identifies a template: exporter, observation domain / source
// ID, template ID.
type templateKey struct {
	exporter netip.Addr
	domain   uint32
	id       uint16
}

type field struct {
	ie         uint16
	enterprise uint32
	length     uint16 // 65535: variable length (IPFIX)
}

type template struct {
	fields  []field
	options bool
	scope   int // number of scope fields (options templates)
}

// Decoder decodes NetFlow v5/v9 and IPFIX messages, keeping the templates
// each exporter announced. Records whose template has not been seen yet are
// counted in Stats and skipped (exporters resend templates periodically).
type Decoder struct {
	templates map[templateKey]*template
	// Stats counts outcomes by name: "v5", "v9", "ipfix" records,
	// "missing-template", "malformed".
	Stats map[string]uint64
}

// maxTemplates bounds the template cache.
const maxTemplates = 4096

// NewDecoder returns a decoder with an empty template cache.
func NewDecoder() *Decoder {
	return &Decoder{templates: map[templateKey]*template{}, Stats: map[string]uint64{}}
}

// Decode decodes one export message from exporter and calls emit for each
// flow record.
func (d *Decoder) Decode(exporter netip.Addr, b []byte, emit func(discover.FlowRecord)) error {
	if len(b) < 4 {
		d.Stats["malformed"]++
		return fmt.Errorf("flow message of %d bytes: %w", len(b), ErrFormat)
	}
	var err error
	switch binary.BigEndian.Uint16(b) {
	case 5:
		err = d.v5(exporter, b, emit)
	case 9:
		err = d.v9(exporter, b, emit)
	case 10:
		err = d.ipfix(exporter, b, emit)
	default:
		err = fmt.Errorf("flow message version %d: %w", binary.BigEndian.Uint16(b), ErrFormat)
	}
	if err != nil {
		d.Stats["malformed"]++
	}
	return err
}

func (d *Decoder) v5(exporter netip.Addr, b []byte, emit func(discover.FlowRecord)) error {
	if len(b) < 24 {
		return fmt.Errorf("netflow v5 header: %w", ErrFormat)
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n > 30 || len(b) < 24+48*n {
		return fmt.Errorf("netflow v5 with %d records in %d bytes: %w", n, len(b), ErrFormat)
	}
	uptime := binary.BigEndian.Uint32(b[4:8])
	base := time.Unix(int64(binary.BigEndian.Uint32(b[8:12])), int64(binary.BigEndian.Uint32(b[12:16]))).UTC()
	at := func(sysUp uint32) time.Time {
		return base.Add(-time.Duration(int32(uptime-sysUp)) * time.Millisecond)
	}
	for i := range n {
		r := b[24+48*i:]
		rec := discover.FlowRecord{
			Src:      netip.AddrFrom4([4]byte(r[0:4])),
			Dst:      netip.AddrFrom4([4]byte(r[4:8])),
			Packets:  uint64(binary.BigEndian.Uint32(r[16:20])),
			Bytes:    uint64(binary.BigEndian.Uint32(r[20:24])),
			Start:    at(binary.BigEndian.Uint32(r[24:28])),
			End:      at(binary.BigEndian.Uint32(r[28:32])),
			SrcPort:  binary.BigEndian.Uint16(r[32:34]),
			DstPort:  binary.BigEndian.Uint16(r[34:36]),
			TCPFlags: r[37],
			Proto:    r[38],
			Exporter: exporter,
		}
		d.Stats["v5"]++
		emit(rec)
	}
	return nil
}

func (d *Decoder) v9(exporter netip.Addr, b []byte, emit func(discover.FlowRecord)) error {
	if len(b) < 20 {
		return fmt.Errorf("netflow v9 header: %w", ErrFormat)
	}
	uptime := binary.BigEndian.Uint32(b[4:8])
	base := time.Unix(int64(binary.BigEndian.Uint32(b[8:12])), 0).UTC()
	domain := binary.BigEndian.Uint32(b[16:20])
	ctx := recordContext{base: base, uptime: uptime, exporter: exporter}
	return d.sets(exporter, domain, b[20:], false, ctx, emit)
}

func (d *Decoder) ipfix(exporter netip.Addr, b []byte, emit func(discover.FlowRecord)) error {
	if len(b) < 16 {
		return fmt.Errorf("ipfix header: %w", ErrFormat)
	}
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if l < 16 || l > len(b) {
		return fmt.Errorf("ipfix message length %d of %d bytes: %w", l, len(b), ErrFormat)
	}
	base := time.Unix(int64(binary.BigEndian.Uint32(b[4:8])), 0).UTC()
	domain := binary.BigEndian.Uint32(b[12:16])
	ctx := recordContext{base: base, exporter: exporter, ipfix: true}
	return d.sets(exporter, domain, b[16:l], true, ctx, emit)
}

type recordContext struct {
	base     time.Time
	uptime   uint32
	exporter netip.Addr
	ipfix    bool
}

// sets walks the (flow)sets of a v9 or IPFIX message.
func (d *Decoder) sets(exporter netip.Addr, domain uint32, b []byte, ipfix bool, ctx recordContext, emit func(discover.FlowRecord)) error {
	tmplSet, optSet := uint16(0), uint16(1)
	if ipfix {
		tmplSet, optSet = 2, 3
	}
	for len(b) >= 4 {
		id := binary.BigEndian.Uint16(b[0:2])
		l := int(binary.BigEndian.Uint16(b[2:4]))
		if l < 4 || l > len(b) {
			return fmt.Errorf("set %d length %d: %w", id, l, ErrFormat)
		}
		body := b[4:l]
		b = b[l:]
		switch {
		case id == tmplSet:
			if err := d.templatesSet(exporter, domain, body, ipfix, false); err != nil {
				return err
			}
		case id == optSet:
			if err := d.templatesSet(exporter, domain, body, ipfix, true); err != nil {
				return err
			}
		case id >= 256:
			t := d.templates[templateKey{exporter, domain, id}]
			if t == nil {
				d.Stats["missing-template"]++
				continue
			}
			if err := d.dataSet(t, body, ctx, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *Decoder) templatesSet(exporter netip.Addr, domain uint32, b []byte, ipfix, options bool) error {
	for len(b) >= 4 {
		id := binary.BigEndian.Uint16(b[0:2])
		var nf, scope int
		p := 4
		switch {
		case !options:
			nf = int(binary.BigEndian.Uint16(b[2:4]))
		case ipfix: // options template: id, field count, scope field count
			if len(b) < 6 {
				return fmt.Errorf("ipfix options template: %w", ErrFormat)
			}
			nf = int(binary.BigEndian.Uint16(b[2:4]))
			scope = int(binary.BigEndian.Uint16(b[4:6]))
			p = 6
		default: // v9 options template: id, scope length (bytes), option length (bytes)
			if len(b) < 6 {
				return fmt.Errorf("netflow v9 options template: %w", ErrFormat)
			}
			nf = (int(binary.BigEndian.Uint16(b[2:4])) + int(binary.BigEndian.Uint16(b[4:6]))) / 4
			p = 6
		}
		if id < 256 {
			if id == 0 && nf == 0 {
				return nil // padding
			}
			return fmt.Errorf("template id %d: %w", id, ErrFormat)
		}
		t := &template{options: options, scope: scope}
		for range nf {
			if p+4 > len(b) {
				return fmt.Errorf("template %d truncated: %w", id, ErrFormat)
			}
			f := field{ie: binary.BigEndian.Uint16(b[p:]), length: binary.BigEndian.Uint16(b[p+2:])}
			p += 4
			if ipfix && f.ie&0x8000 != 0 {
				if p+4 > len(b) {
					return fmt.Errorf("template %d truncated: %w", id, ErrFormat)
				}
				f.ie &= 0x7fff
				f.enterprise = binary.BigEndian.Uint32(b[p:])
				p += 4
			}
			t.fields = append(t.fields, f)
		}
		if len(d.templates) >= maxTemplates {
			clear(d.templates)
		}
		d.templates[templateKey{exporter, domain, id}] = t
		b = b[p:]
	}
	return nil
}

// Information elements used (IPFIX numbering; NetFlow v9 uses the same
// numbers for these).
const (
	ieOctets       = 1
	iePackets      = 2
	ieProto        = 4
	ieTCPFlags     = 6
	ieSrcPort      = 7
	ieSrcIPv4      = 8
	ieDstPort      = 11
	ieDstIPv4      = 12
	ieLastSwitched = 21
	ieFirstSwitch  = 22
	ieOutOctets    = 23
	ieOutPackets   = 24
	ieSrcIPv6      = 27
	ieDstIPv6      = 28
	ieSrcMAC       = 56
	ieDstMACOut    = 57
	ieVLAN         = 58
	ieDstMAC       = 80
	ieSrcMACOut    = 81
	ieOctetTotal   = 85
	iePacketTotal  = 86
	ieStartSec     = 150
	ieEndSec       = 151
	ieStartMilli   = 152
	ieEndMilli     = 153
	ieStartMicro   = 154
	ieEndMicro     = 155

	reverseEnterprise = 29305 // RFC 5103 reverse information elements
)

func uintOf(v []byte) uint64 {
	var n uint64
	for _, c := range v {
		n = n<<8 | uint64(c)
	}
	return n
}

func macOf(v []byte) string {
	if len(v) != 6 {
		return ""
	}
	const hx = "0123456789abcdef"
	out := make([]byte, 0, 17)
	for i, c := range v {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hx[c>>4], hx[c&0xf])
	}
	return string(out)
}

// ntpTime converts a 64-bit NTP timestamp (dateTimeMicro/Nano encoding).
func ntpTime(v uint64) time.Time {
	const ntpToUnix = 2208988800
	sec := int64(v>>32) - ntpToUnix
	frac := v & 0xffffffff
	return time.Unix(sec, int64(frac*1e9>>32)).UTC()
}

func (d *Decoder) dataSet(t *template, b []byte, ctx recordContext, emit func(discover.FlowRecord)) error {
	for {
		rec := discover.FlowRecord{Exporter: ctx.exporter}
		var first, last uint32
		var haveUptime bool
		p := 0
		ok := true
		for _, f := range t.fields {
			l := int(f.length)
			if f.length == 65535 { // IPFIX variable length
				if p >= len(b) {
					ok = false
					break
				}
				l = int(b[p])
				p++
				if l == 255 {
					if p+2 > len(b) {
						ok = false
						break
					}
					l = int(binary.BigEndian.Uint16(b[p:]))
					p += 2
				}
			}
			if p+l > len(b) {
				ok = false
				break
			}
			v := b[p : p+l]
			p += l
			if t.options {
				continue
			}
			if f.enterprise == reverseEnterprise {
				switch f.ie {
				case ieOctets, ieOctetTotal:
					rec.RevBytes += uintOf(v)
				case iePackets, iePacketTotal:
					rec.RevPackets += uintOf(v)
				}
				continue
			}
			if f.enterprise != 0 {
				continue
			}
			switch f.ie {
			case ieOctets, ieOctetTotal:
				rec.Bytes = uintOf(v)
			case iePackets, iePacketTotal:
				rec.Packets = uintOf(v)
			case ieOutOctets:
				rec.RevBytes = uintOf(v)
			case ieOutPackets:
				rec.RevPackets = uintOf(v)
			case ieProto:
				rec.Proto = uint8(uintOf(v))
			case ieTCPFlags:
				rec.TCPFlags = uint8(uintOf(v))
			case ieSrcPort:
				rec.SrcPort = uint16(uintOf(v))
			case ieDstPort:
				rec.DstPort = uint16(uintOf(v))
			case ieSrcIPv4, ieSrcIPv6:
				if a, ok := netip.AddrFromSlice(v); ok {
					rec.Src = a
				}
			case ieDstIPv4, ieDstIPv6:
				if a, ok := netip.AddrFromSlice(v); ok {
					rec.Dst = a
				}
			case ieSrcMAC, ieSrcMACOut:
				if rec.SrcMAC == "" {
					rec.SrcMAC = macOf(v)
				}
			case ieDstMAC, ieDstMACOut:
				if rec.DstMAC == "" {
					rec.DstMAC = macOf(v)
				}
			case ieVLAN:
				rec.VLAN = int(uintOf(v))
			case ieFirstSwitch:
				first, haveUptime = uint32(uintOf(v)), true
			case ieLastSwitched:
				last = uint32(uintOf(v))
			case ieStartSec:
				rec.Start = time.Unix(int64(uintOf(v)), 0).UTC()
			case ieEndSec:
				rec.End = time.Unix(int64(uintOf(v)), 0).UTC()
			case ieStartMilli:
				rec.Start = time.UnixMilli(int64(uintOf(v))).UTC()
			case ieEndMilli:
				rec.End = time.UnixMilli(int64(uintOf(v))).UTC()
			case ieStartMicro:
				rec.Start = ntpTime(uintOf(v))
			case ieEndMicro:
				rec.End = ntpTime(uintOf(v))
			}
		}
		if !ok || p == 0 {
			return nil // the rest is padding
		}
		b = b[p:]
		if t.options {
			continue
		}
		if haveUptime && !ctx.ipfix {
			rec.Start = ctx.base.Add(-time.Duration(int32(ctx.uptime-first)) * time.Millisecond)
			rec.End = ctx.base.Add(-time.Duration(int32(ctx.uptime-last)) * time.Millisecond)
		}
		if rec.Start.IsZero() {
			rec.Start = ctx.base
		}
		if rec.End.IsZero() {
			rec.End = rec.Start
		}
		if !rec.Src.IsValid() || !rec.Dst.IsValid() {
			d.Stats["no-addresses"]++
			continue
		}
		if ctx.ipfix {
			d.Stats["ipfix"]++
		} else {
			d.Stats["v9"]++
		}
		emit(rec)
	}
}
