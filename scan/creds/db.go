package creds

import (
	"bytes"
	"context"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

func init() {
	register(mysqlProto{})
	register(postgresProto{})
	register(vncProto{})
	register(sshProto{})
}

// mysqlProto speaks the MySQL/MariaDB client/server protocol: handshake v10,
// HandshakeResponse41 with mysql_native_password (and the fast path of
// caching_sha2_password), following an auth switch when asked.
type mysqlProto struct{}

func (mysqlProto) Service() string { return "mysql" }

func readMySQLPacket(r io.Reader) (seq byte, payload []byte, err error) {
	var h [4]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return 0, nil, fmt.Errorf("read mysql packet header: %w", err)
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("mysql packet of %d bytes", n)
	}
	payload = make([]byte, n)
	if _, err = io.ReadFull(r, payload); err != nil {
		return 0, nil, fmt.Errorf("read mysql packet: %w", err)
	}
	return h[3], payload, nil
}

func writeMySQLPacket(w io.Writer, seq byte, payload []byte) error {
	h := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), seq}
	_, err := w.Write(append(h, payload...))
	return err
}

func nativePassword(pass string, salt []byte) []byte {
	if pass == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(pass))
	h2 := sha1.Sum(h1[:])
	h := sha1.New()
	h.Write(salt)
	h.Write(h2[:])
	h3 := h.Sum(nil)
	for i := range h3 {
		h3[i] ^= h1[i]
	}
	return h3
}

func cachingSHA2Password(pass string, salt []byte) []byte {
	if pass == "" {
		return nil
	}
	h1 := sha256.Sum256([]byte(pass))
	h2 := sha256.Sum256(h1[:])
	h := sha256.New()
	h.Write(h2[:])
	h.Write(salt)
	h3 := h.Sum(nil)
	for i := range h3 {
		h3[i] ^= h1[i]
	}
	return h3
}

// MySQLHandshake is the server greeting (protocol 10).
type MySQLHandshake struct {
	Version string
	Salt    []byte
	Plugin  string
	Caps    uint32
}

// ParseMySQLHandshake reads a HandshakeV10 payload.
func ParseMySQLHandshake(p []byte) (*MySQLHandshake, error) {
	if len(p) < 1 {
		return nil, fmt.Errorf("empty mysql handshake")
	}
	if p[0] == 0xff {
		msg := ""
		if len(p) > 3 {
			msg = string(p[3:])
		}
		return nil, fmt.Errorf("mysql refused the connection: %s", msg)
	}
	if p[0] != 10 {
		return nil, fmt.Errorf("mysql handshake protocol %d, want 10", p[0])
	}
	end := bytes.IndexByte(p[1:], 0)
	if end < 0 {
		return nil, fmt.Errorf("mysql handshake: unterminated version")
	}
	h := &MySQLHandshake{Version: string(p[1 : 1+end])}
	i := 1 + end + 1 + 4 // version NUL, connection id
	if i+8+1+2 > len(p) {
		return nil, fmt.Errorf("mysql handshake truncated")
	}
	h.Salt = append([]byte(nil), p[i:i+8]...)
	i += 8 + 1
	h.Caps = uint32(binary.LittleEndian.Uint16(p[i:]))
	i += 2
	if i+1+2+2+1+10 <= len(p) {
		i += 1 + 2 // charset, status
		h.Caps |= uint32(binary.LittleEndian.Uint16(p[i:])) << 16
		i += 2
		saltLen := int(p[i])
		i += 1 + 10
		rest := max(13, saltLen-8)
		if i+rest <= len(p) {
			h.Salt = append(h.Salt, bytes.TrimRight(p[i:i+rest], "\x00")...)
			i += rest
		}
		if i < len(p) {
			h.Plugin = string(bytes.TrimRight(p[i:], "\x00"))
		}
	}
	return h, nil
}

