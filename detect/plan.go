package detect

import (
	"regexp/syntax"
	"slices"

	"bianque/detect/internal/ahocorasick"
	"bianque/detect/logsource"
)

// classPlan is what one event class needs: the rules of its log source, the
// event keys of every field, and the prefilter automata.
type classPlan struct {
	cls    *logsource.Class
	keys   [][]string // by field ID
	rules  []int32    // every rule of the class's log source
	always []int32    // those without needles, evaluated on every event
	scans  []fieldScan
	// keyFid maps the event keys of scanned fields to their field ID: the
	// keyword pass skips values a field automaton (which also holds the
	// ASCII keyword needles) has already scanned.
	keyFid map[string]int32
}

// fieldScan is the prefilter of one field: an automaton over the needles of
// every rule on that field, reporting rule indices. nonASCII automata hold
// the needles with non-ASCII bytes and only scan values that have some.
type fieldScan struct {
	fid      int32
	ac       *ahocorasick.Matcher
	nonASCII bool
}

func (rs *RuleSet) buildPlan(cls *logsource.Class) *classPlan {
	p := &classPlan{cls: cls, keys: make([][]string, len(rs.fields))}
	for fid, f := range rs.fields {
		p.keys[fid] = cls.Keys(f)
	}
	type acc struct {
		needles  []string
		payloads []int32
	}
	byField := map[int32]*acc{}
	for _, r := range rs.rules {
		if !cls.Applies(r.ls) {
			continue
		}
		p.rules = append(p.rules, r.idx)
		if r.unfiltered || rs.engine.noPrefilter {
			p.always = append(p.always, r.idx)
			continue
		}
		for _, n := range r.needles {
			// Non-ASCII needles get their own automaton (key fid*2+1).
			k := n.fid * 2
			if !isASCII(n.s) {
				k++
			}
			a := byField[k]
			if a == nil {
				a = &acc{}
				byField[k] = a
			}
			text := n.s
			if len(text) > maxNeedle && isASCII(text) {
				text = text[len(text)-maxNeedle:]
			}
			a.needles = append(a.needles, text)
			a.payloads = append(a.payloads, r.idx)
		}
	}
	// ASCII keyword needles also go into every ASCII field automaton, so the
	// keyword pass can skip the values those scan.
	if kw := byField[-2]; kw != nil {
		for k, a := range byField {
			if k >= 0 && k&1 == 0 {
				a.needles = append(a.needles, kw.needles...)
				a.payloads = append(a.payloads, kw.payloads...)
			}
		}
	}
	keys := make([]int32, 0, len(byField))
	for k := range byField {
		keys = append(keys, k)
	}
	// Fields first, keywords (negative keys) last.
	slices.SortFunc(keys, func(a, b int32) int {
		if (a < 0) != (b < 0) {
			if a < 0 {
				return 1
			}
			return -1
		}
		return int(a - b)
	})
	p.keyFid = map[string]int32{}
	for _, k := range keys {
		a := byField[k]
		ac, err := ahocorasick.Build(a.needles, a.payloads)
		if err != nil {
			// Too large to prefilter: evaluate those rules on every event.
			p.always = appendUnique(p.always, a.payloads...)
			continue
		}
		fid := k >> 1
		if k < 0 {
			fid = -1 // keywords: -2 (ASCII) and -1 (non-ASCII)
		}
		p.scans = append(p.scans, fieldScan{fid: fid, ac: ac, nonASCII: k&1 != 0})
		if fid >= 0 && k&1 == 0 {
			for _, key := range p.keys[fid] {
				if _, dup := p.keyFid[key]; !dup {
					p.keyFid[key] = fid
				}
			}
		}
	}
	slices.Sort(p.always)
	return p
}

