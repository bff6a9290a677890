package format

import "strings"

// KVOptions describes a key/value dialect.
type KVOptions struct {
	// Assign separates a key from its value; '=' when zero.
	Assign byte
	// Separator separates fields; whitespace when zero. With a separator
	// other than whitespace, the whitespace around fields is dropped.
	Separator byte
}

// ParseKV parses `k1=v1 k2="quoted value" FLAG k3=` and returns the fields
// in order. Quoted values (double or single quotes) may hold separators and
// backslash-escaped quotes; an unquoted value runs to the next separator.
// Tokens without an assignment are returned as Bare fields.
func ParseKV(s string, opts KVOptions, dst Pairs) Pairs {
	assign := opts.Assign
	if assign == 0 {
		assign = '='
	}
	sep := opts.Separator
	isSep := func(c byte) bool {
		if sep == 0 {
			return isSpace(c)
		}
		return c == sep
	}
	n := len(s)
	p := 0
	for p < n {
		for p < n && (isSep(s[p]) || isSpace(s[p])) {
			p++
		}
		if p >= n {
			break
		}
		ks := p
		for p < n && s[p] != assign && !isSep(s[p]) && !(sep == 0 && isSpace(s[p])) {
			p++
		}
		key := s[ks:p]
		if p >= n || s[p] != assign {
			if sep != 0 {
				key = trimSpace(key)
			}
			if key != "" {
				dst = append(dst, Pair{Key: key, Bare: true})
			}
			continue
		}
		if sep != 0 {
			key = trimSpace(key)
		}
		p++ // assign
		if sep != 0 {
			for p < n && s[p] == ' ' {
				p++
			}
		}
		if p < n && (s[p] == '"' || s[p] == '\'') {
			q := s[p]
			p++
			vs := p
			escaped := false
			for p < n && s[p] != q {
				if s[p] == '\\' && p+1 < n {
					escaped = true
					p++
				}
				p++
			}
			val := s[vs:min(p, n)]
			if escaped {
				val = unescapeQuoted(val, q)
			}
			p++ // closing quote
			dst = append(dst, Pair{Key: key, Value: val})
			// Anything glued to the closing quote belongs to no field.
			for p < n && !isSep(s[p]) && !(sep == 0 && isSpace(s[p])) {
				p++
			}
			continue
		}
		vs := p
		for p < n && !isSep(s[p]) {
			p++
		}
		val := s[vs:p]
		if sep != 0 {
			val = trimSpace(val)
		}
		dst = append(dst, Pair{Key: key, Value: val})
	}
	return dst
}

func unescapeQuoted(s string, q byte) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// LooksLikeKV reports whether s reads as key=value fields: at least minPairs
// tokens of the form key=... among its first fields, and most tokens so.
func LooksLikeKV(s string, minPairs int) bool {
	pairs, words := 0, 0
	p := 0
	for p < len(s) && words < 16 {
		for p < len(s) && s[p] == ' ' {
			p++
		}
		if p >= len(s) {
			break
		}
		ks := p
		for p < len(s) && isKeyByte(s[p]) && s[p] != ':' {
			p++
		}
		words++
		if p > ks && p < len(s) && s[p] == '=' {
			pairs++
			p++
			if p < len(s) && s[p] == '"' {
				if j := strings.IndexByte(s[p+1:], '"'); j >= 0 {
					p += j + 2
				}
			}
		}
		for p < len(s) && s[p] != ' ' {
			p++
		}
	}
	return pairs >= minPairs && pairs*2 >= words
}
