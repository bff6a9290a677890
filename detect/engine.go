// Package detect is the detection engine: Sigma rules (detection,
// correlation and filter rules; see package sigma) compiled once into
// matchers, routed by log source, and pre-filtered by one Aho-Corasick pass
// per field over the literal needles of every rule, so an event only
// evaluates the rules whose needles it contains.
//
// Engine.Match is stateless and safe for concurrent use; a Correlator keeps
// the windows of correlation rules for one ordered event stream. Rule sets
// are swapped atomically (Engine.Swap): events being matched finish on the
// set they started with, later events see the new one, none is dropped.
package detect

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bianque"
	"bianque/detect/logsource"
	"bianque/detect/sigma"
	"bianque/event"
)

// Options configure an Engine.
type Options struct {
	// Mapping holds the log source and field tables; nil means logsource.Default().
	Mapping *logsource.Mapping
	// Placeholders gives the values of %name% placeholders (the expand
	// modifier). An unresolved placeholder matches nothing and is reported
	// as a warning of the rule.
	Placeholders map[string][]string
	// Clock stamps events that carry no timestamp; nil means the system clock.
	Clock bianque.Clock
	// DisablePrefilter evaluates every rule of an event's log source on the
	// event, for differential tests and benchmarks of the prefilter.
	DisablePrefilter bool
}

// Engine matches events against the current rule set.
type Engine struct {
	mapping      *logsource.Mapping
	placeholders map[string][]string
	clock        bianque.Clock
	noPrefilter  bool
	cur          atomic.Pointer[RuleSet]
	scratch      sync.Pool
}

// New returns an engine with an empty rule set.
func New(opts Options) *Engine {
	e := &Engine{mapping: opts.Mapping, placeholders: opts.Placeholders, clock: opts.Clock, noPrefilter: opts.DisablePrefilter}
	if e.mapping == nil {
		e.mapping = logsource.Default()
	}
	if e.clock == nil {
		e.clock = bianque.SystemClock{}
	}
	e.cur.Store(e.Compile(nil))
	return e
}

// Mapping returns the engine's tables.
func (e *Engine) Mapping() *logsource.Mapping { return e.mapping }

// Rules returns the current rule set.
func (e *Engine) Rules() *RuleSet { return e.cur.Load() }

// Swap installs rs as the current rule set and returns the previous one.
// Matching never waits for a swap and no event is lost: each event is
// matched entirely against the set that was current when it started.
func (e *Engine) Swap(rs *RuleSet) *RuleSet {
	if rs.engine != e {
		panic("detect: rule set compiled by another engine")
	}
	return e.cur.Swap(rs)
}

// Load compiles rules and installs them; it returns the new set (whose
// Errors list the rules that did not compile).
func (e *Engine) Load(rules []*sigma.Rule) *RuleSet {
	rs := e.Compile(rules)
	e.Swap(rs)
	return rs
}

// RuleInfo is what a match reports about its rule.
type RuleInfo struct {
	ID             string          `json:"id"`
	Title          string          `json:"title"`
	Level          string          `json:"level"`
	Status         string          `json:"status,omitempty"`
	Description    string          `json:"description,omitempty"`
	Author         string          `json:"author,omitempty"`
	References     []string        `json:"references,omitempty"`
	FalsePositives []string        `json:"falsepositives,omitempty"`
	Tags           []string        `json:"tags,omitempty"`
	Techniques     []string        `json:"techniques,omitempty"` // ATT&CK IDs from attack.tNNNN tags, upper case
	Tactics        []string        `json:"tactics,omitempty"`    // ATT&CK tactic short names from tags
	LogSource      sigma.LogSource `json:"logsource"`
	Kind           sigma.Kind      `json:"-"`
	Source         string          `json:"source,omitempty"`
	// Internal rules feed correlations but report no match of their own
	// (referenced with generate: false, or the base of a legacy aggregation).
	Internal bool `json:"-"`
}

// Match is one rule matching one event.
type Match struct {
	Rule  *RuleInfo
	Event *event.Event
	// Time is the event's timestamp, or the engine clock when it has none.
	Time time.Time
	// Reason lists the search identifiers of the rule that matched the event.
	Reason []string

	feeds []feed
}

// feed is a match's contribution to one correlation.
type feed struct {
	corr   *ccorr
	slot   int32 // the position of the matched rule in the correlation's rules
	group  string
	gvals  []string
	tenant string
	value  string
	hasV   bool
}

// RuleError reports a rule that did not compile (or compiled with a caveat).
type RuleError struct {
	Source string `json:"source"`
	RuleID string `json:"rule_id,omitempty"`
	Title  string `json:"title,omitempty"`
	Reason string `json:"reason"`
}

func (e RuleError) Error() string {
	s := e.Source
	if e.RuleID != "" {
		s += " (" + e.RuleID + ")"
	}
	return s + ": " + e.Reason
}

// RuleSet is a compiled, immutable set of rules.
type RuleSet struct {
	engine *Engine
	rules  []*crule
	items  []*citem
	fields []string
	fidx   map[string]int32
	corrs  []*ccorr
	// Errors are rules that did not compile; Warnings compiled with a caveat.
	Errors   []RuleError
	Warnings []RuleError
	// Loaded counts the rules of each kind that compiled; Legacy counts the
	// detection rules with a Sigma v1 aggregation or near condition, which
	// run as correlations.
	Loaded map[sigma.Kind]int
	Legacy int

	planMu sync.Mutex
	plans  atomic.Pointer[[]*classPlan]
}

