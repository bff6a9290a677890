package detect

import (
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"bianque/detect/internal/ahocorasick"
	"bianque/detect/sigma"
	"bianque/event"
)

// crule is a compiled detection rule.
type crule struct {
	idx      int32
	info     *RuleInfo
	ls       sigma.LogSource
	searches []csearch
	cond     *cnode
	// needles is the prefilter: the rule can only match events in which one
	// of them occurs (in its field). unfiltered rules are always evaluated.
	needles    []needle
	unfiltered bool
	feeds      []feedSpec
	// hidden rules are helpers of legacy near conditions.
	hidden bool
}

type csearch struct {
	name string
	alts [][]int32 // OR of ANDs of item IDs
}

type nodeOp uint8

const (
	nSearch nodeOp = iota
	nAnd
	nOr
	nNot
	nOf
	nTrue
)

type cnode struct {
	op     nodeOp
	kids   []*cnode
	search int32
	n      int // nOf: how many kids must hold; 0 = all
}

// citem is a compiled field test, shared by every rule that uses the same one.
type citem struct {
	id     int32
	fid    int32 // -1: keyword search over every value
	op     sigma.Op
	all    bool
	negate bool
	cased  bool
	// OpMatch: per value, its variants.
	vals [][]strPattern
	// flat holds every variant of every value, for OR items.
	flat []strPattern
	// eqSet answers OR items whose every pattern is an equality.
	eqSet map[string]struct{}
	// containsAC answers OR items with many values that are all "contains".
	containsAC *ahocorasick.Matcher
	// OpRegex: per value, its variants.
	res      [][]*cregex
	cidrs    []netip.Prefix
	cmp      sigma.Comparison
	nums     []float64
	timePart string
	exists   bool
	ref      int32
}

// needle is a literal that must occur (lower-cased) in a field.
type needle struct {
	fid int32
	s   string
}

// feedSpec says how a rule's matches feed one correlation.
type feedSpec struct {
	corr      *ccorr
	slot      int32
	groupFids []int32
	valueFid  int32
}

type compiler struct {
	e        *Engine
	rs       *RuleSet
	itemKeys map[string]int32
	filters  []*sigma.Rule
	warned   map[string]bool
}

// Compile compiles rules into a rule set without installing it. Rules that
// fail are listed in RuleSet.Errors with the reason; the others still load.
func (e *Engine) Compile(rules []*sigma.Rule) *RuleSet {
	rs := &RuleSet{engine: e, fidx: map[string]int32{}, Loaded: map[sigma.Kind]int{}}
	c := &compiler{e: e, rs: rs, itemKeys: map[string]int32{}, warned: map[string]bool{}}
	var detections, correlations []*sigma.Rule
	for _, r := range rules {
		switch r.Kind {
		case sigma.KindDetection:
			detections = append(detections, r)
		case sigma.KindCorrelation:
			correlations = append(correlations, r)
		case sigma.KindFilter:
			c.filters = append(c.filters, r)
		}
	}
	// Referenced rules of correlations without generate are internal.
	internal := map[string]bool{}
	for _, r := range correlations {
		if !r.Correlation.Generate {
			for _, ref := range r.Correlation.Rules {
				internal[ref] = true
			}
		}
	}
	byRef := map[string]*crule{}
	for _, r := range detections {
		cr, err := c.compileDetection(r)
		if err != nil {
			rs.Errors = append(rs.Errors, ruleError(r, err))
			continue
		}
		if cr == nil {
			continue // a legacy aggregation: compiled as a correlation
		}
		if internal[r.ID] || (r.Name != "" && internal[r.Name]) {
			cr.info.Internal = true
		}
		if r.ID != "" {
			byRef[r.ID] = cr
		}
		if r.Name != "" {
			byRef[r.Name] = cr
		}
		rs.Loaded[sigma.KindDetection]++
	}
	c.compileCorrelations(correlations, byRef, internal)
	rs.Loaded[sigma.KindFilter] = len(c.filters)
	return rs
}

