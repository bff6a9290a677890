package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// TOTP generates and checks time-based one-time passwords (RFC 6238, built
// on HOTP of RFC 4226). The zero Digits, Period and Algorithm mean 6 digits,
// 30 seconds and SHA-1 — what every authenticator app supports.
type TOTP struct {
	Secret    []byte
	Digits    int
	Period    time.Duration
	Algorithm string // "SHA1", "SHA256" or "SHA512"
}

// totpEncoding is the base32 of otpauth URIs: upper case, no padding.
var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random 160-bit secret in base32 (RFC 4226 §4 asks
// for at least 128 bits and recommends 160).
func NewTOTPSecret() string { return totpEncoding.EncodeToString(RandomBytes(20)) }

// ParseTOTPSecret decodes a base32 secret, tolerating lower case, spaces and padding.
func ParseTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(s))
	b, err := totpEncoding.DecodeString(s)
	if err != nil || len(b) < 10 {
		return nil, fmt.Errorf("auth: TOTP secret is not base32 of at least 80 bits")
	}
	return b, nil
}

func (t TOTP) digits() int {
	if t.Digits <= 0 {
		return 6
	}
	return t.Digits
}

func (t TOTP) period() time.Duration {
	if t.Period <= 0 {
		return 30 * time.Second
	}
	return t.Period
}

func (t TOTP) hash() func() hash.Hash {
	switch t.Algorithm {
	case "SHA256":
		return sha256.New
	case "SHA512":
		return sha512.New
	default:
		return sha1.New
	}
}

// Step returns the time step holding at.
func (t TOTP) Step(at time.Time) int64 {
	return at.Unix() / int64(t.period()/time.Second)
}

// CodeAt returns the code of time step step (HOTP with the step as counter).
func (t TOTP) CodeAt(step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(t.hash(), t.Secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < t.digits(); i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", t.digits(), bin%mod)
}

// Code returns the code valid at at.
func (t TOTP) Code(at time.Time) string { return t.CodeAt(t.Step(at)) }

// Verify checks code at time at, allowing skew steps of clock drift either
// way, and rejecting any step at or before lastStep so that a code cannot be
// used twice (RFC 6238 §5.2). It returns the matched step.
func (t TOTP) Verify(code string, at time.Time, skew int, lastStep int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != t.digits() {
		return 0, false
	}
	now := t.Step(at)
	matched, ok := int64(0), false
	for d := -int64(skew); d <= int64(skew); d++ {
		s := now + d
		// Compare every candidate so timing does not reveal which step matched.
		if subtle.ConstantTimeCompare([]byte(t.CodeAt(s)), []byte(code)) == 1 && s > lastStep && !ok {
			matched, ok = s, true
		}
	}
	return matched, ok
}

// URI returns the otpauth:// URI that authenticator apps read from the
// enrolment QR code (Key Uri Format of Google Authenticator, used by all).
func (t TOTP) URI(issuer, account string) string {
	v := url.Values{}
	v.Set("secret", totpEncoding.EncodeToString(t.Secret))
	v.Set("issuer", issuer)
	alg := t.Algorithm
	if alg == "" {
		alg = "SHA1"
	}
	v.Set("algorithm", alg)
	v.Set("digits", fmt.Sprint(t.digits()))
	v.Set("period", fmt.Sprint(int(t.period()/time.Second)))
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	return "otpauth://totp/" + label + "?" + v.Encode()
}
