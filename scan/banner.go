package scan

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"
)

// Probes the scanner may send to a silent port, by port. Each is the
// smallest valid opening message of its protocol, taken from the protocol's
// specification.
var probes = map[int][]byte{
	5432:  {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}, // PostgreSQL SSLRequest (code 80877103)
	6379:  []byte("PING\r\nINFO server\r\n"),    // Redis: answers +PONG/-NOAUTH, then INFO when open
	11211: []byte("version\r\n"),                // memcached text protocol
	3389:  rdpNegotiation,                       // X.224 CR + RDP_NEG_REQ (TLS | CredSSP)
	445:   SMB2NegotiateRequest(),
	139:   nil,
	1433:  tdsPrelogin(),
	1521:  tnsVersionProbe(), // TNS CONNECT (COMMAND=version): the listener's REFUSE names its version
}

// noPayload ports get a connect and a passive read only: clinical and
// industrial protocols whose devices may misbehave on unexpected input.
var noPayload = map[int]bool{104: true, 11112: true, 2575: true, 502: true, 102: true, 20000: true, 44818: true}

// rdpNegotiation is an X.224 Connection Request (TPKT v3, 19 bytes) carrying
// RDP_NEG_REQ with requestedProtocols = PROTOCOL_SSL | PROTOCOL_HYBRID.
var rdpNegotiation = []byte{3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0}

// SMB2NegotiateRequest returns an SMB2 NEGOTIATE request (MS-SMB2 2.2.3)
// offering dialects 2.0.2 and 2.1, framed with the 4-byte direct-TCP header.
func SMB2NegotiateRequest() []byte {
	hdr := make([]byte, 64)
	copy(hdr, "\xfeSMB")
	binary.LittleEndian.PutUint16(hdr[4:], 64) // StructureSize
	binary.LittleEndian.PutUint16(hdr[14:], 1) // CreditRequest
	body := make([]byte, 36+4)
	binary.LittleEndian.PutUint16(body[0:], 36) // StructureSize
	binary.LittleEndian.PutUint16(body[2:], 2)  // DialectCount
	binary.LittleEndian.PutUint16(body[4:], 1)  // SecurityMode: signing enabled
	copy(body[12:28], "bianque-scanner!")       // ClientGuid
	binary.LittleEndian.PutUint16(body[36:], 0x0202)
	binary.LittleEndian.PutUint16(body[38:], 0x0210)
	msg := append(hdr, body...)
	frame := make([]byte, 4, 4+len(msg))
	binary.BigEndian.PutUint32(frame, uint32(len(msg)))
	return append(frame, msg...)
}

// tdsPrelogin builds a TDS 7 PRELOGIN packet (MS-TDS 2.2.6.5) with VERSION,
// ENCRYPTION (not supported) and terminator.
func tdsPrelogin() []byte {
	opts := []byte{
		0x00, 0, 11, 0, 6, // VERSION at 11, 6 bytes
		0x01, 0, 17, 0, 1, // ENCRYPTION at 17, 1 byte
		0xff,
	}
	data := append(opts, 0, 0, 0, 0, 0, 0, 2) // version 0.0.0.0 sub 0; ENCRYPT_NOT_SUP
	pkt := make([]byte, 8, 8+len(data))
	pkt[0], pkt[1] = 0x12, 0x01
	binary.BigEndian.PutUint16(pkt[2:], uint16(8+len(data)))
	pkt[6] = 1
	return append(pkt, data...)
}

// Banner is what a port said.
type Banner struct {
	Raw   []byte `json:"-"`
	Text  string `json:"banner,omitempty"`
	Probe string `json:"probe,omitempty"` // "greeting", the probe's port, or "http"
}

const maxBanner = 4096

// readSome reads what arrives within wait.
func readSome(c net.Conn, wait time.Duration) []byte {
	buf := make([]byte, maxBanner)
	n := 0
	deadline := time.Now().Add(wait)
	for n < len(buf) {
		_ = c.SetReadDeadline(deadline)
		k, err := c.Read(buf[n:])
		n += k
		if err != nil {
			break
		}
		// Once something arrived, give the rest of the message a short moment.
		if n > 0 {
			deadline = time.Now().Add(min(wait, 150*time.Millisecond))
		}
	}
	return buf[:n]
}

// GrabBanner reads a port's greeting; a silent port gets its protocol's probe
// (and, failing that, an HTTP request) on a fresh connection.
func GrabBanner(ctx context.Context, g *Guard, ip netip.Addr, port int, wait time.Duration) (Banner, error) {
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	try := func(payload []byte) ([]byte, error) {
		c, err := g.Dial(ctx, addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
		defer stop()
		if payload != nil {
			_ = c.SetWriteDeadline(time.Now().Add(wait))
			if _, err := c.Write(payload); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, nil
			}
		}
		return readSome(c, wait), nil
	}
	recognised := func(probePort int, b []byte) bool {
		id := Identify(probePort, b)
		return len(b) > 0 && id.Service != "" && id.Info != "unrecognised banner"
	}
	var first Banner
	keep := func(b []byte, probe string) {
		if first.Raw == nil && len(b) > 0 {
			first = Banner{Raw: b, Text: printable(b), Probe: probe}
		}
	}
	if p, ok := probes[port]; ok && p != nil {
		b, err := try(p)
		if err != nil {
			return Banner{}, err
		}
		if recognised(port, b) {
			return Banner{Raw: b, Text: printable(b), Probe: strconv.Itoa(port)}, nil
		}
		keep(b, strconv.Itoa(port))
	}
	b, err := try(nil)
	if err != nil {
		return Banner{}, err
	}
	if len(b) > 0 || noPayload[port] {
		return Banner{Raw: b, Text: printable(b), Probe: "greeting"}, nil
	}
	b, err = try([]byte("GET / HTTP/1.0\r\nUser-Agent: bianque-scanner\r\n\r\n"))
	if err != nil {
		return Banner{}, err
	}
	if recognised(0, b) {
		return Banner{Raw: b, Text: printable(b), Probe: "http"}, nil
	}
	keep(b, "http")
	// A service on an unusual port: try the other client-first protocols.
	for _, pp := range genericProbeOrder {
		if pp == port || ctx.Err() != nil {
			continue
		}
		b, err := try(probes[pp])
		if err != nil {
			return first, err
		}
		if recognised(pp, b) {
			return Banner{Raw: b, Text: printable(b), Probe: strconv.Itoa(pp)}, nil
		}
		keep(b, strconv.Itoa(pp))
	}
	return first, nil
}

// genericProbeOrder is the order in which a silent, unrecognised port gets the
// other protocols' probes.
var genericProbeOrder = []int{6379, 11211, 5432, 1433, 445, 3389}

// ProbePort returns the port whose probe produced a banner (for Identify), or
// port itself for a greeting or the HTTP probe.
func (b Banner) ProbePort(port int) int {
	if p, err := strconv.Atoi(b.Probe); err == nil {
		return p
	}
	return port
}

// printable renders a banner for people: text as is, other bytes escaped.
func printable(b []byte) string {
	if len(b) > 1024 {
		b = b[:1024]
	}
	out := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c == '\n' || c == '\r' || c == '\t' || c >= 0x20 && c < 0x7f:
			out = append(out, c)
		default:
			out = append(out, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		}
	}
	return string(out)
}
