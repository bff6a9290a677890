// Package ruleset manages the rules of every tenant on one engine (R3.1,
// R3.2, R3.7): rule directories in SigmaHQ's layout, per-tenant enable and
// disable, custom rules of a tenant, level overrides, and major-event
// protection periods that switch on extra rules and raise levels while
// they last.
//
// All tenants share one compiled rule set: the engine's cost does not grow
// with the number of hospitals. The tenant's policy is applied to each
// match (Decide); changes recompile and swap the set without stopping
// matching.
package ruleset

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/detect"
	"bianque/detect/sigma"
)

// Source is a rule directory (or file) and how its rules apply.
type Source struct {
	Path string
	// Reserved rules run only for tenants that enable them or during a
	// protection period that lists them (e.g. noisy threat-hunting rules).
	Reserved bool
}

// Manager holds the rules and the tenants' policies.
type Manager struct {
	engine *detect.Engine
	clock  bianque.Clock

	mu       sync.RWMutex
	base     []*sigma.Rule
	reserved map[string]bool
	custom   map[string]*customRules // by tenant
	owner    map[string]string       // custom rule ID -> tenant
	configs  map[string]*bianque.RuleConfig
	periods  map[string][]*bianque.ProtectionPeriod
	errs     []detect.RuleError
}

type customRules struct {
	rules []*sigma.Rule
}

// New returns a manager driving engine; clock decides which protection
// periods are active.
func New(engine *detect.Engine, clock bianque.Clock) *Manager {
	if clock == nil {
		clock = bianque.SystemClock{}
	}
	return &Manager{
		engine: engine, clock: clock,
		reserved: map[string]bool{}, custom: map[string]*customRules{}, owner: map[string]string{},
		configs: map[string]*bianque.RuleConfig{}, periods: map[string][]*bianque.ProtectionPeriod{},
	}
}

// LoadSources reads the rule sources, replaces the base rules and installs
// the new rule set. Rules that do not parse or compile are returned (and
// kept in Errors); the others load.
func (m *Manager) LoadSources(sources ...Source) ([]detect.RuleError, error) {
	var base []*sigma.Rule
	var bad []detect.RuleError
	reserved := map[string]bool{}
	for _, s := range sources {
		rules, errs, err := detect.ReadRules(s.Path)
		if err != nil {
			return nil, err
		}
		bad = append(bad, errs...)
		for _, r := range rules {
			if s.Reserved {
				reserved[r.Key()] = true
			}
		}
		base = append(base, rules...)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.base, m.reserved = base, reserved
	rs := m.rebuildLocked()
	m.errs = append(bad, rs.Errors...)
	return m.errs, nil
}

// SetBase replaces the base rules with already parsed ones.
func (m *Manager) SetBase(rules []*sigma.Rule, reserved []string) []detect.RuleError {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.base = rules
	m.reserved = map[string]bool{}
	for _, id := range reserved {
		m.reserved[id] = true
	}
	rs := m.rebuildLocked()
	m.errs = rs.Errors
	return m.errs
}

// Errors returns the rules that did not load at the last change.
func (m *Manager) Errors() []detect.RuleError {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.errs)
}

func (m *Manager) all() []*sigma.Rule {
	out := slices.Clone(m.base)
	tenants := make([]string, 0, len(m.custom))
	for t := range m.custom {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		out = append(out, m.custom[t].rules...)
	}
	return out
}

func (m *Manager) rebuildLocked() *detect.RuleSet {
	rs := m.engine.Compile(m.all())
	m.engine.Swap(rs)
	return rs
}

// CustomFile is one file of a tenant's custom rules.
type CustomFile struct {
	Name    string
	Content string
}

