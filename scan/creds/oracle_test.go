package creds

// Oracle cannot run on the test machines, so the O5LOGON client is tested
// three ways:
//
//   - Published vectors of the key arithmetic: the 10g DES hash (SCOTT/TIGER
//     and John the Ripper's test hashes), the 11g S: and 12c T: verifiers of
//     John the Ripper's oracle11/oracle12c formats, and — recordings of real
//     logins with a known password — John the Ripper's o5logon and o10glogon
//     test records: AUTH_SESSKEY and AUTH_VFR_DATA of 11.1/11.2 servers, the
//     full exchange (both session keys, AUTH_PASSWORD) of 12c servers holding
//     11g verifiers, and of 10g servers.
//   - Recorded server messages (testdata/oracle): an Oracle Database 23 Free
//     server's protocol negotiation answer and its AUTH phase two answer.
//   - A server written here (fakeOracle) that speaks the server side from the
//     same descriptions: it stores each account's verifier the way CREATE
//     USER does (the DES hash; SHA-1 with a 10-byte salt; PBKDF2-SHA512 and
//     SHA-512 with a 16-byte salt), encrypts its session key half with the
//     key derived from that verifier, and decrypts and checks AUTH_PASSWORD
//     (and the 12c speedy key) against the verifier, so a wrong password
//     fails. It answers with the recorded 23 Free messages where it can.

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bianque"
	"bianque/scan"
)

