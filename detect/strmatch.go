package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"bianque/detect/sigma"
)

// mkind is how a compiled string pattern compares.
type mkind uint8

const (
	mNever    mkind = iota // matches nothing (an unresolved placeholder)
	mAny                   // '*': any value, even empty
	mEq                    // equal
	mPrefix                // x*
	mSuffix                // *x
	mContains              // *x*
	mGlob                  // anything else with wildcards
	mNull                  // YAML null: the field is absent
)

// strPattern is one compiled Sigma string value. s holds the needle in
// lower case unless the item is cased; glob holds the tokens of a general
// wildcard pattern.
type strPattern struct {
	kind  mkind
	s     string
	glob  []globTok
	num   float64 // numeric value of a number literal (isNum)
	isNum bool
}

// globTok is one token of a general wildcard pattern.
type globTok struct {
	kind sigma.TokenKind // Literal, AnyString or AnyChar
	lit  string
}

// compilePattern turns a Sigma string into a pattern. Placeholders must have
// been expanded already.
func compilePattern(s sigma.String, cased bool) strPattern {
	low := func(x string) string {
		if cased {
			return x
		}
		return lowerString(x)
	}
	// Classify the common shapes.
	switch {
	case len(s) == 0:
		return strPattern{kind: mEq}
	case len(s) == 1 && s[0].Kind == sigma.Literal:
		return strPattern{kind: mEq, s: low(s[0].Text)}
	case len(s) == 1 && s[0].Kind == sigma.AnyString:
		return strPattern{kind: mAny}
	case len(s) == 2 && s[0].Kind == sigma.Literal && s[1].Kind == sigma.AnyString:
		return strPattern{kind: mPrefix, s: low(s[0].Text)}
	case len(s) == 2 && s[0].Kind == sigma.AnyString && s[1].Kind == sigma.Literal:
		return strPattern{kind: mSuffix, s: low(s[1].Text)}
	case len(s) == 3 && s[0].Kind == sigma.AnyString && s[1].Kind == sigma.Literal && s[2].Kind == sigma.AnyString:
		return strPattern{kind: mContains, s: low(s[1].Text)}
	}
	p := strPattern{kind: mGlob}
	for _, t := range s {
		switch t.Kind {
		case sigma.Literal:
			p.glob = append(p.glob, globTok{kind: sigma.Literal, lit: low(t.Text)})
		case sigma.AnyString, sigma.AnyChar:
			p.glob = append(p.glob, globTok{kind: t.Kind})
		}
	}
	return p
}

// match tests v (lower-cased unless the pattern is cased).
func (p *strPattern) match(v string) bool {
	switch p.kind {
	case mAny:
		return true
	case mEq:
		return v == p.s
	case mPrefix:
		return strings.HasPrefix(v, p.s)
	case mSuffix:
		return strings.HasSuffix(v, p.s)
	case mContains:
		return strings.Contains(v, p.s)
	case mGlob:
		return globMatch(p.glob, v)
	}
	return false
}

// globMatch matches v against a wildcard pattern: '*' any run, '?' one rune.
// It is the classic iterative matcher that backtracks to the last star,
// jumping with strings.Index when the token after the star is a literal.
func globMatch(toks []globTok, v string) bool {
	pi, si := 0, 0
	starPi, starSi := -1, 0
	for si < len(v) {
		if pi < len(toks) {
			t := &toks[pi]
			switch t.kind {
			case sigma.AnyString:
				starPi, starSi = pi, si
				pi++
				// Jump to the next place the following literal occurs.
				if pi < len(toks) && toks[pi].kind == sigma.Literal {
					j := strings.Index(v[si:], toks[pi].lit)
					if j < 0 {
						return false
					}
					si += j
					starSi = si
				}
				continue
			case sigma.AnyChar:
				_, size := utf8.DecodeRuneInString(v[si:])
				si += size
				pi++
				continue
			default:
				if strings.HasPrefix(v[si:], t.lit) {
					si += len(t.lit)
					pi++
					continue
				}
			}
		}
		if starPi < 0 {
			return false
		}
		// Let the last star absorb one more rune and retry after it.
		_, size := utf8.DecodeRuneInString(v[starSi:])
		starSi += size
		if starSi > len(v) {
			return false
		}
		si = starSi
		pi = starPi + 1
		if pi < len(toks) && toks[pi].kind == sigma.Literal {
			j := strings.Index(v[si:], toks[pi].lit)
			if j < 0 {
				return false
			}
			si += j
			starSi = si
		}
	}
	for pi < len(toks) && toks[pi].kind == sigma.AnyString {
		pi++
	}
	return pi == len(toks)
}

// lowerString lower-cases s the way event values are lowered (per rune).
func lowerString(s string) string {
	var buf []byte
	return string(appendLower(buf, s))
}

// appendLower appends the lower-case form of s: ASCII by table, other runes
// with unicode.ToLower (never changing the rune count).
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// needsLower reports whether lowering s changes it.
func needsLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// isASCII reports whether s has only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// bytesString views b as a string without copying; b must not change while
// the string is in use (scratch buffers are only rewritten for the next event).
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
