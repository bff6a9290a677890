package http

import (
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bianque"
	"bianque/i18n"
)

func init() { registerFeature("portal_rules", (*Server).portalRulePages) }

// rulesTabs is what every rule page shows on top: the hospital selector and
// the sub-pages.
type rulesTabs struct {
	Tenants []*bianque.Tenant
	Tenant  *bianque.Tenant
	Tab     string
}

type rulesPage struct {
	rulesTabs
	Rows    []*bianque.RuleView
	NextURL string
	Filter  map[string]string
	Levels  []bianque.AlertLevel
	Tactics []string
}

type coveragePage struct {
	rulesTabs
	Coverage *bianque.Coverage
	Chart    template.JS
	Percent  int
}

type customRulesPage struct {
	rulesTabs
	Files []*bianque.CustomRule
	Check *bianque.RuleCheck
	// Name and Content refill the form after a failed check.
	Name, Content string
	Error         string
}

type periodsPage struct {
	rulesTabs
	Periods []*bianque.ProtectionPeriod
	Phase   map[string]bianque.ProtectionPhase
	Levels  []bianque.AlertLevel
	Now     time.Time
}

type ruleStatusPage struct {
	Status *bianque.RuleSetStatus
}

func rulesURL(tab, tenant string, extra string) string {
	p := "/rules"
	if tab != "" && tab != "rules" {
		p += "/" + tab
	}
	return p + "?tenant=" + url.QueryEscape(tenant) + extra
}

// datetimeLocal reads an <input type="datetime-local"> value in the display zone.
func datetimeLocal(name, v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, displayZone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, bianque.Errorf(bianque.EINVALID, "%s: %q is not a date and time", name, v)
}

