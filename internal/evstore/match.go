package evstore

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bianque"
	"bianque/event"
)

// Matcher decides whether a record matches the filters and free text of a
// query, reading the binary record without decoding it into an event.
type Matcher struct {
	byField map[string][]int
	filters []filter
	terms   []needle
	// prefilter are needles that must occur in the record's bytes: the
	// terms and positive filter values that cannot match a number, a
	// boolean or a time (those are not stored as text).
	prefilter []needle
	positive  uint64 // bits of the eq, prefix and exists filters
	negative  uint64 // bits of the ne filters
	all       bool
}

type filter struct {
	op bianque.FilterOp
	v  needle
}

// needle is a search string, lower-cased.
type needle struct {
	s     []byte
	ascii bool
}

func newNeedle(s string) needle {
	n := needle{s: []byte(strings.ToLower(s)), ascii: true}
	for _, c := range n.s {
		if c >= utf8.RuneSelf {
			n.ascii = false
			break
		}
	}
	return n
}

// textual reports whether s can only match a value stored as text: it has
// a character that a number, true/false or an RFC 3339 time never has.
func textual(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789.:+-eEtTzZrRuUfFaAlLsS", rune(s[i])) {
			return true
		}
	}
	return false
}

// Compile builds the matcher of filters (validated) and free text.
func Compile(filters []bianque.FieldFilter, text string) *Matcher {
	m := &Matcher{byField: map[string][]int{}}
	for i, f := range filters {
		if i >= 64 {
			break
		}
		m.filters = append(m.filters, filter{op: f.Op, v: newNeedle(f.Value)})
		m.byField[f.Field] = append(m.byField[f.Field], i)
		if f.Op == bianque.FilterNe {
			m.negative |= 1 << i
		} else {
			m.positive |= 1 << i
			if f.Op != bianque.FilterExists && f.Value != "" && textual(f.Value) {
				m.prefilter = append(m.prefilter, newNeedle(f.Value))
			}
		}
	}
	for _, t := range bianque.SplitTerms(text) {
		if len(m.terms) >= 64 {
			break
		}
		m.terms = append(m.terms, newNeedle(t))
		if textual(t) {
			m.prefilter = append(m.prefilter, newNeedle(t))
		}
	}
	m.all = len(m.filters) == 0 && len(m.terms) == 0
	return m
}

// All reports whether the matcher matches every record.
func (m *Matcher) All() bool { return m.all }

// Match reports whether the record matches.
func (m *Matcher) Match(rec []byte) bool {
	if m.all {
		return true
	}
	for _, n := range m.prefilter {
		if !containsFold(rec, n) {
			return false
		}
	}
	st := matchState{m: m, allTerms: uint64(1)<<len(m.terms) - 1}
	var num [64]byte
	var orig []byte // event.original, always the first field when present
	r := reader{b: rec}
	nf := r.uvarint()
	for i := uint64(0); i < nf && r.err == nil; i++ {
		kb, key := r.key()
		var idx []int
		if len(m.byField) > 0 {
			if kb != nil {
				idx = m.byField[string(kb)]
			} else {
				idx = m.byField[key]
			}
		}
		typ := r.byte1()
		for _, fi := range idx {
			if m.filters[fi].op == bianque.FilterExists {
				st.hit |= 1 << fi
			}
		}
		need := len(idx) > 0 || st.terms != st.allTerms
		switch typ {
		case tString, tJSON:
			v := r.bytes()
			if i == 0 && key == event.EventOriginal {
				orig = v
			}
			if need {
				st.check(idx, v)
			}
		case tSuffix:
			off := r.uvarint()
			if off > uint64(len(orig)) {
				return false
			}
			if need {
				st.check(idx, orig[off:])
			}
		case tInt:
			v := r.varint()
			if need {
				st.check(idx, strconv.AppendInt(num[:0], v, 10))
			}
		case tFloat:
			v := math.Float64frombits(r.fixed64())
			if need {
				st.check(idx, strconv.AppendFloat(num[:0], v, 'f', -1, 64))
			}
		case tTrue:
			if need {
				st.check(idx, []byte("true"))
			}
		case tFalse:
			if need {
				st.check(idx, []byte("false"))
			}
		case tTime:
			sec := r.varint()
			nsec := r.uvarint()
			if need {
				st.check(idx, time.Unix(sec, int64(nsec)).UTC().AppendFormat(num[:0], time.RFC3339Nano))
			}
		case tStrings:
			n := r.uvarint()
			for j := uint64(0); j < n && r.err == nil; j++ {
				v := r.bytes()
				if need {
					st.check(idx, v)
				}
			}
		default:
			return false
		}
		if m.negative == 0 && st.hit == m.positive && st.terms == st.allTerms {
			return true
		}
	}
	if r.err != nil {
		return false
	}
	return st.hit == m.positive && st.violated == 0 && st.terms == st.allTerms
}

type matchState struct {
	m                              *Matcher
	hit, violated, terms, allTerms uint64
}

// check compares one value of a field with the field's filters (idx) and
// the free-text terms not found yet.
func (st *matchState) check(idx []int, v []byte) {
	m := st.m
	for _, fi := range idx {
		f := &m.filters[fi]
		switch f.op {
		case bianque.FilterEq:
			if equalFold(v, f.v) {
				st.hit |= 1 << fi
			}
		case bianque.FilterNe:
			if equalFold(v, f.v) {
				st.violated |= 1 << fi
			}
		case bianque.FilterPrefix:
			if len(v) >= len(f.v.s) && equalFold(v[:len(f.v.s)], f.v) {
				st.hit |= 1 << fi
			}
		}
	}
	if st.terms != st.allTerms {
		for ti := range m.terms {
			if st.terms&(1<<ti) == 0 && containsFold(v, m.terms[ti]) {
				st.terms |= 1 << ti
			}
		}
	}
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether v equals the lower-cased needle, ignoring case.
func equalFold(v []byte, n needle) bool {
	if n.ascii {
		if len(v) != len(n.s) {
			return false
		}
		for i, c := range v {
			if lowerASCII(c) != n.s[i] {
				return false
			}
		}
		return true
	}
	return bytes.EqualFold(v, n.s)
}

// containsFold reports whether h contains the lower-cased needle, ignoring case.
func containsFold(h []byte, n needle) bool {
	s := n.s
	if len(s) == 0 {
		return true
	}
	if len(h) < len(s) {
		return false
	}
	if !n.ascii {
		if bytes.Contains(h, s) {
			return true
		}
		return bytes.Contains(bytes.ToLower(h), s)
	}
	first := s[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	last := len(h) - len(s)
	// Next candidate positions of the lower- and upper-case first byte
	// (-1: not searched yet; last+1: none left).
	nl, nu := -1, -1
	if upper == first {
		nu = last + 1
	}
	for i := 0; i <= last; {
		if nl < i {
			if j := bytes.IndexByte(h[i:last+1], first); j >= 0 {
				nl = i + j
			} else {
				nl = last + 1
			}
		}
		if nu < i {
			if j := bytes.IndexByte(h[i:last+1], upper); j >= 0 {
				nu = i + j
			} else {
				nu = last + 1
			}
		}
		i = min(nl, nu)
		if i > last {
			return false
		}
		ok := true
		for k := 1; k < len(s); k++ {
			if lowerASCII(h[i+k]) != s[k] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
		i++
	}
	return false
}
