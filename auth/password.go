// Package auth holds the credential primitives of the platform: argon2id
// password hashes in PHC string format, TOTP one-time codes (RFC 6238) with
// their otpauth:// enrolment URIs, and the random secrets behind session
// cookies, CSRF tokens and API tokens, of which only hashes are stored.
// The login flow that uses them lives in the service package.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost parameters of argon2id.
type Argon2Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32
	KeyLen      uint32
}

// DefaultArgon2 follows the second recommendation of RFC 9106 §4 (64 MiB,
// three passes, four lanes): about 100 ms per hash on a server core.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 4, SaltLen: 16, KeyLen: 32}

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("auth: password does not match")

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password under p:
// $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ParsePHC reads the parameters, salt and key of an argon2id PHC string.
func ParsePHC(phc string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("auth: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("auth: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil {
		return p, nil, nil, fmt.Errorf("auth: bad argon2 parameters %q: %w", parts[3], err)
	}
	if p.Memory == 0 || p.Iterations == 0 || p.Parallelism == 0 || p.Memory > 4<<20 || p.Iterations > 100 {
		return p, nil, nil, fmt.Errorf("auth: argon2 parameters out of range %q", parts[3])
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("auth: bad salt: %w", err)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, errors.New("auth: bad key")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword checks password against a PHC string in constant time. It
// returns ErrMismatch for a wrong password and another error for a bad hash.
func VerifyPassword(phc, password string) error {
	p, salt, key, err := ParsePHC(phc)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// NeedsRehash reports whether a hash was made with weaker parameters than p,
// so that it can be upgraded at the next successful login.
func NeedsRehash(phc string, p Argon2Params) bool {
	q, _, _, err := ParsePHC(phc)
	return err != nil || q.Memory < p.Memory || q.Iterations < p.Iterations || q.KeyLen < p.KeyLen
}

// CheckPasswordPolicy enforces the minimum a password must meet: at least 10
// characters, not all of one class. Longer passphrases need no symbols.
func CheckPasswordPolicy(password string) error {
	n := len([]rune(password))
	if n < 10 {
		return errors.New("password must be at least 10 characters")
	}
	if n > 256 {
		return errors.New("password must be at most 256 characters")
	}
	if n < 16 {
		var lower, upper, digit, other bool
		for _, r := range password {
			switch {
			case r >= 'a' && r <= 'z':
				lower = true
			case r >= 'A' && r <= 'Z':
				upper = true
			case r >= '0' && r <= '9':
				digit = true
			default:
				other = true
			}
		}
		classes := 0
		for _, b := range []bool{lower, upper, digit, other} {
			if b {
				classes++
			}
		}
		if classes < 3 {
			return errors.New("a password shorter than 16 characters must mix three of: lower case, upper case, digits, symbols")
		}
	}
	return nil
}
