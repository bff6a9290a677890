package creds

import (
	"encoding/hex"
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