func appendUnique(dst []int32, add ...int32) []int32 {
	for _, v := range add {
		if !slices.Contains(dst, v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// regexLiterals returns lower-cased literals one of which occurs in every
// string the expression matches, or ok=false when there is no such set.
func regexLiterals(expr string) ([]string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	lits, ok := reLits(re.Simplify(), 0)
	if !ok {
		return nil, false
	}
	for _, l := range lits {
		if l == "" {
			return nil, false
		}
	}
	return lits, true
}

const maxRegexLiterals = 64

// maxClassExpansion is the largest character class expanded into literals.
const maxClassExpansion = 8

// reLits returns literals one of which occurs in every match of re. Small
// character classes are expanded, so that `\.[ "']` yields {". ", ".\"", ".'"}.
func reLits(re *syntax.Regexp, depth int) ([]string, bool) {
	if depth > 32 {
		return nil, false
	}
	switch re.Op {
	case syntax.OpLiteral:
		return []string{lowerString(string(re.Rune))}, true
	case syntax.OpCapture:
		return reLits(re.Sub[0], depth+1)
	case syntax.OpPlus:
		return reLits(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reLits(re.Sub[0], depth+1)
		}
		return nil, false
	case syntax.OpCharClass:
		return classLits(re)
	case syntax.OpConcat:
		// Runs of consecutive elements with a small exact set (literals,
		// small classes) combine by cross product; the best combined run,
		// or the best single element's literals, wins.
		var best []string
		found := false
		consider := func(c []string) {
			if len(c) > 0 && (!found || litBetter(c, best)) {
				best, found = c, true
			}
		}
		var run []string
		for _, sub := range re.Sub {
			if ex, ok := exactSet(sub); ok {
				if run == nil {
					run = ex
				} else if next := cross(run, ex); next != nil {
					run = next
				} else {
					consider(run)
					run = ex
				}
				continue
			}
			consider(run)
			run = nil
			if l, ok := reLits(sub, depth+1); ok {
				consider(l)
			}
		}
		consider(run)
		return best, found
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			l, ok := reLits(sub, depth+1)
			if !ok {
				return nil, false
			}
			for _, x := range l {
				if !slices.Contains(all, x) {
					all = append(all, x)
				}
			}
			if len(all) > maxRegexLiterals {
				return nil, false
			}
		}
		return all, len(all) > 0
	}
	return nil, false
}

// exactSet returns every string sub matches, when that is a small set of
// lower-cased literals (a literal, or a small ASCII class, possibly with a
// fixed repeat count of 1).
func exactSet(sub *syntax.Regexp) ([]string, bool) {
	switch sub.Op {
	case syntax.OpLiteral:
		return []string{lowerString(string(sub.Rune))}, true
	case syntax.OpCharClass:
		return classLits(sub)
	case syntax.OpCapture:
		return exactSet(sub.Sub[0])
	case syntax.OpRepeat:
		if sub.Min == sub.Max && sub.Min >= 1 && sub.Min <= 4 {
			one, ok := exactSet(sub.Sub[0])
			if !ok {
				return nil, false
			}
			out := one
			for i := 1; i < sub.Min; i++ {
				if out = cross(out, one); out == nil {
					return nil, false
				}
			}
			return out, true
		}
	}
	return nil, false
}

// classLits lists the members of a small ASCII character class, lower-cased.
func classLits(re *syntax.Regexp) ([]string, bool) {
	var out []string
	for i := 0; i+1 < len(re.Rune); i += 2 {
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi >= 0x80 || int(hi-lo) >= maxClassExpansion {
			return nil, false
		}
		for r := lo; r <= hi; r++ {
			s := lowerString(string(r))
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
			if len(out) > maxClassExpansion {
				return nil, false
			}
		}
	}
	return out, len(out) > 0
}

// cross concatenates every string of a with every one of b, or returns nil
// when the product is too large.
func cross(a, b []string) []string {
	if len(a)*len(b) > maxRegexLiterals {
		return nil
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

func litBetter(a, b []string) bool {
	ma, mb := 1<<30, 1<<30
	for _, s := range a {
		ma = min(ma, len(s))
	}
	for _, s := range b {
		mb = min(mb, len(s))
	}
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

// minClassRun is the shortest run worth checking before running a regexp.
const minClassRun = 8

// regexClassRun finds the longest run of one ASCII character class that
// every match of expr contains (a repeat with a minimum count in the
// top-level sequence), for cregex's quick rejection.
func regexClassRun(expr string) (class [256]bool, minRun int) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return class, 0
	}
	var subs []*syntax.Regexp
	switch re.Op {
	case syntax.OpConcat:
		subs = re.Sub
	default:
		subs = []*syntax.Regexp{re}
	}
	for _, sub := range subs {
		for sub.Op == syntax.OpCapture {
			sub = sub.Sub[0]
		}
		if sub.Op != syntax.OpRepeat || sub.Min < minClassRun || sub.Min <= minRun {
			continue
		}
		cc := sub.Sub[0]
		var tbl [256]bool
		ok := false
		switch cc.Op {
		case syntax.OpCharClass:
			ok = true
			for i := 0; i+1 < len(cc.Rune); i += 2 {
				lo, hi := cc.Rune[i], cc.Rune[i+1]
				if hi >= 0x80 {
					ok = false // non-ASCII members: bytes would not map one to one
					break
				}
				for r := lo; r <= hi; r++ {
					tbl[r] = true
				}
			}
		case syntax.OpLiteral:
			if len(cc.Rune) == 1 && cc.Rune[0] < 0x80 {
				ok = true
				tbl[cc.Rune[0]] = true
				if cc.Flags&syntax.FoldCase != 0 {
					r := cc.Rune[0]
					tbl[unicodeSimpleFold(r)] = true
				}
			}
		}
		if ok {
			class, minRun = tbl, sub.Min
		}
	}
	return class, minRun
}

func unicodeSimpleFold(r rune) rune {
	switch {
	case r >= 'a' && r <= 'z':
		return r - 'a' + 'A'
	case r >= 'A' && r <= 'Z':
		return r - 'A' + 'a'
	}
	return r
}
