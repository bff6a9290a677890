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
	"fmt"
	"slices"
	"sort"
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

// SetCustomRules replaces a tenant's custom rules with the documents of
// yamlDocs (one Sigma file, several documents allowed). Every document
// needs an ID that no base rule or other tenant uses, and must compile; on
// any error nothing changes and the error (EINVALID) says why.
func (m *Manager) SetCustomRules(tenant string, yamlDocs []byte) ([]*detect.RuleInfo, error) {
	if tenant == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "custom rules need a tenant")
	}
	rules, errs := sigma.Parse("custom:"+tenant, yamlDocs)
	if len(errs) > 0 {
		return nil, bianque.Errorf(bianque.EINVALID, "custom rule: %v", errs[0])
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	baseIDs := map[string]bool{}
	for _, r := range m.base {
		baseIDs[r.Key()] = true
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if r.ID == "" {
			return nil, bianque.Errorf(bianque.EINVALID, "custom rule %q has no id", r.Title)
		}
		if baseIDs[r.ID] {
			return nil, bianque.Errorf(bianque.ECONFLICT, "custom rule id %s is a built-in rule's", r.ID)
		}
		if o, ok := m.owner[r.ID]; ok && o != tenant {
			return nil, bianque.Errorf(bianque.ECONFLICT, "custom rule id %s belongs to another tenant", r.ID)
		}
		if seen[r.ID] {
			return nil, bianque.Errorf(bianque.EINVALID, "custom rule id %s appears twice", r.ID)
		}
		seen[r.ID] = true
	}
	// Compile with the base rules (correlations may refer to them) to check.
	trial := m.engine.Compile(append(slices.Clone(m.base), rules...))
	for _, e := range trial.Errors {
		if e.Source == "custom:"+tenant {
			return nil, bianque.Errorf(bianque.EINVALID, "custom rule %s: %s", e.Title, e.Reason)
		}
	}
	if old := m.custom[tenant]; old != nil {
		for _, r := range old.rules {
			delete(m.owner, r.ID)
		}
	}
	if len(rules) == 0 {
		delete(m.custom, tenant)
	} else {
		m.custom[tenant] = &customRules{rules: rules}
		for _, r := range rules {
			m.owner[r.ID] = tenant
		}
	}
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