func (s *Server) portalRulePages() {
	svc := s.svc.Rules
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.rules", Path: "/rules", Perm: bianque.PermAlertRead, Order: 40})
	tabs := func(r *http.Request, tab string) (rulesTabs, error) {
		tn, list, err := s.pickTenant(r)
		return rulesTabs{Tenants: list, Tenant: tn, Tab: tab}, err
	}
	s.page("GET", "/rules", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		t, err := tabs(r, "rules")
		if err != nil {
			return err
		}
		q := r.URL.Query()
		pg := &rulesPage{rulesTabs: t, Levels: bianque.AlertLevels, Filter: map[string]string{},
			Tactics: []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
				"defense-evasion", "credential-access", "discovery", "lateral-movement", "collection", "command-and-control", "exfiltration", "impact"}}
		for _, k := range []string{"q", "level", "enabled", "technique", "tactic", "custom"} {
			pg.Filter[k] = q.Get(k)
		}
		if t.Tenant != nil {
			f, err := ruleFilter(r)
			if err != nil {
				return err
			}
			var next string
			if pg.Rows, next, err = svc.Rules(r.Context(), t.Tenant.ID, f); err != nil {
				return err
			}
			if next != "" {
				nq := r.URL.Query()
				nq.Set("cursor", next)
				nq.Set("tenant", t.Tenant.ID)
				pg.NextURL = "/rules?" + nq.Encode()
			}
		}
		return s.render(w, r, http.StatusOK, "rules", "rules.title", pg)
	})
	back := func(w http.ResponseWriter, r *http.Request, target string, err error, done string) error {
		sep := "&"
		if !strings.Contains(target, "?") {
			sep = "?"
		}
		if err != nil {
			switch bianque.ErrorCode(err) {
			case bianque.EINVALID, bianque.ECONFLICT, bianque.EFORBIDDEN, bianque.EUNAVAILABLE:
				if bianque.ErrorCode(err) == bianque.EFORBIDDEN && !principalOf(r).SeesTenant(r.PathValue("tenant")) {
					return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
				}
				redirect(w, r, target+sep+"error="+url.QueryEscape(bianque.ErrorMessage(err)))
				return nil
			}
			return err
		}
		redirect(w, r, target+sep+"done="+url.QueryEscape(done))
		return nil
	}
	s.page("POST", "/t/{tenant}/rules/{rule}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("rule")
		in := bianque.RuleSetting{Level: bianque.AlertLevel(r.PostFormValue("level"))}
		switch r.PostFormValue("setting") {
		case "enabled":
			in.Enabled = new(bool)
			*in.Enabled = true
		case "disabled":
			in.Enabled = new(bool)
		}
		_, err := svc.SetRule(r.Context(), tenant, id, in)
		target := "/rules?" + r.PostFormValue("back")
		if r.PostFormValue("back") == "" {
			target = rulesURL("rules", tenant, "")
		}
		return back(w, r, target, err, "saved")
	})
	s.page("GET", "/rules/coverage", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		t, err := tabs(r, "coverage")
		if err != nil {
			return err
		}
		pg := &coveragePage{rulesTabs: t}
		if t.Tenant != nil {
			if pg.Coverage, err = svc.Coverage(r.Context(), t.Tenant.ID); err != nil {
				return err
			}
			type chart struct {
				Tactics   []string `json:"tactics"`
				Covered   []int    `json:"covered"`
				Uncovered []int    `json:"uncovered"`
				Labels    []string `json:"labels"`
			}
			lang := s.lang(r, nil)
			c := chart{Labels: []string{i18n.T(lang, "coverage.covered"), i18n.T(lang, "coverage.uncovered")}}
			for _, tc := range pg.Coverage.ByTactic {
				c.Tactics = append(c.Tactics, tc.Name)
				c.Covered = append(c.Covered, tc.Covered)
				c.Uncovered = append(c.Uncovered, max(tc.Techniques-tc.Covered, 0))
			}
			if pg.Chart, err = jsonData(c); err != nil {
				return err
			}
			if pg.Coverage.Techniques > 0 {
				pg.Percent = pg.Coverage.Covered * 100 / pg.Coverage.Techniques
			}
		}
		return s.render(w, r, http.StatusOK, "coverage", "coverage.title", pg)
	})
	customPage := func(w http.ResponseWriter, r *http.Request, t rulesTabs, status int, pg *customRulesPage) error {
		pg.rulesTabs = t
		if t.Tenant != nil {
			var err error
			if pg.Files, err = svc.CustomRules(r.Context(), t.Tenant.ID); err != nil {
				return err
			}
		}
		return s.render(w, r, status, "custom_rules", "custom.title", pg)
	}
	s.page("GET", "/rules/custom", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		t, err := tabs(r, "custom")
		if err != nil {
			return err
		}
		return customPage(w, r, t, http.StatusOK, &customRulesPage{})
	})
	s.page("POST", "/t/{tenant}/custom-rules", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		tn := s.tenantNames(r.Context())[tenant]
		if tn == nil {
			return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
		}
		t := rulesTabs{Tenants: sortedTenants(s.tenantNames(r.Context())), Tenant: tn, Tab: "custom"}
		in := &bianque.CustomRule{TenantID: tenant, Name: r.FormValue("name"), Content: r.FormValue("content")}
		if f, hdr, err := r.FormFile("file"); err == nil {
			data, err := io.ReadAll(io.LimitReader(f, bianque.MaxCustomRuleSize+1))
			f.Close()
			if err != nil {
				return bianque.Errorf(bianque.EINVALID, "read the file: %v", err)
			}
			if len(data) > 0 {
				in.Content = string(data)
				if strings.TrimSpace(in.Name) == "" {
					in.Name = hdr.Filename
				}
			}
		}
		pg := &customRulesPage{Name: in.Name, Content: in.Content}
		var err error
		if r.FormValue("check") != "" {
			pg.Check, err = svc.CheckCustomRule(r.Context(), in)
		} else {
			pg.Check, err = svc.SaveCustomRule(r.Context(), in)
		}
		status := http.StatusOK
		if err != nil {
			switch bianque.ErrorCode(err) {
			case bianque.EINVALID, bianque.ECONFLICT, bianque.EUNAVAILABLE, bianque.EFORBIDDEN:
				pg.Error, status = bianque.ErrorMessage(err), ErrorStatus(err)
			default:
				return err
			}
		}
		if pg.Check != nil && pg.Check.Saved != nil {
			pg.Name, pg.Content = "", ""
		}
		return customPage(w, r, t, status, pg)
	})
	s.page("POST", "/t/{tenant}/custom-rules/{custom}/delete", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		return back(w, r, rulesURL("custom", tenant, ""), svc.DeleteCustomRule(r.Context(), tenant, r.PathValue("custom")), "deleted")
	})
	s.page("GET", "/rules/periods", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		t, err := tabs(r, "periods")
		if err != nil {
			return err
		}
		now := s.clock.Now()
		pg := &periodsPage{rulesTabs: t, Phase: map[string]bianque.ProtectionPhase{}, Levels: bianque.AlertLevels, Now: now}
		if t.Tenant != nil {
			if pg.Periods, err = svc.ProtectionPeriods(r.Context(), t.Tenant.ID); err != nil {
				return err
			}
			for _, p := range pg.Periods {
				pg.Phase[p.ID] = p.Phase(now)
			}
		}
		return s.render(w, r, http.StatusOK, "periods", "periods.title", pg)
	})
	s.page("POST", "/t/{tenant}/protection-periods", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		p := &bianque.ProtectionPeriod{TenantID: tenant, Name: r.PostFormValue("name"), MinLevel: bianque.AlertLevel(r.PostFormValue("min_level")),
			LevelRaise: map[bianque.ProtectionPhase]int{}}
		var err error
		for _, f := range []struct {
			name string
			dst  *time.Time
		}{{"preparation_start", &p.PreparationStart}, {"live_start", &p.LiveStart}, {"closing_start", &p.ClosingStart}, {"end", &p.End}} {
			if *f.dst, err = datetimeLocal(f.name, r.PostFormValue(f.name)); err != nil {
				return back(w, r, rulesURL("periods", tenant, ""), err, "")
			}
		}
		for _, ph := range []bianque.ProtectionPhase{bianque.PhasePreparation, bianque.PhaseLive, bianque.PhaseClosing} {
			if v := strings.TrimSpace(r.PostFormValue("raise_" + string(ph))); v != "" && v != "0" {
				n, err := strconv.Atoi(v)
				if err != nil {
					return back(w, r, rulesURL("periods", tenant, ""), bianque.Errorf(bianque.EINVALID, "level raise must be a number"), "")
				}
				p.LevelRaise[ph] = n
			}
		}
		p.ExtraRules = strings.FieldsFunc(r.PostFormValue("extra_rules"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
		_, err = svc.SaveProtectionPeriod(r.Context(), p)
		return back(w, r, rulesURL("periods", tenant, ""), err, "saved")
	})
	s.page("POST", "/t/{tenant}/protection-periods/{period}/delete", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		return back(w, r, rulesURL("periods", tenant, ""), svc.DeleteProtectionPeriod(r.Context(), tenant, r.PathValue("period")), "deleted")
	})
	s.page("GET", "/rules/status", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		st, err := svc.RuleStatus(r.Context())
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "rule_status", "rulestatus.title", &ruleStatusPage{Status: st})
	})
	s.page("POST", "/rules/reload", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		_, err := svc.ReloadRules(r.Context())
		return back(w, r, "/rules/status", err, "reloaded")
	})
}
