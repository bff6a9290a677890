package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// RandomBytes returns n bytes from the operating system's CSPRNG.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // the OS RNG does not fail on supported platforms
	}
	return b
}

// RandomToken returns a URL-safe random string of 256 bits, for session
// cookies and CSRF tokens.
func RandomToken() string { return base64.RawURLEncoding.EncodeToString(RandomBytes(32)) }

// APITokenPrefix starts every API token so that secret scanners and people
// recognise one.
const APITokenPrefix = "bq_"

// NewAPIToken returns a new API token secret: "bq_" and 256 random bits.
func NewAPIToken() string {
	return APITokenPrefix + base64.RawURLEncoding.EncodeToString(RandomBytes(32))
}

// LooksLikeAPIToken reports whether s has the shape of an API token.
func LooksLikeAPIToken(s string) bool {
	return strings.HasPrefix(s, APITokenPrefix) && len(s) == len(APITokenPrefix)+43
}

// HashToken returns the hex SHA-256 of a high-entropy secret (session cookie,
// API token). A fast hash is right here: the secrets are random, 256-bit, so
// there is nothing to brute-force; only their hashes are stored.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
