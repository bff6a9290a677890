package creds

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// O5LOGON, Oracle's password authentication: the server sends AUTH_SESSKEY
// (its half of a session key, encrypted with a key derived from the stored
// password verifier) and AUTH_VFR_DATA (the verifier's salt, its type in the
// pair's flags); the client derives the same key from the password, sends its
// own half encrypted the same way and the password encrypted with a key mixed
// from both halves. A server that accepts answers with AUTH_SVR_RESPONSE,
// "SERVER_TO_CLIENT" encrypted with that mixed key: proof that it holds a
// verifier matching our password.

// Verifier types (the flags of AUTH_VFR_DATA).
const (
	// OracleVerifier10g is the DES-based hash of 10g and earlier.
	OracleVerifier10g = 0x0939
	// OracleVerifier11g is the salted SHA-1 of 11g (0xB152 is its older
	// number, handled alike).
	OracleVerifier11g    = 0x1b25
	OracleVerifier11gOld = 0xb152
	// OracleVerifier12c is PBKDF2-HMAC-SHA512 followed by SHA-512.
	OracleVerifier12c = 0x4815
)

// maxPBKDF2Count bounds the iteration counts a server may ask for: Oracle
// uses 4096 (AUTH_PBKDF2_VGEN_COUNT) and 3 (AUTH_PBKDF2_SDER_COUNT); a
// listener asking for millions would make every attempt a CPU burden.
const maxPBKDF2Count = 100000

// OracleDESHash is the 10g verifier: DES-CBC over the upper-cased user name
// and password in UTF-16BE, keyed 0x0123456789ABCDEF, then again keyed with
// the first pass's last block; the second pass's last block is the hash.
func OracleDESHash(user, pass string) []byte {
	u := utf16.Encode([]rune(strings.ToUpper(user) + strings.ToUpper(pass)))
	buf := make([]byte, 2*len(u), 2*len(u)+8)
	for i, c := range u {
		binary.BigEndian.PutUint16(buf[2*i:], c)
	}
	if r := len(buf) % 8; r != 0 {
		buf = append(buf, make([]byte, 8-r)...)
	}
	pass1 := desCBCLastBlock([]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}, buf)
	return desCBCLastBlock(pass1, buf)
}

func desCBCLastBlock(key, data []byte) []byte {
	blk, _ := des.NewCipher(key) // 8-byte key: cannot fail
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(blk, make([]byte, 8)).CryptBlocks(out, data)
	return out[len(out)-8:]
}

// OracleVerifierKey derives the AES key that encrypts AUTH_SESSKEY from the
// password, as the server derives it from the stored verifier:
//
//   - 10g: the DES hash followed by 8 zero bytes (AES-128);
//   - 11g: SHA-1(password ‖ salt) followed by 4 zero bytes (AES-192);
//   - 12c: SHA-512(PBKDF2-HMAC-SHA512(password, salt ‖ "AUTH_PBKDF2_SPEEDY_KEY",
//     vgen, 64) ‖ salt), first 32 bytes (AES-256). The PBKDF2 result is the
//     "speedy key" the client also sends (encrypted).
func OracleVerifierKey(typ int, user, pass string, salt []byte, vgen int) (key, speedy []byte, err error) {
	switch typ {
	case OracleVerifier10g:
		return append(OracleDESHash(user, pass), make([]byte, 8)...), nil, nil
	case OracleVerifier11g, OracleVerifier11gOld:
		h := sha1.New()
		h.Write([]byte(pass))
		h.Write(salt)
		return append(h.Sum(nil), 0, 0, 0, 0), nil, nil
	case OracleVerifier12c:
		if vgen <= 0 || vgen > maxPBKDF2Count {
			return nil, nil, fmt.Errorf("AUTH_PBKDF2_VGEN_COUNT %d out of range", vgen)
		}
		speedy, err = pbkdf2.Key(sha512.New, pass, append(append([]byte{}, salt...), "AUTH_PBKDF2_SPEEDY_KEY"...), vgen, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("pbkdf2: %w", err)
		}
		h := sha512.New()
		h.Write(speedy)
		h.Write(salt)
		return h.Sum(nil)[:32], speedy, nil
	}
	return nil, nil, fmt.Errorf("verifier type 0x%x not supported", typ)
}

