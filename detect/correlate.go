package detect

import (
	"container/heap"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/detect/sigma"
	"bianque/event"
)

// legacyDefaultTimeframe is the window of a legacy aggregation that names none.
const legacyDefaultTimeframe = 24 * time.Hour

// maxGroupEntries bounds the events one correlation group keeps; older
// entries beyond it are dropped (their count is kept in Dropped).
const maxGroupEntries = 100000

// ccorr is a compiled correlation rule.
type ccorr struct {
	info       *RuleInfo
	key        string
	typ        sigma.CorrelationType
	span       time.Duration
	conds      []sigma.CorrelationCondition
	groupBy    []string
	aliases    map[string]map[string]string
	field      string
	percentile int
	expr       *cnode // extended temporal condition over slots
	slots      []string
	upper      bool // decided when the window closes
	legacy     bool
	parents    []parentFeed
}

// parentFeed feeds the matches of a correlation into a correlation that refers to it.
type parentFeed struct {
	corr *ccorr
	slot int32
	// gidx maps each group-by field of the parent to the child's group
	// value index (-1: not grouped by the child).
	gidx []int
}

func (c *ccorr) holds(v float64) bool {
	for _, cc := range c.conds {
		if !cc.Cmp.Holds(v, cc.Value) {
			return false
		}
	}
	return true
}

func (c *compiler) newCorrelation(r *sigma.Rule, info *RuleInfo, corr *sigma.Correlation, legacy bool) (*ccorr, error) {
	cc := &ccorr{
		info: info, typ: corr.Type, span: corr.Timespan, conds: corr.Conditions,
		groupBy: corr.GroupBy, aliases: corr.Aliases, field: corr.Field, percentile: corr.Percentile,
		slots: corr.Rules, legacy: legacy, upper: corr.UpperBounded(),
	}
	if cc.typ == sigma.TemporalOrdered && corr.Expr != nil {
		return nil, fmt.Errorf("temporal_ordered with a condition expression is not supported; list the rules in order instead")
	}
	if corr.Expr != nil {
		names := map[string]int32{}
		for i, n := range corr.Rules {
			names[n] = int32(i)
		}
		cc.expr = compileExpr(corr.Expr, names, "")
	}
	cc.key = fmt.Sprintf("%s|%s|%d|%v|%v|%s|%d|%v|%v", info.ID, cc.typ, cc.span, cc.groupBy, cc.conds, cc.field, cc.percentile, cc.slots, corr.Expr)
	c.rs.corrs = append(c.rs.corrs, cc)
	return cc, nil
}

// compileCorrelations compiles correlation rules, resolving their references
// to detection rules and to other correlations (chains).
func (c *compiler) compileCorrelations(rules []*sigma.Rule, byRef map[string]*crule, internal map[string]bool) {
	type pending struct {
		r  *sigma.Rule
		cc *ccorr
	}
	var all []pending
	corrByRef := map[string]*ccorr{}
	for _, r := range rules {
		info := newRuleInfo(r)
		if internal[r.ID] || (r.Name != "" && internal[r.Name]) {
			info.Internal = true
		}
		cc, err := c.newCorrelation(r, info, r.Correlation, false)
		if err != nil {
			c.rs.Errors = append(c.rs.Errors, ruleError(r, err))
			continue
		}
		all = append(all, pending{r, cc})
		if r.ID != "" {
			corrByRef[r.ID] = cc
		}
		if r.Name != "" {
			corrByRef[r.Name] = cc
		}
	}
	ok := map[*ccorr]bool{}
	for _, p := range all {
		var missing []string
		for _, ref := range p.r.Correlation.Rules {
			if byRef[ref] == nil && corrByRef[ref] == nil {
				missing = append(missing, ref)
			}
			if corrByRef[ref] == p.cc {
				missing = append(missing, ref+" (itself)")
			}
		}
		if len(missing) > 0 {
			c.rs.Errors = append(c.rs.Errors, ruleError(p.r, fmt.Errorf("refers to unknown rules: %s", strings.Join(missing, ", "))))
			continue
		}
		ok[p.cc] = true
	}
	// Drop correlations whose chain reaches a failed or cyclic correlation.
	var valid func(cc *ccorr, depth int) bool
	byCC := map[*ccorr]*sigma.Rule{}
	for _, p := range all {
		byCC[p.cc] = p.r
	}
	valid = func(cc *ccorr, depth int) bool {
		if depth > 8 || !ok[cc] {
			return false
		}
		for _, ref := range byCC[cc].Correlation.Rules {
			if child := corrByRef[ref]; child != nil && !valid(child, depth+1) {
				return false
			}
		}
		return true
	}
	var kept []*ccorr
	for _, p := range all {
		if !valid(p.cc, 0) {
			if ok[p.cc] {
				c.rs.Errors = append(c.rs.Errors, ruleError(p.r, fmt.Errorf("correlation chain is cyclic, deeper than 8 or refers to a correlation that failed")))
			}
			continue
		}
		kept = append(kept, p.cc)
		for slot, ref := range p.r.Correlation.Rules {
			if b := byRef[ref]; b != nil {
				if err := c.attachFeed(b, p.cc, int32(slot), ref); err != nil {
					c.rs.Errors = append(c.rs.Errors, ruleError(p.r, err))
				}
				continue
			}
			child := corrByRef[ref]
			pf := parentFeed{corr: p.cc, slot: int32(slot)}
			for _, g := range p.cc.groupBy {
				field := g
				if per, ok := p.cc.aliases[g]; ok {
					if f, ok := per[ref]; ok {
						field = f
					}
				}
				pf.gidx = append(pf.gidx, slices.Index(child.groupBy, field))
			}
			child.parents = append(child.parents, pf)
		}
		c.rs.Loaded[sigma.KindCorrelation]++
	}
	// Keep the legacy correlations and the valid ones.
	var out []*ccorr
	for _, cc := range c.rs.corrs {
		if cc.legacy || slices.Contains(kept, cc) {
			out = append(out, cc)
		}
	}
	c.rs.corrs = out
}

