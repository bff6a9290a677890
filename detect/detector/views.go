package detector

import (
	"slices"
	"sort"
	"strings"

	"bianque"
	"bianque/detect"
	"bianque/detect/attack"
	"bianque/detect/ruleset"
	"bianque/detect/sigma"
)

// RuleViews returns the rules as the tenant sees them now: every platform
// rule and the tenant's own custom rules, with its decision on each.
// Rules that only feed correlations are left out (they raise nothing).
func (d *Detector) RuleViews(tenantID string) []*bianque.RuleView {
	rs := d.engine.Rules()
	now := d.clock.Now()
	period := d.mgr.ActivePeriod(tenantID, now)
	cfg := d.mgr.Config(tenantID)
	var out []*bianque.RuleView
	for _, r := range rs.Rules() {
		if r.Internal {
			continue
		}
		owner := d.mgr.Owner(r.ID)
		if owner != "" && owner != tenantID {
			continue
		}
		dec := d.mgr.Decide(tenantID, r)
		v := &bianque.RuleView{ID: r.ID, Title: r.Title, Description: r.Description, Status: r.Status, Author: r.Author,
			Level: bianque.AlertLevel(r.Level), Tags: r.Tags, Techniques: r.Techniques, Tactics: r.Tactics, References: r.References,
			FalsePositives: r.FalsePositives, Product: r.LogSource.Product, Category: r.LogSource.Category, Service: r.LogSource.Service,
			Source: d.displaySource(r.Source), Correlation: r.Kind == sigma.KindCorrelation, Custom: owner != "",
			Reserved: d.mgr.Reserved(r.ID), Enabled: dec.Enabled, EffectiveLevel: dec.Level, Setting: "default"}
		if !v.Level.Valid() {
			v.Level = bianque.LevelMedium
		}
		if cfg != nil {
			switch {
			case slices.Contains(cfg.Disabled, r.ID):
				v.Setting = "disabled"
			case slices.Contains(cfg.Enabled, r.ID):
				v.Setting = "enabled"
			}
			v.LevelOverride = cfg.Levels[r.ID]
		}
		v.InPeriod = period != nil && slices.Contains(period.ExtraRules, r.ID)
		out = append(out, v)
	}
	return out
}

// Coverage computes the tenant's ATT&CK coverage from the rules that run
// for it now.
func (d *Detector) Coverage(tenantID string) *bianque.Coverage {
	var tags []attack.RuleTags
	tactics := map[string][]string{} // without a matrix: tactic -> techniques
	techRules := map[string][]string{}
	n := 0
	for _, v := range d.RuleViews(tenantID) {
		if !v.Enabled {
			continue
		}
		n++
		tags = append(tags, attack.RuleTags{ID: v.ID, Techniques: v.Techniques})
		for _, t := range v.Techniques {
			techRules[t] = append(techRules[t], v.ID)
			for _, ta := range v.Tactics {
				if !slices.Contains(tactics[ta], t) {
					tactics[ta] = append(tactics[ta], t)
				}
			}
		}
	}
	out := &bianque.Coverage{TenantID: tenantID, Rules: n}
	if m := d.cfg.Matrix; m != nil {
		c := m.Coverage(tags)
		out.Version, out.Techniques, out.Covered, out.SubTechniques, out.SubCovered = c.Version, c.Techniques, c.Covered, c.SubTechniques, c.SubCovered
		out.Unknown, out.Outdated = c.Unknown, c.Outdated
		for _, tc := range c.ByTactic {
			bt := bianque.TacticCoverage{Tactic: tc.Tactic, Name: tc.Name, Techniques: tc.Techniques, Covered: tc.Covered}
			for _, it := range tc.Items {
				bt.Items = append(bt.Items, bianque.TechniqueCoverage{ID: it.ID, Name: it.Name, Rules: it.Rules})
			}
			out.ByTactic = append(out.ByTactic, bt)
		}
		return out
	}
	// No technique table: list what the rules cover under the tactics they
	// name, in the matrix's order.
	names := make([]string, 0, len(tactics))
	for ta := range tactics {
		names = append(names, ta)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := tacticOrder(names[i]), tacticOrder(names[j])
		if oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	covered := map[string]bool{}
	for _, ta := range names {
		ts := tactics[ta]
		sort.Strings(ts)
		bt := bianque.TacticCoverage{Tactic: ta, Name: tacticName(ta), Covered: len(ts)}
		for _, t := range ts {
			rules := slices.Clone(techRules[t])
			slices.Sort(rules)
			bt.Items = append(bt.Items, bianque.TechniqueCoverage{ID: t, Rules: slices.Compact(rules)})
			parent, _, _ := strings.Cut(t, ".")
			covered[parent] = true
		}
		out.ByTactic = append(out.ByTactic, bt)
	}
	out.Covered = len(covered)
	return out
}

// enterpriseTactics are the Enterprise tactics in matrix order (names for
// display when no technique table is loaded).
var enterpriseTactics = []struct{ short, name string }{
	{"reconnaissance", "Reconnaissance"}, {"resource-development", "Resource Development"}, {"initial-access", "Initial Access"},
	{"execution", "Execution"}, {"persistence", "Persistence"}, {"privilege-escalation", "Privilege Escalation"},
	{"defense-evasion", "Defense Evasion"}, {"credential-access", "Credential Access"}, {"discovery", "Discovery"},
	{"lateral-movement", "Lateral Movement"}, {"collection", "Collection"}, {"command-and-control", "Command and Control"},
	{"exfiltration", "Exfiltration"}, {"impact", "Impact"},
}

func tacticOrder(short string) int {
	for i, t := range enterpriseTactics {
		if t.short == short {
			return i
		}
	}
	return len(enterpriseTactics)
}

func tacticName(short string) string {
	for _, t := range enterpriseTactics {
		if t.short == short {
			return t.name
		}
	}
	return short
}

// CheckCustomRules compiles a tenant's custom files (the stored ones with
// the candidate replacing the file of its name) against the platform's
// rules, installing nothing.
func (d *Detector) CheckCustomRules(tenantID string, files []*bianque.CustomRule) *bianque.RuleCheck {
	cf := make([]ruleset.CustomFile, 0, len(files))
	for _, f := range files {
		cf = append(cf, ruleset.CustomFile{Name: f.Name, Content: f.Content})
	}
	infos, problems := d.mgr.CheckCustomRules(tenantID, cf)
	out := &bianque.RuleCheck{OK: len(problems) == 0}
	for _, p := range problems {
		out.Problems = append(out.Problems, bianque.RuleProblem{Source: p.File, Rule: p.Rule, Reason: p.Reason})
	}
	for _, ri := range infos {
		out.Rules = append(out.Rules, ruleInfoView(ri, d.displaySource(ri.Source)))
	}
	return out
}

func ruleInfoView(r *detect.RuleInfo, source string) *bianque.RuleView {
	v := &bianque.RuleView{ID: r.ID, Title: r.Title, Description: r.Description, Status: r.Status, Level: bianque.AlertLevel(r.Level),
		Tags: r.Tags, Techniques: r.Techniques, Tactics: r.Tactics, Product: r.LogSource.Product, Category: r.LogSource.Category,
		Service: r.LogSource.Service, Source: source, Correlation: r.Kind == sigma.KindCorrelation, Custom: true, Setting: "default"}
	if !v.Level.Valid() {
		v.Level = bianque.LevelMedium
	}
	return v
}
