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
}

// fieldScan is the prefilter of one field: an automaton over the needles of
// every rule on that field, reporting rule indices.
type fieldScan struct {
	fid int32
	ac  *ahocorasick.Matcher
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
			a := byField[n.fid]
			if a == nil {
				a = &acc{}
				byField[n.fid] = a
			}
			a.needles = append(a.needles, n.s)
			a.payloads = append(a.payloads, r.idx)
		}
	}
	fids := make([]int32, 0, len(byField))
	for fid := range byField {
		fids = append(fids, fid)
	}
	slices.Sort(fids)
	for _, fid := range fids {
		a := byField[fid]
		ac, err := ahocorasick.Build(a.needles, a.payloads)
		if err != nil {
			// Too large to prefilter: evaluate those rules on every event.
			p.always = appendUnique(p.always, a.payloads...)
			continue
		}
		p.scans = append(p.scans, fieldScan{fid: fid, ac: ac})
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

func reLits(re *syntax.Regexp, depth int) ([]string, bool) {
	if depth > 32 {
		return nil, false
	}
	switch re.Op {
	case syntax.OpLiteral:
		return []string{asciiRun(lowerString(string(re.Rune)))}, true
	case syntax.OpCapture:
		return reLits(re.Sub[0], depth+1)
	case syntax.OpPlus:
		return reLits(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reLits(re.Sub[0], depth+1)
		}
		return nil, false
	case syntax.OpConcat:
		// Merge adjacent literals first: "ab" (c|d) -> best single piece.
		var best []string
		found := false
		var run []rune
		flush := func() {
			if len(run) > 0 {
				cand := []string{asciiRun(lowerString(string(run)))}
				if !found || litBetter(cand, best) {
					best, found = cand, true
				}
				run = run[:0]
			}
		}
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral {
				run = append(run, sub.Rune...)
				continue
			}
			flush()
			if l, ok := reLits(sub, depth+1); ok && (!found || litBetter(l, best)) {
				best, found = l, true
			}
		}
		flush()
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
