package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bianque"
)

func init() { registerFeature("portal_scans", (*Server).portalScanPages) }

type scansPage struct {
	Tenants  []*bianque.Tenant
	Tenant   *bianque.Tenant
	Scopes   []*bianque.ScanScope
	Jobs     []*bianque.ScanJob
	Running  bool
	Weekdays []time.Weekday
}

type exposurePage struct {
	Tenants  []*bianque.Tenant
	Tenant   *bianque.Tenant
	Services []bianque.ExposedService
	HighRisk int
}

// pickTenant returns the tenant named by ?tenant= or the first the caller
// sees (by name), and the sorted list for the selector.
func (s *Server) pickTenant(r *http.Request) (*bianque.Tenant, []*bianque.Tenant, error) {
	names := s.tenantNames(r.Context())
	list := sortedTenants(names)
	if id := r.URL.Query().Get("tenant"); id != "" {
		tn := names[id]
		if tn == nil {
			return nil, nil, bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
		}
		return tn, list, nil
	}
	if len(list) == 0 {
		return nil, list, nil
	}
	return list[0], list, nil
}

func scansPath(tenant string, extra string) string {
	return "/scans?tenant=" + url.QueryEscape(tenant) + extra
}

func (s *Server) portalScanPages() {
	svc := s.svc.Scans
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.scans", Path: "/scans", Perm: bianque.PermFindingRead, Order: 35})
	s.page("GET", "/scans", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tn, list, err := s.pickTenant(r)
		if err != nil {
			return err
		}
		pg := &scansPage{Tenants: list, Tenant: tn, Weekdays: []time.Weekday{1, 2, 3, 4, 5, 6, 0}}
		if tn != nil {
			if pg.Scopes, err = svc.Scopes(r.Context(), tn.ID); err != nil {
				return err
			}
			if pg.Jobs, _, err = svc.Jobs(r.Context(), bianque.ScanJobFilter{TenantIDs: []string{tn.ID}, Page: bianque.Page{Limit: 20}}); err != nil {
				return err
			}
			for _, j := range pg.Jobs {
				if !j.State.Finished() {
					pg.Running = true
				}
			}
		}
		return s.render(w, r, http.StatusOK, "scans", "scans.title", pg)
	})
	back := func(w http.ResponseWriter, r *http.Request, tenant string, err error, done string) error {
		if err != nil {
			switch bianque.ErrorCode(err) {
			case bianque.EINVALID, bianque.ECONFLICT, bianque.EFORBIDDEN:
				if !principalOf(r).SeesTenant(tenant) {
					return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
				}
				redirect(w, r, scansPath(tenant, "&error="+url.QueryEscape(bianque.ErrorMessage(err))))
				return nil
			}
			return err
		}
		redirect(w, r, scansPath(tenant, "&done="+url.QueryEscape(done)))
		return nil
	}
	s.page("POST", "/t/{tenant}/scan-scopes", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		split := func(v string) []string {
			return strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
		}
		sc := &bianque.ScanScope{TenantID: tenant, Name: r.PostFormValue("name"), Vantage: r.PostFormValue("vantage"),
			Include: split(r.PostFormValue("include")), Exclude: split(r.PostFormValue("exclude")), TimeZone: r.PostFormValue("time_zone"),
			AuthorizedBy: strings.TrimSpace(r.PostFormValue("authorized_by"))}
		if start, end := r.PostFormValue("window_start"), r.PostFormValue("window_end"); start != "" || end != "" {
			win := bianque.ScanWindow{Start: start, End: end}
			for _, d := range r.PostForm["weekday"] {
				n, err := strconv.Atoi(d)
				if err != nil || n < 0 || n > 6 {
					return back(w, r, tenant, bianque.Errorf(bianque.EINVALID, "weekday %q", d), "")
				}
				win.Weekdays = append(win.Weekdays, time.Weekday(n))
			}
			sc.Windows = []bianque.ScanWindow{win}
		}
		return back(w, r, tenant, svc.CreateScope(r.Context(), sc), "scope")
	})
	s.page("POST", "/t/{tenant}/scan-scopes/{scope}/delete", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		return back(w, r, tenant, svc.DeleteScope(r.Context(), tenant, r.PathValue("scope")), "scope_deleted")
	})
	s.page("POST", "/t/{tenant}/scans", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		spec := bianque.ScanJobSpec{ScopeID: r.PostFormValue("scope"), Targets: strings.TrimSpace(r.PostFormValue("targets")),
			Ports: strings.TrimSpace(r.PostFormValue("ports")), Creds: r.PostFormValue("creds") == "on", NoBruteForce: r.PostFormValue("no_brute_force") == "on"}
		if v := r.PostFormValue("rate"); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return back(w, r, tenant, bianque.Errorf(bianque.EINVALID, "rate %q is not a number", v), "")
			}
			spec.Rate = n
		}
		_, err := svc.StartScan(r.Context(), tenant, spec)
		return back(w, r, tenant, err, "started")
	})
	s.page("POST", "/t/{tenant}/scans/{scan}/cancel", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		_, err := svc.CancelScan(r.Context(), tenant, r.PathValue("scan"))
		return back(w, r, tenant, err, "cancelled")
	})
	s.nav(NavItem{Key: "nav.exposure", Path: "/exposure", Perm: bianque.PermFindingRead, Order: 36})
	s.page("GET", "/exposure", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tn, list, err := s.pickTenant(r)
		if err != nil {
			return err
		}
		pg := &exposurePage{Tenants: list, Tenant: tn}
		if tn != nil {
			if pg.Services, err = svc.Exposure(r.Context(), tn.ID); err != nil {
				return err
			}
			for _, e := range pg.Services {
				if e.HighRisk {
					pg.HighRisk++
				}
			}
		}
		return s.render(w, r, http.StatusOK, "exposure", "exposure.title", pg)
	})
}
