package format

import (
	"errors"
	"strconv"
	"strings"
)

// LEEF is an IBM QRadar Log Event Extended Format record (1.0 or 2.0).
type LEEF struct {
	Version        string // "1.0" or "2.0"
	Vendor         string
	Product        string
	ProductVersion string
	EventID        string
	Delimiter      byte
	Attributes     Pairs
}

// ErrNotLEEF reports input that is not LEEF.
var ErrNotLEEF = errors.New("not a LEEF record")

// FindLEEF returns the offset of "LEEF:" in s, or -1.
func FindLEEF(s string) int { return strings.Index(s, "LEEF:") }

// ParseLEEF parses a LEEF record. s starts with "LEEF:" or directly with the
// version ("1.0|vendor|..."), as some relays strip the prefix.
func ParseLEEF(s string) (*LEEF, error) {
	s = strings.TrimPrefix(s, "LEEF:")
	var hdr [5]string
	p := 0
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s[p:], '|')
		if j < 0 {
			if i == 4 {
				hdr[i] = s[p:]
				p = len(s)
				break
			}
			return nil, ErrNotLEEF
		}
		hdr[i] = s[p : p+j]
		p += j + 1
	}
	l := &LEEF{Version: strings.TrimSpace(hdr[0]), Vendor: hdr[1], Product: hdr[2], ProductVersion: hdr[3], EventID: hdr[4], Delimiter: '\t'}
	switch l.Version {
	case "1.0", "1":
	case "2.0", "2":
		// LEEF 2.0 names its delimiter in a sixth header field: a character,
		// or its code as "x5E", "0x5E" or "^"; empty means tab.
		if j := strings.IndexByte(s[p:], '|'); j >= 0 && j <= 6 && !strings.Contains(s[p:p+j], "=") {
			if d, ok := leefDelimiter(s[p : p+j]); ok {
				l.Delimiter = d
				p += j + 1
			}
		}
	default:
		return nil, ErrNotLEEF
	}
	attrs := s[p:]
	if l.Delimiter == '\t' && strings.IndexByte(attrs, '\t') < 0 && strings.Contains(attrs, "#011") {
		// rsyslog writes control characters as #ooo.
		attrs = strings.ReplaceAll(attrs, "#011", "\t")
	}
	if l.Delimiter == '\t' && strings.IndexByte(attrs, '\t') < 0 {
		// LEEF 1.0 from senders that separate attributes with spaces.
		l.Attributes = ParseSpacedKV(attrs, nil)
		return l, nil
	}
	l.Attributes = splitDelimited(attrs, l.Delimiter, nil)
	return l, nil
}

func leefDelimiter(f string) (byte, bool) {
	switch {
	case f == "":
		return '\t', true
	case f == "\\t":
		return '\t', true
	case len(f) == 1:
		return f[0], true
	case len(f) >= 2 && (f[0] == 'x' || f[0] == 'X'):
		n, err := strconv.ParseUint(f[1:], 16, 8)
		return byte(n), err == nil
	case len(f) >= 3 && f[0] == '0' && (f[1] == 'x' || f[1] == 'X'):
		n, err := strconv.ParseUint(f[2:], 16, 8)
		return byte(n), err == nil
	}
	return 0, false
}

// splitDelimited parses "k=v<d>k=v" pairs separated by delimiter d.
func splitDelimited(s string, d byte, dst Pairs) Pairs {
	for len(s) > 0 {
		var f string
		if i := strings.IndexByte(s, d); i >= 0 {
			f, s = s[:i], s[i+1:]
		} else {
			f, s = s, ""
		}
		if f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			// A delimiter inside a value: append it to the previous field.
			if n := len(dst); n > 0 {
				dst[n-1].Value += string(d) + f
			}
			continue
		}
		dst = append(dst, Pair{Key: trimSpace(k), Value: v})
	}
	return dst
}