func ruleError(r *sigma.Rule, err error) RuleError {
	return RuleError{Source: r.Source, RuleID: r.ID, Title: r.Title, Reason: err.Error()}
}

func (c *compiler) warn(r *sigma.Rule, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	k := r.Source + "\x00" + msg
	if c.warned[k] {
		return
	}
	c.warned[k] = true
	c.rs.Warnings = append(c.rs.Warnings, RuleError{Source: r.Source, RuleID: r.ID, Title: r.Title, Reason: msg})
}

func (c *compiler) fieldID(name string) int32 {
	if id, ok := c.rs.fidx[name]; ok {
		return id
	}
	id := int32(len(c.rs.fields))
	c.rs.fields = append(c.rs.fields, name)
	c.rs.fidx[name] = id
	return id
}

// compileDetection compiles a detection rule; legacy aggregation and near
// conditions become correlations (and nil is returned).
func (c *compiler) compileDetection(r *sigma.Rule) (*crule, error) {
	det := r.Detection
	for _, cond := range det.Conditions {
		if cond.Aggregation != nil || cond.Near != nil {
			if len(det.Conditions) > 1 {
				return nil, fmt.Errorf("a condition list cannot mix aggregations with other conditions")
			}
			return nil, c.compileLegacy(r, cond)
		}
	}
	cr, err := c.newRule(r, newRuleInfo(r), nil)
	if err != nil {
		return nil, err
	}
	c.rs.rules = append(c.rs.rules, cr)
	return cr, nil
}

// newRule compiles the searches and condition of r (or expr instead of r's
// conditions when given), with the global filters that apply.
func (c *compiler) newRule(r *sigma.Rule, info *RuleInfo, expr sigma.Expr) (*crule, error) {
	cr := &crule{idx: int32(len(c.rs.rules)), info: info, ls: r.LogSource}
	names := map[string]int32{}
	addSearches := func(det *sigma.Detection, prefix string) error {
		for _, name := range det.Names {
			s := det.Searches[name]
			cs := csearch{name: prefix + name}
			for _, alt := range s.Alternatives {
				ids := make([]int32, 0, len(alt))
				for _, it := range alt {
					id, err := c.item(r, it)
					if err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					ids = append(ids, id)
				}
				// AND is order-free: test the cheapest items first.
				slices.SortStableFunc(ids, func(a, b int32) int {
					return c.rs.items[a].cost() - c.rs.items[b].cost()
				})
				cs.alts = append(cs.alts, ids)
			}
			names[prefix+name] = int32(len(cr.searches))
			cr.searches = append(cr.searches, cs)
		}
		return nil
	}
	if err := addSearches(r.Detection, ""); err != nil {
		return nil, err
	}
	var root *cnode
	if expr != nil {
		root = compileExpr(expr, names, "")
	} else {
		var ors []*cnode
		for _, cond := range r.Detection.Conditions {
			ors = append(ors, compileExpr(cond.Expr, names, ""))
		}
		root = ors[0]
		if len(ors) > 1 {
			root = &cnode{op: nOr, kids: ors}
		}
	}
	// Global filters: AND their condition.
	for fi, f := range c.filters {
		if !filterApplies(f, r) {
			continue
		}
		prefix := fmt.Sprintf("filter%d:", fi)
		if err := addSearches(f.Filter.Detection, prefix); err != nil {
			return nil, fmt.Errorf("filter %s: %w", f.Source, err)
		}
		for _, fc := range f.Filter.Detection.Conditions {
			root = &cnode{op: nAnd, kids: []*cnode{root, compileExpr(fc.Expr, names, prefix)}}
		}
	}
	cr.cond = root
	cr.needles, cr.unfiltered = c.nodeNeedles(cr, root)
	return cr, nil
}

func filterApplies(f *sigma.Rule, r *sigma.Rule) bool {
	if !f.LogSource.Covers(r.LogSource) {
		return false
	}
	if f.Filter.Any {
		return true
	}
	for _, ref := range f.Filter.Rules {
		if ref == r.ID || (r.Name != "" && ref == r.Name) || ref == r.Title {
			return true
		}
	}
	return false
}

