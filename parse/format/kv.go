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
	if opts.Separator == 0 {
		return parseKVSpace(s, assign, dst)
	}
	return parseKVSep(s, assign, opts.Separator, dst)
}

// spaceTab marks the bytes that separate fields in whitespace mode.
var spaceTab = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// parseKVSpace is the whitespace-separated dialect (the common case, kept
// free of indirect calls).
func parseKVSpace(s string, assign byte, dst Pairs) Pairs {
	n := len(s)
	p := 0
	for p < n {
		for p < n && spaceTab[s[p]] {
			p++
		}
		if p >= n {
			break
		}
		ks := p
		for p < n && s[p] != assign && !spaceTab[s[p]] {
			p++
		}
		key := s[ks:p]
		if p >= n || s[p] != assign {
			dst = append(dst, Pair{Key: key, Bare: true})
			continue
		}
		p++ // assign
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
			for p < n && !spaceTab[s[p]] {
				p++
			}
			continue
		}
		vs := p
		for p < n && !spaceTab[s[p]] {
			p++
		}
		dst = append(dst, Pair{Key: key, Value: s[vs:p]})
	}
	return dst
}

// parseKVSep is the dialect with an explicit field separator.
func parseKVSep(s string, assign, sep byte, dst Pairs) Pairs {
	n := len(s)
	p := 0
	for p < n {
		for p < n && (s[p] == sep || spaceTab[s[p]]) {
			p++
		}
		if p >= n {
			break
		}
		ks := p
		for p < n && s[p] != assign && s[p] != sep {
			p++
		}
		key := trimSpace(s[ks:p])
		if p >= n || s[p] != assign {
			if key != "" {
				dst = append(dst, Pair{Key: key, Bare: true})
			}
			continue
		}
		p++ // assign
		for p < n && s[p] == ' ' {
			p++
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
			p++
			dst = append(dst, Pair{Key: key, Value: val})
			for p < n && s[p] != sep {
				p++
			}
			continue
		}
		vs := p
		for p < n && s[p] != sep {
			p++
		}
		dst = append(dst, Pair{Key: key, Value: trimSpace(s[vs:p])})
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
