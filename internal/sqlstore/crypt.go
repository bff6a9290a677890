package sqlstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"bianque"
)

// encPrefix marks an encrypted column value: "enc1:" + base64(nonce ‖ sealed).
const encPrefix = "enc1:"

// fieldCrypt encrypts single column values with AES-GCM. The additional data
// binds a ciphertext to its row and column, so a value copied into another
// row or column does not decrypt.
type fieldCrypt struct{ aead cipher.AEAD }

func newFieldCrypt(key []byte) (*fieldCrypt, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, bianque.WrapError(bianque.EINVALID, err, "field encryption key must be 16, 24 or 32 bytes, got %d", len(key))
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("field encryption: %w", err)
	}
	return &fieldCrypt{aead: aead}, nil
}

// seal encrypts plain for column col of row id; "" stays "".
func (s *Store) seal(id, col, plain string) (string, error) {
	if s.crypt == nil || plain == "" {
		return plain, nil
	}
	a := s.crypt.aead
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("field encryption nonce: %w", err)
	}
	out := a.Seal(nonce, nonce, []byte(plain), []byte(col+"\x00"+id))
	return encPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open decrypts a column value written by seal. Values without the prefix
// were written before a key was configured and are returned as they are
// (the next update encrypts them).
func (s *Store) open(id, col, stored string) (string, error) {
	if !strings.HasPrefix(stored, encPrefix) {
		return stored, nil
	}
	if s.crypt == nil {
		return "", bianque.Errorf(bianque.EINTERNAL, "users.%s of %s is encrypted but no field key is configured", col, id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(stored[len(encPrefix):])
	a := s.crypt.aead
	if err != nil || len(raw) < a.NonceSize() {
		return "", bianque.Errorf(bianque.EINTERNAL, "users.%s of %s: malformed ciphertext", col, id)
	}
	plain, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte(col+"\x00"+id))
	if err != nil {
		return "", bianque.WrapError(bianque.EINTERNAL, err, "users.%s of %s does not decrypt (wrong field key?)", col, id)
	}
	return string(plain), nil
}