func compileExpr(e sigma.Expr, names map[string]int32, prefix string) *cnode {
	switch x := e.(type) {
	case sigma.Ref:
		return &cnode{op: nSearch, search: names[prefix+x.Name]}
	case sigma.And:
		n := &cnode{op: nAnd}
		for _, a := range x.Args {
			n.kids = append(n.kids, compileExpr(a, names, prefix))
		}
		return n
	case sigma.Or:
		n := &cnode{op: nOr}
		for _, a := range x.Args {
			n.kids = append(n.kids, compileExpr(a, names, prefix))
		}
		return n
	case sigma.Not:
		return &cnode{op: nNot, kids: []*cnode{compileExpr(x.Arg, names, prefix)}}
	case sigma.Of:
		n := &cnode{op: nOf, n: x.Count}
		for _, name := range x.Names {
			n.kids = append(n.kids, &cnode{op: nSearch, search: names[prefix+name]})
		}
		if len(n.kids) == 1 {
			return n.kids[0]
		}
		return n
	}
	return &cnode{op: nTrue}
}

// item compiles (or reuses) a field test.
func (c *compiler) item(r *sigma.Rule, it *sigma.Item) (int32, error) {
	ci := &citem{fid: -1, op: it.Op, all: it.All, negate: it.Negate, cased: it.Cased, cmp: it.Cmp, timePart: it.TimePart, ref: -1}
	if it.Field != "" {
		ci.fid = c.fieldID(it.Field)
	}
	var key strings.Builder
	fmt.Fprintf(&key, "%d|%d|%t|%t|%t|%d|%s|", ci.fid, ci.op, ci.all, ci.negate, ci.cased, ci.cmp, ci.timePart)
	switch it.Op {
	case sigma.OpMatch:
		for _, variants := range it.Values {
			var pats []strPattern
			for _, v := range variants {
				if v.Null {
					pats = append(pats, strPattern{kind: mNull})
					key.WriteString("\x00null")
					continue
				}
				str := v.Str
				if it.Field == "" {
					// A keyword occurs anywhere in a value.
					star := sigma.String{{Kind: sigma.AnyString}}
					str = sigma.Concat(star, str, star)
				}
				strs := []sigma.String{str}
				if str.HasPlaceholders() {
					strs = c.expand(r, str)
				}
				for _, s := range strs {
					p := compilePattern(s, it.Cased)
					if v.IsNumber {
						if _, plain := v.Str.Plain(); plain {
							p.num, p.isNum = v.Number, true
						}
					}
					pats = append(pats, p)
					fmt.Fprintf(&key, "\x00%d:%s:%v", p.kind, s.String(), p.isNum)
				}
				if len(strs) == 0 {
					pats = append(pats, strPattern{kind: mNever})
					key.WriteString("\x00never")
				}
			}
			ci.vals = append(ci.vals, pats)
			key.WriteByte('\x01')
		}
		if !ci.all && !ci.negate {
			eqs := map[string]struct{}{}
			allEq := true
			for _, pats := range ci.vals {
				for _, p := range pats {
					if p.kind != mEq || p.isNum {
						allEq = false
					}
					eqs[p.s] = struct{}{}
				}
			}
			if allEq && len(eqs) > 4 {
				ci.eqSet = eqs
			}
			ci.containsAC = containsAutomaton(ci)
		}
		for _, pats := range ci.vals {
			ci.flat = append(ci.flat, pats...)
		}
	case sigma.OpRegex:
		for _, variants := range it.Values {
			var res []*cregex
			for _, v := range variants {
				expr := v.Regex
				if v.Flags != "" {
					expr = "(?" + v.Flags + ")" + expr
				}
				re, err := regexp.Compile(expr)
				if err != nil {
					return 0, fmt.Errorf("field %s: regular expression %q: %w", it.Field, v.Regex, err)
				}
				cre := &cregex{re: re}
				cre.class, cre.minRun = regexClassRun(expr)
				res = append(res, cre)
				key.WriteString("\x00" + expr)
			}
			ci.res = append(ci.res, res)
		}
	case sigma.OpCIDR:
		for _, variants := range it.Values {
			for _, v := range variants {
				ci.cidrs = append(ci.cidrs, v.Prefix)
				key.WriteString("\x00" + v.Prefix.String())
			}
		}
	case sigma.OpCompare:
		for _, variants := range it.Values {
			for _, v := range variants {
				ci.nums = append(ci.nums, v.Number)
				fmt.Fprintf(&key, "\x00%v", v.Number)
			}
		}
	case sigma.OpExists:
		ci.exists = it.Values[0][0].Exists
		fmt.Fprintf(&key, "%v", ci.exists)
	case sigma.OpFieldRef:
		if len(it.Values) != 1 || len(it.Values[0]) != 1 {
			return 0, fmt.Errorf("field %s: fieldref takes one field name", it.Field)
		}
		ci.ref = c.fieldID(it.Values[0][0].Ref)
		fmt.Fprintf(&key, "%d", ci.ref)
	}
	k := key.String()
	if id, ok := c.itemKeys[k]; ok {
		return id, nil
	}
	ci.id = int32(len(c.rs.items))
	c.rs.items = append(c.rs.items, ci)
	c.itemKeys[k] = ci.id
	return ci.id, nil
}

