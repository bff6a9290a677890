package cnvendors

import (
	"strings"
	"unicode/utf8"
)

// field is one key/value pair as the device wrote it.
type field struct {
	key, val string
}

// fields is an ordered list of pairs.
type fields []field

// get returns the value of the first field named key (exact match).
func (fs fields) get(key string) (string, bool) {
	for i := range fs {
		if fs[i].key == key {
			return fs[i].val, true
		}
	}
	return "", false
}

// str returns the value of key, "" when absent.
func (fs fields) str(key string) string {
	v, _ := fs.get(key)
	return v
}

// Quote characters Chinese devices put around values: ASCII quotes and the
// typographic ones some Windows-built agents send.
func isQuote(r rune) bool {
	switch r {
	case '"', '\'', '“', '”', '＂', '‘', '’':
		return true
	}
	return false
}

// closingQuote returns the quote that ends a value opened by q.
func closingQuote(q rune) []rune {
	switch q {
	case '“', '”':
		return []rune{'”', '“'}
	case '‘', '’':
		return []rune{'’', '‘'}
	}
	return []rune{q}
}

// unquote strips one pair of matching quotes around s.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return s
	}
	first, n := utf8.DecodeRuneInString(s)
	last, m := utf8.DecodeLastRuneInString(s)
	if n+m > len(s) || !isQuote(first) {
		return s
	}
	for _, c := range closingQuote(first) {
		if last == c {
			return s[n : len(s)-m]
		}
	}
	return s
}

// splitList splits "k1<assign>v1<sep>k2<assign>v2..." where sep is one of
// seps and assign one of assigns (both may be multi-byte, e.g. full-width
// "，" and "："). Separators inside quoted values are kept. An item without
// an assignment, or whose key is not key-like, continues the previous value
// (the value held a separator). Keys and values are trimmed and unquoted.
func splitList(s string, seps []string, assigns []string, dst fields) fields {
	start := 0
	inQuote := rune(0)
	var closers []rune
	emit := func(item string, sep string) {
		k, v, ok := cutAny(item, assigns)
		k = strings.TrimSpace(k)
		if ok && keyLike(k) {
			dst = append(dst, field{k, unquote(v)})
			return
		}
		if len(dst) > 0 {
			last := &dst[len(dst)-1]
			last.val = unquote(last.val + sep + item)
			return
		}
		if t := strings.TrimSpace(item); t != "" {
			dst = append(dst, field{"", t})
		}
	}
	prevSep := ""
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if inQuote != 0 {
			for _, c := range closers {
				if r == c {
					inQuote = 0
					break
				}
			}
			i += n
			continue
		}
		if isQuote(r) && r != '\'' && r != '‘' && r != '’' && valueStart(s, start, i) {
			inQuote = r
			closers = closingQuote(r)
			i += n
			continue
		}
		matched := ""
		for _, sep := range seps {
			if strings.HasPrefix(s[i:], sep) {
				matched = sep
				break
			}
		}
		if matched == "" {
			i += n
			continue
		}
		emit(s[start:i], prevSep)
		prevSep = matched
		i += len(matched)
		start = i
	}
	if start < len(s) {
		emit(s[start:], prevSep)
	} else if inQuote == 0 && start == len(s) && len(s) > 0 {
		// trailing separator: nothing to add
	}
	return dst
}

// valueStart reports whether position i in s starts a value: it follows an
// assignment character, possibly after spaces.
func valueStart(s string, itemStart, i int) bool {
	j := i
	for j > itemStart && s[j-1] == ' ' {
		j--
	}
	if j == itemStart {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[itemStart:j])
	return r == '=' || r == ':' || r == '：' || r == '/'
}

// cutAny cuts s at the first of the assigns.
func cutAny(s string, assigns []string) (string, string, bool) {
	best := -1
	bl := 0
	for _, a := range assigns {
		if i := strings.Index(s, a); i >= 0 && (best < 0 || i < best) {
			best, bl = i, len(a)
		}
	}
	if best < 0 {
		return s, "", false
	}
	return s[:best], s[best+bl:], true
}

// keyLike reports whether k can be a field name: not empty, short, and
// made of letters (any script), digits and a few punctuation marks.
func keyLike(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '_' || r == '-' || r == '.' || r == ' ' || r == '(' || r == ')' || r == '/' || r == '*':
		case r == '（' || r == '）':
		case r >= 0x2E80: // CJK and full-width forms
		default:
			return false
		}
	}
	return true
}

