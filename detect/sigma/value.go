package sigma

import (
	"strings"
	"unicode/utf8"
)

// TokenKind is the kind of one piece of a Sigma string value.
type TokenKind uint8

// Token kinds.
const (
	Literal     TokenKind = iota // plain text
	AnyString                    // '*': any run of characters, possibly empty
	AnyChar                      // '?': exactly one character
	Placeholder                  // %name% under the expand modifier
)

// Token is one piece of a Sigma string value.
type Token struct {
	Kind TokenKind
	Text string // the literal text, or the placeholder name
}

// String is a Sigma string value: literal text with wildcards and, under the
// expand modifier, placeholders. Adjacent literals are always merged.
type String []Token

// ParseString reads a Sigma string value. A backslash escapes '*', '?' and
// itself (and '%' when placeholders are on); before any other character it
// is a plain backslash, as the specification's escaping rules require.
func ParseString(s string, placeholders bool) String {
	var out String
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, Token{Kind: Literal, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 < len(s) {
				n := s[i+1]
				if n == '*' || n == '?' || n == '\\' || (placeholders && n == '%') {
					lit.WriteByte(n)
					i++
					continue
				}
			}
			lit.WriteByte('\\')
		case c == '*':
			flush()
			// Consecutive stars mean the same as one.
			if len(out) == 0 || out[len(out)-1].Kind != AnyString {
				out = append(out, Token{Kind: AnyString})
			}
		case c == '?':
			flush()
			out = append(out, Token{Kind: AnyChar})
		case c == '%' && placeholders:
			end := strings.IndexByte(s[i+1:], '%')
			if end <= 0 {
				lit.WriteByte('%')
				continue
			}
			name := s[i+1 : i+1+end]
			if strings.ContainsAny(name, " \t\\*?") {
				lit.WriteByte('%')
				continue
			}
			flush()
			out = append(out, Token{Kind: Placeholder, Text: name})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// Plain returns the string as plain text and whether it has no wildcards or placeholders.
func (s String) Plain() (string, bool) {
	switch len(s) {
	case 0:
		return "", true
	case 1:
		if s[0].Kind == Literal {
			return s[0].Text, true
		}
	}
	return "", false
}

// HasPlaceholders reports whether s holds a placeholder.
func (s String) HasPlaceholders() bool {
	for _, t := range s {
		if t.Kind == Placeholder {
			return true
		}
	}
	return false
}

// String renders s back in Sigma notation (wildcards and escapes), as a
// value under the expand modifier.
func (s String) String() string { return s.Render(true) }

// Render renders s in Sigma notation; with placeholders, a literal '%' is
// escaped so that ParseString(s.Render(p), p) gives s back.
func (s String) Render(placeholders bool) string {
	var b strings.Builder
	for _, t := range s {
		switch t.Kind {
		case Literal:
			for i := 0; i < len(t.Text); i++ {
				c := t.Text[i]
				if c == '*' || c == '?' || c == '\\' || (placeholders && c == '%') {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
		case AnyString:
			b.WriteByte('*')
		case AnyChar:
			b.WriteByte('?')
		case Placeholder:
			b.WriteString("%" + t.Text + "%")
		}
	}
	return b.String()
}

// normalize merges adjacent literals and star runs.
func (s String) normalize() String {
	out := make(String, 0, len(s))
	for _, t := range s {
		if t.Kind == Literal && t.Text == "" {
			continue
		}
		if n := len(out); n > 0 {
			last := &out[n-1]
			if t.Kind == Literal && last.Kind == Literal {
				last.Text += t.Text
				continue
			}
			if t.Kind == AnyString && last.Kind == AnyString {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

func (s String) startsWithStar() bool { return len(s) > 0 && s[0].Kind == AnyString }
func (s String) endsWithStar() bool   { return len(s) > 0 && s[len(s)-1].Kind == AnyString }

// withStars returns s with a leading and/or trailing '*' added when missing.
func (s String) withStars(lead, trail bool) String {
	out := make(String, 0, len(s)+2)
	if lead && !s.startsWithStar() {
		out = append(out, Token{Kind: AnyString})
	}
	out = append(out, s...)
	if trail && !s.endsWithStar() {
		out = append(out, Token{Kind: AnyString})
	}
	return out.normalize()
}

// mapLiterals applies f to every literal piece.
func (s String) mapLiterals(f func(string) string) String {
	out := make(String, len(s))
	for i, t := range s {
		if t.Kind == Literal {
			t.Text = f(t.Text)
		}
		out[i] = t
	}
	return out.normalize()
}

// windashChars are the characters the windash modifier makes interchangeable.
var windashChars = []string{"-", "/", "–", "—", "―"}

// windashVariants expands every dash or slash that starts a command-line
// flag (not preceded by a word character, followed by one: the pySigma
// reference uses the regular expression \B[-/]\b) into each of the windash
// characters. The number of variants is capped; beyond it the value is
// reported as too ambiguous.
func (s String) windashVariants(limit int) ([]String, bool) {
	// Collect flag positions across literal tokens, looking at neighbours
	// through token boundaries (wildcards count as non-word characters).
	type pos struct{ tok, off int }
	var flags []pos
	prevWord := false
	for ti, t := range s {
		if t.Kind != Literal {
			prevWord = false
			continue
		}
		for i := 0; i < len(t.Text); i++ {
			c := t.Text[i]
			if (c == '-' || c == '/') && !prevWord {
				next := byte(0)
				if i+1 < len(t.Text) {
					next = t.Text[i+1]
				} else if ti+1 < len(s) && s[ti+1].Kind == Literal && s[ti+1].Text != "" {
					next = s[ti+1].Text[0]
				}
				if isWordByte(next) {
					flags = append(flags, pos{ti, i})
				}
			}
			prevWord = isWordByte(c)
		}
	}
	if len(flags) == 0 {
		return []String{s}, true
	}
	total := 1
	for range flags {
		total *= len(windashChars)
		if total > limit {
			return nil, false
		}
	}
	out := make([]String, 0, total)
	choice := make([]int, len(flags))
	for {
		v := make(String, len(s))
		copy(v, s)
		// Rebuild the literal tokens that hold flags, back to front so offsets stay valid.
		for k := len(flags) - 1; k >= 0; k-- {
			p := flags[k]
			txt := v[p.tok].Text
			v[p.tok].Text = txt[:p.off] + windashChars[choice[k]] + txt[p.off+1:]
		}
		out = append(out, v)
		// Next combination.
		k := 0
		for k < len(choice) {
			choice[k]++
			if choice[k] < len(windashChars) {
				break
			}
			choice[k] = 0
			k++
		}
		if k == len(choice) {
			break
		}
	}
	return out, true
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf
}

// Concat joins strings into one, merging adjacent literals and stars.
func Concat(parts ...String) String {
	var all String
	for _, p := range parts {
		all = append(all, p...)
	}
	return all.normalize()
}
