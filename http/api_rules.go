package http

import (
	"net/http"
	"reflect"

	"bianque"
)

func init() {
	registerFeature("rules", (*Server).ruleRoutes)
	enums[reflect.TypeFor[bianque.ProtectionPhase]()] = []string{string(bianque.PhasePreparation), string(bianque.PhaseLive), string(bianque.PhaseClosing)}
}

// CustomRuleInput is the body of a custom rule upload: a Sigma YAML file
// (one or more documents) and the name it is kept under.
type CustomRuleInput struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

var ruleFilterParams = append([]Param{
	{Name: "q", Type: "string", Description: "text in ID, title, description, tags or file"},
	{Name: "level", Type: "string", Description: "the level the rule's alerts get for the hospital", Enum: enumValues(bianque.AlertLevels)},
	{Name: "enabled", Type: "boolean", Description: "runs for the hospital now"},
	{Name: "technique", Type: "string", Description: "ATT&CK technique (sub-techniques included)"},
	{Name: "tactic", Type: "string", Description: "ATT&CK tactic short name, e.g. credential-access"},
	{Name: "custom", Type: "boolean", Description: "the hospital's own rules"},
}, pageParams...)

func ruleFilter(r *http.Request) (bianque.RuleFilter, error) {
	pg, err := page(r)
	if err != nil {
		return bianque.RuleFilter{}, err
	}
	q := r.URL.Query()
	f := bianque.RuleFilter{Query: q.Get("q"), Level: bianque.AlertLevel(q.Get("level")), Technique: q.Get("technique"), Tactic: q.Get("tactic"), Page: pg}
	if f.Enabled, err = queryBool(r, "enabled"); err != nil {
		return f, err
	}
	if f.Custom, err = queryBool(r, "custom"); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) ruleRoutes() {
	svc := s.svc.Rules
	if svc == nil {
		return
	}
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	tb := "/api/v1/tenants/{tenant}"
	s.api(Route{Method: "GET", Path: tb + "/rules", ID: "rules.list", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "The rules as a hospital sees them: every platform rule and its own, with its decision on each (R3.1).",
		Query: ruleFilterParams, Result: bianque.RuleView{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := ruleFilter(r)
			if err != nil {
				return nil, err
			}
			list, next, err := svc.Rules(r.Context(), tenant(r), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list), NextCursor: next}, nil
		})
	s.api(Route{Method: "GET", Path: tb + "/rules/{rule}", ID: "rules.get", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "One rule as the hospital sees it.", Result: bianque.RuleView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Rule(r.Context(), tenant(r), r.PathValue("rule"))
		})
	s.api(Route{Method: "PUT", Path: tb + "/rules/{rule}", ID: "rules.set", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm:    bianque.PermRuleManage,
		Summary: "The hospital's setting of a rule: enabled true/false (null: the default) and a level override (empty: none).",
		Body:    bianque.RuleSetting{}, Result: bianque.RuleView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.RuleSetting
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			return svc.SetRule(r.Context(), tenant(r), r.PathValue("rule"), in)
		})
	s.api(Route{Method: "GET", Path: tb + "/coverage", ID: "rules.coverage", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "ATT&CK coverage of the rules that run for the hospital now, per tactic (R3.2).", Result: bianque.Coverage{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Coverage(r.Context(), tenant(r))
		})
	s.api(Route{Method: "GET", Path: tb + "/custom-rules", ID: "custom_rules.list", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "The hospital's custom Sigma rule files.", Result: bianque.CustomRule{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			list, err := svc.CustomRules(r.Context(), tenant(r))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list)}, nil
		})
	custom := func(r *http.Request) (*bianque.CustomRule, error) {
		var in CustomRuleInput
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		return &bianque.CustomRule{TenantID: tenant(r), Name: in.Name, Content: in.Content}, nil
	}
	s.api(Route{Method: "POST", Path: tb + "/custom-rules/check", ID: "custom_rules.check", Tag: "rules", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermRuleManage,
		Summary: "Compile a Sigma file with the hospital's other custom rules and the platform's; stores nothing. ok=false lists the problems with file and line.",
		Body:    CustomRuleInput{}, Result: bianque.RuleCheck{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			in, err := custom(r)
			if err != nil {
				return nil, err
			}
			return svc.CheckCustomRule(r.Context(), in)
		})
	s.api(Route{Method: "POST", Path: tb + "/custom-rules", ID: "custom_rules.save", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm:    bianque.PermRuleManage,
		Summary: "Upload a Sigma file (replacing the file of the same name): checked first, stored and installed on every node only when it compiles.",
		Body:    CustomRuleInput{}, Result: bianque.RuleCheck{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			in, err := custom(r)
			if err != nil {
				return nil, err
			}
			chk, err := svc.SaveCustomRule(r.Context(), in)
			if err != nil {
				return nil, err
			}
			return chk, nil
		})
	s.api(Route{Method: "DELETE", Path: tb + "/custom-rules/{custom}", ID: "custom_rules.delete", Tag: "rules", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermRuleManage, Summary: "Remove a custom rule file.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, svc.DeleteCustomRule(r.Context(), tenant(r), r.PathValue("custom"))
		})
	pp := tb + "/protection-periods"
	s.api(Route{Method: "GET", Path: pp, ID: "periods.list", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "The hospital's major-event protection periods (R3.7).", Result: bianque.ProtectionPeriod{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			list, err := svc.ProtectionPeriods(r.Context(), tenant(r))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list)}, nil
		})
	period := func(r *http.Request) (*bianque.ProtectionPeriod, error) {
		var p bianque.ProtectionPeriod
		if err := decode(r, &p); err != nil {
			return nil, err
		}
		p.TenantID = tenant(r)
		return &p, nil
	}
	s.api(Route{Method: "POST", Path: pp, ID: "periods.create", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm:    bianque.PermRuleManage,
		Summary: "Add a protection period: phase starts, end, extra rules switched on, level raise per phase, minimum level while live.",
		Body:    bianque.ProtectionPeriod{}, Result: bianque.ProtectionPeriod{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			p, err := period(r)
			if err != nil {
				return nil, err
			}
			p.ID = ""
			return svc.SaveProtectionPeriod(r.Context(), p)
		})
	s.api(Route{Method: "PUT", Path: pp + "/{period}", ID: "periods.update", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermRuleManage, Summary: "Replace a protection period.", Body: bianque.ProtectionPeriod{}, Result: bianque.ProtectionPeriod{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			p, err := period(r)
			if err != nil {
				return nil, err
			}
			p.ID = r.PathValue("period")
			return svc.SaveProtectionPeriod(r.Context(), p)
		})
	s.api(Route{Method: "DELETE", Path: pp + "/{period}", ID: "periods.delete", Tag: "rules", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermRuleManage, Summary: "Remove a protection period.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, svc.DeleteProtectionPeriod(r.Context(), tenant(r), r.PathValue("period"))
		})
	s.api(Route{Method: "GET", Path: "/api/v1/rules/status", ID: "rules.status", Tag: "rules", Access: Authenticated, Scope: ScopePlatform,
		Perm: bianque.PermRuleManage, Summary: "The rule directories this node runs, rule counts and the rules that did not load, with the reason.",
		Result: bianque.RuleSetStatus{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) { return svc.RuleStatus(r.Context()) })
	s.api(Route{Method: "POST", Path: "/api/v1/rules/reload", ID: "rules.reload", Tag: "rules", Access: Authenticated, Scope: ScopePlatform,
		Perm: bianque.PermRuleManage, Summary: "Re-read the rule directories now (every node follows within seconds); the swap drops no event.",
		Result: bianque.RuleSetStatus{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) { return svc.ReloadRules(r.Context()) })
}
