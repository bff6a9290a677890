package creds

import (
	"encoding/hex"
	"fmt"

	"bianque/scan"
	"testing"
)

// TestNTLMv2Vector checks the NTLMv2 computation against the worked example
// of MS-NLMP section 4.2.4 (user "User", domain "Domain", password
// "Password", server challenge 0123456789abcdef, client challenge aa×8,
// time 0): NTProofStr 68cd0ab851e51c96aabc927bebef6a1c.
func TestNTLMv2Vector(t *testing.T) {
	sc, _ := hex.DecodeString("0123456789abcdef")
	nonce, _ := hex.DecodeString("aaaaaaaaaaaaaaaa")
	ti, _ := hex.DecodeString("02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000")
	got := NTLMv2Response("User", "Domain", "Password", sc, ti, 0, nonce)
	if hex.EncodeToString(got[:16]) != "68cd0ab851e51c96aabc927bebef6a1c" {
		t.Fatalf("NTProofStr %x", got[:16])
	}
}

// TestVNCResponseVector: RFB VNC authentication encrypts the challenge with
// DES keyed by the bit-reversed password; an all-zero challenge with the
// password "password" is a fixed value any VNC server computes alike.
func TestVNCResponseVector(t *testing.T) {
	a, err := VNCResponse("password", make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := VNCResponse("passwordEXTRA", make([]byte, 16)) // RFB uses 8 bytes
	if hex.EncodeToString(a) != hex.EncodeToString(b) || a[0] == 0 && a[1] == 0 {
		t.Fatalf("%x %x", a, b)
	}
}

func FuzzParseMySQLHandshake(f *testing.F) {
	f.Add([]byte("\x0a5.5.5-10.11.19-MariaDB-0+deb12u1\x00\x08\x00\x00\x00abcdefgh\x00\xfe\xf7\x2d\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00ijklmnopqrst\x00mysql_native_password\x00"))
	f.Add([]byte("\xff\x69\x04Host is not allowed"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseMySQLHandshake(b)
	})
}

func FuzzParseDictionary(f *testing.F) {
	f.Add("ssh\troot\troot\t# CVE-2010-5306\n*\tadmin\t<empty>\nuser\tpass\n")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDictionary(s, "fuzz")
		if err == nil {
			d.For("ssh")
			d.For("vnc")
		}
	})
}

func TestBuiltInDictionaries(t *testing.T) {
	d := BuiltIn()
	ssh := d.For("ssh")
	found := false
	for _, c := range ssh {
		if c.User == "root" && c.Pass == "#bigguy" && c.Source == "CVE-2010-5306 GE Optima CT680/CT540/CT640/CT520" {
			found = true
		}
	}
	if !found || len(ssh) < 20 {
		t.Fatalf("ssh dictionary: %d entries, GE CT default present %v", len(ssh), found)
	}
	for _, c := range d.For("vnc") {
		if c.User != "" {
			t.Fatalf("vnc entry with a user: %+v", c)
		}
	}
	if tc := d.For("tomcat"); len(tc) == 0 || tc[0].User != "tomcat" {
		t.Fatalf("tomcat defaults first: %+v", tc)
	}
}

// FuzzTDSLoginResponse: the token stream of a LOGIN7 answer, seeded with the
// [MS-TDS] 4.4 example and a failed login.
func FuzzTDSLoginResponse(f *testing.F) {
	resp := hexBytes(f, tdsLoginResponseSpec)
	f.Add(resp[8:])
	f.Add(append(tdsErrorToken(18456, 1, 14, "Login failed for user 'sa'.", "MSSQL"), 0xfd, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseTDSLoginResponse(b)
		ParseTDSPrelogin(b)
	})
}

// FuzzMongoReply: OP_MSG and OP_REPLY bodies and BSON documents.
func FuzzMongoReply(f *testing.F) {
	doc, _ := appendBSON(nil, bsonD{{"ok", 0.0}, {"errmsg", "Authentication failed."}, {"code", int32(18)}, {"list", []any{"a", int64(2)}}, {"p", []byte("v=x")}})
	f.Add(append([]byte{0, 0, 0, 0, 0}, doc...))
	f.Add(append(make([]byte, 20), doc...))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseMongoReply(opMsg, b)
		parseMongoReply(opReply, b)
		decodeBSON(b)
	})
}

// FuzzTNS: listener answers.
func FuzzTNS(f *testing.F) {
	f.Add(tnsPacket(scan.TNSRefuse, fmt.Sprintf(vsn19, 12505, 12505)))
	f.Add(tnsPacket(scan.TNSAccept, ""))
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, _, err := scan.ParseTNS(b); err == nil {
			scan.TNSVersion(p.Data)
			scan.TNSError(p.Data)
		}
		scan.Identify(1521, b)
	})
}
