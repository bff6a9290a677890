package creds

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
)

// The Oracle Net (TNS) session layer and the TTC (Two-Task Common) encoding
// the O5LOGON password check needs. The layouts follow the public
// descriptions of the protocol in Oracle's own thin drivers
// (python-oracledb, node-oracledb) and go-ora; see docs/scan.md.

// TNS packet types beyond the listener's (scan.TNSConnect …).
const (
	tnsPacketData   = 6
	tnsPacketMarker = 12
)

// TNS versions: we offer 317 (12c), accept anything from 300; from 315 on,
// packet lengths after the ACCEPT are 4 bytes.
const (
	tnsVersionOffered = 317
	tnsVersionLowest  = 300
	tnsVersionLarge   = 315
	tnsSDU            = 8192
	// maxTNSPacket bounds one packet we read; maxTTCResponse one response.
	maxTNSPacket   = 1 << 20
	maxTTCResponse = 1 << 20
)

// Connect-time NA (Advanced Networking Option) flags.
const (
	nsiNADisabled = 0x04 // the client does not want native encryption/integrity
	nsiNARequired = 0x10 // the server insists on it (we do not speak it)
	nsiSecReneg   = 0x80
)

// tnsSession frames TNS packets on one connection.
type tnsSession struct {
	c     net.Conn
	large bool // 4-byte packet lengths (negotiated version ≥ 315)
	sdu   int
}

func (s *tnsSession) writePacket(typ byte, body []byte) error {
	n := 8 + len(body)
	p := make([]byte, 8, n)
	if s.large {
		binary.BigEndian.PutUint32(p, uint32(n))
	} else {
		if n > 0xffff {
			return fmt.Errorf("tns packet of %d bytes", n)
		}
		binary.BigEndian.PutUint16(p, uint16(n))
	}
	p[4] = typ
	if _, err := s.c.Write(append(p, body...)); err != nil {
		return fmt.Errorf("write tns packet: %w", err)
	}
	return nil
}

// readPacket returns the type, the flags and the body (after the 8-byte
// header) of the next packet.
func (s *tnsSession) readPacket() (byte, byte, []byte, error) {
	var h [8]byte
	if _, err := io.ReadFull(s.c, h[:]); err != nil {
		return 0, 0, nil, fmt.Errorf("read tns packet header: %w", err)
	}
	n := int(binary.BigEndian.Uint16(h[:]))
	if s.large {
		n = int(binary.BigEndian.Uint32(h[:]))
	}
	if n < 8 || n > maxTNSPacket {
		return 0, 0, nil, fmt.Errorf("tns packet length %d", n)
	}
	body := make([]byte, n-8)
	if _, err := io.ReadFull(s.c, body); err != nil {
		return 0, 0, nil, fmt.Errorf("read tns packet: %w", err)
	}
	return h[4], h[5], body, nil
}

// writeData sends one TTC message in DATA packets of at most the SDU.
func (s *tnsSession) writeData(payload []byte) error {
	chunk := max(s.sdu-10, 256)
	for {
		n := min(len(payload), chunk)
		if err := s.writePacket(tnsPacketData, append([]byte{0, 0}, payload[:n]...)); err != nil {
			return err
		}
		payload = payload[n:]
		if len(payload) == 0 {
			return nil
		}
	}
}

// readResponse reads DATA packets until parse accepts what it has: parse
// returns errTTCShort while the response is incomplete. A BREAK marker is
// answered with a RESET marker, as the protocol asks, before the server sends
// the error that caused it.
func (s *tnsSession) readResponse(parse func([]byte) error) error {
	var data []byte
	for range 128 {
		typ, _, body, err := s.readPacket()
		if err != nil {
			return err
		}
		switch typ {
		case tnsPacketData:
			if len(body) < 2 {
				return fmt.Errorf("tns data packet without data flags")
			}
			data = append(data, body[2:]...)
			if len(data) > maxTTCResponse {
				return fmt.Errorf("ttc response of more than %d bytes", maxTTCResponse)
			}
		case tnsPacketMarker:
			if len(body) >= 3 && body[2] == 2 { // RESET: the server finished its reset
				continue
			}
			if err := s.writePacket(tnsPacketMarker, []byte{1, 0, 2}); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("tns packet type %d inside a TTC response", typ)
		}
		err = parse(data)
		if !errors.Is(err, errTTCShort) {
			return err
		}
	}
	return fmt.Errorf("ttc response spread over more than 128 packets")
}