func recorded(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/oracle/" + name)
	if err != nil {
		t.Fatal(err)
	}
	out, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOracleVerifierVectors(t *testing.T) {
	// 10g: the DES hash. SCOTT/TIGER is the value every Oracle 10g
	// installation stored; the others are John the Ripper's oracle format tests.
	for _, tc := range []struct{ user, pass, hash string }{
		{"SCOTT", "TIGER", "F894844C34402B67"},
		{"scott", "tiger", "F894844C34402B67"},
		{"SYSTEM", "THALES", "9EEDFA0AD26C6D52"},
		{"SIMON", "A", "4F8BC1809CB2AF77"},
	} {
		if got := strings.ToUpper(hex.EncodeToString(OracleDESHash(tc.user, tc.pass))); got != tc.hash {
			t.Errorf("DES hash %s/%s = %s, want %s", tc.user, tc.pass, got, tc.hash)
		}
	}
	// 11g S: verifier "epsilon" (John the Ripper's oracle11 test): SHA-1 then
	// the 10-byte salt; the AUTH_SESSKEY key is the hash and four zeros.
	s := unhex(t, "8F2D65FB5547B71C8DA3760F10960428CD307B1C6271691FC55C1F56554A")
	key, _, err := OracleVerifierKey(OracleVerifier11g, "", "epsilon", s[20:], 0)
	if err != nil || !bytes.Equal(key[:20], s[:20]) || !bytes.Equal(key[20:], make([]byte, 4)) {
		t.Errorf("11g key %x %v", key, err)
	}
	// 12c T: verifier "epsilon" (John the Ripper's oracle12c test): 64-byte
	// SHA-512 of the PBKDF2 speedy key and the salt, then the 16-byte salt.
	tv := unhex(t, "e3243b98974159cc24fd2c9a8b30ba62e0e83b6ca2fc7c55177c3a7f82602e3bdd17ceb9b9091cf9dad672b8be961a9eac4d344bdba878edc5dcb5899f689ebd8dd1be3f67bff9813a464382381ab36b")
	key, speedy, err := OracleVerifierKey(OracleVerifier12c, "", "epsilon", tv[64:], 4096)
	if err != nil {
		t.Fatal(err)
	}
	h := sha512.Sum512(append(append([]byte{}, speedy...), tv[64:]...))
	if !bytes.Equal(h[:], tv[:64]) || !bytes.Equal(key, tv[:32]) {
		t.Errorf("12c verifier %x, want %x", h, tv[:64])
	}
	if _, _, err := OracleVerifierKey(OracleVerifier12c, "", "x", tv[64:], 50_000_000); err == nil {
		t.Error("an absurd AUTH_PBKDF2_VGEN_COUNT was accepted")
	}
}

// TestO5LogonRecordedLogins replays recorded logins with known passwords.
func TestO5LogonRecordedLogins(t *testing.T) {
	// 11.1/11.2 servers (before the CVE-2012-3137 fix) pad their 40-byte
	// session key half with eight 0x08 bytes: with the right password the
	// decryption of AUTH_SESSKEY ends with them.
	for _, tc := range []struct{ sesskey, salt, pass string }{
		{"566499330E8896301A1D2711EFB59E756D41AF7A550488D82FE7C8A418E5BE08B4052C0DC404A805C1D7D43FE3350873", "4F739806EBC1D7742BC6", "password"},
		{"3BB71A77E1DBB5FFCCC8FC8C4537F16584CB5113E4CCE3BAFF7B66D527E32D29DF5A69FA747C4E2C18C1837F750E5BA6", "4F739806EBC1D7742BC6", "password"},
		{"ED91B97A04000F326F17430A65DACB30CD1EF788E6EC310742B811E32112C0C9CC39554C9C01A090CB95E95C94140C28", "7FD52BC80AA5836695D4", "test1"},
		{"B7711CC7E805520CEAE8C1AC459F745639E6C9338F192F92204A9518B226ED39851C154CB384E4A58C444A6DF26146E4", "3D14D54520BC9E6511F4", "openwall"},
		{"76F9BBAEEA9CF70F2A660A909F85F374F16F0A4B1BE1126A062AE9F0D3268821EF361BF08EBEF392F782F2D6D0192FD6", "3D14D54520BC9E6511F4", "openwall"},
		{"C35A36EA7FF7293EF828B2BD5A2830CA28A57BF621EAE14B605D41A88FC2CF7EFE7C73495FB22F06D6D98317D63DDA71", "406813CBAEED2FD4AD23", "MDDATA"},
		{"B9AC30E3CD7E1D7C95FA17E1C62D061289C36FD5A6C45C098FF7572AB9AD2B684FB7E131E03CE1543A5A99A30D68DD13", "447BED5BE70F7067D646", "sys"},
		{"A10D52C1A432B61834F4B0D9592F55BD0DA2B440AEEE1858515A646683240D24A61F0C9366C63E93D629292B7891F44A", "878C0B92D61A594F2680", "m3ow00"},
	} {
		key, _, _ := OracleVerifierKey(OracleVerifier11g, "", tc.pass, unhex(t, tc.salt), 0)
		a, err := aesCBC(key, unhex(t, tc.sesskey), false)
		if err != nil || !bytes.Equal(a[40:], bytes.Repeat([]byte{8}, 8)) {
			t.Errorf("%s: server key half %x %v", tc.pass, a, err)
		}
		wrong, _, _ := OracleVerifierKey(OracleVerifier11g, "", tc.pass+"x", unhex(t, tc.salt), 0)
		if a, _ := aesCBC(wrong, unhex(t, tc.sesskey), false); bytes.Equal(a[40:], bytes.Repeat([]byte{8}, 8)) {
			t.Errorf("%s: a wrong password decrypts the padding", tc.pass)
		}
	}
	// Full exchanges with 12c servers holding 11g verifiers: the server's
	// and the client's AUTH_SESSKEY, AUTH_VFR_DATA and the client's
	// AUTH_PASSWORD. Our combo key must decrypt AUTH_PASSWORD to the password.
	for _, tc := range []struct{ server, salt, password, client, pass string }{
		{"4D04DBD23D103F05D9B57EB6EC14D83A0A468AB906EAC907D3A8C796573E5F34BC15F0ECBC9EAC0350A38A663A368233", "442192E518F6F43D7CF7",
			"D3963B6AAED39C231BD5C92A10C0F146CA4784D1503A9B97598B31D33406390B7CA4F8B3EE5406A54C1842E4E63D1220",
			"192AB7C9BA21C883824CF3D5BA073AC1129FD841E0AF6DF522C7EBDC52783CB8B97B792BFB6D9D743C7F4376FF0E7F93", "password1234567890"},
		{"475FEF5BD6E8BCD9972935CE0A857B0B928438B0E4662588384F164801E59373490674B58039AEA2FDBB814C2496EA35", "3D14D54520BC9E6511F4",
			"BD0B6E2FD58320CA4B0516A21EF2AF70B61E5ACFC3EE4D5D6E5C492A7932D09C",
			"80A1EADECBD79D1F70221AD8081FD201B92699151735499F42AD36A028A6A836D46AA81F0E27AC7E68CC66619F1F4D56", "openwall"},
		{"8D032D2C3AAB74E34ADABE9D4E62A3B19029DB37054665A004435DAF0B6C571A16DFE69C232923A1685414307DC01D88", "681D0B32B396420D5914",
			"EA974D3A9D7ECDC7316E03772847A9960E7DE5D86D416781072A36A6B7DBB430",
			"0B8297E48756AA562F369651C18B73A5FEAA89151787298A4116E66090B6B72535154AE28B5D29DFA8740706D74FC49A", "password"},
	} {
		key, _, _ := OracleVerifierKey(OracleVerifier11g, "", tc.pass, unhex(t, tc.salt), 0)
		a, _ := aesCBC(key, unhex(t, tc.server), false)
		b, _ := aesCBC(key, unhex(t, tc.client), false)
		combo, err := OracleComboKey(OracleVerifier11g, a, b, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := OracleDecryptPassword(combo, unhex(t, tc.password)); got != tc.pass {
			t.Errorf("11g exchange: AUTH_PASSWORD decrypts to %q (%v), want %q", got, err, tc.pass)
		}
	}
	// Full 10g exchanges (John the Ripper's o10glogon records: user, the
	// server's and the client's AUTH_SESSKEY, AUTH_PASSWORD).
	for _, tc := range []struct{ user, server, client, password, pass string }{
		{"jimf", "6DA8BE6D9713B7F9190DC0F87F1BB1BDFFE44EB1892E40915592980ECCE60AA3", "1C08586339E5806DD45CF8E6D83CC6EA2B8CDCDE7CC9F00ADF43DA0F07309090",
			"E2F3D778138213BF01FD743F2092FC976FD60AB2C9F4A1B1D9B08439325421B1", "JimF"},
		{"SESA218390", "3B16F14C3DC6048C993000E2BF543BAB489DF7BD8D6061B7274CC9E1DB743E08", "1695D5255EDF15CA6B1F14C5CB39C72C98E2CC2B62FB3224ECA5A6A6790511D4",
			"F0F64E384E567F44E9DF8D7F4C029AA59770FA75094F1C26A66C45AFA9913987", "jimf"},
		{"TESTUSER", "EEABE812530C6D4432F781DFC14A7C7F81EAE1804F340D3289732477FD351FCC", "7B244D7A1DB5ABE553FB9B7325110024911FCBE95EF99E7965A754BC41CF31C0",
			"4C5E28E66B6382117F9D41B08957A3B9E363B42760C33B44CA5D53EA90204ABE", "TESTPASS"},
	} {
		key, _, _ := OracleVerifierKey(OracleVerifier10g, tc.user, tc.pass, nil, 0)
		a, _ := aesCBC(key, unhex(t, tc.server), false)
		b, _ := aesCBC(key, unhex(t, tc.client), false)
		combo, _ := OracleComboKey(OracleVerifier10g, a, b, nil, 0)
		if got, err := OracleDecryptPassword(combo, unhex(t, tc.password)); got != tc.pass {
			t.Errorf("10g exchange %s: AUTH_PASSWORD decrypts to %q (%v), want %q", tc.user, got, err, tc.pass)
		}
	}
}

// TestOracleRecordedServerMessages parses what an Oracle Database 23 Free
// server sent.
func TestOracleRecordedServerMessages(t *testing.T) {
	p, err := ParseOracleProtocol(recorded(t, "protocol-23free.b64"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 6 || p.Banner != "Linux390x/Linux-2.4.x" || p.Charset != 873 || p.NCharset != 2000 || p.FieldVersion != 27 ||
		len(p.CompileCaps) != 54 || len(p.RuntimeCaps) != 13 || p.CompileCaps[4]&0x22 != 0x22 {
		t.Fatalf("protocol %+v", p)
	}
	c := negotiatedCaps(p.CompileCaps)
	if c.ttc != oracleFieldVersion || !c.eocs || !c.fsap {
		t.Fatalf("negotiated %+v", c)
	}
	caps := oracleCompileCaps(p.CompileCaps)
	if caps[27] != 1 || caps[7] != oracleFieldVersion {
		t.Fatalf("our caps %v", caps)
	}
	r, err := ParseOracleResponse(recorded(t, "phase2-23free.b64"), c)
	if len(r.Params) != 50 || r.Params["AUTH_VERSION_STRING"] != "- Develop, Learn, and Run for Free" || r.Params["AUTH_DBNAME"] != "FREEPDB1" ||
		r.Params["AUTH_SESSION_ID"] != "179" || r.Params["AUTH_SVR_RESPONSE"] != "61D95F99E99865BD11858F8C7724CC3CB5BF6C7CC512F340839F8D1580AD69CDF9753B600983508ACD2B9BCEFBE35CE2" {
		t.Fatalf("phase two params %d %v (%v)", len(r.Params), r.Params, err)
	}
	// The piggyback and summary that follow were laid out for the recording
	// client's field version; what we read of them must not be taken for an
	// error.
	if r.Code != 0 {
		t.Fatalf("recorded success read as ORA-%05d (%v)", r.Code, err)
	}
	if err != nil || !r.Ended || r.used != len(recorded(t, "phase2-23free.b64"))-2 {
		t.Fatalf("our layout: ended %v after %d bytes (%v)", r.Ended, r.used, err)
	}
	// In the layout the recording client negotiated (field version 20 or
	// later: two more fields in the summary), the parameters, the server
	// piggyback (session NLS settings) and the summary take up the response
	// exactly, byte for byte.
	c.ttc = 23
	all := recorded(t, "phase2-23free.b64")
	if r, err := ParseOracleResponse(all, c); err != nil || !r.Ended || r.used != len(all) || r.Code != 0 {
		t.Fatalf("recorded layout: %v %+v", err, r)
	}
}

// --- a server that speaks the server side of O5LOGON -------------------------

type oraAccount struct {
	typ             int
	user            string
	des, salt, hash []byte
	locked, expired bool
}

// newOraAccount stores what CREATE USER stores for the verifier type.
func newOraAccount(typ int, user, pass string) *oraAccount {
	a := &oraAccount{typ: typ, user: strings.ToUpper(user)}
	switch typ {
	case OracleVerifier10g:
		a.des = OracleDESHash(user, pass)
	case OracleVerifier11g:
		a.salt = make([]byte, 10)
		rand.Read(a.salt)
		h := sha1.Sum(append([]byte(pass), a.salt...))
		a.hash = h[:]
	case OracleVerifier12c:
		a.salt = make([]byte, 16)
		rand.Read(a.salt)
		sp, _ := pbkdf2.Key(sha512.New, pass, append(append([]byte{}, a.salt...), "AUTH_PBKDF2_SPEEDY_KEY"...), 4096, 64)
		h := sha512.Sum512(append(sp, a.salt...))
		a.hash = h[:]
	}
	return a
}

// key is the AUTH_SESSKEY key the server derives from the stored verifier.
func (a *oraAccount) key() []byte {
	switch a.typ {
	case OracleVerifier10g:
		return append(append([]byte{}, a.des...), make([]byte, 8)...)
	case OracleVerifier11g:
		return append(append([]byte{}, a.hash...), 0, 0, 0, 0)
	}
	return a.hash[:32]
}

// verify checks a decrypted password (and the 12c speedy key) against the
// stored verifier.
func (a *oraAccount) verify(pass string, speedy []byte) bool {
	switch a.typ {
	case OracleVerifier10g:
		return bytes.Equal(OracleDESHash(a.user, pass), a.des)
	case OracleVerifier11g:
		h := sha1.Sum(append([]byte(pass), a.salt...))
		return bytes.Equal(h[:], a.hash)
	}
	h := sha512.Sum512(append(append([]byte{}, speedy...), a.salt...))
	sp, _ := pbkdf2.Key(sha512.New, pass, append(append([]byte{}, a.salt...), "AUTH_PBKDF2_SPEEDY_KEY"...), 4096, 64)
	return bytes.Equal(h[:], a.hash) && bytes.Equal(sp, speedy)
}

type fakeOracle struct {
	t          *testing.T
	services   []string
	version    int    // highest TNS version it speaks
	protocol   []byte // its answer to the protocol negotiation
	template   []byte // the recorded phase-two answer to replay on success, if any
	breakFirst bool   // a BREAK marker before an error, as servers do when a call fails
	naRequired bool
	noVfr      bool   // a server before 11g: no AUTH_VFR_DATA
	redirect   string // answer a known service with this REDIRECT data
	accounts   map[string]*oraAccount

	mu     sync.Mutex
	events []string
}

func (f *fakeOracle) note(s string) {
	f.mu.Lock()
	f.events = append(f.events, s)
	f.mu.Unlock()
}

func (f *fakeOracle) eventLog() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.events, "|")
}

// protocol11g builds a protocol answer like an 11.2 server's in a Chinese
// hospital: ZHS16GBK, field version 6 (11.2), end-of-call status but not
// fast session propagation, no UB2 type numbers, no O5LOGON_NP.
func protocol11g() []byte {
	b := append([]byte{1, 6, 0}, "x86_64/Linux 2.4.xx\x00"...)
	b = binary.LittleEndian.AppendUint16(b, 852)
	b = append(b, 0)        // flags
	b = append(b, 0, 0)     // no character set elements
	fdo := make([]byte, 12) // fdo[5], fdo[6] = 0: the national set at 9–10
	binary.BigEndian.PutUint16(fdo[9:], 2000)
	b = binary.BigEndian.AppendUint16(b, uint16(len(fdo)))
	b = append(b, fdo...)
	caps := make([]byte, 40)
	caps[0], caps[4], caps[7], caps[15] = 6, 0x08|0x20, 6, 0x01
	b = append(append(b, byte(len(caps))), caps...)
	return append(b, 7, 2, 0, 0, 0, 0, 0, 0)
}

func (f *fakeOracle) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	s := &tnsSession{c: c, sdu: tnsSDU}
	typ, _, body, err := s.readPacket()
	if err != nil || typ != scan.TNSConnect || len(body) < 20 {
		return
	}
	clientVersion := int(binary.BigEndian.Uint16(body))
	dlen, off := int(binary.BigEndian.Uint16(body[16:])), int(binary.BigEndian.Uint16(body[18:]))
	var data string
	if off-8+dlen <= len(body) {
		data = string(body[off-8 : off-8+dlen])
	} else if typ, _, b, err := s.readPacket(); err == nil && typ == tnsPacketData && len(b) >= 2 {
		data = string(b[2:])
	}
	send := func(typ byte, body []byte) { s.writePacket(typ, body) }
	switch {
	case strings.Contains(data, "COMMAND=version"):
		send(scan.TNSRefuse, tnsPacket(scan.TNSRefuse, fmt.Sprintf(vsn19, 1189, 1189))[8:])
		return
	case !f.knows(data):
		code := 12514
		if strings.Contains(data, "(SID=") {
			code = 12505
		}
		send(scan.TNSRefuse, tnsPacket(scan.TNSRefuse, fmt.Sprintf(vsn19, code, code))[8:])
		return
	case f.redirect != "":
		send(scan.TNSRedirect, append(binary.BigEndian.AppendUint16(nil, uint16(len(f.redirect))), f.redirect...))
		return
	}
	v := min(clientVersion, f.version)
	acc := make([]byte, 37) // the ACCEPT after its 8-byte header
	binary.BigEndian.PutUint16(acc[0:], uint16(v))
	binary.BigEndian.PutUint16(acc[4:], tnsSDU)
	binary.BigEndian.PutUint16(acc[6:], 0xffff)
	binary.BigEndian.PutUint16(acc[8:], 1)
	binary.BigEndian.PutUint16(acc[12:], uint16(8+len(acc)))
	acc[14], acc[15] = nsiNADisabled, nsiNADisabled
	if f.naRequired {
		acc[14] |= nsiNARequired
	}
	binary.BigEndian.PutUint32(acc[24:], tnsSDU)
	binary.BigEndian.PutUint32(acc[28:], 0xffff)
	send(scan.TNSAccept, acc)
	if f.naRequired {
		return
	}
	s.large = v >= tnsVersionLarge
	f.ttc(s)
}

func (f *fakeOracle) knows(data string) bool {
	for _, n := range f.services {
		if strings.Contains(data, "(SID="+n+")") || strings.Contains(data, "(SERVICE_NAME="+n+")") {
			return true
		}
	}
	return false
}

// ttc runs the session after the ACCEPT: negotiation, the two AUTH calls,
// logoff.
func (f *fakeOracle) ttc(s *tnsSession) {
	var (
		c       oracleCaps
		acct    *oraAccount
		a, csk  []byte
		srvCaps []byte
	)
	if p, err := ParseOracleProtocol(f.protocol); err == nil {
		srvCaps = p.CompileCaps
	}
	reply := func(b []byte) { s.writeData(b) }
	fail := func(code int, text string) {
		if f.breakFirst {
			s.writePacket(tnsPacketMarker, []byte{1, 0, 1})
			if typ, _, b, err := s.readPacket(); err != nil || typ != tnsPacketMarker || len(b) < 3 || b[2] != 2 {
				f.note("no reset marker")
				return
			}
			s.writePacket(tnsPacketMarker, []byte{1, 0, 2})
			f.note("break")
		}
		reply(oraErrorMessage(c, code, text))
	}
	for {
		typ, _, body, err := s.readPacket()
		if err != nil {
			return
		}
		if typ != tnsPacketData || len(body) < 3 {
			f.note(fmt.Sprintf("packet type %d", typ))
			return
		}
		msg := body[2:]
		switch msg[0] {
		case ttcProtocol:
			if !bytes.HasSuffix(msg, []byte("bianque\x00")) {
				f.note("bad protocol request")
				return
			}
			reply(f.protocol)
		case ttcDataTypes:
			caps, n, err := parseDataTypesRequest(msg)
			if err != nil {
				f.note("bad data types request: " + err.Error())
				return
			}
			c = negotiatedCaps(srvCaps)
			if int(caps[7]) < c.ttc {
				c.ttc = int(caps[7])
			}
			ub2 := caps[27] != 0
			w := &ttcWriter{}
			w.u8(ttcDataTypes)
			for _, t := range oracleDataTypes(ub2)[:n] { // echo what the client described
				for _, v := range []uint16{t[0], t[1], t[2], 0} {
					if ub2 {
						w.b = binary.BigEndian.AppendUint16(w.b, v)
					} else {
						w.u8(byte(v))
					}
				}
			}
			if ub2 {
				w.u8(0, 0)
			} else {
				w.u8(0)
			}
			reply(w.b)
		case ttcFunction:
			if len(msg) < 3 {
				return
			}
			switch msg[1] {
			case ttcFuncAuthPhaseOne:
				user, _, err := parseAuthRequest(msg)
				if err != nil {
					f.note("bad phase one: " + err.Error())
					return
				}
				acct = f.accounts[strings.ToUpper(user)]
				if acct == nil { // unknown users get a made-up verifier, as real servers do
					acct = newOraAccount(f.madeUpVerifier(), user, strongPassword())
				}
				a = make([]byte, map[int]int{OracleVerifier10g: 32, OracleVerifier11g: 48, OracleVerifier12c: 32}[acct.typ])
				rand.Read(a)
				esk, _ := aesCBC(acct.key(), a, true)
				w := &ttcWriter{}
				pairs := [][3]string{{"AUTH_SESSKEY", strings.ToUpper(hex.EncodeToString(esk[:len(a)])), "0"}}
				if !f.noVfr {
					pairs = append(pairs, [3]string{"AUTH_VFR_DATA", strings.ToUpper(hex.EncodeToString(acct.salt)), fmt.Sprint(acct.typ)})
				}
				if acct.typ == OracleVerifier12c {
					csk = make([]byte, 16)
					rand.Read(csk)
					pairs = append(pairs, [][3]string{{"AUTH_PBKDF2_CSK_SALT", strings.ToUpper(hex.EncodeToString(csk)), "0"},
						{"AUTH_PBKDF2_VGEN_COUNT", "4096", "0"}, {"AUTH_PBKDF2_SDER_COUNT", "3", "0"}}...)
				}
				pairs = append(pairs, [3]string{"AUTH_GLOBALLY_UNIQUE_DBID\x00", "7633D8148E2E259AE5679C2AA50E96A5", "0"})
				w.u8(ttcParameter)
				w.ub(uint64(len(pairs)))
				for _, p := range pairs {
					var fl uint64
					fmt.Sscan(p[2], &fl)
					w.kv(p[0], p[1], uint32(fl))
				}
				reply(append(w.b, oraErrorMessage(c, 0, "")...))
			case ttcFuncAuthPhaseTwo:
				user, kv, err := parseAuthRequest(msg)
				if err != nil || acct == nil || !strings.EqualFold(user, acct.user) {
					f.note(fmt.Sprintf("bad phase two: %v", err))
					return
				}
				if acct.locked {
					f.note(acct.user + " locked")
					fail(28000, "ORA-28000: The account is locked.")
					continue
				}
				ok, combo := f.check(acct, a, csk, kv)
				if !ok {
					f.note(acct.user + " bad")
					fail(1017, "ORA-01017: invalid credential or not authorized; logon denied")
					continue
				}
				f.note(acct.user + " ok")
				if acct.expired {
					fail(28001, "ORA-28001: the password has expired")
					continue
				}
				rnd := make([]byte, 16)
				rand.Read(rnd)
				svr, _ := aesCBC(combo, append(rnd, "SERVER_TO_CLIENT"...), true)
				svrHex := strings.ToUpper(hex.EncodeToString(svr))
				if f.template != nil {
					out := append([]byte{}, f.template...)
					copy(out[1635:1731], svrHex)
					reply(out)
					continue
				}
				w := &ttcWriter{}
				w.u8(ttcParameter)
				w.ub(4)
				w.kv("AUTH_VERSION_NO", "186647040", 0)
				w.kv("AUTH_SESSION_ID", "42", 0)
				w.kv("AUTH_SERIAL_NUM", "7", 0)
				w.kv("AUTH_SVR_RESPONSE", svrHex, 0)
				reply(append(w.b, oraErrorMessage(c, 0, "")...))
			case ttcFuncLogoff:
				f.note("logoff")
				reply(oraErrorMessage(c, 0, ""))
			default:
				f.note(fmt.Sprintf("function %d", msg[1]))
				return
			}
		default:
			f.note(fmt.Sprintf("message %d", msg[0]))
			return
		}
	}
}

// madeUpVerifier is the verifier type the server invents for an unknown user:
// the newest its release knows, so the reply looks like a real account's.
func (f *fakeOracle) madeUpVerifier() int {
	switch {
	case f.noVfr:
		return OracleVerifier10g
	case f.version < 318:
		return OracleVerifier11g
	}
	return OracleVerifier12c
}

// check decrypts the client's session key half and password and checks them
// against the verifier.
func (f *fakeOracle) check(acct *oraAccount, a, csk []byte, kv map[string]string) (bool, []byte) {
	ek, err := hex.DecodeString(kv["AUTH_SESSKEY"])
	if err != nil || len(ek) < len(a) {
		f.note("bad AUTH_SESSKEY")
		return false, nil
	}
	b, err := aesCBC(acct.key(), ek, false)
	if err != nil {
		return false, nil
	}
	combo, err := OracleComboKey(acct.typ, a, b[:len(a)], csk, 3)
	if err != nil {
		return false, nil
	}
	ep, _ := hex.DecodeString(kv["AUTH_PASSWORD"])
	pass, err := OracleDecryptPassword(combo, ep)
	if err != nil {
		return false, nil
	}
	var speedy []byte
	if acct.typ == OracleVerifier12c {
		es, _ := hex.DecodeString(kv["AUTH_PBKDF2_SPEEDY_KEY"])
		if len(es) != 80 {
			f.note("bad speedy key")
			return false, nil
		}
		p, _ := aesCBC(combo, es, false)
		speedy = p[16:]
	}
	return acct.verify(pass, speedy), combo
}

// parseDataTypesRequest checks the client's data type negotiation: character
// sets, flags, capabilities, the types and their terminator.
func parseDataTypesRequest(m []byte) ([]byte, int, error) {
	r := &ttcReader{b: m, i: 1}
	h, err := r.bytes(5)
	if err != nil {
		return nil, 0, err
	}
	if binary.LittleEndian.Uint16(h) != 873 || binary.LittleEndian.Uint16(h[2:]) != 873 {
		return nil, 0, fmt.Errorf("character sets %x", h[:4])
	}
	n, _ := r.u8()
	caps, err := r.bytes(int(n))
	if err != nil || len(caps) < 28 {
		return nil, 0, fmt.Errorf("compile caps")
	}
	n, _ = r.u8()
	if _, err := r.bytes(int(n)); err != nil {
		return nil, 0, err
	}
	size := 1
	if caps[27] != 0 {
		size = 2
	}
	count := 0
	for {
		b, err := r.bytes(size)
		if err != nil {
			return nil, 0, fmt.Errorf("type list without terminator")
		}
		if b[0] == 0 && b[size-1] == 0 {
			break
		}
		if _, err := r.bytes(3 * size); err != nil {
			return nil, 0, err
		}
		count++
	}
	if r.i != len(m) {
		return nil, 0, fmt.Errorf("%d bytes after the type list", len(m)-r.i)
	}
	return caps, count, nil
}

// parseAuthRequest reads an AUTH call: the user name and the pairs.
func parseAuthRequest(m []byte) (string, map[string]string, error) {
	r := &ttcReader{b: m, i: 3}
	fields := []int{1, 4, 4, 1, 4, 1, 1}
	vals := make([]uint64, len(fields))
	for i, s := range fields {
		var err error
		if s == 1 {
			var b byte
			b, err = r.u8()
			vals[i] = uint64(b)
		} else {
			vals[i], err = r.ub(s)
		}
		if err != nil {
			return "", nil, err
		}
	}
	user, err := r.clr()
	if err != nil || uint64(len(user)) != vals[1] {
		return "", nil, fmt.Errorf("user name")
	}
	kv := map[string]string{}
	for range vals[4] {
		k, err := r.dlc()
		if err != nil {
			return "", nil, err
		}
		v, err := r.dlc()
		if err != nil {
			return "", nil, err
		}
		if _, err := r.ub(4); err != nil {
			return "", nil, err
		}
		kv[string(k)] = string(v)
	}
	if r.i != len(m) {
		return "", nil, fmt.Errorf("%d bytes after the pairs", len(m)-r.i)
	}
	want := uint64(authModeLogon)
	if m[1] == ttcFuncAuthPhaseTwo {
		want |= authModeWithPass
		if kv["AUTH_SESSKEY"] == "" || kv["AUTH_PASSWORD"] == "" {
			return "", nil, fmt.Errorf("phase two without AUTH_SESSKEY or AUTH_PASSWORD")
		}
	}
	if vals[2] != want {
		return "", nil, fmt.Errorf("auth mode 0x%x", vals[2])
	}
	return string(user), kv, nil
}

// oraErrorMessage builds message 4 (an error, or a call's summary for code
// 0) in the layout of the negotiated field version.
func oraErrorMessage(c oracleCaps, code int, text string) []byte {
	w := &ttcWriter{}
	w.u8(ttcError)
	if c.eocs {
		w.ub(0)
	}
	if c.ttc >= 3 && c.fsap {
		w.ub(0)
	}
	w.ub(0)
	w.ub(uint64(code))
	w.ub(0)
	w.ub(0)
	w.ub(0)
	w.ub(0)
	w.u8(0, 0)
	if c.ttc >= 4 {
		w.ub(0)
		w.ub(0)
	} else {
		w.u8(0, 0)
	}
	w.u8(0, 0)
	for _, s := range []int{4, 2, 1, 4, 2, 4, 1, 1, 2, 4} {
		if s == 1 {
			w.u8(0)
		} else {
			w.ub(0)
		}
	}
	w.ub(0) // logical rowid
	if c.ttc < 7 {
		w.ub(0)
		w.ub(0)
		w.ub(0)
	} else {
		w.ub(0)
		w.ub(0)
		w.ub(0)
		w.ub(uint64(code))
		w.ub(0)
	}
	if c.ttc >= 14 {
		w.ub(0)
		w.ub(0)
	}
	if code != 0 {
		w.clr([]byte(text + "\n"))
	}
	return w.b
}

// checkOracleAt runs the scan's credential check on 127.0.0.1:port.
func checkOracleAt(t *testing.T, port int, d *Dictionary) ([]*bianque.Finding, *Checker) {
	t.Helper()
	g := &scan.Guard{Scope: &bianque.ScanScope{Include: []string{"127.0.0.1"}}}
	c := &Checker{Dict: d, Delay: 5 * time.Millisecond, Timeout: 5 * time.Second}
	fs := c.Check(context.Background(), g, netip.MustParseAddr("127.0.0.1"), scan.Service{Port: port, Identity: scan.Identity{Service: "oracle"}})
	var weak []*bianque.Finding
	for _, f := range fs {
		if strings.HasPrefix(f.PluginID, "weak-credential:") {
			weak = append(weak, f)
		}
	}
	return weak, c
}

func TestOracleAccounts(t *testing.T) {
	d := dict(t, "oracle\tsystem\tmanager", "oracle\tsys\tchange_on_install", "oracle\tscott\ttiger", "oracle\tdbsnmp\tdbsnmp",
		"oracle\this\this", "oracle\tsystem\toracle")
	free23 := recorded(t, "protocol-23free.b64")
	template := recorded(t, "phase2-23free.b64")
	acc := func(accts ...*oraAccount) map[string]*oraAccount {
		m := map[string]*oraAccount{}
		for _, a := range accts {
			m[a.user] = a
		}
		return m
	}
	locked := newOraAccount(OracleVerifier12c, "system", "manager")
	locked.locked = true
	expired := newOraAccount(OracleVerifier11g, "his", "his")
	expired.expired = true
	for _, tc := range []struct {
		name    string
		srv     *fakeOracle
		want    []string
		proof   string
		events  []string // substrings the server's log must show
		maxAuth int      // at most this many phase-two checks on the server
	}{
		{"23ai, 12c verifier, weak SYSTEM", &fakeOracle{services: []string{"FREEPDB1"}, version: 318, protocol: free23, template: template,
			accounts: acc(newOraAccount(OracleVerifier12c, "system", "manager"), newOraAccount(OracleVerifier12c, "his", strongPassword()))},
			[]string{"system"}, "12c (PBKDF2/SHA-512, 0x4815) verifier on SERVICE_NAME=FREEPDB1: AUTH_SVR_RESPONSE", []string{"SYSTEM ok", "HIS bad", "logoff"}, 0},
		{"23ai, 12c verifier, strong", &fakeOracle{services: []string{"FREEPDB1"}, version: 318, protocol: free23, template: template,
			accounts: acc(newOraAccount(OracleVerifier12c, "system", strongPassword()), newOraAccount(OracleVerifier12c, "his", strongPassword()))},
			nil, "", []string{"SYSTEM bad", "HIS bad"}, 0},
		{"11.2, 11g verifier, weak SCOTT, GBK, BREAK before errors", &fakeOracle{services: []string{"ORCL"}, version: 314, protocol: protocol11g(), breakFirst: true,
			accounts: acc(newOraAccount(OracleVerifier11g, "scott", "tiger"), newOraAccount(OracleVerifier11g, "system", strongPassword()))},
			[]string{"scott"}, "11g (SHA-1, 0x1B25) verifier on SERVICE_NAME=ORCL", []string{"SCOTT ok", "SYSTEM bad", "break"}, 0},
		{"11.2, 11g verifier, strong", &fakeOracle{services: []string{"ORCL"}, version: 314, protocol: protocol11g(),
			accounts: acc(newOraAccount(OracleVerifier11g, "scott", strongPassword()))},
			nil, "", []string{"SCOTT bad"}, 0},
		{"10g verifier without AUTH_VFR_DATA, weak DBSNMP", &fakeOracle{services: []string{"ORCL"}, version: 314, protocol: protocol11g(), noVfr: true,
			accounts: acc(newOraAccount(OracleVerifier10g, "dbsnmp", "dbsnmp"), newOraAccount(OracleVerifier10g, "scott", strongPassword()))},
			[]string{"dbsnmp"}, "10g (DES, 0x939) verifier", []string{"DBSNMP ok", "SCOTT bad"}, 0},
		{"locked account stops the checks", &fakeOracle{services: []string{"XE"}, version: 318, protocol: free23, accounts: acc(locked)},
			nil, "", []string{"SYSTEM locked"}, 1},
		{"expired password is proven by ORA-28001", &fakeOracle{services: []string{"ORCL"}, version: 314, protocol: protocol11g(), accounts: acc(expired)},
			[]string{"his"}, "ORA-28001 after the password was verified", []string{"HIS ok"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.srv.t = t
			port := listen(t, tc.srv.serve)
			fs, _ := checkOracleAt(t, port, d)
			wantAccounts(t, fs, tc.want...)
			for _, f := range fs {
				if !strings.Contains(f.Evidence, tc.proof) {
					t.Fatalf("evidence %q, want %q", f.Evidence, tc.proof)
				}
				if strings.Contains(f.Evidence, "manager") || strings.Contains(f.Evidence, "tiger") || strings.Contains(f.Evidence, "dbsnmp/") {
					t.Fatalf("evidence shows the password: %q", f.Evidence)
				}
			}
			log := tc.srv.eventLog()
			for _, e := range tc.events {
				if !strings.Contains(log, e) {
					t.Fatalf("server log %q lacks %q", log, e)
				}
			}
			for _, bad := range []string{"bad protocol", "bad data types", "bad phase", "bad AUTH_SESSKEY", "bad speedy", "packet type", "message ", "function "} {
				if strings.Contains(log, bad) {
					t.Fatalf("server log %q: %s", log, bad)
				}
			}
			if tc.maxAuth > 0 && strings.Count(log, "|")+1 > tc.maxAuth {
				t.Fatalf("checks went on after the lockout: %q", log)
			}
		})
	}
	if fs, _ := checkOracleAt(t, listen(t, (&fakeOracle{services: []string{"ORCL"}, version: 318, protocol: free23}).serve), d); len(fs) != 0 {
		t.Fatalf("unknown accounts found: %+v", fs)
	}
	t.Run("severity", func(t *testing.T) {
		port := listen(t, (&fakeOracle{services: []string{"ORCL"}, version: 318, protocol: free23,
			accounts: acc(newOraAccount(OracleVerifier12c, "system", "manager"))}).serve)
		fs, _ := checkOracleAt(t, port, d)
		if len(fs) != 1 || fs[0].Severity != bianque.VulnCritical || fs[0].PluginID != "weak-credential:oracle" {
			t.Fatalf("findings %+v", fs)
		}
	})
}

func TestOracleNativeEncryptionRequired(t *testing.T) {
	srv := &fakeOracle{services: []string{"ORCL"}, version: 318, protocol: recorded(t, "protocol-23free.b64"), naRequired: true,
		accounts: map[string]*oraAccount{"SYSTEM": newOraAccount(OracleVerifier12c, "system", "manager")}}
	var conns atomic.Int32
	port := listen(t, func(c net.Conn) { conns.Add(1); srv.serve(c) })
	fs, c := checkOracleAt(t, port, dict(t, "oracle\tsystem\tmanager", "oracle\tsystem\toracle", "oracle\tscott\ttiger"))
	if len(fs) != 0 || srv.eventLog() != "" {
		t.Fatalf("findings %+v, server %q", fs, srv.eventLog())
	}
	// The version request, two probes per default SID, then one login that
	// sees the requirement and stops.
	if n := int(conns.Load()); n != 1+2*len(OracleDefaultSIDs)+1 || c.Attempts() != n {
		t.Fatalf("%d connections, %d attempts", n, c.Attempts())
	}
}

// TestOracleRedirect: a listener that hands the login to another port (a
// dispatcher) is followed once, through the scan guard; a redirect outside
// the scope is refused and nothing there is contacted.
func TestOracleRedirect(t *testing.T) {
	d := dict(t, "oracle\tsystem\tmanager", "oracle\tscott\ttiger")
	db := &fakeOracle{services: []string{"ORCL"}, version: 318, protocol: recorded(t, "protocol-23free.b64"),
		accounts: map[string]*oraAccount{"SCOTT": newOraAccount(OracleVerifier12c, "scott", "tiger")}}
	dbPort := listen(t, db.serve)
	redirect := func(host string, port int) *fakeOracle {
		return &fakeOracle{services: []string{"ORCL"}, version: 318,
			redirect: fmt.Sprintf("(ADDRESS=(PROTOCOL=tcp)(HOST=%s)(PORT=%d))\x00(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=ORCL)))", host, port)}
	}
	fs, _ := checkOracleAt(t, listen(t, redirect("127.0.0.1", dbPort).serve), d)
	wantAccounts(t, fs, "scott")

	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	defer ln.Close()
	var outside atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			outside.Add(1)
			c.Close()
		}
	}()
	fs, c := checkOracleAt(t, listen(t, redirect("127.0.0.2", ln.Addr().(*net.TCPAddr).Port).serve), d)
	if len(fs) != 0 || outside.Load() != 0 {
		t.Fatalf("findings %+v, %d connections outside the scope", fs, outside.Load())
	}
	if c.Attempts() != 1+2*len(OracleDefaultSIDs)+1 {
		t.Fatalf("%d attempts: the refused redirect must stop the checks", c.Attempts())
	}
	// A redirect to a host name is not followed.
	fs, _ = checkOracleAt(t, listen(t, redirect("db.example", dbPort).serve), d)
	if len(fs) != 0 {
		t.Fatalf("followed a redirect to a name: %+v", fs)
	}
}

