package format

import "strings"

// SplitCSV splits one CSV line on sep, honouring double-quoted fields with
// "" escapes (RFC 4180). Unquoted fields share s's memory.
func SplitCSV(s string, sep byte, dst []string) []string {
	if dst == nil {
		dst = make([]string, 0, countByte(s, sep)+1)
	}
	n := len(s)
	p := 0
	for {
		if p < n && s[p] == '"' {
			p++
			var b strings.Builder
			start := p
			for p < n {
				if s[p] == '"' {
					if p+1 < n && s[p+1] == '"' {
						b.WriteString(s[start : p+1])
						p += 2
						start = p
						continue
					}
					break
				}
				p++
			}
			b.WriteString(s[start:min(p, n)])
			p++ // closing quote
			// Tolerate text after the closing quote up to the separator.
			for p < n && s[p] != sep {
				p++
			}
			dst = append(dst, b.String())
		} else {
			i := strings.IndexByte(s[p:], sep)
			if i < 0 {
				dst = append(dst, s[p:])
				return dst
			}
			dst = append(dst, s[p:p+i])
			p += i
		}
		if p >= n {
			return dst
		}
		p++ // separator
		if p == n {
			return append(dst, "")
		}
	}
}

// countByte counts c in s.
func countByte(s string, c byte) int { return strings.Count(s, byteStrings[c]) }

// byteStrings holds the one-byte strings.
var byteStrings = func() (t [256]string) {
	for i := range t {
		t[i] = string([]byte{byte(i)})
	}
	return t
}()
