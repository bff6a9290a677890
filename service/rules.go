package service

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"bianque"
)

// DetectionRuntime is this node's detection as the rule service needs it
// (detect/detector.Detector implements it): the rules compiled with the
// tenants' settings, coverage, compile checks, and reloads.
type DetectionRuntime interface {
	Refresher
	RuleViews(tenantID string) []*bianque.RuleView
	Coverage(tenantID string) *bianque.Coverage
	CheckCustomRules(tenantID string, files []*bianque.CustomRule) *bianque.RuleCheck
	Status() *bianque.RuleSetStatus
	Reload(ctx context.Context) (*bianque.RuleSetStatus, error)
}

// RuleService manages the tenants' rules (R3.1, R3.2, R3.7): the rule list
// with each tenant's decision, enable/disable and level overrides, custom
// rules (checked by compiling them with the platform's rules), protection
// periods, ATT&CK coverage, and reloads of the rule directories. Reading
// needs alert.read; changing needs rule.manage; reloading is platform-wide
// (rule.manage, provider staff).
type RuleService struct {
	*core
	Detection DetectionRuntime
}

// NewRuleService returns the rule service over the services' store and
// this node's detection (nil: settings are kept, but rules, coverage and
// checks are unavailable).
func NewRuleService(s *Services, rt DetectionRuntime) *RuleService {
	return &RuleService{core: s.Tickets.core, Detection: rt}
}

var _ bianque.RuleService = (*RuleService)(nil)

func (s *RuleService) rules() (bianque.RuleStore, error) {
	rs, ok := s.store.(bianque.RuleStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no rule settings")
	}
	return rs, nil
}

func (s *RuleService) runtime() (DetectionRuntime, error) {
	if s.Detection == nil {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "detection is not running on this node (start it with --rules)")
	}
	return s.Detection, nil
}

func (s *RuleService) authorize(ctx context.Context, perm bianque.Permission, tenantID string) (*bianque.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return p, p.Authorize(perm, tenantID)
}

// ruleMatches applies a RuleFilter to one view.
func ruleMatches(v *bianque.RuleView, f bianque.RuleFilter) bool {
	if f.Level != "" && v.EffectiveLevel != f.Level {
		return false
	}
	if f.Enabled != nil && v.Enabled != *f.Enabled {
		return false
	}
	if f.Custom != nil && v.Custom != *f.Custom {
		return false
	}
	if f.Tactic != "" && !slices.Contains(v.Tactics, f.Tactic) {
		return false
	}
	if f.Technique != "" {
		t := strings.ToUpper(f.Technique)
		if !slices.ContainsFunc(v.Techniques, func(x string) bool { return x == t || strings.HasPrefix(x, t+".") }) {
			return false
		}
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		hay := strings.ToLower(v.ID + "\x00" + v.Title + "\x00" + v.Description + "\x00" + strings.Join(v.Tags, " ") + "\x00" + v.Source)
		if !strings.Contains(hay, q) {
			return false
		}
	}
	return true
}

// Rules lists the rules as the tenant sees them, filtered, in rule-set
// order; the cursor is a position. Needs alert.read.
func (s *RuleService) Rules(ctx context.Context, tenantID string, f bianque.RuleFilter) ([]*bianque.RuleView, string, error) {
	if _, err := s.authorize(ctx, bianque.PermAlertRead, tenantID); err != nil {
		return nil, "", err
	}
	rt, err := s.runtime()
	if err != nil {
		return nil, "", err
	}
	if f.Level != "" && !f.Level.Valid() {
		return nil, "", bianque.Errorf(bianque.EINVALID, "level %q is unknown", f.Level)
	}
	pg := f.Page.Normalize()
	start := 0
	if pg.Cursor != "" {
		if start, err = strconv.Atoi(pg.Cursor); err != nil || start < 0 {
			return nil, "", bianque.Errorf(bianque.EINVALID, "cursor %q is not a rule list position", pg.Cursor)
		}
	}
	var out []*bianque.RuleView
	next := ""
	i := 0
	for _, v := range rt.RuleViews(tenantID) {
		if !ruleMatches(v, f) {
			continue
		}
		if i >= start {
			if len(out) == pg.Limit {
				next = strconv.Itoa(i)
				break
			}
			out = append(out, v)
		}
		i++
	}
	return out, next, s.auditRead(ctx, tenantID, "rule.list", "rule", "")
}