// Problem is a custom rule that cannot be installed, with the reason.
type Problem struct {
	File   string
	Rule   string
	Reason string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File + ": ")
	}
	if p.Rule != "" {
		b.WriteString(p.Rule + ": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

func customSource(tenant, file string) string {
	if file == "" {
		return "custom:" + tenant
	}
	return "custom:" + tenant + "/" + file
}

func isCustomOf(source, tenant string) bool {
	base := "custom:" + tenant
	return source == base || strings.HasPrefix(source, base+"/")
}

// prepareLocked parses and checks a tenant's custom files against the base
// rules and the other tenants' rules: every document parses, has an ID
// nobody else uses, and compiles. The rules are returned with the problems;
// any problem means nothing may be installed.
func (m *Manager) prepareLocked(tenant string, files []CustomFile) ([]*sigma.Rule, *detect.RuleSet, []Problem) {
	var rules []*sigma.Rule
	var problems []Problem
	for _, f := range files {
		rs, errs := sigma.Parse(customSource(tenant, f.Name), []byte(f.Content))
		for _, e := range errs {
			reason := e.Error()
			var se *sigma.Error
			if errors.As(e, &se) {
				reason = se.Msg
				if se.Line > 0 {
					reason = fmt.Sprintf("line %d: %s", se.Line, se.Msg)
				}
			}
			problems = append(problems, Problem{File: f.Name, Reason: reason})
		}
		rules = append(rules, rs...)
	}
	baseIDs := map[string]bool{}
	for _, r := range m.base {
		baseIDs[r.Key()] = true
	}
	seen := map[string]bool{}
	fileOf := func(r *sigma.Rule) string {
		_, f, _ := strings.Cut(strings.TrimPrefix(r.Source, "custom:"), "/")
		return f
	}
	for _, r := range rules {
		switch {
		case r.ID == "":
			problems = append(problems, Problem{File: fileOf(r), Rule: r.Title, Reason: "a custom rule needs an id"})
		case baseIDs[r.ID]:
			problems = append(problems, Problem{File: fileOf(r), Rule: r.ID, Reason: "this id is a built-in rule's"})
		case m.owner[r.ID] != "" && m.owner[r.ID] != tenant:
			problems = append(problems, Problem{File: fileOf(r), Rule: r.ID, Reason: "this id belongs to another tenant's rule"})
		case seen[r.ID]:
			problems = append(problems, Problem{File: fileOf(r), Rule: r.ID, Reason: "this id appears twice"})
		}
		seen[r.ID] = true
	}
	if len(problems) > 0 {
		return rules, nil, problems
	}
	// Compile with the base rules (correlations may refer to them) to check.
	trial := m.engine.Compile(append(slices.Clone(m.base), rules...))
	for _, e := range trial.Errors {
		if isCustomOf(e.Source, tenant) {
			_, file, _ := strings.Cut(strings.TrimPrefix(e.Source, "custom:"), "/")
			problems = append(problems, Problem{File: file, Rule: e.Title, Reason: e.Reason})
		}
	}
	return rules, trial, problems
}

// CheckCustomRules compiles a tenant's custom files without installing
// them: the rules that compiled (as the engine describes them) and the
// problems found.
func (m *Manager) CheckCustomRules(tenant string, files []CustomFile) ([]*detect.RuleInfo, []Problem) {
	if tenant == "" {
		return nil, []Problem{{Reason: "custom rules need a tenant"}}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, trial, problems := m.prepareLocked(tenant, files)
	if trial == nil {
		return nil, problems
	}
	var infos []*detect.RuleInfo
	for _, ri := range trial.Rules() {
		if isCustomOf(ri.Source, tenant) {
			infos = append(infos, ri)
		}
	}
	return infos, problems
}

// SetCustomRuleFiles replaces a tenant's custom rules with those of files.
// On any problem nothing changes and the error (EINVALID, or ECONFLICT for
// an ID clash) names the first problem.
func (m *Manager) SetCustomRuleFiles(tenant string, files []CustomFile) ([]*detect.RuleInfo, error) {
	if tenant == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "custom rules need a tenant")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rules, _, problems := m.prepareLocked(tenant, files)
	if len(problems) > 0 {
		code := bianque.EINVALID
		if strings.Contains(problems[0].Reason, "built-in") || strings.Contains(problems[0].Reason, "another tenant") {
			code = bianque.ECONFLICT
		}
		more := ""
		if len(problems) > 1 {
			more = fmt.Sprintf(" (and %d more problems)", len(problems)-1)
		}
		return nil, bianque.Errorf(code, "custom rule %s%s", problems[0], more)
	}
	m.installCustomLocked(tenant, rules)
	rs := m.rebuildLocked()
	m.errs = rs.Errors
	var infos []*detect.RuleInfo
	for _, ri := range rs.Rules() {
		if m.owner[ri.ID] == tenant {
			infos = append(infos, ri)
		}
	}
	return infos, nil
}

func (m *Manager) installCustomLocked(tenant string, rules []*sigma.Rule) {
	if old := m.custom[tenant]; old != nil {
		for _, r := range old.rules {
			delete(m.owner, r.ID)
		}
	}
	if len(rules) == 0 {
		delete(m.custom, tenant)
		return
	}
	m.custom[tenant] = &customRules{rules: rules}
	for _, r := range rules {
		m.owner[r.ID] = tenant
	}
}

// SetAllCustomRules replaces every tenant's custom rules at once (one
// recompilation), as a node does when it loads them from the store.
// Tenants absent from files lose theirs; a tenant whose files have a
// problem keeps what it had, and the problem is returned under its ID.
func (m *Manager) SetAllCustomRules(files map[string][]CustomFile) map[string]error {
	m.mu.Lock()
	defer m.mu.Unlock()
	failed := map[string]error{}
	for t := range m.custom {
		if _, ok := files[t]; !ok {
			m.installCustomLocked(t, nil)
		}
	}
	tenants := make([]string, 0, len(files))
	for t := range files {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		rules, _, problems := m.prepareLocked(t, files[t])
		if len(problems) > 0 {
			failed[t] = bianque.Errorf(bianque.EINVALID, "custom rule %s", problems[0])
			continue
		}
		m.installCustomLocked(t, rules)
	}
	rs := m.rebuildLocked()
	m.errs = rs.Errors
	return failed
}

// SetCustomRules replaces a tenant's custom rules with the documents of
// yamlDocs (one Sigma file, several documents allowed). Every document
// needs an ID that no base rule or other tenant uses, and must compile; on
// any error nothing changes and the error (EINVALID) says why.
func (m *Manager) SetCustomRules(tenant string, yamlDocs []byte) ([]*detect.RuleInfo, error) {
	return m.SetCustomRuleFiles(tenant, []CustomFile{{Content: string(yamlDocs)}})
}

// Owner returns the tenant whose custom rule id is, or "".
func (m *Manager) Owner(id string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.owner[id]
}

// Reserved reports whether rule id runs only where enabled.
func (m *Manager) Reserved(id string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.reserved[id]
}

// CustomCount returns the number of custom rules installed.
func (m *Manager) CustomCount() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, c := range m.custom {
		n += len(c.rules)
	}
	return n
}

// ReplaceConfigs installs every tenant's settings at once; tenants absent
// from configs return to the defaults. Invalid settings are skipped and
// returned.
func (m *Manager) ReplaceConfigs(configs []*bianque.RuleConfig) []error {
	next := map[string]*bianque.RuleConfig{}
	var errs []error
	for _, c := range configs {
		if err := c.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("tenant %s: %w", c.TenantID, err))
			continue
		}
		cc := *c
		next[c.TenantID] = &cc
	}
	m.mu.Lock()
	m.configs = next
	m.mu.Unlock()
	return errs
}