// EventRef is an event that contributed to a correlation.
type EventRef struct {
	// Seq is the caller's sequence number of the event (Correlator.Feed).
	Seq   int64
	Event *event.Event
	Rule  *RuleInfo
	Time  time.Time
}

// CorrelationMatch is a correlation rule firing.
type CorrelationMatch struct {
	Rule *RuleInfo
	Type sigma.CorrelationType
	// Tenant is the organization.id of the events (windows never mix tenants).
	Tenant string
	// Group holds the group-by field values of the firing group.
	Group map[string]string
	// Value is the aggregate that satisfied the condition: the event count,
	// the number of distinct values, the sum, average or percentile, or the
	// number of distinct rules of a temporal correlation.
	Value      float64
	Start, End time.Time
	Events     []EventRef
	// Dropped counts contributing events not kept in Events (bounded memory).
	Dropped int
	// Seq is the sequence number of the event that completed the
	// correlation, or -1 when it was decided as its window closed.
	Seq int64
}

// Correlator keeps the windows of correlation rules for one ordered event
// stream. Feed it the matches of each event in order; it is safe for
// concurrent use but correlations are only meaningful in stream order.
type Correlator struct {
	clock  bianque.Clock
	mu     sync.Mutex
	states map[string]*corrState
	now    time.Time
	dl     deadlines
}

type corrState struct {
	cc        *ccorr
	groups    map[string]*group
	lastSweep time.Time
}

type group struct {
	key     string
	tenant  string
	gvals   []string
	entries []entry
	dropped int
	start   time.Time
	version int
	// value_count
	counts map[string]int
	// temporal: latest entry per slot (-1 none); temporal_ordered: chains
	last   []int
	chains []chain
}

type entry struct {
	t     time.Time
	refs  []EventRef
	value string
	num   float64
	numOK bool
	hasV  bool
	slot  int32
	seq   int64
}

type chain struct {
	ok      bool
	start   time.Time
	lastSeq int64
	refs    []EventRef
}

// NewCorrelator returns an empty correlator; clock dates events without a
// timestamp and drives window closing when Advance is not called.
func NewCorrelator(clock bianque.Clock) *Correlator {
	if clock == nil {
		clock = bianque.SystemClock{}
	}
	return &Correlator{clock: clock, states: map[string]*corrState{}}
}