// Rules returns the rule information of every compiled rule (detection and
// correlation rules, internal ones excluded), in load order.
func (rs *RuleSet) Rules() []*RuleInfo {
	var out []*RuleInfo
	for _, r := range rs.rules {
		if !r.info.Internal && !r.hidden {
			out = append(out, r.info)
		}
	}
	for _, c := range rs.corrs {
		if !c.legacy {
			out = append(out, c.info)
		}
	}
	return out
}

// Len returns the number of detection rules compiled (internal ones included).
func (rs *RuleSet) Len() int { return len(rs.rules) }

// Correlations returns the number of correlation rules compiled.
func (rs *RuleSet) Correlations() int { return len(rs.corrs) }

// Match appends to dst the rules that match ev and returns the extended slice.
func (e *Engine) Match(ev *event.Event, dst []Match) []Match {
	rs := e.cur.Load()
	return rs.match(ev, dst)
}

// Match matches ev against this rule set (whether or not it is current).
func (rs *RuleSet) Match(ev *event.Event, dst []Match) []Match { return rs.match(ev, dst) }

func (rs *RuleSet) match(ev *event.Event, dst []Match) []Match {
	if len(rs.rules) == 0 {
		return dst
	}
	e := rs.engine
	d := e.getScratch(rs)
	defer e.scratch.Put(d)
	cls := e.mapping.Classify(ev)
	plan := rs.plan(cls)
	if len(plan.rules) == 0 {
		return dst
	}
	d.begin(ev, plan)
	cands := d.candidates()
	var ts time.Time
	haveTS := false
	for _, ri := range cands {
		r := rs.rules[ri]
		if !r.eval(d) {
			continue
		}
		if !haveTS {
			var ok bool
			if ts, ok = logsource.Timestamp(ev); !ok {
				ts = e.clock.Now()
			}
			haveTS = true
		}
		m := Match{Rule: r.info, Event: ev, Time: ts, Reason: r.reason(d)}
		for _, cf := range r.feeds {
			m.feeds = append(m.feeds, cf.make(d))
		}
		dst = append(dst, m)
	}
	return dst
}

// plan returns the routing and prefilter plan of a class, building it on
// first use.
func (rs *RuleSet) plan(cls *logsource.Class) *classPlan {
	if p := rs.plans.Load(); p != nil && cls.ID < len(*p) && (*p)[cls.ID] != nil {
		return (*p)[cls.ID]
	}
	rs.planMu.Lock()
	defer rs.planMu.Unlock()
	var cur []*classPlan
	if p := rs.plans.Load(); p != nil {
		cur = *p
	}
	if cls.ID < len(cur) && cur[cls.ID] != nil {
		return cur[cls.ID]
	}
	plan := rs.buildPlan(cls)
	next := make([]*classPlan, max(len(cur), cls.ID+1))
	copy(next, cur)
	next[cls.ID] = plan
	rs.plans.Store(&next)
	return plan
}

// Plans describes the class plans built so far, for diagnostics.
func (rs *RuleSet) Plans() []PlanInfo {
	p := rs.plans.Load()
	if p == nil {
		return nil
	}
	var out []PlanInfo
	for _, pl := range *p {
		if pl == nil {
			continue
		}
		pi := PlanInfo{Class: pl.cls.String(), Rules: len(pl.rules), Unfiltered: len(pl.always)}
		for _, f := range pl.scans {
			pi.Fields = append(pi.Fields, rs.fieldName(f.fid))
			pi.Needles += f.ac.Needles()
			pi.States += f.ac.States()
			pi.Bytes += f.ac.Bytes()
		}
		sort.Strings(pi.Fields)
		out = append(out, pi)
	}
	return out
}

// PlanInfo summarises the plan of one event class.
type PlanInfo struct {
	Class      string
	Rules      int      // rules of the class's log source
	Unfiltered int      // rules evaluated on every event (no literal needle)
	Fields     []string // fields scanned by the prefilter
	Needles    int
	States     int
	Bytes      int
}

func (rs *RuleSet) fieldName(fid int32) string {
	if fid < 0 {
		return "(keywords)"
	}
	return rs.fields[fid]
}

// techniques extracts ATT&CK technique IDs and tactics from Sigma tags.
func techniques(tags []string) (techs, tactics []string) {
	for _, t := range tags {
		lt := strings.ToLower(t)
		rest, ok := strings.CutPrefix(lt, "attack.")
		if !ok {
			continue
		}
		if len(rest) > 1 && rest[0] == 't' && rest[1] >= '0' && rest[1] <= '9' {
			id := strings.ToUpper(rest)
			if !slices.Contains(techs, id) {
				techs = append(techs, id)
			}
			continue
		}
		if len(rest) > 1 && (rest[0] == 'g' || rest[0] == 's') && rest[1] >= '0' && rest[1] <= '9' {
			continue // groups and software
		}
		tac := strings.ReplaceAll(rest, "_", "-")
		if !slices.Contains(tactics, tac) {
			tactics = append(tactics, tac)
		}
	}
	return techs, tactics
}

func newRuleInfo(r *sigma.Rule) *RuleInfo {
	techs, tactics := techniques(r.Tags)
	level := r.Level
	if level == "" {
		level = "medium"
	}
	return &RuleInfo{
		ID: r.Key(), Title: r.Title, Level: level, Status: r.Status, Description: r.Description,
		Author: r.Author, References: r.References, FalsePositives: r.FalsePositives, Tags: r.Tags,
		Techniques: techs, Tactics: tactics, LogSource: r.LogSource, Kind: r.Kind, Source: r.Source,
	}
}