// FuzzOracleTTC: whatever a server answers, the decoders return an error
// and do not panic.
func FuzzOracleTTC(f *testing.F) {
	f.Add(recorded(f, "protocol-23free.b64"))
	f.Add(recorded(f, "phase2-23free.b64"))
	f.Add(protocol11g())
	f.Add(oraErrorMessage(oracleCaps{ttc: 11, eocs: true, fsap: true}, 1017, "ORA-01017: invalid username/password; logon denied"))
	f.Add(oraErrorMessage(oracleCaps{ttc: 6, eocs: true}, 28000, "ORA-28000: the account is locked"))
	f.Add([]byte("\x02\x00\x01\x00\x01\x00\x01\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseOracleProtocol(b)
		ParseOracleDataTypes(b, true)
		ParseOracleDataTypes(b, false)
		for _, c := range []oracleCaps{{ttc: 11, eocs: true, fsap: true}, {ttc: 6, eocs: true}, {ttc: 27, eocs: true, fsap: true, bigChunks: true}, {ttc: 2}} {
			r, _ := ParseOracleResponse(b, c)
			if r != nil {
				newO5Logon(r.Params, r.VerifierType, "scott", "tiger", true)
			}
		}
		ParseTNSAccept(b)
		ParseTNSRedirect(string(b))
		oracleErrorFromBytes(b)
	})
}
