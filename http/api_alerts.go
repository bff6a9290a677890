package http

import (
	"net/http"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"bianque"
)

func init() {
	registerFeature("alerts", (*Server).alertRoutes)
	enums[reflect.TypeFor[bianque.AlertLevel]()] = enumValues(bianque.AlertLevels)
	enums[reflect.TypeFor[bianque.AlertStatus]()] = enumValues(bianque.AlertStatuses)
	enums[reflect.TypeFor[bianque.AlertKind]()] = []string{string(bianque.AlertRule), string(bianque.AlertCorrelation), string(bianque.AlertIndicator)}
	enums[reflect.TypeFor[bianque.AlertAction]()] = enumValues(bianque.AlertActions)
}

// AlertView is an alert with the steps the caller may take on it now.
type AlertView struct {
	*bianque.Alert
	Actions []bianque.AlertAction `json:"actions"`
}

func alertView(p *bianque.Principal, a *bianque.Alert) *AlertView {
	v := &AlertView{Alert: a, Actions: []bianque.AlertAction{}}
	if p.Can(bianque.PermAlertTriage) {
		for _, act := range bianque.AlertActions {
			if !bianque.AlertActionAllowed(a.Status, act) {
				continue
			}
			if act == bianque.AlertActConfirm && !p.Can(bianque.PermTicketTriage) {
				continue
			}
			v.Actions = append(v.Actions, act)
		}
	}
	return v
}

var alertFilterParams = append([]Param{
	{Name: "status", Type: "string", Enum: enumValues(bianque.AlertStatuses)},
	{Name: "level", Type: "string", Description: "exactly this level", Enum: enumValues(bianque.AlertLevels)},
	{Name: "min_level", Type: "string", Description: "this level or higher", Enum: enumValues(bianque.AlertLevels)},
	{Name: "kind", Type: "string", Enum: []string{"rule", "correlation", "indicator"}},
	{Name: "category", Type: "string", Description: "attack type: brute_force, webshell, ransomware, lateral_movement, c2, …"},
	{Name: "rule", Type: "string", Description: "rule ID"},
	{Name: "technique", Type: "string", Description: "ATT&CK technique, e.g. T1110 (sub-techniques included)"},
	{Name: "attacker", Type: "string", Description: "attacker IP address"},
	{Name: "victim", Type: "string", Description: "victim IP address"},
	{Name: "since", Type: "date-time", Description: "last seen at or after"},
	{Name: "until", Type: "date-time", Description: "last seen before"},
}, pageParams...)

