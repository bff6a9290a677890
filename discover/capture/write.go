package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"bianque/discover/decode"
)

// PcapWriter writes a classic pcap file (little-endian, nanosecond timestamps).
type PcapWriter struct {
	w   io.Writer
	hdr [16]byte
}

// NewPcapWriter writes the file header and returns a writer for frames of link type.
func NewPcapWriter(w io.Writer, link decode.LinkType) (*PcapWriter, error) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:4], 0xa1b23c4d)
	binary.LittleEndian.PutUint16(h[4:6], 2)
	binary.LittleEndian.PutUint16(h[6:8], 4)
	binary.LittleEndian.PutUint32(h[16:20], 262144)
	binary.LittleEndian.PutUint32(h[20:24], uint32(link))
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("write pcap header: %w", err)
	}
	return &PcapWriter{w: w}, nil
}

// WritePacket appends one frame.
func (p *PcapWriter) WritePacket(t time.Time, data []byte) error {
	binary.LittleEndian.PutUint32(p.hdr[0:4], uint32(t.Unix()))
	binary.LittleEndian.PutUint32(p.hdr[4:8], uint32(t.Nanosecond()))
	binary.LittleEndian.PutUint32(p.hdr[8:12], uint32(len(data)))
	binary.LittleEndian.PutUint32(p.hdr[12:16], uint32(len(data)))
	if _, err := p.w.Write(p.hdr[:]); err != nil {
		return fmt.Errorf("write pcap record: %w", err)
	}
	if _, err := p.w.Write(data); err != nil {
		return fmt.Errorf("write pcap record: %w", err)
	}
	return nil
}

// PcapngWriter writes a pcapng file with one section and one interface
// (microsecond timestamps, the format's default).
type PcapngWriter struct {
	w io.Writer
}

// NewPcapngWriter writes the section header and one interface description.
func NewPcapngWriter(w io.Writer, link decode.LinkType) (*PcapngWriter, error) {
	shb := make([]byte, 28)
	binary.LittleEndian.PutUint32(shb[0:4], 0x0a0d0d0a)
	binary.LittleEndian.PutUint32(shb[4:8], 28)
	binary.LittleEndian.PutUint32(shb[8:12], 0x1a2b3c4d)
	binary.LittleEndian.PutUint16(shb[12:14], 1)
	binary.LittleEndian.PutUint64(shb[16:24], ^uint64(0))
	binary.LittleEndian.PutUint32(shb[24:28], 28)
	idb := make([]byte, 20)
	binary.LittleEndian.PutUint32(idb[0:4], 1)
	binary.LittleEndian.PutUint32(idb[4:8], 20)
	binary.LittleEndian.PutUint16(idb[8:10], uint16(link))
	binary.LittleEndian.PutUint32(idb[12:16], 262144)
	binary.LittleEndian.PutUint32(idb[16:20], 20)
	if _, err := w.Write(append(shb, idb...)); err != nil {
		return nil, fmt.Errorf("write pcapng header: %w", err)
	}
	return &PcapngWriter{w: w}, nil
}

// WritePacket appends one enhanced packet block.
func (p *PcapngWriter) WritePacket(t time.Time, data []byte) error {
	pad := (4 - len(data)%4) % 4
	n := 32 + len(data) + pad
	b := make([]byte, n)
	us := uint64(t.UnixMicro())
	binary.LittleEndian.PutUint32(b[0:4], 6)
	binary.LittleEndian.PutUint32(b[4:8], uint32(n))
	binary.LittleEndian.PutUint32(b[12:16], uint32(us>>32))
	binary.LittleEndian.PutUint32(b[16:20], uint32(us))
	binary.LittleEndian.PutUint32(b[20:24], uint32(len(data)))
	binary.LittleEndian.PutUint32(b[24:28], uint32(len(data)))
	copy(b[28:], data)
	binary.LittleEndian.PutUint32(b[n-4:], uint32(n))
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("write pcapng block: %w", err)
	}
	return nil
}