func (mysqlProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	_, p, err := readMySQLPacket(c)
	if err != nil {
		return Result{}, err
	}
	if len(p) > 3 && p[0] == 0xff && binary.LittleEndian.Uint16(p[1:]) == 1129 {
		return Result{Outcome: Locked}, nil // host blocked after too many errors
	}
	hs, err := ParseMySQLHandshake(p)
	if err != nil {
		return Result{}, err
	}
	plugin := hs.Plugin
	if plugin == "" {
		plugin = "mysql_native_password"
	}
	scramble := func(plugin string, salt []byte) []byte {
		if plugin == "caching_sha2_password" {
			return cachingSHA2Password(cr.Pass, salt)
		}
		return nativePassword(cr.Pass, salt)
	}
	const (
		clientLongPassword   = 0x00000001
		clientProtocol41     = 0x00000200
		clientSecureConn     = 0x00008000
		clientPluginAuth     = 0x00080000
		clientTransactions   = 0x00002000
		clientMultiResults   = 0x00020000
		clientPluginAuthData = 0x00200000
	)
	caps := uint32(clientLongPassword | clientProtocol41 | clientSecureConn | clientPluginAuth | clientTransactions | clientMultiResults)
	auth := scramble(plugin, hs.Salt)
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, caps)
	binary.Write(&b, binary.LittleEndian, uint32(1<<24))
	b.WriteByte(33) // utf8_general_ci
	b.Write(make([]byte, 23))
	b.WriteString(cr.User)
	b.WriteByte(0)
	b.WriteByte(byte(len(auth)))
	b.Write(auth)
	b.WriteString(plugin)
	b.WriteByte(0)
	if err := writeMySQLPacket(c, 1, b.Bytes()); err != nil {
		return Result{}, err
	}
	for range 3 {
		seq, p, err := readMySQLPacket(c)
		if err != nil {
			return Result{}, err
		}
		if len(p) == 0 {
			return Result{}, fmt.Errorf("empty mysql reply")
		}
		switch p[0] {
		case 0x00:
			return Result{Outcome: Success, Proof: "OK packet after HandshakeResponse (" + hs.Version + ")"}, nil
		case 0xff:
			if len(p) >= 3 {
				switch binary.LittleEndian.Uint16(p[1:]) {
				case 1129, 1040, 3118: // host blocked, too many connections, account locked
					return Result{Outcome: Locked}, nil
				}
			}
			return Result{Outcome: Failed}, nil
		case 0xfe: // auth switch request: plugin NUL data
			end := bytes.IndexByte(p[1:], 0)
			if end < 0 {
				return Result{}, fmt.Errorf("mysql auth switch without plugin name")
			}
			plugin = string(p[1 : 1+end])
			salt := bytes.TrimRight(p[2+end:], "\x00")
			if plugin != "mysql_native_password" && plugin != "caching_sha2_password" {
				return Result{Outcome: Skip}, nil
			}
			if err := writeMySQLPacket(c, seq+1, scramble(plugin, salt)); err != nil {
				return Result{}, err
			}
		case 0x01: // caching_sha2_password: 3 = fast auth ok (OK follows), 4 = full auth (needs TLS/RSA)
			if len(p) > 1 && p[1] == 3 {
				continue
			}
			return Result{Outcome: Skip}, nil
		default:
			return Result{}, fmt.Errorf("unexpected mysql reply 0x%02x", p[0])
		}
	}
	return Result{}, fmt.Errorf("mysql authentication did not finish")
}

// postgresProto speaks the PostgreSQL frontend/backend protocol 3.0:
// StartupMessage, then cleartext, MD5 or SCRAM-SHA-256 authentication.
type postgresProto struct{}

func (postgresProto) Service() string { return "postgresql" }

func pgMessage(typ byte, body []byte) []byte {
	m := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(m[1:], uint32(len(body)+4))
	return append(m, body...)
}