// Feed processes the matches of one event (seq is its sequence number, e.g.
// its line) and appends the correlations that fire to dst.
func (c *Correlator) Feed(seq int64, ms []Match, dst []CorrelationMatch) []CorrelationMatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range ms {
		m := &ms[i]
		t := m.Time
		if t.IsZero() {
			t = c.clock.Now()
		}
		if t.After(c.now) {
			dst = c.advance(t, dst)
		}
		for _, f := range m.feeds {
			e := entry{t: t, refs: []EventRef{{Seq: seq, Event: m.Event, Rule: m.Rule, Time: t}},
				value: f.value, hasV: f.hasV, slot: f.slot, seq: seq}
			dst = c.add(f.corr, f.group, f.gvals, f.tenant, e, dst)
		}
	}
	return dst
}

// Advance moves the stream time to now, closing the windows that end
// before it, and appends what they decide to dst.
func (c *Correlator) Advance(now time.Time, dst []CorrelationMatch) []CorrelationMatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advance(now, dst)
}

// Flush closes every open window (end of stream) and appends what they decide.
func (c *Correlator) Flush(dst []CorrelationMatch) []CorrelationMatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.states))
	for k := range c.states {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st := c.states[k]
		if !st.cc.upper {
			continue
		}
		gks := make([]string, 0, len(st.groups))
		for gk := range st.groups {
			gks = append(gks, gk)
		}
		sort.Strings(gks)
		for _, gk := range gks {
			dst = c.close(st, st.groups[gk], dst)
		}
	}
	c.dl = c.dl[:0]
	return dst
}

func (c *Correlator) advance(now time.Time, dst []CorrelationMatch) []CorrelationMatch {
	if now.After(c.now) {
		c.now = now
	}
	for len(c.dl) > 0 && c.dl[0].at.Before(c.now) {
		d := heap.Pop(&c.dl).(deadline)
		st := c.states[d.state]
		if st == nil {
			continue
		}
		g := st.groups[d.group]
		if g == nil || g.version != d.version {
			continue
		}
		dst = c.close(st, g, dst)
	}
	return dst
}

func (c *Correlator) state(cc *ccorr) *corrState {
	st := c.states[cc.key]
	if st == nil {
		st = &corrState{cc: cc, groups: map[string]*group{}, lastSweep: c.now}
		c.states[cc.key] = st
	}
	st.cc = cc // the latest compiled version
	return st
}

// add puts one entry into a correlation group and evaluates it.
func (c *Correlator) add(cc *ccorr, gkey string, gvals []string, tenant string, e entry, dst []CorrelationMatch) []CorrelationMatch {
	st := c.state(cc)
	c.sweep(st)
	g := st.groups[gkey]
	if g == nil {
		g = &group{key: gkey, gvals: gvals, tenant: tenant}
		st.groups[gkey] = g
	}
	if e.hasV {
		e.num, e.numOK = toNumber(nil, e.value)
	}
	switch {
	case cc.typ.IsTemporal():
		return c.addTemporal(st, g, e, dst)
	case cc.upper:
		if len(g.entries) > 0 && e.t.Sub(g.start) > cc.span {
			dst = c.close(st, g, dst)
			g = &group{key: gkey, gvals: gvals, tenant: tenant}
			st.groups[gkey] = g
		}
		if len(g.entries) == 0 {
			g.start = e.t
			g.version++
			heap.Push(&c.dl, deadline{at: e.t.Add(cc.span), state: cc.key, group: gkey, version: g.version})
		}
		g.push(cc, e)
		return dst
	}
	// Decided as soon as the condition holds: a sliding window.
	g.evict(cc, e.t.Add(-cc.span))
	g.push(cc, e)
	if v, ok := g.aggregate(cc); ok && cc.holds(v) {
		dst = c.fire(st, g, v, e.seq, dst)
	}
	return dst
}

func (g *group) push(cc *ccorr, e entry) {
	if len(g.entries) >= maxGroupEntries {
		g.drop(cc, 0)
		g.dropped++
	}
	g.entries = append(g.entries, e)
	if cc.typ == sigma.ValueCount && e.hasV {
		if g.counts == nil {
			g.counts = map[string]int{}
		}
		g.counts[strings.ToLower(e.value)]++
	}
}

func (g *group) drop(cc *ccorr, i int) {
	e := g.entries[i]
	if cc.typ == sigma.ValueCount && e.hasV {
		k := strings.ToLower(e.value)
		if g.counts[k]--; g.counts[k] <= 0 {
			delete(g.counts, k)
		}
	}
	g.entries = slices.Delete(g.entries, i, i+1)
}