// Rule returns one rule as the tenant sees it. Needs alert.read.
func (s *RuleService) Rule(ctx context.Context, tenantID, id string) (*bianque.RuleView, error) {
	if _, err := s.authorize(ctx, bianque.PermAlertRead, tenantID); err != nil {
		return nil, err
	}
	v, err := s.view(tenantID, id)
	if err != nil {
		return nil, err
	}
	return v, s.auditRead(ctx, tenantID, "rule.read", "rule", id)
}

func (s *RuleService) view(tenantID, id string) (*bianque.RuleView, error) {
	rt, err := s.runtime()
	if err != nil {
		return nil, err
	}
	for _, v := range rt.RuleViews(tenantID) {
		if v.ID == id {
			return v, nil
		}
	}
	return nil, notFound("rule")
}

// SetRule changes the tenant's setting of one rule: enabled, disabled or
// back to its default (Enabled nil), and its level override ("" none).
// Needs rule.manage.
func (s *RuleService) SetRule(ctx context.Context, tenantID, id string, in bianque.RuleSetting) (*bianque.RuleView, error) {
	p, err := s.authorize(ctx, bianque.PermRuleManage, tenantID)
	if err != nil {
		return nil, err
	}
	if in.Level != "" && !in.Level.Valid() {
		return nil, bianque.Errorf(bianque.EINVALID, "level %q is unknown", in.Level)
	}
	if _, err := s.view(tenantID, id); err != nil {
		return nil, err
	}
	rs, err := s.rules()
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if _, err := rs.UpdateRuleConfig(ctx, tenantID, func(c *bianque.RuleConfig) error {
		c.Enabled = slices.DeleteFunc(c.Enabled, func(x string) bool { return x == id })
		c.Disabled = slices.DeleteFunc(c.Disabled, func(x string) bool { return x == id })
		if in.Enabled != nil && *in.Enabled {
			c.Enabled = append(c.Enabled, id)
		} else if in.Enabled != nil {
			c.Disabled = append(c.Disabled, id)
		}
		if in.Level != "" {
			if c.Levels == nil {
				c.Levels = map[string]bianque.AlertLevel{}
			}
			c.Levels[id] = in.Level
		} else {
			delete(c.Levels, id)
		}
		c.UpdatedAt, c.UpdatedBy = now, p.Username
		return nil
	}); err != nil {
		return nil, err
	}
	setting := "default"
	if in.Enabled != nil {
		setting = map[bool]string{true: "enabled", false: "disabled"}[*in.Enabled]
	}
	if err := s.audit(ctx, tenantID, "rule.set", "rule", id, map[string]any{"setting": setting, "level": in.Level}); err != nil {
		return nil, err
	}
	s.refresh(ctx, s.Detection)
	return s.view(tenantID, id)
}

// Coverage returns the tenant's ATT&CK coverage. Needs alert.read.
func (s *RuleService) Coverage(ctx context.Context, tenantID string) (*bianque.Coverage, error) {
	if _, err := s.authorize(ctx, bianque.PermAlertRead, tenantID); err != nil {
		return nil, err
	}
	rt, err := s.runtime()
	if err != nil {
		return nil, err
	}
	return rt.Coverage(tenantID), s.auditRead(ctx, tenantID, "rule.coverage", "tenant", tenantID)
}

// CustomRules lists the tenant's custom rule files. Needs alert.read.
func (s *RuleService) CustomRules(ctx context.Context, tenantID string) ([]*bianque.CustomRule, error) {
	return listRuleSettings(ctx, s, tenantID, "rule.custom.list", "custom_rule", bianque.RuleStore.CustomRules)
}