func readPG(r io.Reader) (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, fmt.Errorf("read postgres message: %w", err)
	}
	n := int(binary.BigEndian.Uint32(h[1:])) - 4
	if n < 0 || n > 1<<20 {
		return 0, nil, fmt.Errorf("postgres message of %d bytes", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return h[0], b, err
}

// pgErrorFields reads an ErrorResponse's fields (S, C, M ...).
func pgErrorFields(b []byte) map[byte]string {
	f := map[byte]string{}
	for len(b) > 1 && b[0] != 0 {
		end := bytes.IndexByte(b[1:], 0)
		if end < 0 {
			break
		}
		f[b[0]] = string(b[1 : 1+end])
		b = b[2+end:]
	}
	return f
}

func (postgresProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	var body bytes.Buffer
	binary.Write(&body, binary.BigEndian, uint32(196608)) // protocol 3.0
	for _, kv := range [][2]string{{"user", cr.User}, {"database", "postgres"}, {"application_name", "bianque-scanner"}} {
		body.WriteString(kv[0] + "\x00" + kv[1] + "\x00")
	}
	body.WriteByte(0)
	msg := make([]byte, 4, 4+body.Len())
	binary.BigEndian.PutUint32(msg, uint32(4+body.Len()))
	if _, err := c.Write(append(msg, body.Bytes()...)); err != nil {
		return Result{}, err
	}
	var scram *scramClient
	sent := false // AuthenticationOk before any credential was sent means trust authentication
	for range 6 {
		typ, b, err := readPG(c)
		if err != nil {
			return Result{}, err
		}
		switch typ {
		case 'E':
			f := pgErrorFields(b)
			switch f['C'] {
			case "28P01": // invalid_password
				return Result{Outcome: Failed}, nil
			case "53300": // too_many_connections
				return Result{Outcome: Locked}, nil
			case "28000": // invalid_authorization_specification: no pg_hba entry, role cannot log in
				return Result{Outcome: Failed}, nil
			}
			return Result{Outcome: Failed}, nil
		case 'R':
			if len(b) < 4 {
				return Result{}, fmt.Errorf("short authentication request")
			}
			switch code := binary.BigEndian.Uint32(b); code {
			case 0:
				if !sent {
					return Result{Outcome: NoAuth, Proof: "AuthenticationOk without a password request (trust authentication)"}, nil
				}
				return Result{Outcome: Success, Proof: "AuthenticationOk"}, nil
			case 3:
				sent = true
				if _, err := c.Write(pgMessage('p', []byte(cr.Pass+"\x00"))); err != nil {
					return Result{}, err
				}
			case 5:
				if len(b) < 8 {
					return Result{}, fmt.Errorf("md5 request without salt")
				}
				sent = true
				inner := md5.Sum([]byte(cr.Pass + cr.User))
				outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), b[4:8]...))
				if _, err := c.Write(pgMessage('p', []byte("md5"+hex.EncodeToString(outer[:])+"\x00"))); err != nil {
					return Result{}, err
				}
			case 10: // SASL: mechanism list
				if !bytes.Contains(b[4:], []byte("SCRAM-SHA-256\x00")) {
					return Result{Outcome: Skip}, nil
				}
				sent = true
				scram = newSCRAM(cr.Pass)
				first := scram.clientFirst()
				var m bytes.Buffer
				m.WriteString("SCRAM-SHA-256\x00")
				binary.Write(&m, binary.BigEndian, int32(len(first)))
				m.WriteString(first)
				if _, err := c.Write(pgMessage('p', m.Bytes())); err != nil {
					return Result{}, err
				}
			case 11: // SASL continue: server-first
				if scram == nil {
					return Result{}, fmt.Errorf("SASL continue without SASL")
				}
				final, err := scram.clientFinal(string(b[4:]))
				if err != nil {
					return Result{}, err
				}
				if _, err := c.Write(pgMessage('p', []byte(final))); err != nil {
					return Result{}, err
				}
			case 12: // SASL final: server signature
				if scram == nil || !scram.verify(string(b[4:])) {
					return Result{}, fmt.Errorf("SCRAM server signature does not verify")
				}
			default:
				return Result{Outcome: Skip}, nil // Kerberos, GSS, SSPI: not password-guessable here
			}
		default:
			return Result{}, fmt.Errorf("unexpected postgres message %q", typ)
		}
	}
	return Result{}, fmt.Errorf("postgres authentication did not finish")
}

