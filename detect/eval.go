package detect

import (
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/detect/sigma"
)

func (r *crule) eval(d *scratch) bool { return r.node(r.cond, d) }

func (r *crule) node(n *cnode, d *scratch) bool {
	switch n.op {
	case nSearch:
		return r.search(n.search, d)
	case nAnd:
		for _, k := range n.kids {
			if !r.node(k, d) {
				return false
			}
		}
		return true
	case nOr:
		for _, k := range n.kids {
			if r.node(k, d) {
				return true
			}
		}
		return false
	case nNot:
		return !r.node(n.kids[0], d)
	case nOf:
		need := n.n
		if need == 0 {
			need = len(n.kids)
		}
		got := 0
		for i, k := range n.kids {
			if r.node(k, d) {
				got++
				if got >= need {
					return true
				}
			}
			if got+len(n.kids)-i-1 < need {
				return false
			}
		}
		return false
	case nTrue:
		return true
	}
	return false
}

func (r *crule) search(si int32, d *scratch) bool {
	for _, alt := range r.searches[si].alts {
		ok := true
		for _, id := range alt {
			if !d.item(id) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// reason lists the search identifiers that hold for the event.
func (r *crule) reason(d *scratch) []string {
	var out []string
	for i := range r.searches {
		if r.search(int32(i), d) {
			out = append(out, r.searches[i].name)
		}
	}
	return out
}

// item evaluates a field test once per event.
func (d *scratch) item(id int32) bool {
	if d.itemGen[id] == d.gen {
		return d.itemRes[id]
	}
	res := d.rs.items[id].eval(d)
	d.itemGen[id] = d.gen
	d.itemRes[id] = res
	return res
}

func (it *citem) eval(d *scratch) bool {
	if it.fid < 0 {
		return it.evalKeywords(d)
	}
	v := d.field(it.fid)
	switch it.op {
	case sigma.OpExists:
		return v.ok == it.exists
	case sigma.OpMatch:
		if !v.ok {
			if it.negate {
				return false
			}
			return it.nullMatches()
		}
		if it.negate {
			return !it.matchAny(d, v)
		}
		if it.all {
			for i := range it.vals {
				if !it.matchValue(d, v, i) {
					return false
				}
			}
			return true
		}
		return it.matchAny(d, v)
	case sigma.OpRegex:
		if !v.ok {
			return false
		}
		if it.all {
			for _, res := range it.res {
				if !d.each(v, false, func(s string) bool { return anyRegex(res, s) }) {
					return false
				}
			}
			return true
		}
		return d.each(v, false, func(s string) bool {
			for _, res := range it.res {
				if anyRegex(res, s) {
					return true
				}
			}
			return false
		})
	case sigma.OpCIDR:
		if !v.ok {
			return false
		}
		return d.each(v, false, func(s string) bool {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return false
			}
			a = a.Unmap().WithZone("")
			for _, p := range it.cidrs {
				if p.Contains(a) {
					return true
				}
			}
			return false
		})
	case sigma.OpCompare:
		if !v.ok {
			return false
		}
		x, ok := d.number(v, it.timePart)
		if !ok {
			return false
		}
		if it.negate {
			for _, n := range it.nums {
				if x == n {
					return false
				}
			}
			return true
		}
		if it.all {
			for _, n := range it.nums {
				if !it.cmp.Holds(x, n) {
					return false
				}
			}
			return true
		}
		for _, n := range it.nums {
			if it.cmp.Holds(x, n) {
				return true
			}
		}
		return false
	case sigma.OpFieldRef:
		other := d.field(it.ref)
		if !v.ok || !other.ok {
			return false
		}
		eq := d.each(v, !it.cased, func(a string) bool {
			return d.each(other, !it.cased, func(b string) bool { return a == b })
		})
		return eq != it.negate
	}
	return false
}

// cregex is a compiled regular expression with a cheap necessary condition:
// when the expression needs a run of at least minRun characters of one
// ASCII class (e.g. [a-f0-9]{64}), inputs without such a run are rejected
// before the regexp engine runs.
type cregex struct {
	re     *regexp.Regexp
	class  [256]bool
	minRun int
}

func (c *cregex) match(s string) bool {
	if c.minRun > 0 {
		run, ok := 0, false
		for i := 0; i < len(s); i++ {
			if c.class[s[i]] {
				if run++; run >= c.minRun {
					ok = true
					break
				}
			} else {
				run = 0
			}
		}
		if !ok {
			return false
		}
	}
	return c.re.MatchString(s)
}

func anyRegex(res []*cregex, s string) bool {
	for _, re := range res {
		if re.match(s) {
			return true
		}
	}
	return false
}

func (it *citem) nullMatches() bool {
	if it.all {
		for _, pats := range it.vals {
			if !hasNull(pats) {
				return false
			}
		}
		return true
	}
	for _, pats := range it.vals {
		if hasNull(pats) {
			return true
		}
	}
	return false
}

func hasNull(pats []strPattern) bool {
	for i := range pats {
		if pats[i].kind == mNull {
			return true
		}
	}
	return false
}

// anyHit records whether an automaton reported anything.
type anyHit bool

func (h *anyHit) Hit(int32) { *h = true }

// matchAny reports whether any value of the item matches the field.
func (it *citem) matchAny(d *scratch, v *fval) bool {
	if v.lst == nil {
		s := v.str
		if !it.cased {
			d.lower(v)
			s = v.low
		}
		return it.anyPattern(d, s, v.raw)
	}
	return d.each(v, !it.cased, func(s string) bool { return it.anyPattern(d, s, v.raw) })
}

// anyPattern tests one (lowered unless cased) string against every value.
func (it *citem) anyPattern(d *scratch, s string, raw any) bool {
	if it.containsAC != nil {
		d.hit = false
		it.containsAC.Scan(s, &d.hit)
		return bool(d.hit)
	}
	if it.eqSet != nil {
		_, ok := it.eqSet[s]
		return ok
	}
	for k := range it.flat {
		if matchPattern(&it.flat[k], s, raw) {
			return true
		}
	}
	return false
}

func matchPattern(p *strPattern, s string, raw any) bool {
	switch p.kind {
	case mNull, mNever:
		return false
	}
	if p.match(s) {
		return true
	}
	return p.isNum && p.kind == mEq && numericEqual(raw, p.num)
}

// matchValue reports whether value i (any of its variants) matches the field.
func (it *citem) matchValue(d *scratch, v *fval, i int) bool {
	pats := it.vals[i]
	test := func(s string) bool {
		for k := range pats {
			if matchPattern(&pats[k], s, v.raw) {
				return true
			}
		}
		return false
	}
	if v.lst == nil {
		s := v.str
		if !it.cased {
			d.lower(v)
			s = v.low
		}
		return test(s)
	}
	return d.each(v, !it.cased, test)
}

// numericEqual compares a typed numeric event value with a number literal.
func numericEqual(raw any, n float64) bool {
	switch x := raw.(type) {
	case int64:
		return float64(x) == n
	case float64:
		return x == n
	}
	return false
}

func (it *citem) evalKeywords(d *scratch) bool {
	raw, low := d.allValues()
	switch it.op {
	case sigma.OpRegex:
		test := func(res []*cregex) bool {
			for _, s := range raw {
				if anyRegex(res, s) {
					return true
				}
			}
			return false
		}
		if it.all {
			for _, res := range it.res {
				if !test(res) {
					return false
				}
			}
			return true
		}
		for _, res := range it.res {
			if test(res) {
				return true
			}
		}
		return false
	case sigma.OpMatch:
		vals := low
		if it.cased {
			vals = raw
		}
		test := func(pats []strPattern) bool {
			for _, s := range vals {
				for k := range pats {
					p := &pats[k]
					if p.kind != mNull && p.kind != mNever && p.match(s) {
						return true
					}
				}
			}
			return false
		}
		if it.all {
			for _, pats := range it.vals {
				if !test(pats) {
					return false
				}
			}
			return true
		}
		for _, pats := range it.vals {
			if test(pats) {
				return true
			}
		}
		return false
	}
	return false
}

// number reads the field as a number, or the given part of its date.
func (d *scratch) number(v *fval, timePart string) (float64, bool) {
	if timePart != "" {
		t, ok := parseTime(v.raw, v.str)
		if !ok {
			return 0, false
		}
		switch timePart {
		case "minute":
			return float64(t.Minute()), true
		case "hour":
			return float64(t.Hour()), true
		case "day":
			return float64(t.Day()), true
		case "week":
			_, w := t.ISOWeek()
			return float64(w), true
		case "month":
			return float64(t.Month()), true
		case "year":
			return float64(t.Year()), true
		}
		return 0, false
	}
	if v.numGen == d.gen {
		return v.num, v.numOK
	}
	v.numGen = d.gen
	v.num, v.numOK = toNumber(v.raw, v.str)
	return v.num, v.numOK
}

func toNumber(raw any, s string) (float64, bool) {
	switch x := raw.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
		return f, true
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		if n, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return float64(n), true
		}
	}
	return 0, false
}

// timeLayouts are the date formats time modifiers read.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006/01/02 15:04:05",
	time.RFC1123Z,
	time.RFC1123,
}

func parseTime(raw any, s string) (time.Time, bool) {
	if t, ok := raw.(time.Time); ok {
		return t, true
	}
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