// aesCBC encrypts or decrypts with a zero IV, as O5LOGON does. Encryption
// pads PKCS#7-style (a whole block when aligned); decryption does not unpad.
func aesCBC(key, data []byte, encrypt bool) ([]byte, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	if encrypt {
		n := 16 - len(data)%16
		data = append(append([]byte{}, data...), bytes.Repeat([]byte{byte(n)}, n)...)
		out := make([]byte, len(data))
		cipher.NewCBCEncrypter(blk, make([]byte, 16)).CryptBlocks(out, data)
		return out, nil
	}
	if len(data) == 0 || len(data)%16 != 0 {
		return nil, fmt.Errorf("ciphertext of %d bytes is not whole AES blocks", len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(blk, make([]byte, 16)).CryptBlocks(out, data)
	return out, nil
}

// OracleComboKey mixes the two session key halves (server's a, client's b)
// into the key that encrypts the password and AUTH_SVR_RESPONSE:
//
//   - 10g: MD5(a[16:32] ⊕ b[16:32]);
//   - 11g: MD5(x[0:16]) ‖ MD5(x[16:24]) with x = a[16:40] ⊕ b[16:40], 24 bytes;
//   - 12c: PBKDF2-HMAC-SHA512(hex(b[:32] ‖ a[:32]) in upper case,
//     AUTH_PBKDF2_CSK_SALT, AUTH_PBKDF2_SDER_COUNT, 32).
func OracleComboKey(typ int, a, b, cskSalt []byte, sder int) ([]byte, error) {
	xor := func(from, to int) ([]byte, error) {
		if len(a) < to || len(b) < to {
			return nil, fmt.Errorf("session key halves of %d and %d bytes", len(a), len(b))
		}
		x := make([]byte, to-from)
		for i := range x {
			x[i] = a[from+i] ^ b[from+i]
		}
		return x, nil
	}
	switch typ {
	case OracleVerifier10g:
		x, err := xor(16, 32)
		if err != nil {
			return nil, err
		}
		s := md5.Sum(x)
		return s[:], nil
	case OracleVerifier11g, OracleVerifier11gOld:
		x, err := xor(16, 40)
		if err != nil {
			return nil, err
		}
		p1, p2 := md5.Sum(x[:16]), md5.Sum(x[16:])
		return append(p1[:], p2[:8]...), nil
	case OracleVerifier12c:
		if len(a) < 32 || len(b) < 32 {
			return nil, fmt.Errorf("session key halves of %d and %d bytes", len(a), len(b))
		}
		if sder <= 0 || sder > maxPBKDF2Count {
			return nil, fmt.Errorf("AUTH_PBKDF2_SDER_COUNT %d out of range", sder)
		}
		if len(cskSalt) == 0 {
			return nil, fmt.Errorf("no AUTH_PBKDF2_CSK_SALT")
		}
		mixed := strings.ToUpper(hex.EncodeToString(append(append([]byte{}, b[:32]...), a[:32]...)))
		k, err := pbkdf2.Key(sha512.New, mixed, cskSalt, sder, 32)
		if err != nil {
			return nil, fmt.Errorf("pbkdf2: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("verifier type 0x%x not supported", typ)
}

// OracleDecryptPassword recovers what AUTH_PASSWORD carries: 16 random bytes,
// the password, PKCS#7 padding. Servers (and the tests' server) do this.
func OracleDecryptPassword(combo, authPassword []byte) (string, error) {
	p, err := aesCBC(combo, authPassword, false)
	if err != nil {
		return "", err
	}
	n := int(p[len(p)-1])
	if n == 0 || n > 16 || n > len(p)-16 || !bytes.Equal(p[len(p)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return "", fmt.Errorf("AUTH_PASSWORD padding does not check")
	}
	return string(p[16 : len(p)-n]), nil
}

// oracleServerResponseOK checks AUTH_SVR_RESPONSE: bytes 16–32 of its
// decryption are "SERVER_TO_CLIENT".
func oracleServerResponseOK(combo []byte, hexResp string) bool {
	raw, err := hex.DecodeString(hexResp)
	if err != nil || len(raw) < 32 {
		return false
	}
	p, err := aesCBC(combo, raw, false)
	return err == nil && string(p[16:32]) == "SERVER_TO_CLIENT"
}

// o5logon holds one login's keys.
type o5logon struct {
	typ     int
	key     []byte // verifier key
	a, b    []byte // server's and client's session key halves
	combo   []byte
	speedy  []byte
	clientK string // AUTH_SESSKEY we send (hex)
	pass    string // AUTH_PASSWORD (hex)
	speedyK string // AUTH_PBKDF2_SPEEDY_KEY (hex), 12c only
}

// newO5Logon computes the client's answer to AUTH phase one's parameters.
// noPadding: the server announced O5LOGON_NP (its compile-time capability
// byte 4, bit 2): our encrypted half is sent without its padding block.
func newO5Logon(params map[string]string, typ int, user, pass string, noPadding bool) (*o5logon, error) {
	sk, err := hex.DecodeString(params["AUTH_SESSKEY"])
	if err != nil || (len(sk) != 32 && len(sk) != 48) {
		return nil, fmt.Errorf("AUTH_SESSKEY of %d hex digits", len(params["AUTH_SESSKEY"]))
	}
	salt, err := hex.DecodeString(params["AUTH_VFR_DATA"])
	if err != nil {
		return nil, fmt.Errorf("AUTH_VFR_DATA is not hex")
	}
	vgen, sder := 0, 0
	var csk []byte
	if typ == OracleVerifier12c {
		if vgen, err = strconv.Atoi(params["AUTH_PBKDF2_VGEN_COUNT"]); err != nil {
			return nil, fmt.Errorf("AUTH_PBKDF2_VGEN_COUNT %q", params["AUTH_PBKDF2_VGEN_COUNT"])
		}
		if sder, err = strconv.Atoi(params["AUTH_PBKDF2_SDER_COUNT"]); err != nil {
			return nil, fmt.Errorf("AUTH_PBKDF2_SDER_COUNT %q", params["AUTH_PBKDF2_SDER_COUNT"])
		}
		if csk, err = hex.DecodeString(params["AUTH_PBKDF2_CSK_SALT"]); err != nil || len(csk) == 0 {
			return nil, fmt.Errorf("AUTH_PBKDF2_CSK_SALT %q", params["AUTH_PBKDF2_CSK_SALT"])
		}
	}
	want := map[int]int{OracleVerifier10g: 32, OracleVerifier11g: 48, OracleVerifier11gOld: 48, OracleVerifier12c: 32}[typ]
	if want == 0 {
		return nil, fmt.Errorf("verifier type 0x%x not supported", typ)
	}
	if len(sk) != want {
		return nil, fmt.Errorf("AUTH_SESSKEY of %d bytes for verifier type 0x%x", len(sk), typ)
	}
	o := &o5logon{typ: typ}
	if o.key, o.speedy, err = OracleVerifierKey(typ, user, pass, salt, vgen); err != nil {
		return nil, err
	}
	if o.a, err = aesCBC(o.key, sk, false); err != nil {
		return nil, err
	}
	o.b = make([]byte, len(o.a))
	for {
		rand.Read(o.b)
		if !bytes.Equal(o.a, o.b) {
			break
		}
	}
	eb, err := aesCBC(o.key, o.b, true)
	if err != nil {
		return nil, err
	}
	if noPadding || typ != OracleVerifier11g && typ != OracleVerifier11gOld {
		eb = eb[:len(o.b)]
	}
	o.clientK = strings.ToUpper(hex.EncodeToString(eb))
	if o.combo, err = OracleComboKey(typ, o.a, o.b, csk, sder); err != nil {
		return nil, err
	}
	random := make([]byte, 16)
	rand.Read(random)
	ep, err := aesCBC(o.combo, append(random, pass...), true)
	if err != nil {
		return nil, err
	}
	o.pass = strings.ToUpper(hex.EncodeToString(ep))
	if typ == OracleVerifier12c {
		rand.Read(random)
		es, err := aesCBC(o.combo, append(random, o.speedy...), true)
		if err != nil {
			return nil, err
		}
		o.speedyK = strings.ToUpper(hex.EncodeToString(es[:80]))
	}
	return o, nil
}

// --- TTC messages -----------------------------------------------------------

// TTC message types.
const (
	ttcProtocol  = 1
	ttcDataTypes = 2
	ttcFunction  = 3
	ttcError     = 4
	ttcParameter = 8
	ttcStatus    = 9
	ttcWarning   = 15
	ttcPiggyback = 23
	ttcEndOfResp = 29
)

// TTC functions and authentication modes.
const (
	ttcFuncAuthPhaseOne = 0x76
	ttcFuncAuthPhaseTwo = 0x73
	ttcFuncLogoff       = 0x09
	authModeLogon       = 0x001
	authModeWithPass    = 0x100
)

// oracleFieldVersion is the TTC field version we announce (18.1 ext 1, the
// one go-ora announces); the negotiated version is the smaller of it and the
// server's. It decides the layout of error messages.
const oracleFieldVersion = 11

// oracleCompileCaps are the compile-time capabilities we announce: SQL
// version 6; logon types O5LOGON, O5LOGON without padding, O7LOGON (12c
// verifiers), long identifiers and passwords; field version; end-of-call
// status and fast session propagation (so error messages carry those
// fields); UB2 data type numbers when the server has them.
func oracleCompileCaps(server []byte) []byte {
	c := make([]byte, 41)
	c[0] = 6
	c[4] = 0x08 | 0x02 | 0x20 | 0x40 | 0x80
	c[5], c[6] = 1, 1
	c[7] = oracleFieldVersion
	for i := 8; i <= 13; i++ {
		c[i] = 1
	}
	c[15] = 0x01 | 0x08 | 0x20 // end-of-call status, indicator record, fast bit vector
	c[16] = 0x10 | 0x80        // fast session propagate, application context piggyback
	c[17], c[18], c[19] = 3, 7, 3
	c[21] = 1
	c[26] = 0x04 // zero-length null piggyback
	if len(server) > 27 && server[27] != 0 {
		c[27] = 1
	}
	c[34] = 7
	return c
}

// oracleRuntimeCaps: 8.1 compatibility, no time zone in the data type
// negotiation.
var oracleRuntimeCaps = []byte{2, 0, 0, 0, 0, 0, 0}

// oracleProtocolRequest is TTC's protocol negotiation: version 6 (8.1 and
// later), our name.
func oracleProtocolRequest() []byte {
	return append([]byte{ttcProtocol, 6, 0}, "bianque\x00"...)
}

// OracleProtocolInfo is the server's answer to the protocol negotiation.
type OracleProtocolInfo struct {
	Version      byte
	Banner       string
	Charset      int
	Flags        byte
	NCharset     int
	CompileCaps  []byte
	RuntimeCaps  []byte
	FieldVersion int // compile caps byte 7
}

// ParseOracleProtocol reads the protocol negotiation answer (message 1).
func ParseOracleProtocol(data []byte) (*OracleProtocolInfo, error) {
	r := &ttcReader{b: data}
	m, err := r.u8()
	if err != nil {
		return nil, err
	}
	if m == ttcError {
		return nil, oracleErrorFromBytes(data)
	}
	if m != ttcProtocol {
		return nil, fmt.Errorf("protocol negotiation answered with message %d", m)
	}
	p := &OracleProtocolInfo{}
	if p.Version, err = r.u8(); err != nil {
		return nil, err
	}
	if _, err = r.u8(); err != nil {
		return nil, err
	}
	end := bytes.IndexByte(data[r.i:], 0)
	if end < 0 {
		return nil, errTTCShort
	}
	p.Banner = string(data[r.i : r.i+end])
	r.i += end + 1
	b, err := r.bytes(5)
	if err != nil {
		return nil, err
	}
	p.Charset, p.Flags = int(binary.LittleEndian.Uint16(b)), b[2]
	if _, err = r.bytes(5 * int(binary.LittleEndian.Uint16(b[3:]))); err != nil {
		return nil, err
	}
	if p.Version >= 6 {
		b, err = r.bytes(2)
		if err != nil {
			return nil, err
		}
		fdo, err := r.bytes(int(binary.BigEndian.Uint16(b)))
		if err != nil {
			return nil, err
		}
		if len(fdo) > 6 {
			if ix := 6 + int(fdo[5]) + int(fdo[6]); ix+4 < len(fdo) {
				p.NCharset = int(fdo[ix+3])<<8 | int(fdo[ix+4])
			}
		}
		n, err := r.u8()
		if err != nil {
			return nil, err
		}
		if p.CompileCaps, err = r.bytes(int(n)); err != nil {
			return nil, err
		}
		if n, err = r.u8(); err != nil {
			return nil, err
		}
		if p.RuntimeCaps, err = r.bytes(int(n)); err != nil {
			return nil, err
		}
	}
	if len(p.CompileCaps) < 8 {
		return nil, fmt.Errorf("server compile-time capabilities of %d bytes", len(p.CompileCaps))
	}
	p.FieldVersion = int(p.CompileCaps[7])
	return p, nil
}

// oracleDataTypes lists the data types we describe: the external types a
// login can meet and TTC's internal types, each in its own representation
// (universal, or Oracle's for NUMBER, DATE and SB1).
func oracleDataTypes(ub2 bool) [][3]uint16 {
	const u, o = 1, 10
	out := [][3]uint16{{1, 1, u}, {2, 2, o}, {8, 8, u}, {12, 12, o}, {23, 23, u}, {24, 24, u}, {25, 25, u}, {26, 26, u},
		{27, 27, o}, {28, 28, u}, {29, 29, u}, {30, 30, u}, {31, 31, u}, {32, 32, u}, {33, 33, u}, {10, 10, u}, {11, 11, u},
		{40, 40, u}, {41, 41, u}, {117, 117, u}, {120, 120, u}}
	if !ub2 {
		return out
	}
	// Internal types are numbered from 256.
	for _, span := range [][2]uint16{{34, 38}, {42, 57}, {59, 67}, {71, 73}, {75, 75}, {77, 90}, {92, 93}, {98, 99}, {103, 103},
		{107, 107}, {124, 135}, {137, 145}, {148, 151}, {157, 177}, {193, 194}, {198, 207}, {210, 230}, {234, 246}, {253, 254}} {
		for t := span[0]; t <= span[1]; t++ {
			if t == 58 || t == 68 {
				continue
			}
			out = append(out, [3]uint16{t + 256, t + 256, u})
		}
	}
	return out
}

// oracleDataTypesRequest is the data type negotiation (message 2): client
// character sets in and out (AL32UTF8), flags, our capabilities, the types.
func oracleDataTypesRequest(caps []byte) []byte {
	w := &ttcWriter{}
	w.u8(ttcDataTypes)
	w.b = binary.LittleEndian.AppendUint16(w.b, 873)
	w.b = binary.LittleEndian.AppendUint16(w.b, 873)
	w.u8(0x01|0x02, byte(len(caps)))
	w.u8(caps...)
	w.u8(byte(len(oracleRuntimeCaps)))
	w.u8(oracleRuntimeCaps...)
	ub2 := len(caps) > 27 && caps[27] != 0
	put := func(v uint16) {
		if ub2 {
			w.b = binary.BigEndian.AppendUint16(w.b, v)
		} else {
			w.u8(byte(v))
		}
	}
	for _, t := range oracleDataTypes(ub2) {
		put(t[0])
		put(t[1])
		put(t[2])
		put(0)
	}
	put(0)
	return w.b
}

// ParseOracleDataTypes reads the server's data type list (message 2): type,
// conversion type and, when converted, representation and a zero.
func ParseOracleDataTypes(data []byte, ub2 bool) (int, error) {
	r := &ttcReader{b: data}
	m, err := r.u8()
	if err != nil {
		return 0, err
	}
	if m == ttcError {
		return 0, oracleErrorFromBytes(data)
	}
	if m != ttcDataTypes {
		return 0, fmt.Errorf("data type negotiation answered with message %d", m)
	}
	get := func() (int, error) {
		if ub2 {
			b, err := r.bytes(2)
			if err != nil {
				return 0, err
			}
			return int(binary.BigEndian.Uint16(b)), nil
		}
		b, err := r.u8()
		return int(b), err
	}
	for n := 0; ; n++ {
		t, err := get()
		if err != nil {
			return n, err
		}
		if t == 0 {
			return n, nil
		}
		conv, err := get()
		if err != nil {
			return n, err
		}
		if conv != 0 {
			if _, err := get(); err != nil {
				return n, err
			}
			if _, err := get(); err != nil {
				return n, err
			}
		}
	}
}

// oracleAuthRequest builds AUTH phase one (function 0x76: the user name and
// who we are) or two (0x73: the user name and the key/value pairs).
func oracleAuthRequest(fn, seq byte, user string, mode uint32, pairs [][3]string) []byte {
	w := &ttcWriter{}
	w.u8(ttcFunction, fn, seq)
	w.u8(1) // pointer: user name follows
	w.ub(uint64(len(user)))
	w.ub(uint64(mode))
	w.u8(1) // pointer: key/value pairs follow
	w.ub(uint64(len(pairs)))
	w.u8(1, 1) // pointers: output pairs and their count
	w.clr([]byte(user))
	for _, p := range pairs {
		f := uint32(0)
		if p[2] == "1" {
			f = 1
		}
		w.kv(p[0], p[1], f)
	}
	return w.b
}

// oracleCaps are the negotiated facts that shape the server's messages.
type oracleCaps struct {
	eocs, fsap bool // end-of-call status, fast session propagate: extra fields in errors and status
	ttc        int  // negotiated field version
	bigChunks  bool
}

func negotiatedCaps(server []byte) oracleCaps {
	c := oracleCaps{ttc: oracleFieldVersion}
	if len(server) > 7 && int(server[7]) < c.ttc {
		c.ttc = int(server[7])
	}
	c.eocs = len(server) > 15 && server[15]&1 != 0
	c.fsap = len(server) > 16 && server[16]&1 != 0
	return c
}

// OracleResponse is what a TTC response to an AUTH call carried.
type OracleResponse struct {
	Params       map[string]string
	VerifierType int  // flags of AUTH_VFR_DATA
	HasVerifier  bool // AUTH_VFR_DATA was present
	Code         int  // ORA- error number, 0 for none
	Message      string
	Warning      string
	Ended        bool // an error/summary or status message closed the response
	used         int  // bytes read when it ended
}

var oraCodeRE = regexp.MustCompile(`ORA-(\d{5})`)

// ParseOracleResponse reads the messages of one response: parameters (8),
// error or summary (4, which ends it), status (9, ends it), warnings (15),
// server piggybacks (23). It returns errTTCShort while the response is
// incomplete; a response whose error message it cannot lay out still yields
// the ORA- number found in its text.
func ParseOracleResponse(data []byte, c oracleCaps) (*OracleResponse, error) {
	res := &OracleResponse{Params: map[string]string{}}
	r := &ttcReader{b: data, bigChunks: c.bigChunks}
	for r.i < len(data) {
		m, _ := r.u8()
		var err error
		switch m {
		case ttcParameter:
			err = res.parameters(r)
		case ttcError:
			res.Ended = true
			err = res.errorMessage(r, c)
		case ttcStatus:
			res.Ended = true
			if c.eocs {
				_, err = r.ub(4)
			}
			if err == nil && c.fsap {
				_, err = r.ub(2)
			}
		case ttcWarning:
			err = res.warning(r)
		case ttcPiggyback:
			err = piggyback(r)
		case ttcEndOfResp:
			res.Ended = true
		default:
			err = fmt.Errorf("unexpected TTC message %d at byte %d", m, r.i-1)
		}
		if err != nil {
			if res.Code == 0 && !errors.Is(err, errTTCShort) {
				if mm := oraCodeRE.FindSubmatch(data); mm != nil {
					res.Code, _ = strconv.Atoi(string(mm[1]))
					res.Ended = true
				}
			}
			return res, err
		}
		if res.Ended {
			res.used = r.i
			return res, nil
		}
	}
	return res, errTTCShort
}

func (res *OracleResponse) parameters(r *ttcReader) error {
	n, err := r.ub(4)
	if err != nil {
		return err
	}
	if n > 4096 {
		return fmt.Errorf("%d key/value pairs", n)
	}
	for range n {
		k, err := r.dlc()
		if err != nil {
			return err
		}
		v, err := r.dlc()
		if err != nil {
			return err
		}
		f, err := r.ub(4)
		if err != nil {
			return err
		}
		key := strings.TrimRight(string(k), "\x00")
		res.Params[key] = string(v)
		if key == "AUTH_VFR_DATA" {
			res.VerifierType, res.HasVerifier = int(f), true
		}
	}
	return nil
}

// errorMessage reads message 4 (the error, or the call's summary when its
// number is 0), in the layout of the negotiated field version.
func (res *OracleResponse) errorMessage(r *ttcReader, c oracleCaps) error {
	ub := func(size int) (uint64, error) { return r.ub(size) }
	skip := func(sizes ...int) error {
		for _, s := range sizes {
			var err error
			if s == 1 {
				_, err = r.u8()
			} else {
				_, err = ub(s)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if c.eocs {
		if err := skip(4); err != nil {
			return err
		}
	}
	if c.ttc >= 3 && c.fsap {
		if err := skip(2); err != nil {
			return err
		}
	}
	if err := skip(4); err != nil { // current row
		return err
	}
	code, err := ub(2)
	if err != nil {
		return err
	}
	res.Code = int(code)
	// array errors, cursor, position, SQL type, fatal flag
	if err := skip(2, 2, 2, 2, 1, 1); err != nil {
		return err
	}
	if c.ttc >= 4 {
		err = skip(2, 2) // flags, user cursor options
	} else {
		err = skip(1, 1)
	}
	if err != nil {
		return err
	}
	// UPI parameter, warning flags, rowid (rba, partition, table, block,
	// slot), OS error, statement and call numbers, padding, success iterations
	if err := skip(1, 1, 4, 2, 1, 4, 2, 4, 1, 1, 2, 4); err != nil {
		return err
	}
	if _, err := r.dlc(); err != nil { // logical rowid
		return err
	}
	if c.ttc < 7 {
		for range 3 {
			if _, err := r.dlc(); err != nil {
				return err
			}
		}
	} else {
		if err := batchArray(r, 2, func() error { return skip(2) }); err != nil { // error codes
			return err
		}
		if err := batchArray(r, 4, func() error { return skip(4) }); err != nil { // row offsets
			return err
		}
		n, err := ub(2) // error messages
		if err != nil {
			return err
		}
		if n > 0 {
			if err := skip(1); err != nil {
				return err
			}
			for range n {
				if err := skip(2); err != nil {
					return err
				}
				if _, err := r.clr(); err != nil {
					return err
				}
				if err := skip(1, 1); err != nil {
					return err
				}
			}
		}
		ext, err := ub(4) // the error number, extended
		if err != nil {
			return err
		}
		if ext != 0 {
			res.Code = int(ext)
		}
		if err := skip(8); err != nil { // row count, extended
			return err
		}
	}
	if c.ttc >= 14 {
		if err := skip(4, 4); err != nil { // SQL type, server checksum (20c)
			return err
		}
	}
	if res.Code != 0 {
		msg, err := r.clr()
		if err != nil {
			return err
		}
		res.Message = strings.TrimSpace(string(msg))
	}
	return nil
}

// batchArray skips an array of batch error fields: a count, then, when not
// empty, a byte saying whether each element carries a chunk length, the
// elements and an end marker.
func batchArray(r *ttcReader, countSize int, elem func() error) error {
	n, err := r.ub(countSize)
	if err != nil || n == 0 {
		return err
	}
	first, err := r.u8()
	if err != nil {
		return err
	}
	for range n {
		if first == 0xfe {
			if _, err := r.u8(); err != nil {
				return err
			}
		}
		if err := elem(); err != nil {
			return err
		}
	}
	if first == 0xfe {
		_, err = r.u8()
	}
	return err
}

func (res *OracleResponse) warning(r *ttcReader) error {
	code, err := r.ub(2)
	if err != nil {
		return err
	}
	n, err := r.ub(2)
	if err != nil {
		return err
	}
	if _, err := r.ub(2); err != nil {
		return err
	}
	if code != 0 && n > 0 {
		msg, err := r.clr()
		if err != nil {
			return err
		}
		res.Warning = strings.TrimSpace(string(msg))
	}
	return nil
}

// piggyback skips a server-side piggyback (message 23) by its opcode.
func piggyback(r *ttcReader) error {
	op, err := r.u8()
	if err != nil {
		return err
	}
	skipUB := func(sizes ...int) error {
		for _, s := range sizes {
			if s == 1 {
				if _, err := r.u8(); err != nil {
					return err
				}
			} else if _, err := r.ub(s); err != nil {
				return err
			}
		}
		return nil
	}
	switch op {
	case 1, 3: // query cache invalidation, trace event
		return nil
	case 2: // OS pid (shared server)
		if err := skipUB(2); err != nil {
			return err
		}
		_, err := r.clr()
		return err
	case 4: // session return
		if err := skipUB(2, 1); err != nil {
			return err
		}
		n, err := r.ub(2)
		if err != nil {
			return err
		}
		if n > 0 {
			if err := skipUB(1); err != nil {
				return err
			}
			for range n {
				for range 2 {
					l, err := r.ub(2)
					if err != nil {
						return err
					}
					if l > 0 {
						if _, err := r.clr(); err != nil {
							return err
						}
					}
				}
				if err := skipUB(2); err != nil {
					return err
				}
			}
		}
		return skipUB(4, 4, 2)
	case 5: // sync: session parameters as keyword/value pairs
		if err := skipUB(2, 1); err != nil {
			return err
		}
		n, err := r.ub(2)
		if err != nil {
			return err
		}
		if err := skipUB(1); err != nil {
			return err
		}
		for range n {
			for range 2 { // text value, binary value
				l, err := r.ub(2)
				if err != nil {
					return err
				}
				if l > 0 {
					if _, err := r.clr(); err != nil {
						return err
					}
				}
			}
			if err := skipUB(2); err != nil { // keyword number
				return err
			}
		}
		return skipUB(4)
	case 7: // logical transaction id
		_, err := r.dlc()
		return err
	case 8: // application continuity replay context
		if err := skipUB(2, 1, 4, 4, 1); err != nil {
			return err
		}
		_, err := r.dlc()
		return err
	case 9: // extended sync
		return skipUB(2, 1)
	case 10: // session signature
		return skipUB(2, 1, 8, 8, 8)
	}
	return fmt.Errorf("server piggyback opcode %d", op)
}

// OracleError is an ORA- error a server answered with.
type OracleError struct {
	Code    int
	Message string
}

func (e *OracleError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("ORA-%05d", e.Code)
}

// oracleErrorFromBytes turns an error message we could not lay out into an
// OracleError by the ORA- number in its text.
func oracleErrorFromBytes(data []byte) error {
	res, _ := ParseOracleResponse(data, oracleCaps{ttc: oracleFieldVersion, eocs: true, fsap: true})
	if res != nil && res.Code != 0 {
		return &OracleError{Code: res.Code, Message: res.Message}
	}
	if m := oraCodeRE.FindSubmatch(data); m != nil {
		n, _ := strconv.Atoi(string(m[1]))
		return &OracleError{Code: n}
	}
	return fmt.Errorf("server answered with an error message we cannot read")
}
