package format

import (
	"errors"
	"strings"
)

// CEF is an ArcSight Common Event Format record.
type CEF struct {
	Version       string
	DeviceVendor  string
	DeviceProduct string
	DeviceVersion string
	SignatureID   string // Device Event Class ID
	Name          string
	Severity      string
	Extensions    Pairs
}

// ErrNotCEF reports input that is not CEF.
var ErrNotCEF = errors.New("not a CEF record")

// FindCEF returns the offset of a CEF record in s ("CEF:" or "CEF: "), or -1.
func FindCEF(s string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], "CEF:")
		if i < 0 {
			return -1
		}
		i += off
		j := i + 4
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			return i
		}
		off = i + 4
	}
}

// ParseCEF parses a CEF record. s starts with "CEF:", or (as some relays
// strip the prefix) directly with the version ("0|vendor|...").
func ParseCEF(s string) (*CEF, error) {
	c := &CEF{}
	if err := parseCEFInto(s, c); err != nil {
		return nil, err
	}
	return c, nil
}

func parseCEFInto(s string, c *CEF) error {
	if strings.HasPrefix(s, "CEF:") {
		s = s[4:]
	}
	s = strings.TrimLeft(s, " ")
	var hdr [7]string
	p := 0
	for i := 0; i < 7; i++ {
		start := p
		escaped := false
		for p < len(s) && s[p] != '|' {
			if s[p] == '\\' && p+1 < len(s) {
				escaped = true
				p++
			}
			p++
		}
		if p >= len(s) {
			if i == 6 {
				// A header without extension and without the last '|'.
				hdr[i] = s[start:p]
				break
			}
			return ErrNotCEF
		}
		f := s[start:p]
		if escaped {
			f = unescapeCEFHeader(f)
		}
		hdr[i] = f
		p++
		// Some senders repeat the separator after the version ("CEF:0||Check Point|..").
		if i == 0 && p < len(s) && s[p] == '|' && strings.Count(s[p:], "|") >= 7 {
			p++
		}
	}
	if hdr[0] == "" || len(hdr[0]) > 3 || !isDigits(strings.TrimSpace(hdr[0])) {
		return ErrNotCEF
	}
	c.Version = strings.TrimSpace(hdr[0])
	c.DeviceVendor, c.DeviceProduct, c.DeviceVersion = hdr[1], hdr[2], hdr[3]
	c.SignatureID, c.Name, c.Severity = hdr[4], hdr[5], hdr[6]
	if p < len(s) {
		c.Extensions = ParseSpacedKV(s[p:], c.Extensions[:0])
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func unescapeCEFHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isKeyByte reports bytes allowed in a CEF/LEEF extension key.
func isKeyByte(c byte) bool { return keyByteTab[c] }

// keyByteTab marks the bytes isKeyByte accepts.
var keyByteTab = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '[' || c == ']' || c == '@' || c == ':' || c == '/'
	}
	return t
}()

// ParseSpacedKV parses "k1=v 1 k2=v2" where values may contain spaces and
// a new field starts at a whitespace followed by key '='. Values are
// unescaped (\= \\ \n \r) and trimmed of surrounding whitespace. It is the
// CEF extension grammar; LEEF 1.0 senders that use spaces need it too.
func ParseSpacedKV(s string, dst Pairs) Pairs {
	// Find the key of the first field.
	p := 0
	for p < len(s) && isSpace(s[p]) {
		p++
	}
	keyStart := p
	eq := nextKeyEq(s, p)
	for eq < 0 {
		// Text before the first field (seen from some firewalls): skip it.
		for p < len(s) && !isSpace(s[p]) {
			p++
		}
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p >= len(s) {
			return dst
		}
		keyStart = p
		eq = nextKeyEq(s, p)
	}
	for eq >= 0 {
		key := s[keyStart:eq]
		vs := eq + 1
		// The value runs to the whitespace before the next "key=".
		next, nextKey := -1, -1
		for q := vs; q < len(s); q++ {
			c := s[q]
			if c == '\\' {
				q++
				continue
			}
			if isSpace(c) {
				k := q + 1
				for k < len(s) && isSpace(s[k]) {
					k++
				}
				ks := k
				for k < len(s) && isKeyByte(s[k]) {
					k++
				}
				if k > ks && k < len(s) && s[k] == '=' {
					next, nextKey = k, ks
					break
				}
				q = k - 1
			}
		}
		var val string
		if next < 0 {
			val = s[vs:]
		} else {
			val = s[vs:nextKey]
		}
		val = trimSpace(val)
		if strings.IndexByte(val, '\\') >= 0 {
			val = unescapeCEFValue(val)
		}
		dst = append(dst, Pair{Key: key, Value: val})
		eq, keyStart = next, nextKey
	}
	return dst
}

// nextKeyEq returns the offset of '=' ending a key that starts at p.
func nextKeyEq(s string, p int) int {
	k := p
	for k < len(s) && isKeyByte(s[k]) {
		k++
	}
	if k > p && k < len(s) && s[k] == '=' {
		return k
	}
	return -1
}

func unescapeCEFValue(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '=', '\\', '|':
				c = s[i+1]
				i++
			case 'n':
				c = '\n'
				i++
			case 'r':
				c = '\r'
				i++
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