// listRuleSettings reads one kind of the tenant's rule settings for a
// person allowed to read its alerts, and audits the read.
func listRuleSettings[T any](ctx context.Context, s *RuleService, tenantID, action, kind string,
	list func(bianque.RuleStore, context.Context, string) ([]T, error)) ([]T, error) {
	if _, err := s.authorize(ctx, bianque.PermAlertRead, tenantID); err != nil {
		return nil, err
	}
	rs, err := s.rules()
	if err != nil {
		return nil, err
	}
	out, err := list(rs, ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return out, s.auditRead(ctx, tenantID, action, kind, "")
}

// CheckCustomRule compiles a file with the tenant's other custom files and
// the platform's rules, storing nothing. Needs rule.manage.
func (s *RuleService) CheckCustomRule(ctx context.Context, r *bianque.CustomRule) (*bianque.RuleCheck, error) {
	if _, err := s.authorize(ctx, bianque.PermRuleManage, r.TenantID); err != nil {
		return nil, err
	}
	return s.check(ctx, r)
}

func (s *RuleService) check(ctx context.Context, r *bianque.CustomRule) (*bianque.RuleCheck, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	rt, err := s.runtime()
	if err != nil {
		return nil, err
	}
	rs, err := s.rules()
	if err != nil {
		return nil, err
	}
	stored, err := rs.CustomRules(ctx, r.TenantID)
	if err != nil {
		return nil, err
	}
	files := []*bianque.CustomRule{r}
	for _, f := range stored {
		if f.Name != r.Name {
			files = append(files, f)
		}
	}
	chk := rt.CheckCustomRules(r.TenantID, files)
	own := chk.Rules[:0:0]
	for _, v := range chk.Rules {
		if v.Source == "custom/"+r.Name {
			own = append(own, v)
		}
	}
	chk.Rules = own
	if chk.OK && len(own) == 0 {
		chk.OK = false
		chk.Problems = append(chk.Problems, bianque.RuleProblem{Source: r.Name, Reason: "the file holds no rule"})
	}
	return chk, nil
}

// SaveCustomRule checks the file and, when it compiles, stores it (a file
// of the same name is replaced) and installs it. A file that does not
// compile is not stored: the result lists the problems and the error is
// EINVALID. Needs rule.manage.
func (s *RuleService) SaveCustomRule(ctx context.Context, r *bianque.CustomRule) (*bianque.RuleCheck, error) {
	p, err := s.authorize(ctx, bianque.PermRuleManage, r.TenantID)
	if err != nil {
		return nil, err
	}
	chk, err := s.check(ctx, r)
	if err != nil {
		return nil, err
	}
	if !chk.OK {
		msgs := make([]string, 0, 3)
		for _, pr := range chk.Problems[:min(3, len(chk.Problems))] {
			msgs = append(msgs, problemText(pr))
		}
		more := ""
		if len(chk.Problems) > 3 {
			more = "; …"
		}
		return chk, bianque.Errorf(bianque.EINVALID, "the rule file does not compile: %s%s", strings.Join(msgs, "; "), more)
	}
	rs, err := s.rules()
	if err != nil {
		return nil, err
	}
	r.RuleIDs, r.Titles = nil, nil
	for _, v := range chk.Rules {
		r.RuleIDs = append(r.RuleIDs, v.ID)
		r.Titles = append(r.Titles, v.Title)
	}
	r.CreatedBy = p.Username
	if err := rs.PutCustomRule(ctx, r); err != nil {
		return nil, err
	}
	chk.Saved = r
	if err := s.audit(ctx, r.TenantID, "rule.custom.save", "custom_rule", r.ID, map[string]any{"name": r.Name, "rules": r.RuleIDs}); err != nil {
		return nil, err
	}
	s.refresh(ctx, s.Detection)
	return chk, nil
}

func problemText(p bianque.RuleProblem) string {
	var parts []string
	for _, x := range []string{p.Source, p.Rule, p.Reason} {
		if x != "" {
			parts = append(parts, x)
		}
	}
	return strings.Join(parts, ": ")
}

// DeleteCustomRule removes a custom rule file. Needs rule.manage.
func (s *RuleService) DeleteCustomRule(ctx context.Context, tenantID, id string) error {
	return s.deleteRuleSetting(ctx, tenantID, id, "rule.custom.delete", "custom_rule", bianque.RuleStore.DeleteCustomRule)
}

// deleteRuleSetting removes one of the tenant's rule settings, audits it and
// has the detection engine pick the change up.
func (s *RuleService) deleteRuleSetting(ctx context.Context, tenantID, id, action, kind string,
	del func(bianque.RuleStore, context.Context, string, string) error) error {
	if _, err := s.authorize(ctx, bianque.PermRuleManage, tenantID); err != nil {
		return err
	}
	rs, err := s.rules()
	if err != nil {
		return err
	}
	if err := del(rs, ctx, tenantID, id); err != nil {
		return err
	}
	if err := s.audit(ctx, tenantID, action, kind, id, nil); err != nil {
		return err
	}
	s.refresh(ctx, s.Detection)
	return nil
}

// ProtectionPeriods lists the tenant's protection periods. Needs alert.read.
func (s *RuleService) ProtectionPeriods(ctx context.Context, tenantID string) ([]*bianque.ProtectionPeriod, error) {
	return listRuleSettings(ctx, s, tenantID, "rule.period.list", "protection_period", bianque.RuleStore.ProtectionPeriods)
}

// SaveProtectionPeriod creates (empty ID) or replaces a protection period.
// Its extra rules must be rules the platform runs. Needs rule.manage.
func (s *RuleService) SaveProtectionPeriod(ctx context.Context, p *bianque.ProtectionPeriod) (*bianque.ProtectionPeriod, error) {
	if _, err := s.authorize(ctx, bianque.PermRuleManage, p.TenantID); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if rt := s.Detection; rt != nil && len(p.ExtraRules) > 0 {
		known := map[string]bool{}
		for _, v := range rt.RuleViews(p.TenantID) {
			known[v.ID] = true
		}
		for _, id := range p.ExtraRules {
			if !known[id] {
				return nil, bianque.Errorf(bianque.EINVALID, "extra rule %q is not a rule the platform runs", id)
			}
		}
	}
	rs, err := s.rules()
	if err != nil {
		return nil, err
	}
	action := "rule.period.update"
	if p.ID == "" {
		action = "rule.period.create"
	}
	if err := rs.PutProtectionPeriod(ctx, p); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, p.TenantID, action, "protection_period", p.ID, map[string]any{"name": p.Name,
		"preparation_start": p.PreparationStart, "live_start": p.LiveStart, "closing_start": p.ClosingStart, "end": p.End,
		"extra_rules": p.ExtraRules, "level_raise": p.LevelRaise, "min_level": p.MinLevel}); err != nil {
		return nil, err
	}
	s.refresh(ctx, s.Detection)
	return p, nil
}