// containsAutomaton builds one automaton for an OR item of many
// case-insensitive "contains" values, so that a long list costs one pass.
func containsAutomaton(ci *citem) *ahocorasick.Matcher {
	const minValues = 12
	if ci.cased || ci.all || ci.negate {
		return nil
	}
	var needles []string
	for _, pats := range ci.vals {
		for _, p := range pats {
			if p.kind != mContains || p.s == "" {
				return nil
			}
			needles = append(needles, p.s)
		}
	}
	if len(needles) < minValues {
		return nil
	}
	ac, err := ahocorasick.Build(needles, make([]int32, len(needles)))
	if err != nil {
		return nil
	}
	return ac
}

// expand replaces placeholders with every combination of their values.
func (c *compiler) expand(r *sigma.Rule, s sigma.String) []sigma.String {
	out := []sigma.String{nil}
	for _, t := range s {
		if t.Kind != sigma.Placeholder {
			for i := range out {
				out[i] = append(out[i], t)
			}
			continue
		}
		vals, ok := c.e.placeholders[t.Text]
		if !ok || len(vals) == 0 {
			c.warn(r, "placeholder %%%s%% has no values: the values using it never match", t.Text)
			return nil
		}
		var next []sigma.String
		for _, prefix := range out {
			for _, v := range vals {
				n := slices.Clone(prefix)
				n = append(n, sigma.ParseString(v, false)...)
				next = append(next, n)
			}
		}
		if len(next) > sigma.MaxVariants {
			c.warn(r, "placeholder %%%s%% expands into more than %d values; the values using it never match", t.Text, sigma.MaxVariants)
			return nil
		}
		out = next
	}
	for i := range out {
		out[i] = sigma.Concat(out[i])
	}
	return out
}

// Prefilter needles -------------------------------------------------------

// nodeNeedles returns literals of which at least one must occur for the
// node to hold, or ok=false when the node may hold without any literal.
func (c *compiler) nodeNeedles(r *crule, n *cnode) (set []needle, unfiltered bool) {
	switch n.op {
	case nSearch:
		return c.searchNeedles(&r.searches[n.search])
	case nAnd:
		return c.bestOf(r, n.kids)
	case nOr:
		return c.unionOf(r, n.kids)
	case nOf:
		if n.n == 0 {
			return c.bestOf(r, n.kids)
		}
		return c.unionOf(r, n.kids)
	}
	return nil, true
}

func (c *compiler) bestOf(r *crule, kids []*cnode) ([]needle, bool) {
	var best []needle
	found := false
	for _, k := range kids {
		s, unf := c.nodeNeedles(r, k)
		if unf {
			continue
		}
		if !found || better(s, best) {
			best, found = s, true
		}
	}
	return best, !found
}

