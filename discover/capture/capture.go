// Package capture reads frames for the passive sensor: pcap and pcapng files
// (any byte order, micro- or nanosecond resolution, several interfaces and
// sections in one pcapng file) and, on Linux, live traffic from an AF_PACKET
// socket. It also writes pcap and pcapng files, which tests use to generate
// captures.
//
// Readers reuse one buffer: the Data of a Frame is valid until the next call
// to Next.
package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"bianque/discover/decode"
)

// Frame is one captured frame.
type Frame struct {
	Data      []byte
	Link      decode.LinkType
	Time      time.Time
	OrigLen   int // length on the wire (Data may be shorter when snapped)
	Interface int // pcapng interface index; 0 for pcap and live capture
	// VLAN is a tag the kernel stripped from the frame (live capture only;
	// the reader re-inserts it into Data so decoders see it).
	VLAN uint16
}

// Source yields frames until io.EOF.
type Source interface {
	Next() (Frame, error)
}

// MaxBlock bounds one pcap record or pcapng block; larger ones are corrupt input.
const MaxBlock = 16 << 20

// ErrFormat reports a file that is neither pcap nor pcapng, or a corrupt one.
var ErrFormat = errors.New("not a pcap or pcapng capture")

// Open detects the format from the first bytes of r and returns a reader.
func Open(r io.Reader) (Source, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("read capture header: %w", ErrFormat)
		}
		return nil, fmt.Errorf("read capture header: %w", err)
	}
	switch binary.LittleEndian.Uint32(magic) {
	case 0x0a0d0d0a:
		return newPcapng(br)
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return newPcap(br)
	}
	return nil, fmt.Errorf("magic %x: %w", magic, ErrFormat)
}

// pcapReader reads the classic libpcap format.
type pcapReader struct {
	r     *bufio.Reader
	order binary.ByteOrder
	nano  bool
	link  decode.LinkType
	hdr   [16]byte
	buf   []byte
}

func newPcap(r *bufio.Reader) (*pcapReader, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("read pcap header: %w", ErrFormat)
	}
	p := &pcapReader{r: r, buf: make([]byte, 0, 65536)}
	switch binary.LittleEndian.Uint32(h[0:4]) {
	case 0xa1b2c3d4:
		p.order = binary.LittleEndian
	case 0xa1b23c4d:
		p.order, p.nano = binary.LittleEndian, true
	case 0xd4c3b2a1:
		p.order = binary.BigEndian
	case 0x4d3cb2a1:
		p.order, p.nano = binary.BigEndian, true
	}
	// The link type's upper bits may carry FCS information (LINKTYPE_ flags).
	p.link = decode.LinkType(p.order.Uint32(h[20:24]) & 0x0fffffff)
	return p, nil
}

func (p *pcapReader) Next() (Frame, error) {
	if _, err := io.ReadFull(p.r, p.hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return Frame{}, fmt.Errorf("pcap record header: %w", io.ErrUnexpectedEOF)
		}
		return Frame{}, err
	}
	sec := p.order.Uint32(p.hdr[0:4])
	frac := p.order.Uint32(p.hdr[4:8])
	caplen := p.order.Uint32(p.hdr[8:12])
	orig := p.order.Uint32(p.hdr[12:16])
	if caplen > MaxBlock {
		return Frame{}, fmt.Errorf("pcap record of %d bytes: %w", caplen, ErrFormat)
	}
	if cap(p.buf) < int(caplen) {
		p.buf = make([]byte, caplen)
	}
	p.buf = p.buf[:caplen]
	if _, err := io.ReadFull(p.r, p.buf); err != nil {
		return Frame{}, fmt.Errorf("pcap record body: %w", io.ErrUnexpectedEOF)
	}
	ns := int64(frac)
	if !p.nano {
		ns *= 1000
	}
	return Frame{Data: p.buf, Link: p.link, Time: time.Unix(int64(sec), ns).UTC(), OrigLen: int(orig)}, nil
}

// pcapngReader reads pcapng (section header, interface description,
// enhanced/simple/obsolete packet blocks; other blocks are skipped).
type pcapngReader struct {
	r      *bufio.Reader
	order  binary.ByteOrder
	ifaces []ngIface
	hdr    [8]byte
	buf    []byte
}

type ngIface struct {
	link     decode.LinkType
	unitsSec uint64 // timestamp units per second
	offset   int64  // seconds added to timestamps (if_tsoffset)
}

func newPcapng(r *bufio.Reader) (*pcapngReader, error) {
	return &pcapngReader{r: r, order: binary.LittleEndian, buf: make([]byte, 0, 65536)}, nil
}