// TNSAccept is what an ACCEPT packet says.
type TNSAccept struct {
	Version  int
	Options  int
	SDU, TDU int
	Flags0   byte // NA flags the server answers with
	Flags1   byte
}

// ParseTNSAccept reads an ACCEPT packet (header included).
func ParseTNSAccept(p []byte) (TNSAccept, error) {
	if len(p) < 24 {
		return TNSAccept{}, fmt.Errorf("tns accept of %d bytes", len(p))
	}
	a := TNSAccept{
		Version: int(binary.BigEndian.Uint16(p[8:])), Options: int(binary.BigEndian.Uint16(p[10:])),
		SDU: int(binary.BigEndian.Uint16(p[12:])), TDU: int(binary.BigEndian.Uint16(p[14:])),
		Flags0: p[22], Flags1: p[23],
	}
	if a.Version >= tnsVersionLarge && len(p) >= 40 {
		a.SDU, a.TDU = int(binary.BigEndian.Uint32(p[32:])), int(binary.BigEndian.Uint32(p[36:]))
	}
	if a.TDU > 0 && a.TDU < a.SDU {
		a.SDU = a.TDU
	}
	a.SDU = min(max(a.SDU, 512), 65535)
	return a, nil
}

// oracleConnectPacket builds a CONNECT for a login: version 317 (down to
// 300), SDU 8192, native network encryption declined. Descriptors longer
// than 230 bytes travel in a DATA packet after it (second return value).
func oracleConnectPacket(desc string) ([]byte, []byte) {
	const dataOffset = 74
	b := make([]byte, dataOffset)
	binary.BigEndian.PutUint16(b[8:], tnsVersionOffered)
	binary.BigEndian.PutUint16(b[10:], tnsVersionLowest)
	binary.BigEndian.PutUint16(b[12:], 0x0001) // service options: don't care
	binary.BigEndian.PutUint16(b[14:], tnsSDU)
	binary.BigEndian.PutUint16(b[16:], tnsSDU) // TDU
	binary.BigEndian.PutUint16(b[18:], 0x4f98) // protocol characteristics
	binary.BigEndian.PutUint16(b[22:], 1)      // value of 1 in hardware byte order
	binary.BigEndian.PutUint16(b[24:], uint16(len(desc)))
	binary.BigEndian.PutUint16(b[26:], dataOffset)
	b[32], b[33] = nsiSecReneg|nsiNADisabled, nsiSecReneg|nsiNADisabled
	binary.BigEndian.PutUint32(b[58:], tnsSDU) // SDU and TDU, 32-bit
	binary.BigEndian.PutUint32(b[62:], tnsSDU)
	var extra []byte
	if len(desc) <= 230 {
		b = append(b, desc...)
	} else {
		extra = []byte(desc)
	}
	binary.BigEndian.PutUint16(b[0:], uint16(len(b)))
	b[4] = 1 // CONNECT
	return b, extra
}

var (
	redirectHostRE = regexp.MustCompile(`(?i)\(HOST=([^)]+)\)`)
	redirectPortRE = regexp.MustCompile(`(?i)\(PORT=(\d+)\)`)
)

// ParseTNSRedirect reads a REDIRECT's data: the address to go to and the
// connect descriptor to send there (after a NUL, when the listener gives
// one).
func ParseTNSRedirect(data string) (host string, port int, desc string, err error) {
	addr := data
	if i := indexByte(data, 0); i >= 0 {
		addr, desc = data[:i], data[i+1:]
	}
	h, p := redirectHostRE.FindStringSubmatch(addr), redirectPortRE.FindStringSubmatch(addr)
	if h == nil || p == nil {
		return "", 0, "", fmt.Errorf("tns redirect without host and port: %q", firstLine(addr))
	}
	port, err = strconv.Atoi(p[1])
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, "", fmt.Errorf("tns redirect to port %q", p[1])
	}
	return h[1], port, desc, nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// --- TTC encoding ---------------------------------------------------------