func (c *compiler) unionOf(r *crule, kids []*cnode) ([]needle, bool) {
	var all []needle
	for _, k := range kids {
		s, unf := c.nodeNeedles(r, k)
		if unf {
			return nil, true
		}
		all = appendNeedles(all, s...)
	}
	return all, false
}

func (c *compiler) searchNeedles(s *csearch) ([]needle, bool) {
	var all []needle
	for _, alt := range s.alts {
		var best []needle
		found := false
		for _, id := range alt {
			set, unf := c.rs.items[id].needles()
			if unf {
				continue
			}
			if !found || better(set, best) {
				best, found = set, true
			}
		}
		if !found {
			return nil, true
		}
		all = appendNeedles(all, best...)
	}
	return all, false
}

// better prefers the set least likely to occur in an event: the rarer its
// weakest needle and the fewer its needles.
func better(a, b []needle) bool {
	ma, mb := setScore(a), setScore(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

// setScore rates a needle set: its weakest needle's score, less one point
// per doubling of the number of needles (each is another chance to hit).
func setScore(s []needle) int {
	return minScore(s) - bits.Len(uint(len(s))) + 1
}

// minScore rates a set by its weakest needle: longer needles are rarer,
// and fragments found in most Windows events count as very short.
func minScore(s []needle) int {
	m := 1 << 30
	for _, n := range s {
		m = min(m, needleScore(n.s))
	}
	if len(s) == 0 {
		return 1 << 30 // an empty set: the node can never hold
	}
	return m
}

// commonNeedles occur in most events of Windows process, file and registry
// telemetry; as prefilter needles they would select almost every rule.
var commonNeedles = map[string]bool{
	".exe": true, ".dll": true, ".js": true, ".doc": true, "exe": true, "dll": true, ".com": true, "\\": true, "c:\\": true, "c:\\windows\\": true, "\\windows\\": true,
	"\\system32\\": true, "c:\\windows\\system32\\": true, "\\windows\\system32\\": true,
	"microsoft": true, "microsoft corporation": true, "windows": true, "\\program files": true,
	"c:\\program files\\": true, "\\program files\\": true, "\\users\\": true, "c:\\users\\": true,
	"\\appdata\\": true, "microsoft® windows® operating system": true, "hklm\\": true, "hku\\": true,
	"\\software\\": true, "\\software\\microsoft\\": true, "\\microsoft\\windows\\": true,
	"\\currentversion\\": true, "system": true, "nt authority\\system": true, "-": true, "/": true,
}

// frequentNeedles are the names of processes that start all the time on
// Windows hosts: as needles they select many events, if not most.
var frequentNeedles = map[string]bool{
	"\\cmd.exe": true, "cmd.exe": true, "\\powershell.exe": true, "powershell.exe": true, "\\pwsh.exe": true,
	"\\conhost.exe": true, "conhost.exe": true, "\\svchost.exe": true, "svchost.exe": true, "\\explorer.exe": true,
	"explorer.exe": true, "\\rundll32.exe": true, "rundll32.exe": true, "\\reg.exe": true, "\\msiexec.exe": true,
	"\\dllhost.exe": true, "\\taskhostw.exe": true, "\\wmiprvse.exe": true, "\\services.exe": true,
}

func needleScore(s string) int {
	switch {
	case commonNeedles[s]:
		return 1
	case frequentNeedles[s]:
		return 3
	}
	return len(s)
}

func appendNeedles(dst []needle, add ...needle) []needle {
	for _, n := range add {
		if !slices.Contains(dst, n) {
			dst = append(dst, n)
		}
	}
	return dst
}

// cost estimates the work of evaluating the item, to order AND-ed items.
func (it *citem) cost() int {
	switch it.op {
	case sigma.OpExists:
		return 1
	case sigma.OpRegex:
		n := 0
		for _, r := range it.res {
			n += len(r)
		}
		return 50 * n
	case sigma.OpFieldRef, sigma.OpCIDR, sigma.OpCompare:
		return 10
	}
	if it.fid < 0 {
		return 200 // keywords read every value
	}
	if it.eqSet != nil || it.containsAC != nil {
		return 4
	}
	n := 0
	for _, pats := range it.vals {
		for _, p := range pats {
			switch p.kind {
			case mEq:
				n += 1
			case mPrefix, mSuffix:
				n += 2
			case mContains:
				n += 4
			default:
				n += 8
			}
		}
	}
	return n
}

// needles returns the literals one of which must occur for the item to hold.
func (it *citem) needles() ([]needle, bool) {
	if it.negate {
		return nil, true
	}
	var perValue [][]needle
	switch it.op {
	case sigma.OpMatch:
		for _, pats := range it.vals {
			var set []needle
			for _, p := range pats {
				lit, ok := p.literal()
				if !ok {
					return nil, true
				}
				if lit == "" && p.kind == mNever {
					continue
				}
				if lit == "" {
					return nil, true
				}
				set = appendNeedles(set, needle{it.fid, lit})
			}
			perValue = append(perValue, set)
		}
	case sigma.OpRegex:
		for _, res := range it.res {
			var set []needle
			for _, re := range res {
				lits, ok := regexLiterals(re.re.String())
				if !ok {
					return nil, true
				}
				for _, l := range lits {
					set = appendNeedles(set, needle{it.fid, l})
				}
			}
			perValue = append(perValue, set)
		}
	default:
		return nil, true
	}
	if it.all {
		var best []needle
		for i, s := range perValue {
			if i == 0 || better(s, best) {
				best = s
			}
		}
		return best, false
	}
	var all []needle
	for _, s := range perValue {
		all = appendNeedles(all, s...)
	}
	return all, false
}

// literal returns the lower-cased literal that must occur in a value the
// pattern matches ("" with ok for a pattern that never matches).
func (p *strPattern) literal() (string, bool) {
	switch p.kind {
	case mNever:
		return "", true
	case mEq, mPrefix, mSuffix, mContains:
		if p.isNum && strconv.FormatFloat(p.num, 'f', -1, 64) != p.s {
			return "", false // a numeric event value would be written differently
		}
		n := needleOf(lowerString(p.s))
		return n, n != ""
	case mGlob:
		best := ""
		for _, t := range p.glob {
			if t.kind == sigma.Literal {
				if n := needleOf(lowerString(t.lit)); needleScore(n) > needleScore(best) {
					best = n
				}
			}
		}
		return best, best != ""
	}
	return "", false
}

// needleOf picks the needle of a lower-cased literal: its longest ASCII run
// when that is long enough, which keeps the per-field automata small, else
// the whole literal (whose non-ASCII bytes go to a second automaton that
// only scans non-ASCII values). A substring of a required literal is
// itself required.
func needleOf(lit string) string {
	if n := asciiRun(lit); len(n) == len(lit) || len(n) >= 4 && !commonNeedles[n] {
		return n
	}
	return lit
}

// maxNeedle bounds the length of ASCII needles in the automata: long needles
// only grow them, and their last bytes are as rare. Needles are scored (and
// chosen) on their full text first.
const maxNeedle = 16

// asciiRun returns the longest run of ASCII bytes in s.
func asciiRun(s string) string {
	best, start := "", 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] >= 0x80 {
			if i-start > len(best) {
				best = s[start:i]
			}
			start = i + 1
		}
	}
	return best
}