// alertFilter reads the list filters of alerts.
func alertFilter(r *http.Request) (bianque.AlertFilter, error) {
	pg, err := page(r)
	if err != nil {
		return bianque.AlertFilter{}, err
	}
	q := r.URL.Query()
	f := bianque.AlertFilter{Status: bianque.AlertStatus(q.Get("status")), Level: bianque.AlertLevel(q.Get("level")),
		MinLevel: bianque.AlertLevel(q.Get("min_level")), Kind: bianque.AlertKind(q.Get("kind")), Category: q.Get("category"),
		RuleID: q.Get("rule"), Technique: strings.ToUpper(strings.TrimSpace(q.Get("technique"))), Page: pg}
	if f.Status != "" && !f.Status.Valid() {
		return f, bianque.Errorf(bianque.EINVALID, "status %q is unknown", f.Status)
	}
	for _, l := range []bianque.AlertLevel{f.Level, f.MinLevel} {
		if l != "" && !l.Valid() {
			return f, bianque.Errorf(bianque.EINVALID, "level %q is unknown", l)
		}
	}
	switch f.Kind {
	case "", bianque.AlertRule, bianque.AlertCorrelation, bianque.AlertIndicator:
	default:
		return f, bianque.Errorf(bianque.EINVALID, "kind %q is unknown", f.Kind)
	}
	if f.Technique != "" && !bianque.ValidTechnique(f.Technique) {
		return f, bianque.Errorf(bianque.EINVALID, "technique %q is not an ATT&CK ID like T1110 or T1110.001", f.Technique)
	}
	for _, ip := range []struct {
		name string
		dst  *string
	}{{"attacker", &f.AttackerIP}, {"victim", &f.VictimIP}} {
		if v := strings.TrimSpace(q.Get(ip.name)); v != "" {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return f, bianque.Errorf(bianque.EINVALID, "%s %q is not an IP address", ip.name, v)
			}
			*ip.dst = a.Unmap().String()
		}
	}
	if f.Since, err = queryTime(r, "since"); err != nil {
		return f, err
	}
	if f.Until, err = queryTime(r, "until"); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) alertRoutes() {
	svc := s.svc.Alerts
	if svc == nil {
		return
	}
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	list := func(w http.ResponseWriter, r *http.Request, tenants []string) (any, error) {
		f, err := alertFilter(r)
		if err != nil {
			return nil, err
		}
		f.TenantIDs = tenants
		items, next, err := svc.Alerts(r.Context(), f)
		if err != nil {
			return nil, err
		}
		out := make([]*AlertView, 0, len(items))
		for _, a := range items {
			out = append(out, alertView(principalOf(r), a))
		}
		return listResult{Items: out, NextCursor: next}, nil
	}
	s.api(Route{Method: "GET", Path: "/api/v1/alerts", ID: "alerts.search", Tag: "alerts", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "Alerts across the caller's hospitals (or ?tenant=), newest first, with filters.",
		Query:  append([]Param{{Name: "tenant", Type: "string", Description: "tenant IDs, comma-separated"}}, alertFilterParams...),
		Result: AlertView{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) { return list(w, r, queryList(r, "tenant")) })
	base := "/api/v1/tenants/{tenant}/alerts"
	s.api(Route{Method: "GET", Path: base, ID: "alerts.list", Tag: "alerts", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "A hospital's alerts, newest first, with filters (R3.5).", Query: alertFilterParams,
		Result: AlertView{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) { return list(w, r, []string{tenant(r)}) })
	s.api(Route{Method: "GET", Path: base + "/{alert}", ID: "alerts.get", Tag: "alerts", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "One alert: rule, level, ATT&CK, attacker and victim, events, reason, trend, ticket, triage record.",
		Result: AlertView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			a, err := svc.Alert(r.Context(), tenant(r), r.PathValue("alert"))
			if err != nil {
				return nil, err
			}
			return alertView(principalOf(r), a), nil
		})
	s.api(Route{Method: "POST", Path: base + "/{alert}/actions", ID: "alerts.triage", Tag: "alerts", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertTriage,
		Summary: "An analyst's step: acknowledge, confirm (opens or confirms the threat ticket; also needs ticket.triage), " +
			"false_positive (note, fields, for: a scoped, expiring suppression), close, reopen.",
		Body: bianque.AlertTriageInput{}, Result: AlertView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.AlertTriageInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			a, err := svc.TriageAlert(r.Context(), tenant(r), r.PathValue("alert"), in)
			if err != nil {
				return nil, err
			}
			return alertView(principalOf(r), a), nil
		})
	sp := "/api/v1/tenants/{tenant}/suppressions"
	s.api(Route{Method: "GET", Path: sp, ID: "suppressions.list", Tag: "alerts", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAlertRead, Summary: "The suppressions in force for a hospital (its own and the platform's): the whitelist of R5.2.",
		Result: bianque.Suppression{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			list, err := svc.Suppressions(r.Context(), tenant(r))
			if err != nil {
				return nil, err
			}
			// A platform-wide suppression is shown, but only the hospital's own may be deleted here.
			slices.SortFunc(list, func(a, b *bianque.Suppression) int { return strings.Compare(b.ID, a.ID) })
			return listResult{Items: nonNil(list)}, nil
		})
	s.api(Route{Method: "DELETE", Path: sp + "/{suppression}", ID: "suppressions.delete", Tag: "alerts", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAlertTriage, Summary: "End a hospital's suppression early.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, svc.DeleteSuppression(r.Context(), tenant(r), r.PathValue("suppression"))
		})
}