// Config returns the tenant's settings in force (nil: defaults).
func (m *Manager) Config(tenant string) *bianque.RuleConfig {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.configs[tenant]
}

// ReplaceProtectionPeriods installs every tenant's periods at once.
// Invalid periods are skipped and returned.
func (m *Manager) ReplaceProtectionPeriods(periods []*bianque.ProtectionPeriod) []error {
	next := map[string][]*bianque.ProtectionPeriod{}
	var errs []error
	for _, p := range periods {
		if err := p.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("protection period %s: %w", p.ID, err))
			continue
		}
		pp := *p
		next[p.TenantID] = append(next[p.TenantID], &pp)
	}
	m.mu.Lock()
	m.periods = next
	m.mu.Unlock()
	return errs
}

// SetConfig replaces a tenant's rule configuration.
func (m *Manager) SetConfig(c bianque.RuleConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.configs[c.TenantID] = &c
	return nil
}

// SetProtectionPeriod adds or replaces (by ID) a tenant's protection period.
func (m *Manager) SetProtectionPeriod(p bianque.ProtectionPeriod) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.ID == "" {
		return bianque.Errorf(bianque.EINVALID, "protection period id is required")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.periods[p.TenantID]
	list = slices.DeleteFunc(list, func(x *bianque.ProtectionPeriod) bool { return x.ID == p.ID })
	m.periods[p.TenantID] = append(list, &p)
	return nil
}