// scramClient is the client side of SCRAM (RFC 5802; SHA-256 per RFC 7677)
// without channel binding. PostgreSQL sends an empty user name (the startup
// message names the role); MongoDB names the user and, for SCRAM-SHA-1,
// feeds the MD5 digest MongoDB stores as the password.
type scramClient struct {
	hash                              func() hash.Hash
	user, pass, nonce, first, authMsg string
	salted                            []byte
}

func newSCRAM(pass string) *scramClient { return newSCRAMFor(sha256.New, "", pass) }

func newSCRAMFor(h func() hash.Hash, user, pass string) *scramClient {
	b := make([]byte, 18)
	rand.Read(b)
	return &scramClient{hash: h, user: user, pass: pass, nonce: base64.RawStdEncoding.EncodeToString(b)}
}

// saslName escapes a user name for SCRAM's n= attribute (RFC 5802 5.1).
func saslName(u string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(u)
}

func (s *scramClient) clientFirst() string {
	s.first = "n=" + saslName(s.user) + ",r=" + s.nonce
	return "n,," + s.first
}

func (s *scramClient) clientFinal(serverFirst string) (string, error) {
	attrs := map[string]string{}
	for _, kv := range strings.Split(serverFirst, ",") {
		if len(kv) > 2 && kv[1] == '=' {
			attrs[kv[:1]] = kv[2:]
		}
	}
	if !strings.HasPrefix(attrs["r"], s.nonce) || len(attrs["r"]) == len(s.nonce) {
		return "", fmt.Errorf("SCRAM server nonce does not extend ours")
	}
	salt, err := base64.StdEncoding.DecodeString(attrs["s"])
	if err != nil {
		return "", fmt.Errorf("SCRAM salt: %w", err)
	}
	iter, err := strconv.Atoi(attrs["i"])
	if err != nil || iter < 1 || iter > 1<<20 {
		return "", fmt.Errorf("SCRAM iteration count %q", attrs["i"])
	}
	s.salted, err = pbkdf2.Key(s.hash, s.pass, salt, iter, s.hash().Size())
	if err != nil {
		return "", err
	}
	withoutProof := "c=biws,r=" + attrs["r"]
	s.authMsg = s.first + "," + serverFirst + "," + withoutProof
	ck := s.hmac(s.salted, "Client Key")
	h := s.hash()
	h.Write(ck)
	stored := h.Sum(nil)
	sig := s.hmac(stored, s.authMsg)
	proof := make([]byte, len(ck))
	for i := range ck {
		proof[i] = ck[i] ^ sig[i]
	}
	return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof), nil
}

func (s *scramClient) verify(serverFinal string) bool {
	v, ok := strings.CutPrefix(serverFinal, "v=")
	if !ok || s.salted == nil {
		return false
	}
	sk := s.hmac(s.salted, "Server Key")
	want := base64.StdEncoding.EncodeToString(s.hmac(sk, s.authMsg))
	return hmac.Equal([]byte(v), []byte(want))
}

