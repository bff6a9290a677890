package auth

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

var cheap = Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("PHC string %q", h)
	}
	if err := VerifyPassword(h, "correct horse battery"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	if err := VerifyPassword(h, "correct horse batterY"); err != ErrMismatch {
		t.Fatalf("wrong password: %v", err)
	}
	h2, _ := HashPassword("correct horse battery", cheap)
	if h2 == h {
		t.Fatal("two hashes of one password must differ (salt)")
	}
	if !NeedsRehash(h, DefaultArgon2) || NeedsRehash(h, cheap) {
		t.Fatal("NeedsRehash wrong")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		if err := VerifyPassword(bad, "x"); err == nil || err == ErrMismatch {
			t.Fatalf("bad hash %q: err = %v", bad, err)
		}
	}
}

// A hash made by the reference argon2 tool (phc-winner-argon2:
// echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e).
func TestPasswordReferenceHash(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	if err := VerifyPassword(ref, "password"); err != nil {
		t.Fatalf("reference hash: %v", err)
	}
	if err := VerifyPassword(ref, "passwore"); err != ErrMismatch {
		t.Fatalf("reference hash, wrong password: %v", err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short1A!": false, "alllowercaseletters": true, "lowercase12": false, "Lowercase12": true,
		"UPPER-lower": true, strings.Repeat("x", 300): false,
	} {
		if err := CheckPasswordPolicy(pw); (err == nil) != ok {
			t.Errorf("%q: err = %v, want ok=%v", pw, err, ok)
		}
	}
}

// RFC 4226 appendix D.
func TestHOTPVectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	o := TOTP{Secret: []byte("12345678901234567890")}
	for i, w := range want {
		if got := o.CodeAt(int64(i)); got != w {
			t.Errorf("counter %d: %s, want %s", i, got, w)
		}
	}
}

// RFC 6238 appendix B.
func TestTOTPVectors(t *testing.T) {
	seeds := map[string]string{
		"SHA1":   "12345678901234567890",
		"SHA256": "12345678901234567890123456789012",
		"SHA512": "1234567890123456789012345678901234567890123456789012345678901234",
	}
	tests := []struct {
		unix int64
		alg  string
		want string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	}
	for _, tc := range tests {
		o := TOTP{Secret: []byte(seeds[tc.alg]), Digits: 8, Algorithm: tc.alg}
		if got := o.Code(time.Unix(tc.unix, 0)); got != tc.want {
			t.Errorf("%s at %d: %s, want %s", tc.alg, tc.unix, got, tc.want)
		}
	}
}

func TestTOTPVerify(t *testing.T) {
	o := TOTP{Secret: []byte("12345678901234567890")}
	now := time.Unix(1111111111, 0)
	code := o.Code(now)
	step, ok := o.Verify(code, now, 1, 0)
	if !ok || step != o.Step(now) {
		t.Fatalf("current code rejected")
	}
	if _, ok := o.Verify(code, now, 1, step); ok {
		t.Fatal("a used step must be rejected (replay)")
	}
	if _, ok := o.Verify(code, now.Add(30*time.Second), 1, 0); !ok {
		t.Fatal("code of the previous step must pass with skew 1")
	}
	if _, ok := o.Verify(code, now.Add(90*time.Second), 1, 0); ok {
		t.Fatal("code three steps old must fail")
	}
	if _, ok := o.Verify("12345", now, 1, 0); ok {
		t.Fatal("short code must fail")
	}
}

func TestTOTPSecretAndURI(t *testing.T) {
	s := NewTOTPSecret()
	b, err := ParseTOTPSecret(strings.ToLower(s[:4]) + " " + s[4:])
	if err != nil || len(b) != 20 {
		t.Fatalf("parse %q: %v", s, err)
	}
	u, err := url.Parse(TOTP{Secret: b}.URI("Bianque", "ana@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != s || u.Query().Get("issuer") != "Bianque" || u.Query().Get("digits") != "6" {
		t.Fatalf("URI %s", u)
	}
	if _, err := ParseTOTPSecret("not base32!"); err == nil {
		t.Fatal("bad secret accepted")
	}
}

func TestTokens(t *testing.T) {
	a, b := NewAPIToken(), NewAPIToken()
	if a == b || !LooksLikeAPIToken(a) || LooksLikeAPIToken("bq_short") {
		t.Fatalf("tokens %q %q", a, b)
	}
	if HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 {
		t.Fatal("token hashes")
	}
	if RandomToken() == RandomToken() {
		t.Fatal("random tokens repeat")
	}
}

func BenchmarkHashPasswordDefault(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery", DefaultArgon2); err != nil {
			b.Fatal(err)
		}
	}
}
