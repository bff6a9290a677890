package format

import (
	"math/bits"
	"strings"
)

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

// The scanning loops below read eight bytes at a time (SWAR): a word's
// bytes that may stop the scan are flagged, the first flag is exact (later
// ones may be false), and the byte loop after it decides. Bytes of 0x80 and
// above (UTF-8) are never flagged.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load8 reads s[i:i+8] as a little-endian word (the compiler merges the
// byte loads into one).
func load8(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// ctlMask flags the bytes of w below 0x21 (whitespace and control bytes).
func ctlMask(w uint64) uint64 { return (w - lsb*0x21) &^ w & msb }

// eqMask flags the bytes of w equal to the byte broadcast in c (c = lsb*b).
func eqMask(w, c uint64) uint64 {
	x := w ^ c
	return (x - lsb) &^ x & msb
}

// parseKVSpace is the whitespace-separated dialect (the common case, kept
// free of calls but for the rare escaped value).
func parseKVSpace(s string, assign byte, dst Pairs) Pairs {
	n := len(s)
	aw := lsb * uint64(assign)
	p := 0
	for p < n {
		if spaceTab[s[p]] {
			p++
			continue
		}
		ks := p
		for p+8 <= n {
			w := load8(s, p)
			if m := ctlMask(w) | eqMask(w, aw); m != 0 {
				p += bits.TrailingZeros64(m) >> 3
				break
			}
			p += 8
		}
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
			qw := lsb * uint64(q)
			for p+8 <= n {
				w := load8(s, p)
				if m := eqMask(w, qw) | eqMask(w, lsb*'\\'); m != 0 {
					p += bits.TrailingZeros64(m) >> 3
					break
				}
				p += 8
			}
			escaped := false
			for p < n && s[p] != q {
				if s[p] == '\\' && p+1 < n {
					escaped = true
					p++
				}
				p++
			}
			val := s[vs:p]
			if escaped {
				val = unescapeQuoted(val, q)
			}
			p++ // closing quote
			dst = appendPair(dst, key, val)
			for p < n && !spaceTab[s[p]] {
				p++
			}
			continue
		}
		vs := p
		for p+8 <= n {
			if m := ctlMask(load8(s, p)); m != 0 {
				p += bits.TrailingZeros64(m) >> 3
				break
			}
			p += 8
		}
		for p < n && !spaceTab[s[p]] {
			p++
		}
		dst = appendPair(dst, key, s[vs:p])
	}
	return dst
}

// appendPair appends key=val storing the two strings one by one: while
// the collector marks, that costs two pointer barriers where appending a
// Pair value copies it with a bulk barrier.
func appendPair(dst Pairs, key, val string) Pairs {
	if len(dst) == cap(dst) {
		dst = append(dst, Pair{})
	} else {
		dst = dst[:len(dst)+1]
	}
	d := &dst[len(dst)-1]
	d.Key, d.Value, d.Bare = key, val, false
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
	const maxWords = 16
	pairs, words := 0, 0
	n := len(s)
	p := 0
	for p < n && words < maxWords {
		for p < n && s[p] == ' ' {
			p++
		}
		if p >= n {
			break
		}
		ks := p
		for p < n && kvKeyTab[s[p]] {
			p++
		}
		words++
		if p > ks && p < n && s[p] == '=' {
			pairs++
			if pairs >= minPairs && 2*pairs >= maxWords {
				return true // whatever the other words are
			}
			p++
			if p < n && s[p] == '"' {
				if j := strings.IndexByte(s[p+1:], '"'); j >= 0 {
					p += j + 2
				}
			}
		}
		for p+8 <= n {
			if m := eqMask(load8(s, p), lsb*' '); m != 0 {
				p += bits.TrailingZeros64(m) >> 3
				break
			}
			p += 8
		}
		for p < n && s[p] != ' ' {
			p++
		}
	}
	return pairs >= minPairs && pairs*2 >= words
}

// kvKeyTab marks the bytes of a key LooksLikeKV accepts: isKeyByte's but ':'.
var kvKeyTab = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isKeyByte(byte(c)) && c != ':'
	}
	return t
}()