// RemoveProtectionPeriod deletes a protection period.
func (m *Manager) RemoveProtectionPeriod(tenant, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.periods[tenant] = slices.DeleteFunc(m.periods[tenant], func(x *bianque.ProtectionPeriod) bool { return x.ID == id })
}

// ActivePeriod returns the tenant's protection period in force at t, if any.
func (m *Manager) ActivePeriod(tenant string, t time.Time) *bianque.ProtectionPeriod {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.activeLocked(tenant, t)
}

func (m *Manager) activeLocked(tenant string, t time.Time) *bianque.ProtectionPeriod {
	for _, p := range m.periods[tenant] {
		if p.Phase(t) != "" {
			return p
		}
	}
	return nil
}

// Decision is a tenant's verdict on one rule now.
type Decision struct {
	Enabled bool
	Level   bianque.AlertLevel
	// Period and Phase are set during a protection period.
	Period *bianque.ProtectionPeriod
	Phase  bianque.ProtectionPhase
}

// Decide applies the tenant's policy to a rule at the manager's clock:
// whether the rule runs for the tenant and the level its alerts get.
func (m *Manager) Decide(tenant string, r *detect.RuleInfo) Decision {
	now := m.clock.Now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.decideLocked(tenant, r, now)
}

func (m *Manager) decideLocked(tenant string, r *detect.RuleInfo, now time.Time) Decision {
	d := Decision{Level: bianque.AlertLevel(r.Level)}
	if !d.Level.Valid() {
		d.Level = bianque.LevelMedium
	}
	if o, ok := m.owner[r.ID]; ok && o != tenant {
		return d // another tenant's custom rule
	}
	cfg := m.configs[tenant]
	p := m.activeLocked(tenant, now)
	d.Enabled = !m.reserved[r.ID]
	if cfg != nil {
		if slices.Contains(cfg.Enabled, r.ID) {
			d.Enabled = true
		}
		if slices.Contains(cfg.Disabled, r.ID) {
			d.Enabled = false
		}
		if l, ok := cfg.Levels[r.ID]; ok {
			d.Level = l
		}
	}
	if p != nil {
		d.Period, d.Phase = p, p.Phase(now)
		if slices.Contains(p.ExtraRules, r.ID) {
			d.Enabled = true
		}
		d.Level = p.AdjustLevel(d.Level, now)
	}
	return d
}

// Effective returns the rules that run for the tenant now (for coverage).
func (m *Manager) Effective(tenant string) []*detect.RuleInfo {
	now := m.clock.Now()
	rs := m.engine.Rules()
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*detect.RuleInfo
	for _, r := range rs.Rules() {
		if m.decideLocked(tenant, r, now).Enabled {
			out = append(out, r)
		}
	}
	return out
}

// String describes the manager's state.
func (m *Manager) String() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, c := range m.custom {
		n += len(c.rules)
	}
	return fmt.Sprintf("%d base rules (%d reserved), %d custom rules of %d tenants", len(m.base), len(m.reserved), n, len(m.custom))
}