// evict drops the entries older than since.
func (g *group) evict(cc *ccorr, since time.Time) {
	n := 0
	for n < len(g.entries) && g.entries[n].t.Before(since) {
		n++
	}
	for ; n > 0; n-- {
		g.drop(cc, 0)
	}
}

// aggregate computes the correlation's value over the group's entries.
func (g *group) aggregate(cc *ccorr) (float64, bool) {
	switch cc.typ {
	case sigma.EventCount:
		return float64(len(g.entries) + g.dropped), true
	case sigma.ValueCount:
		return float64(len(g.counts)), true
	}
	var nums []float64
	for _, e := range g.entries {
		if e.numOK {
			nums = append(nums, e.num)
		}
	}
	if len(nums) == 0 {
		return 0, false
	}
	switch cc.typ {
	case sigma.ValueSum:
		s := 0.0
		for _, n := range nums {
			s += n
		}
		return s, true
	case sigma.ValueAvg:
		s := 0.0
		for _, n := range nums {
			s += n
		}
		return s / float64(len(nums)), true
	case sigma.ValueMin:
		return slices.Min(nums), true
	case sigma.ValueMax:
		return slices.Max(nums), true
	case sigma.ValuePercentile:
		slices.Sort(nums)
		// Nearest rank: the smallest value with at least p% of values at or below it.
		rank := int(math.Ceil(float64(cc.percentile) / 100 * float64(len(nums))))
		rank = min(max(rank, 1), len(nums))
		return nums[rank-1], true
	}
	return 0, false
}

// close decides a window of an upper-bounded correlation and removes the group.
func (c *Correlator) close(st *corrState, g *group, dst []CorrelationMatch) []CorrelationMatch {
	cc := st.cc
	if len(g.entries) > 0 {
		if v, ok := g.aggregate(cc); ok && cc.holds(v) {
			dst = c.fire(st, g, v, -1, dst)
		}
	}
	delete(st.groups, g.key)
	g.version++
	return dst
}

// fire emits a correlation match for the group and resets it.
func (c *Correlator) fire(st *corrState, g *group, v float64, seq int64, dst []CorrelationMatch) []CorrelationMatch {
	cc := st.cc
	cm := CorrelationMatch{Rule: cc.info, Type: cc.typ, Tenant: g.tenant, Value: v, Seq: seq, Dropped: g.dropped}
	if len(cc.groupBy) > 0 {
		cm.Group = make(map[string]string, len(cc.groupBy))
		for i, name := range cc.groupBy {
			if i < len(g.gvals) {
				cm.Group[name] = g.gvals[i]
			}
		}
	}
	for _, e := range g.entries {
		cm.Events = append(cm.Events, e.refs...)
		if cm.Start.IsZero() || e.t.Before(cm.Start) {
			cm.Start = e.t
		}
		if e.t.After(cm.End) {
			cm.End = e.t
		}
	}
	if !cc.info.Internal {
		dst = append(dst, cm)
	}
	delete(st.groups, g.key)
	g.version++
	// Chains: the firing is an event of the correlations that refer to it.
	for _, pf := range cc.parents {
		gv := make([]string, len(pf.gidx))
		var key strings.Builder
		if g.tenant != "" {
			key.WriteString(g.tenant)
			key.WriteByte(0x1e)
		}
		for i, idx := range pf.gidx {
			if i > 0 {
				key.WriteByte(0x1f)
			}
			if idx >= 0 && idx < len(g.gvals) {
				gv[i] = g.gvals[idx]
				key.WriteString(strings.ToLower(gv[i]))
			}
		}
		e := entry{t: cm.End, refs: cm.Events, slot: pf.slot, seq: seq,
			value: fmt.Sprint(v), hasV: true}
		dst = c.add(pf.corr, key.String(), gv, g.tenant, e, dst)
	}
	return dst
}

