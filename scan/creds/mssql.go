package creds

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"unicode/utf16"
)

func init() { register(mssqlProto{}) }

// mssqlProto speaks TDS 7.4 (MS-TDS): PRELOGIN with encryption negotiation,
// TLS inside PRELOGIN packets when the server wants it, then LOGIN7 with SQL
// Server authentication. A LOGINACK token is the login proof.
type mssqlProto struct{}

func (mssqlProto) Service() string { return "mssql" }

// TDS packet types (MS-TDS 2.2.3.1.1).
const (
	tdsReply    = 0x04
	tdsLogin7   = 0x10
	tdsPrelogin = 0x12
)

// PRELOGIN ENCRYPTION values (MS-TDS 2.2.6.5).
const (
	tdsEncryptOff    = 0x00 // encrypt the login packet only
	tdsEncryptOn     = 0x01 // encrypt everything
	tdsEncryptNotSup = 0x02
	tdsEncryptReq    = 0x03
)

// tdsMaxPacket is the packet size we announce and use before the server
// changes it; 4096 is the protocol's default.
const tdsMaxPacket = 4096

// writeTDS sends one message as packets of at most tdsMaxPacket bytes, the
// last one with status EOM.
func writeTDS(w io.Writer, typ byte, data []byte) error {
	id := byte(1)
	for {
		n := min(len(data), tdsMaxPacket-8)
		status := byte(0)
		if n == len(data) {
			status = 1
		}
		pkt := make([]byte, 8, 8+n)
		pkt[0], pkt[1] = typ, status
		binary.BigEndian.PutUint16(pkt[2:], uint16(8+n))
		pkt[6] = id
		if _, err := w.Write(append(pkt, data[:n]...)); err != nil {
			return fmt.Errorf("write tds packet: %w", err)
		}
		data = data[n:]
		id++
		if status == 1 {
			return nil
		}
	}
}

// readTDS reads one message (packets up to the one with status EOM).
func readTDS(r io.Reader) (byte, []byte, error) {
	var out []byte
	var typ byte
	for range 256 {
		var h [8]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return 0, nil, fmt.Errorf("read tds packet header: %w", err)
		}
		n := int(binary.BigEndian.Uint16(h[2:]))
		if n < 8 {
			return 0, nil, fmt.Errorf("tds packet length %d", n)
		}
		body := make([]byte, n-8)
		if _, err := io.ReadFull(r, body); err != nil {
			return 0, nil, fmt.Errorf("read tds packet: %w", err)
		}
		typ = h[0]
		out = append(out, body...)
		if h[1]&1 == 1 {
			return typ, out, nil
		}
	}
	return 0, nil, fmt.Errorf("tds message of more than 256 packets")
}

// TDSPrelogin builds the client's PRELOGIN payload: VERSION, ENCRYPTION,
// INSTOPT (default instance), THREADID and MARS (off).
func TDSPrelogin(encryption byte) []byte {
	type opt struct {
		token byte
		data  []byte
	}
	opts := []opt{
		{0x00, []byte{0, 0, 0, 0, 0, 0}}, // client version 0.0.0 sub 0
		{0x01, []byte{encryption}},
		{0x02, []byte{0}}, // instance: the default one
		{0x03, binary.BigEndian.AppendUint32(nil, uint32(os.Getpid()))},
		{0x04, []byte{0}},
	}
	off := len(opts)*5 + 1
	var head, data []byte
	for _, o := range opts {
		head = append(head, o.token, byte(off>>8), byte(off), byte(len(o.data)>>8), byte(len(o.data)))
		data = append(data, o.data...)
		off += len(o.data)
	}
	return append(append(head, 0xff), data...)
}

// ParseTDSPrelogin returns the options of a PRELOGIN payload by token.
func ParseTDSPrelogin(p []byte) (map[byte][]byte, error) {
	out := map[byte][]byte{}
	for i := 0; ; i += 5 {
		if i >= len(p) {
			return nil, fmt.Errorf("prelogin options without terminator")
		}
		if p[i] == 0xff {
			return out, nil
		}
		if i+5 > len(p) {
			return nil, fmt.Errorf("prelogin option truncated")
		}
		off, n := int(binary.BigEndian.Uint16(p[i+1:])), int(binary.BigEndian.Uint16(p[i+3:]))
		if off+n > len(p) {
			return nil, fmt.Errorf("prelogin option %d outside the payload", p[i])
		}
		out[p[i]] = p[off : off+n]
	}
}

// TDSObfuscate encodes a LOGIN7 password (MS-TDS 2.2.6.4): UTF-16LE, each
// byte's nibbles swapped and XORed with 0xA5. It is an encoding, not
// encryption: the TLS the server negotiates protects the password.
func TDSObfuscate(pass string) []byte {
	b := ucs2(pass)
	for i, c := range b {
		b[i] = (c<<4 | c>>4) ^ 0xa5
	}
	return b
}