func (s *scramClient) hmac(key []byte, msg string) []byte {
	m := hmac.New(s.hash, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// vncProto speaks RFB (RFC 6143): security type None is open access; type 2
// (VNC authentication) is a DES challenge keyed by the password.
type vncProto struct{}

func (vncProto) Service() string { return "vnc" }

// VNCResponse encrypts the 16-byte challenge with the password as RFB's VNC
// authentication does (DES-ECB, key bytes bit-reversed, password cut or
// padded to 8 bytes).
func VNCResponse(pass string, challenge []byte) ([]byte, error) {
	key := make([]byte, 8)
	copy(key, pass)
	for i, b := range key {
		var r byte
		for j := 0; j < 8; j++ {
			if b&(1<<j) != 0 {
				r |= 1 << (7 - j)
			}
		}
		key[i] = r
	}
	blk, err := des.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(challenge))
	for i := 0; i+8 <= len(challenge); i += 8 {
		blk.Encrypt(out[i:], challenge[i:i+8])
	}
	return out, nil
}

func (vncProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	ver := make([]byte, 12)
	if _, err := io.ReadFull(c, ver); err != nil {
		return Result{}, fmt.Errorf("read RFB version: %w", err)
	}
	if !bytes.HasPrefix(ver, []byte("RFB ")) {
		return Result{}, fmt.Errorf("not an RFB server: %q", ver)
	}
	minor := 3
	if string(ver[4:11]) >= "003.007" {
		minor = 8
	}
	if _, err := fmt.Fprintf(c, "RFB 003.%03d\n", minor); err != nil {
		return Result{}, err
	}
	var types []byte
	if minor >= 7 {
		var n [1]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return Result{}, err
		}
		if n[0] == 0 {
			return Result{Outcome: Locked}, nil // connection failed: the reason is usually "too many security failures"
		}
		types = make([]byte, n[0])
		if _, err := io.ReadFull(c, types); err != nil {
			return Result{}, err
		}
	} else {
		var t [4]byte
		if _, err := io.ReadFull(c, t[:]); err != nil {
			return Result{}, err
		}
		types = []byte{byte(binary.BigEndian.Uint32(t[:]))}
	}
	switch {
	case bytes.IndexByte(types, 1) >= 0:
		return Result{Outcome: NoAuth, Proof: "RFB security type None offered"}, nil
	case bytes.IndexByte(types, 2) < 0:
		return Result{Outcome: Skip}, nil // only other security types (TLS, VeNCrypt, ...)
	}
	if minor >= 7 {
		c.Write([]byte{2})
	}
	ch := make([]byte, 16)
	if _, err := io.ReadFull(c, ch); err != nil {
		return Result{}, err
	}
	resp, err := VNCResponse(cr.Pass, ch)
	if err != nil {
		return Result{}, err
	}
	c.Write(resp)
	var st [4]byte
	if _, err := io.ReadFull(c, st[:]); err != nil {
		return Result{}, err
	}
	if binary.BigEndian.Uint32(st[:]) == 0 {
		return Result{Outcome: Success, Proof: "RFB SecurityResult OK"}, nil
	}
	return Result{Outcome: Failed}, nil
}

// sshProto logs in with x/crypto/ssh (password and keyboard-interactive).
type sshProto struct{}

func (sshProto) Service() string { return "ssh" }

func (sshProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	cfg := &ssh.ClientConfig{
		User: cr.User,
		Auth: []ssh.AuthMethod{
			ssh.Password(cr.Pass),
			ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
				a := make([]string, len(questions))
				for i := range a {
					a[i] = cr.Pass
				}
				return a, nil
			}),
		},
		// A scanner tests passwords; it has no known host key to verify.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		ClientVersion:   "SSH-2.0-bianque-scanner",
	}
	sc, chans, reqs, err := ssh.NewClientConn(c, c.RemoteAddr().String(), cfg)
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "unable to authenticate"), strings.Contains(msg, "no supported methods remain"):
			return Result{Outcome: Failed}, nil
		case strings.Contains(msg, "Too many authentication failures"), strings.Contains(msg, "connection reset"):
			return Result{Outcome: Locked}, nil
		}
		return Result{}, fmt.Errorf("ssh: %w", err)
	}
	client := ssh.NewClient(sc, chans, reqs)
	defer client.Close()
	return Result{Outcome: Success, Proof: "SSH user authentication succeeded (server " + string(sc.ServerVersion()) + ")"}, nil
}