// DeleteProtectionPeriod removes a protection period. Needs rule.manage.
func (s *RuleService) DeleteProtectionPeriod(ctx context.Context, tenantID, id string) error {
	return s.deleteRuleSetting(ctx, tenantID, id, "rule.period.delete", "protection_period", bianque.RuleStore.DeleteProtectionPeriod)
}

// RuleStatus describes the rules this node runs. Needs rule.manage (provider staff).
func (s *RuleService) RuleStatus(ctx context.Context) (*bianque.RuleSetStatus, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.AuthorizePlatform(bianque.PermRuleManage); err != nil {
		return nil, err
	}
	rt, err := s.runtime()
	if err != nil {
		return nil, err
	}
	return rt.Status(), nil
}

// ReloadRules re-reads the rule directories on this node and asks every
// other node to. Needs rule.manage (provider staff).
func (s *RuleService) ReloadRules(ctx context.Context) (*bianque.RuleSetStatus, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.AuthorizePlatform(bianque.PermRuleManage); err != nil {
		return nil, err
	}
	rt, err := s.runtime()
	if err != nil {
		return nil, err
	}
	st, err := rt.Reload(ctx)
	if err != nil {
		return nil, err
	}
	return st, s.audit(ctx, "", "rule.reload", "rules", "", map[string]any{"rules": st.Rules, "problems": st.ProblemCount})
}
