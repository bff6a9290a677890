package http

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"bianque"
)

func init() { registerFeature("portal_findings", (*Server).portalFindingPages) }

type findingRow struct {
	*FindingView
	TenantName string
}

type findingsPage struct {
	Rows    []findingRow
	NextURL string
	Tenants []*bianque.Tenant
	Filter  map[string]string
	States  []bianque.FindingState
	Sevs    []bianque.VulnSeverity
}

type findingPage struct {
	View       *FindingView
	TenantName string
	History    []*bianque.TimelineEntry
	Patches    []*bianque.VirtualPatch
	// DueIn is the time left (or, negative, overdue) as a duration.
	DueIn    bianque.Duration
	HasDueIn bool
	// Protectable: the finding names a port, is active and has no standing request.
	Protectable bool
	// DefaultUntil is the date field's default for risk acceptance (90 days).
	DefaultUntil string
}

func findingPath(tenant, id string) string {
	return "/t/" + url.PathEscape(tenant) + "/findings/" + url.PathEscape(id)
}

func (s *Server) portalFindingPages() {
	svc := s.svc.Findings
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.findings", Path: "/findings", Perm: bianque.PermFindingRead, Order: 30})
	s.page("GET", "/findings", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		all := q.Get("state") == "any"
		fr := r
		if all { // every state: the filter itself knows no "any"
			fr = r.Clone(r.Context())
			fq := fr.URL.Query()
			fq.Del("state")
			fr.URL.RawQuery = fq.Encode()
		}
		f, err := findingFilter(fr)
		if err != nil {
			return err
		}
		f.TenantIDs = queryList(r, "tenant")
		if !all && q.Get("state") == "" {
			f.States = []bianque.FindingState{bianque.FindingOpen, bianque.FindingFixing, bianque.FindingRetest} // the work queue
		}
		list, next, err := svc.Findings(r.Context(), f)
		if err != nil {
			return err
		}
		names := s.tenantNames(r.Context())
		pg := &findingsPage{Tenants: sortedTenants(names), States: bianque.FindingStates, Sevs: bianque.VulnSeverities, Filter: map[string]string{}}
		for _, k := range []string{"tenant", "state", "severity", "priority", "asset", "host", "cve", "kev", "overdue", "q"} {
			pg.Filter[k] = q.Get(k)
		}
		for _, x := range list {
			row := findingRow{FindingView: s.findingView(principalOf(r), x)}
			if tn := names[x.TenantID]; tn != nil {
				row.TenantName = tn.Name
			}
			pg.Rows = append(pg.Rows, row)
		}
		if next != "" {
			nq := r.URL.Query()
			nq.Set("cursor", next)
			pg.NextURL = "/findings?" + nq.Encode()
		}
		return s.render(w, r, http.StatusOK, "findings", "findings.title", pg)
	})
	s.page("GET", "/t/{tenant}/findings/{finding}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("finding")
		f, err := svc.Finding(r.Context(), tenant, id)
		if err != nil {
			return err
		}
		hist, err := svc.History(r.Context(), tenant, id)
		if err != nil {
			return err
		}
		patches, _, err := svc.VirtualPatches(r.Context(), bianque.VirtualPatchFilter{TenantIDs: []string{tenant}, FindingID: id})
		if err != nil && bianque.ErrorCode(err) != bianque.EUNAVAILABLE {
			return err
		}
		v := s.findingView(principalOf(r), f)
		pg := &findingPage{View: v, History: hist, Patches: patches,
			DefaultUntil: s.clock.Now().Add(90 * 24 * time.Hour).In(displayZone).Format("2006-01-02")}
		if v.DueIn != nil {
			pg.DueIn, pg.HasDueIn = bianque.Duration(time.Duration(*v.DueIn)*time.Second), true
		}
		pg.Protectable = f.Port > 0 && f.State.Active()
		for _, p := range patches {
			if p.State.Active() && p.State != bianque.PatchFailed {
				pg.Protectable = false
			}
		}
		if tn := s.tenantNames(r.Context())[tenant]; tn != nil {
			pg.TenantName = tn.Name
		}
		return s.render(w, r, http.StatusOK, "finding", "findings.title", pg)
	})
	back := func(w http.ResponseWriter, r *http.Request, tenant, id string, err error, done string) error {
		if err != nil {
			switch bianque.ErrorCode(err) {
			case bianque.EINVALID, bianque.ECONFLICT, bianque.EUNAVAILABLE, bianque.EFORBIDDEN:
				if bianque.ErrorCode(err) == bianque.EFORBIDDEN && !principalOf(r).SeesTenant(tenant) {
					return err
				}
				redirect(w, r, findingPath(tenant, id)+"?error="+url.QueryEscape(bianque.ErrorMessage(err)))
				return nil
			}
			return err
		}
		redirect(w, r, findingPath(tenant, id)+"?done="+url.QueryEscape(done))
		return nil
	}
	s.page("POST", "/t/{tenant}/findings/{finding}/act", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("finding")
		a := bianque.FindingAction(r.PostFormValue("action"))
		var until *time.Time
		if v := strings.TrimSpace(r.PostFormValue("until")); v != "" {
			d, err := time.ParseInLocation("2006-01-02", v, displayZone)
			if err != nil {
				return back(w, r, tenant, id, bianque.Errorf(bianque.EINVALID, "expiry %q must be a date (YYYY-MM-DD)", v), "")
			}
			d = d.Add(24*time.Hour - time.Second) // to the end of that day
			until = &d
		}
		switch a {
		case bianque.FindingActRetestPass, bianque.FindingActRetestFail, bianque.FindingActSeenAgain, bianque.FindingActExpire:
			return back(w, r, tenant, id, bianque.Errorf(bianque.EINVALID, "%s is taken by the platform", a), "")
		}
		_, err := svc.Act(r.Context(), tenant, id, a, r.PostFormValue("reason"), until)
		return back(w, r, tenant, id, err, string(a))
	})
	s.page("POST", "/t/{tenant}/findings/{finding}/retest", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("finding")
		_, err := svc.Retest(r.Context(), tenant, id)
		return back(w, r, tenant, id, err, "retest")
	})
	s.page("POST", "/t/{tenant}/findings/{finding}/protect", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("finding")
		req := bianque.ProtectRequest{Direction: r.PostFormValue("direction"), Reason: r.PostFormValue("reason")}
		for _, a := range strings.FieldsFunc(r.PostFormValue("allow"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' }) {
			req.Allow = append(req.Allow, a)
		}
		_, err := svc.Protect(r.Context(), tenant, id, req)
		return back(w, r, tenant, id, err, "protect")
	})
}