// errTTCShort says a TTC response needs more bytes.
var errTTCShort = errors.New("ttc message truncated")

type ttcWriter struct{ b []byte }

func (w *ttcWriter) u8(v ...byte) { w.b = append(w.b, v...) }

// ub writes a TTC "universal" integer: a length byte, then the value's
// bytes, big-endian, without leading zeros.
func (w *ttcWriter) ub(v uint64) {
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], v)
	i := 0
	for i < 8 && t[i] == 0 {
		i++
	}
	w.b = append(w.b, byte(8-i))
	w.b = append(w.b, t[i:]...)
}

// clr writes bytes with a length: one length byte up to 252, else 0xFE,
// chunks of at most 252 bytes with a length byte each, and a 0.
func (w *ttcWriter) clr(b []byte) {
	if len(b) <= 252 {
		w.b = append(w.b, byte(len(b)))
		w.b = append(w.b, b...)
		return
	}
	w.b = append(w.b, 0xfe)
	for len(b) > 0 {
		n := min(len(b), 252)
		w.b = append(w.b, byte(n))
		w.b = append(w.b, b[:n]...)
		b = b[n:]
	}
	w.b = append(w.b, 0)
}

// dlc writes a universal length and the bytes (nothing more when empty).
func (w *ttcWriter) dlc(b []byte) {
	w.ub(uint64(len(b)))
	if len(b) > 0 {
		w.clr(b)
	}
}

// kv writes an authentication key/value pair and its flags.
func (w *ttcWriter) kv(key, val string, flags uint32) {
	w.dlc([]byte(key))
	w.dlc([]byte(val))
	w.ub(uint64(flags))
}

type ttcReader struct {
	b []byte
	i int
	// bigChunks: chunk lengths inside 0xFE-chunked values are universal
	// integers rather than single bytes.
	bigChunks bool
}

func (r *ttcReader) u8() (byte, error) {
	if r.i >= len(r.b) {
		return 0, errTTCShort
	}
	r.i++
	return r.b[r.i-1], nil
}

func (r *ttcReader) bytes(n int) ([]byte, error) {
	if n < 0 || r.i+n > len(r.b) || r.i+n < r.i {
		return nil, errTTCShort
	}
	r.i += n
	return r.b[r.i-n : r.i], nil
}

// ub reads a universal integer of at most size bytes (the sign bit of the
// length byte is ignored: the fields we read are unsigned or we only test
// them against zero).
func (r *ttcReader) ub(size int) (uint64, error) {
	l, err := r.u8()
	if err != nil {
		return 0, err
	}
	n := int(l & 0x7f)
	if n > size {
		return 0, fmt.Errorf("ttc integer of %d bytes where at most %d fit", n, size)
	}
	b, err := r.bytes(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// clr reads bytes with a length (see ttcWriter.clr); 0, 0xFD and 0xFF are
// empty or null.
func (r *ttcReader) clr() ([]byte, error) {
	l, err := r.u8()
	if err != nil {
		return nil, err
	}
	switch l {
	case 0, 0xfd, 0xff:
		return nil, nil
	case 0xfe:
		var out []byte
		for range 1 << 16 {
			var n int
			if r.bigChunks {
				v, err := r.ub(4)
				if err != nil {
					return nil, err
				}
				n = int(v)
			} else {
				c, err := r.u8()
				if err != nil {
					return nil, err
				}
				n = int(c)
			}
			if n == 0 {
				return out, nil
			}
			b, err := r.bytes(n)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
			if len(out) > maxTTCResponse {
				return nil, fmt.Errorf("ttc value of more than %d bytes", maxTTCResponse)
			}
		}
		return nil, fmt.Errorf("ttc value of too many chunks")
	}
	return r.bytes(int(l))
}

// dlc reads a universal length followed, when not zero, by bytes with a
// length.
func (r *ttcReader) dlc() ([]byte, error) {
	n, err := r.ub(4)
	if err != nil || n == 0 {
		return nil, err
	}
	b, err := r.clr()
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) > n {
		b = b[:n]
	}
	return b, nil
}