// Legacy aggregations -----------------------------------------------------

// compileLegacy turns "selection | count() by X > N" and "a | near b and c"
// into an internal base rule (or rules) and a correlation.
func (c *compiler) compileLegacy(r *sigma.Rule, cond *sigma.Condition) error {
	span := r.Detection.Timeframe
	if span == 0 {
		span = legacyDefaultTimeframe
		c.warn(r, "aggregation without timeframe: using %s", legacyDefaultTimeframe)
	}
	info := newRuleInfo(r)
	corr := &sigma.Correlation{Timespan: span}
	var bases []*crule
	if a := cond.Aggregation; a != nil {
		baseInfo := *info
		baseInfo.Internal = true
		base, err := c.newRule(r, &baseInfo, cond.Expr)
		if err != nil {
			return err
		}
		c.rs.rules = append(c.rs.rules, base)
		bases = append(bases, base)
		corr.GroupBy = a.GroupBy
		corr.Conditions = []sigma.CorrelationCondition{{Cmp: a.Cmp, Value: a.Value}}
		corr.Field = a.Field
		switch a.Func {
		case "count":
			corr.Type = sigma.EventCount
			if a.Field != "" {
				corr.Type = sigma.ValueCount
			}
		case "sum":
			corr.Type = sigma.ValueSum
		case "avg":
			corr.Type = sigma.ValueAvg
		case "min":
			corr.Type = sigma.ValueMin
		case "max":
			corr.Type = sigma.ValueMax
		}
	} else {
		// near: the main expression and every term of the near clause must
		// occur within the timeframe; negated terms veto.
		corr.Type = sigma.Temporal
		terms := []sigma.Expr{cond.Expr}
		var names []string
		expr := sigma.And{}
		nearTerms := []sigma.Expr{cond.Near}
		if and, ok := cond.Near.(sigma.And); ok {
			nearTerms = and.Args
		}
		terms = append(terms, nearTerms...)
		for i, t := range terms {
			name := fmt.Sprintf("term%d", i)
			neg := false
			if n, ok := t.(sigma.Not); ok && i > 0 {
				t, neg = n.Arg, true
			}
			baseInfo := *info
			baseInfo.Internal = true
			base, err := c.newRule(r, &baseInfo, t)
			if err != nil {
				return err
			}
			base.hidden = true
			c.rs.rules = append(c.rs.rules, base)
			bases = append(bases, base)
			names = append(names, name)
			var ref sigma.Expr = sigma.Ref{Name: name}
			if neg {
				ref = sigma.Not{Arg: ref}
			}
			expr.Args = append(expr.Args, ref)
		}
		corr.Rules = names
		corr.Expr = expr
	}
	cc, err := c.newCorrelation(r, info, corr, true)
	if err != nil {
		return err
	}
	for slot, b := range bases {
		if err := c.attachFeed(b, cc, int32(slot), ""); err != nil {
			return err
		}
	}
	c.rs.Loaded[sigma.KindDetection]++
	c.rs.Legacy++
	return nil
}