// isKeyStart and isKeyByte describe ASCII keys of space-separated lists.
func isKeyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isKeyByte(c byte) bool {
	return isKeyStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// spaceKV parses "k1=v1 k2="quoted v2" k3=v3 with spaces k4=..." : a key
// starts after whitespace (or a closing quote) and is followed by assign;
// an unquoted value runs to the next key, so values may hold spaces. Keys
// may carry an H3C-style "(1003)" code, which is dropped.
func spaceKV(s string, assign byte, dst fields) fields {
	type span struct{ ks, ke, vs int }
	var spans []span
	n := len(s)
	i := 0
	boundary := true
	for i < n {
		c := s[i]
		if boundary && isKeyStart(c) {
			j := i
			for j < n && isKeyByte(s[j]) {
				j++
			}
			ke := j
			if j < n && s[j] == '(' {
				k := j + 1
				for k < n && s[k] >= '0' && s[k] <= '9' {
					k++
				}
				if k < n && s[k] == ')' && k > j+1 {
					j = k + 1
				}
			}
			if j+2 < n && s[j] == ' ' && s[j+1] == assign && s[j+2] != ' ' {
				j++ // "srcport =80"
			}
			if j < n && s[j] == assign {
				vs := j + 1
				spans = append(spans, span{i, ke, vs})
				// skip a quoted value whole
				p := vs
				for p < n && s[p] == ' ' {
					p++
				}
				if p < n {
					r, w := utf8.DecodeRuneInString(s[p:])
					if isQuote(r) {
						end := findClose(s, p+w, closingQuote(r))
						if end >= 0 {
							i = end
							boundary = true
							continue
						}
					}
				}
				i = vs
				boundary = false
				continue
			}
		}
		boundary = c == ' ' || c == '\t' || c == '\n' || c == '\r'
		i++
	}
	for x, sp := range spans {
		end := n
		if x+1 < len(spans) {
			end = spans[x+1].ks
		}
		v := strings.TrimSpace(s[sp.vs:end])
		if r, _ := utf8.DecodeRuneInString(v); !isQuote(r) {
			// "k=v, k2=v2": the comma separates, it is not part of v
			v = strings.TrimRight(v, ",;")
		} else if t := strings.TrimRight(v, ",;"); len(t) < len(v) {
			v = strings.TrimSpace(t)
		}
		dst = append(dst, field{s[sp.ks:sp.ke], unquote(v)})
	}
	return dst
}

// findClose returns the index just past the closing quote at or after p,
// honouring backslash escapes; -1 when unclosed.
func findClose(s string, p int, closers []rune) int {
	for p < len(s) {
		if s[p] == '\\' && p+1 < len(s) {
			p += 2
			continue
		}
		r, w := utf8.DecodeRuneInString(s[p:])
		for _, c := range closers {
			if r == c {
				return p + w
			}
		}
		p += w
	}
	return -1
}

// bracketKV parses "[k1:v1] [k2:v2]" lists (Sangfor AC); values may hold
// nested brackets.
func bracketKV(s string, dst fields) fields {
	for i := 0; i < len(s); i++ {
		if s[i] != '[' {
			continue
		}
		depth := 0
		j := i
		for ; j < len(s); j++ {
			if s[j] == '[' {
				depth++
			} else if s[j] == ']' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		item := s[i+1 : min(j, len(s))]
		if k, v, ok := strings.Cut(item, ":"); ok && keyLike(k) {
			dst = append(dst, field{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
		i = j
	}
	return dst
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s, sep string) []string {
	var out []string
	start := 0
	in := false
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			in = !in
			continue
		}
		if !in && strings.HasPrefix(s[i:], sep) {
			out = append(out, s[start:i])
			i += len(sep) - 1
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// fullWidth maps full-width punctuation to ASCII for key scanning.
var fullWidth = strings.NewReplacer("：", ":", "，", ",", "；", ";", "（", "(", "）", ")", "＝", "=", "　", " ")

// nullish reports a placeholder devices write for "no value".
func nullish(v string) bool {
	switch strings.TrimSpace(v) {
	case "", "-", "--", "---", "null", "NULL", "Null", "(null)", "N/A", "n/a", "NA", "NIL", "nil", "None", "none", "NONE", "unknown", "UNKNOWN", "Unknown", "未知", "无", "any other":
		return true
	}
	return false
}