func ucs2(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func fromUCS2(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// TDSLogin7 builds a LOGIN7 payload (MS-TDS 2.2.6.4) for SQL Server
// authentication, TDS 7.4.
func TDSLogin7(user, pass, server, app string) []byte {
	const fixed = 94
	fields := [][]byte{
		ucs2("bianque"), // HostName
		ucs2(user),
		TDSObfuscate(pass),
		ucs2(app),
		ucs2(server),
		nil,             // extension (unused)
		ucs2("bianque"), // CltIntName
		nil,             // Language
		nil,             // Database
	}
	b := make([]byte, fixed)
	binary.LittleEndian.PutUint32(b[4:], 0x74000004)   // TDS 7.4
	binary.LittleEndian.PutUint32(b[8:], tdsMaxPacket) // PacketSize
	binary.LittleEndian.PutUint32(b[12:], 0x07000000)  // ClientProgVer
	binary.LittleEndian.PutUint32(b[16:], uint32(os.Getpid()))
	b[24] = 0xe0                                  // OptionFlags1: USE_DB_ON, INIT_DB_FATAL, SET_LANG_ON
	b[25] = 0x03                                  // OptionFlags2: INIT_LANG_FATAL, ODBC_ON
	b[26] = 0x00                                  // TypeFlags: SQL_DFLT
	b[27] = 0x00                                  // OptionFlags3
	binary.LittleEndian.PutUint32(b[32:], 0x0409) // ClientLCID en-US
	off := fixed
	pos := 36
	var data []byte
	for _, f := range fields {
		binary.LittleEndian.PutUint16(b[pos:], uint16(off))
		binary.LittleEndian.PutUint16(b[pos+2:], uint16(len(f)/2))
		pos += 4
		data = append(data, f...)
		off += len(f)
	}
	// ClientID (6 bytes, MAC address; zero), SSPI, AtchDBFile, ChangePassword: empty, at the end.
	pos += 6
	for range 3 {
		binary.LittleEndian.PutUint16(b[pos:], uint16(off))
		pos += 4
	}
	b = append(b, data...)
	binary.LittleEndian.PutUint32(b[0:], uint32(len(b)))
	return b
}

// TDSLoginResult is what a LOGIN7 response says.
type TDSLoginResult struct {
	LoginAck bool
	Program  string // LOGINACK ProgName
	Version  string // LOGINACK ProgVersion major.minor.build
	Errors   []TDSMessage
}

// TDSMessage is an ERROR or INFO token.
type TDSMessage struct {
	Number int32
	State  byte
	Class  byte
	Text   string
}

// ParseTDSLoginResponse walks the token stream of a login response
// (MS-TDS 2.2.7): ENVCHANGE, INFO, ERROR, LOGINACK, FEATUREEXTACK and DONE.
func ParseTDSLoginResponse(p []byte) (*TDSLoginResult, error) {
	res := &TDSLoginResult{}
	for i := 0; i < len(p); {
		tok := p[i]
		i++
		switch tok {
		case 0xe3, 0xab, 0xaa, 0xad: // ENVCHANGE, INFO, ERROR, LOGINACK: USHORT length
			if i+2 > len(p) {
				return res, fmt.Errorf("token 0x%02x truncated", tok)
			}
			n := int(binary.LittleEndian.Uint16(p[i:]))
			i += 2
			if i+n > len(p) {
				return res, fmt.Errorf("token 0x%02x of %d bytes truncated", tok, n)
			}
			body := p[i : i+n]
			i += n
			switch tok {
			case 0xaa, 0xab:
				m, err := parseTDSMessage(body)
				if err != nil {
					return res, err
				}
				if tok == 0xaa {
					res.Errors = append(res.Errors, m)
				}
			case 0xad:
				if len(body) < 10 {
					return res, fmt.Errorf("LOGINACK truncated")
				}
				nameLen := int(body[5]) * 2
				if 6+nameLen+4 > len(body) {
					return res, fmt.Errorf("LOGINACK name truncated")
				}
				res.LoginAck = true
				res.Program = strings.TrimRight(fromUCS2(body[6:6+nameLen]), "\x00")
				v := body[6+nameLen:]
				res.Version = fmt.Sprintf("%d.%d.%d", v[0], v[1], int(v[2])<<8|int(v[3]))
			}
		case 0xae: // FEATUREEXTACK: FeatureId, DWORD length, data … 0xFF
			for {
				if i >= len(p) {
					return res, fmt.Errorf("FEATUREEXTACK without terminator")
				}
				if p[i] == 0xff {
					i++
					break
				}
				if i+5 > len(p) {
					return res, fmt.Errorf("FEATUREEXTACK truncated")
				}
				n := int(binary.LittleEndian.Uint32(p[i+1:]))
				if n < 0 || i+5+n > len(p) {
					return res, fmt.Errorf("FEATUREEXTACK data truncated")
				}
				i += 5 + n
			}
		case 0xfd, 0xfe, 0xff: // DONE, DONEPROC, DONEINPROC (TDS 7.2+: 12 bytes)
			if i+12 > len(p) {
				return res, fmt.Errorf("DONE truncated")
			}
			i += 12
		default:
			return res, fmt.Errorf("unexpected token 0x%02x in login response", tok)
		}
	}
	return res, nil
}

func parseTDSMessage(b []byte) (TDSMessage, error) {
	if len(b) < 8 {
		return TDSMessage{}, fmt.Errorf("ERROR/INFO token truncated")
	}
	m := TDSMessage{Number: int32(binary.LittleEndian.Uint32(b)), State: b[4], Class: b[5]}
	n := int(binary.LittleEndian.Uint16(b[6:])) * 2
	if 8+n > len(b) {
		return m, fmt.Errorf("ERROR/INFO text truncated")
	}
	m.Text = fromUCS2(b[8 : 8+n])
	return m, nil
}

// tdsHandshakeConn carries TLS handshake records inside TDS PRELOGIN packets
// (MS-TDS 3.2.5.2, "TLS/SSL negotiation"); once the handshake is done,
// records travel on the TCP connection itself.
type tdsHandshakeConn struct {
	net.Conn
	handshaking bool
	pending     []byte
}

func (c *tdsHandshakeConn) Read(b []byte) (int, error) {
	if !c.handshaking {
		return c.Conn.Read(b)
	}
	if len(c.pending) == 0 {
		typ, data, err := readTDS(c.Conn)
		if err != nil {
			return 0, err
		}
		if typ != tdsPrelogin && typ != tdsReply {
			return 0, fmt.Errorf("tds packet type 0x%02x during TLS handshake", typ)
		}
		c.pending = data
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *tdsHandshakeConn) Write(b []byte) (int, error) {
	if !c.handshaking {
		return c.Conn.Write(b)
	}
	if err := writeTDS(c.Conn, tdsPrelogin, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (mssqlProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	if err := writeTDS(c, tdsPrelogin, TDSPrelogin(tdsEncryptOff)); err != nil {
		return Result{}, err
	}
	typ, p, err := readTDS(c)
	if err != nil {
		return Result{}, err
	}
	if typ != tdsReply {
		return Result{}, fmt.Errorf("prelogin answered with packet type 0x%02x", typ)
	}
	opts, err := ParseTDSPrelogin(p)
	if err != nil {
		return Result{}, err
	}
	enc := byte(tdsEncryptNotSup)
	if e := opts[0x01]; len(e) == 1 {
		enc = e[0]
	}
	var w io.Writer = c // where LOGIN7 goes
	var r io.Reader = c // where its answer comes from
	switch enc {
	case tdsEncryptNotSup:
		// The server speaks no TLS: the login travels with the protocol's obfuscation only.
	case tdsEncryptOff, tdsEncryptOn, tdsEncryptReq:
		hc := &tdsHandshakeConn{Conn: c, handshaking: true}
		tc := tls.Client(hc, &tls.Config{
			ServerName: host,
			// A scanner has no trust anchor for a hospital's database
			// certificate; TLS here only keeps the tried password off the wire.
			InsecureSkipVerify: true,
			MinVersion:         tls.VersionTLS10, // SQL Server 2008–2014 often offer nothing newer
		})
		if err := tc.HandshakeContext(ctx); err != nil {
			return Result{}, fmt.Errorf("tds tls handshake: %w", err)
		}
		hc.handshaking = false
		w = tc
		if enc != tdsEncryptOff {
			r = tc // ON/REQ: the whole session is encrypted; OFF: only the login packet
		}
	default:
		return Result{}, fmt.Errorf("prelogin encryption value 0x%02x", enc)
	}
	if err := writeTDS(w, tdsLogin7, TDSLogin7(cr.User, cr.Pass, host, "bianque-scanner")); err != nil {
		return Result{}, err
	}
	typ, p, err = readTDS(r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Result{}, fmt.Errorf("server closed the connection after LOGIN7: %w", err)
		}
		return Result{}, err
	}
	if typ != tdsReply {
		return Result{}, fmt.Errorf("login answered with packet type 0x%02x", typ)
	}
	res, err := ParseTDSLoginResponse(p)
	if res != nil && res.LoginAck {
		return Result{Outcome: Success, Proof: fmt.Sprintf("LOGINACK from %s %s", res.Program, res.Version)}, nil
	}
	if res != nil {
		for _, m := range res.Errors {
			switch m.Number {
			case 18486: // account locked out
				return Result{Outcome: Locked}, nil
			case 18487, 18488: // password expired / must be changed: the password itself was right
				return Result{Outcome: Success, Proof: fmt.Sprintf("error %d after the password was accepted: %s", m.Number, m.Text)}, nil
			}
		}
		if len(res.Errors) > 0 {
			return Result{Outcome: Failed}, nil
		}
	}
	if err != nil {
		return Result{}, err
	}
	return Result{}, fmt.Errorf("login response without LOGINACK or ERROR")
}