// attachFeed makes rule b feed correlation cc at slot; name is b's
// reference in the correlation (for aliases).
func (c *compiler) attachFeed(b *crule, cc *ccorr, slot int32, name string) error {
	fs := feedSpec{corr: cc, slot: slot, valueFid: -1}
	for _, g := range cc.groupBy {
		field := g
		if per, ok := cc.aliases[g]; ok {
			if f, ok := per[name]; ok {
				field = f
			}
		}
		fs.groupFids = append(fs.groupFids, c.fieldID(field))
	}
	if cc.field != "" {
		fs.valueFid = c.fieldID(cc.field)
	}
	b.feeds = append(b.feeds, fs)
	return nil
}

func (fs *feedSpec) make(d *scratch) feed {
	f := feed{corr: fs.corr, slot: fs.slot}
	// Windows of different tenants never mix: the tenant is part of the group.
	tenant := d.ev.Str(event.OrganizationID)
	f.tenant = tenant
	if len(fs.groupFids) > 0 || tenant != "" {
		var b strings.Builder
		if tenant != "" {
			b.WriteString(tenant)
			b.WriteByte(0x1e)
		}
		f.gvals = make([]string, len(fs.groupFids))
		for i, fid := range fs.groupFids {
			if i > 0 {
				b.WriteByte(0x1f)
			}
			v := d.field(fid)
			if !v.ok {
				continue
			}
			f.gvals[i] = v.str
			// Group values compare case-insensitively, like Sigma values.
			d.lower(v)
			b.WriteString(v.low)
		}
		f.group = b.String()
	}
	if fs.valueFid >= 0 {
		if v := d.field(fs.valueFid); v.ok {
			f.value, f.hasV = v.str, true
		}
	}
	return f
}