func (p *pcapngReader) Next() (Frame, error) {
	for {
		if _, err := io.ReadFull(p.r, p.hdr[:]); err != nil {
			if err == io.ErrUnexpectedEOF {
				return Frame{}, fmt.Errorf("pcapng block header: %w", io.ErrUnexpectedEOF)
			}
			return Frame{}, err
		}
		btype := binary.LittleEndian.Uint32(p.hdr[0:4])
		if btype == 0x0a0d0d0a { // section header: byte order comes from its body
			var bom [4]byte
			if _, err := io.ReadFull(p.r, bom[:]); err != nil {
				return Frame{}, fmt.Errorf("pcapng section header: %w", io.ErrUnexpectedEOF)
			}
			switch binary.LittleEndian.Uint32(bom[:]) {
			case 0x1a2b3c4d:
				p.order = binary.LittleEndian
			case 0x4d3c2b1a:
				p.order = binary.BigEndian
			default:
				return Frame{}, fmt.Errorf("pcapng byte-order magic %x: %w", bom, ErrFormat)
			}
			blen := p.order.Uint32(p.hdr[4:8])
			if blen < 28 || blen%4 != 0 || blen > MaxBlock {
				return Frame{}, fmt.Errorf("pcapng section header length %d: %w", blen, ErrFormat)
			}
			if _, err := p.r.Discard(int(blen) - 12); err != nil {
				return Frame{}, fmt.Errorf("pcapng section header: %w", io.ErrUnexpectedEOF)
			}
			p.ifaces = p.ifaces[:0]
			continue
		}
		btype = p.order.Uint32(p.hdr[0:4])
		blen := p.order.Uint32(p.hdr[4:8])
		if blen < 12 || blen%4 != 0 || blen > MaxBlock {
			return Frame{}, fmt.Errorf("pcapng block type %d length %d: %w", btype, blen, ErrFormat)
		}
		body := int(blen) - 12
		if cap(p.buf) < body+4 {
			p.buf = make([]byte, body+4)
		}
		p.buf = p.buf[:body+4] // body plus trailing length
		if _, err := io.ReadFull(p.r, p.buf); err != nil {
			return Frame{}, fmt.Errorf("pcapng block body: %w", io.ErrUnexpectedEOF)
		}
		b := p.buf[:body]
		switch btype {
		case 1: // interface description
			if len(b) < 8 {
				return Frame{}, fmt.Errorf("pcapng interface block: %w", ErrFormat)
			}
			ifc := ngIface{link: decode.LinkType(p.order.Uint16(b[0:2])), unitsSec: 1_000_000}
			p.parseIfaceOptions(&ifc, b[8:])
			p.ifaces = append(p.ifaces, ifc)
		case 6, 2: // enhanced packet, obsolete packet
			if len(b) < 20 {
				return Frame{}, fmt.Errorf("pcapng packet block: %w", ErrFormat)
			}
			var id uint32
			if btype == 6 {
				id = p.order.Uint32(b[0:4])
			} else {
				id = uint32(p.order.Uint16(b[0:2]))
			}
			if int(id) >= len(p.ifaces) {
				return Frame{}, fmt.Errorf("pcapng packet for undeclared interface %d: %w", id, ErrFormat)
			}
			ifc := p.ifaces[id]
			ts := uint64(p.order.Uint32(b[4:8]))<<32 | uint64(p.order.Uint32(b[8:12]))
			caplen := p.order.Uint32(b[12:16])
			orig := p.order.Uint32(b[16:20])
			if uint64(caplen) > uint64(len(b)-20) {
				return Frame{}, fmt.Errorf("pcapng packet length %d beyond block: %w", caplen, ErrFormat)
			}
			return Frame{Data: b[20 : 20+caplen], Link: ifc.link, Time: ifc.time(ts), OrigLen: int(orig), Interface: int(id)}, nil
		case 3: // simple packet: interface 0, no timestamp
			if len(b) < 4 || len(p.ifaces) == 0 {
				return Frame{}, fmt.Errorf("pcapng simple packet block: %w", ErrFormat)
			}
			orig := p.order.Uint32(b[0:4])
			data := b[4:]
			if int(orig) < len(data) {
				data = data[:orig]
			}
			return Frame{Data: data, Link: p.ifaces[0].link, OrigLen: int(orig)}, nil
		}
	}
}

func (p *pcapngReader) parseIfaceOptions(ifc *ngIface, opts []byte) {
	for len(opts) >= 4 {
		code := p.order.Uint16(opts[0:2])
		n := int(p.order.Uint16(opts[2:4]))
		if code == 0 || len(opts) < 4+n {
			return
		}
		v := opts[4 : 4+n]
		switch {
		case code == 9 && n >= 1: // if_tsresol
			r := v[0]
			units := uint64(1)
			for range r & 0x7f {
				if r&0x80 != 0 {
					units <<= 1
				} else {
					units *= 10
				}
				if units > 1e18 {
					break
				}
			}
			if units > 0 {
				ifc.unitsSec = units
			}
		case code == 14 && n >= 8: // if_tsoffset
			ifc.offset = int64(p.order.Uint64(v))
		}
		opts = opts[4+(n+3)&^3:]
	}
}

func (i ngIface) time(ts uint64) time.Time {
	sec := ts / i.unitsSec
	frac := ts % i.unitsSec
	ns := frac * 1_000_000_000 / i.unitsSec
	if i.unitsSec > 1_000_000_000 {
		ns = frac / (i.unitsSec / 1_000_000_000)
	}
	return time.Unix(int64(sec)+i.offset, int64(ns)).UTC()
}
