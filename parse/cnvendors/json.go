package cnvendors

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonFields reads the JSON object starting at s (leading text before the
// first '{' or '[' is skipped) and appends its leaves as dotted paths.
// It is lenient the way device output needs: typographic quotes (“ ” and
// full-width ：，), unquoted values (`"sev":MID`), stray spaces in keys,
// and truncated input (what was read is kept). Array elements share their
// parent's path. Values are kept as text; nested JSON inside a string is
// left as a string.
func jsonFields(s string, dst fields) (fields, bool) {
	// Start at the first object; an array of objects ("[{…}]") is taken
	// whole, a "[bracketed]" prefix is not.
	i := strings.IndexByte(s, '{')
	if i < 0 {
		return dst, false
	}
	if j := strings.IndexByte(s, '['); j >= 0 && j < i && strings.TrimSpace(s[j+1:i]) == "" {
		i = j
	}
	p := &jsonReader{s: s, i: i, dst: dst}
	p.value("", 0)
	return p.dst, p.objects > 0
}

type jsonReader struct {
	s       string
	i       int
	dst     fields
	objects int
}

const maxJSONDepth = 32

func (p *jsonReader) ws() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			p.i++
			continue
		}
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(p.s[p.i:])
			if r == '　' || r == '\u00a0' || r == '\ufeff' {
				p.i += n
				continue
			}
		}
		return
	}
}

// sep consumes a ',' or '，'; it reports whether one was found.
func (p *jsonReader) sep() bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		return true
	}
	if strings.HasPrefix(p.s[p.i:], "，") {
		p.i += len("，")
		return true
	}
	return false
}

func (p *jsonReader) colon() bool {
	p.ws()
	if p.i < len(p.s) && (p.s[p.i] == ':' || p.s[p.i] == '=') {
		p.i++
		return true
	}
	if strings.HasPrefix(p.s[p.i:], "：") {
		p.i += len("：")
		return true
	}
	return false
}

func (p *jsonReader) value(path string, depth int) {
	p.ws()
	if p.i >= len(p.s) {
		return
	}
	switch c := p.s[p.i]; {
	case c == '{':
		if depth >= maxJSONDepth {
			p.skipBare()
			return
		}
		p.object(path, depth+1)
	case c == '[':
		if depth >= maxJSONDepth {
			p.skipBare()
			return
		}
		p.array(path, depth+1)
	default:
		r, _ := utf8.DecodeRuneInString(p.s[p.i:])
		if isQuote(r) && r != '\'' {
			s := p.str()
			p.emit(path, s)
			return
		}
		v := p.bare()
		if v == "null" {
			return
		}
		p.emit(path, v)
	}
}

func (p *jsonReader) emit(path, v string) {
	if path == "" {
		return
	}
	p.dst = append(p.dst, field{path, v})
}

func (p *jsonReader) object(path string, depth int) {
	p.i++ // {
	p.objects++
	for {
		p.ws()
		if p.i >= len(p.s) {
			return
		}
		if p.s[p.i] == '}' {
			p.i++
			return
		}
		if p.sep() {
			continue
		}
		var key string
		r, _ := utf8.DecodeRuneInString(p.s[p.i:])
		if isQuote(r) {
			key = p.str()
		} else {
			key = p.bareKey()
			if key == "" {
				// Unreadable: give up on this object.
				p.skipBare()
				if p.i < len(p.s) && p.s[p.i] != '}' && p.s[p.i] != ',' {
					p.i++
				}
				continue
			}
		}
		key = strings.TrimSpace(key)
		if !p.colon() {
			continue
		}
		sub := key
		if path != "" {
			sub = path + "." + key
		}
		p.value(sub, depth)
	}
}

func (p *jsonReader) array(path string, depth int) {
	p.i++ // [
	for {
		p.ws()
		if p.i >= len(p.s) {
			return
		}
		if p.s[p.i] == ']' {
			p.i++
			return
		}
		if p.sep() {
			continue
		}
		before := p.i
		p.value(path, depth)
		if p.i == before {
			p.i++
		}
	}
}

// str reads a quoted string (the opening quote at p.i).
func (p *jsonReader) str() string {
	q, n := utf8.DecodeRuneInString(p.s[p.i:])
	closers := closingQuote(q)
	p.i += n
	start := p.i
	var b *strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '\\' && p.i+1 < len(p.s) {
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(p.s[start:p.i])
			}
			p.escape(b)
			continue
		}
		r, w := utf8.DecodeRuneInString(p.s[p.i:])
		for _, cl := range closers {
			if r == cl {
				p.i += w
				if b != nil {
					return b.String()
				}
				return p.s[start : p.i-w]
			}
		}
		if b != nil {
			b.WriteString(p.s[p.i : p.i+w])
		}
		p.i += w
	}
	if b != nil {
		return b.String()
	}
	return p.s[start:]
}

func (p *jsonReader) escape(b *strings.Builder) {
	e := p.s[p.i+1]
	p.i += 2
	switch e {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'u':
		if p.i+4 <= len(p.s) {
			if v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32); err == nil {
				p.i += 4
				r := rune(v)
				if utf8Surrogate(r) && p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					if v2, err := strconv.ParseUint(p.s[p.i+2:p.i+6], 16, 32); err == nil {
						r = combineSurrogates(r, rune(v2))
						p.i += 6
					}
				}
				b.WriteRune(r)
				return
			}
		}
		b.WriteString(`\u`)
	default:
		b.WriteByte(e)
	}
}

func utf8Surrogate(r rune) bool { return r >= 0xd800 && r < 0xdc00 }

func combineSurrogates(hi, lo rune) rune {
	if lo < 0xdc00 || lo >= 0xe000 {
		return utf8.RuneError
	}
	return (hi-0xd800)<<10 | (lo - 0xdc00) + 0x10000
}

// bare reads an unquoted value up to the next separator or closer.
func (p *jsonReader) bare() string {
	start := p.i
	p.skipBare()
	return strings.TrimSpace(p.s[start:p.i])
}

func (p *jsonReader) skipBare() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ',' || c == '}' || c == ']' {
			return
		}
		if strings.HasPrefix(p.s[p.i:], "，") {
			return
		}
		p.i++
	}
}

// bareKey reads an unquoted key up to ':'.
func (p *jsonReader) bareKey() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ':' || c == ',' || c == '}' || c == '{' || c == '[' || c == ']' {
			break
		}
		if strings.HasPrefix(p.s[p.i:], "：") {
			break
		}
		p.i++
	}
	k := strings.TrimSpace(p.s[start:p.i])
	if !keyLike(k) {
		return ""
	}
	return k
}