// addTemporal handles temporal and temporal_ordered correlations.
func (c *Correlator) addTemporal(st *corrState, g *group, e entry, dst []CorrelationMatch) []CorrelationMatch {
	cc := st.cc
	n := len(cc.slots)
	since := e.t.Add(-cc.span)
	if cc.typ == sigma.TemporalOrdered {
		if g.chains == nil {
			g.chains = make([]chain, n)
		}
		s := int(e.slot)
		if s == 0 {
			g.chains[0] = chain{ok: true, start: e.t, lastSeq: e.seq, refs: e.refs}
		} else if prev := g.chains[s-1]; prev.ok && !prev.start.Before(since) && prev.lastSeq < e.seq {
			if cur := g.chains[s]; !cur.ok || !cur.start.After(prev.start) {
				refs := append(slices.Clone(prev.refs), e.refs...)
				g.chains[s] = chain{ok: true, start: prev.start, lastSeq: e.seq, refs: refs}
			}
		}
		// The longest in-order prefix that is still inside the window.
		for k := n - 1; k >= 0; k-- {
			ch := g.chains[k]
			if !ch.ok || ch.start.Before(since) {
				continue
			}
			if cc.holds(float64(k + 1)) {
				g.entries = g.entries[:0]
				for _, r := range ch.refs {
					g.entries = append(g.entries, entry{t: r.Time, refs: []EventRef{r}})
				}
				return c.fire(st, g, float64(k+1), e.seq, dst)
			}
			break
		}
		return dst
	}
	if g.last == nil {
		g.last = make([]int, n)
		for i := range g.last {
			g.last[i] = -1
		}
	}
	g.entries = append(g.entries, e)
	g.last[e.slot] = len(g.entries) - 1
	// Forget what fell out of the window.
	seen := make([]bool, n)
	count := 0
	for s, idx := range g.last {
		if idx >= 0 && !g.entries[idx].t.Before(since) {
			seen[s] = true
			count++
		}
	}
	holds := false
	if cc.expr != nil {
		holds = evalSlots(cc.expr, seen)
	} else {
		holds = cc.holds(float64(count))
	}
	if !holds {
		// Compact: keep only the latest entry of each slot.
		if len(g.entries) > 4*n+16 {
			var kept []entry
			for s, idx := range g.last {
				if idx >= 0 {
					g.last[s] = len(kept)
					kept = append(kept, g.entries[idx])
				}
			}
			g.entries = kept
		}
		return dst
	}
	var kept []entry
	for s, idx := range g.last {
		if seen[s] {
			kept = append(kept, g.entries[idx])
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].t.Before(kept[j].t) })
	g.entries = kept
	return c.fire(st, g, float64(count), e.seq, dst)
}

func evalSlots(n *cnode, seen []bool) bool {
	switch n.op {
	case nSearch:
		return int(n.search) < len(seen) && seen[n.search]
	case nAnd:
		for _, k := range n.kids {
			if !evalSlots(k, seen) {
				return false
			}
		}
		return true
	case nOr:
		for _, k := range n.kids {
			if evalSlots(k, seen) {
				return true
			}
		}
		return false
	case nNot:
		return !evalSlots(n.kids[0], seen)
	case nOf:
		need, got := n.n, 0
		if need == 0 {
			need = len(n.kids)
		}
		for _, k := range n.kids {
			if evalSlots(k, seen) {
				got++
			}
		}
		return got >= need
	case nTrue:
		return true
	}
	return false
}

// sweep forgets groups whose every entry is older than the window, at most
// once per window length of stream time.
func (c *Correlator) sweep(st *corrState) {
	if c.now.Sub(st.lastSweep) < st.cc.span {
		return
	}
	st.lastSweep = c.now
	since := c.now.Add(-st.cc.span)
	for k, g := range st.groups {
		if st.cc.upper {
			continue // closed by their deadline
		}
		newest := time.Time{}
		for _, e := range g.entries {
			if e.t.After(newest) {
				newest = e.t
			}
		}
		for _, ch := range g.chains {
			if ch.ok && ch.start.After(newest) {
				newest = ch.start
			}
		}
		if newest.Before(since) {
			delete(st.groups, k)
		}
	}
}

// deadline is when an upper-bounded window closes.
type deadline struct {
	at      time.Time
	state   string
	group   string
	version int
}

type deadlines []deadline

func (d deadlines) Len() int           { return len(d) }
func (d deadlines) Less(i, j int) bool { return d[i].at.Before(d[j].at) }
func (d deadlines) Swap(i, j int)      { d[i], d[j] = d[j], d[i] }
func (d *deadlines) Push(x any)        { *d = append(*d, x.(deadline)) }
func (d *deadlines) Pop() any {
	old := *d
	x := old[len(old)-1]
	*d = old[:len(old)-1]
	return x
}
