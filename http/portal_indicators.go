package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bianque"
)

func init() { registerFeature("portal_indicators", (*Server).portalIndicatorPages) }

// platformScope names the platform's intelligence in the scope selector.
const platformScope = "platform"

type indicatorsPage struct {
	Tenants []*bianque.Tenant
	// Scope is a tenant ID or "platform"; Platform says which.
	Scope     string
	ScopeName string
	Platform  bool
	// CanPlatform: the caller may see the platform's intelligence.
	CanPlatform bool
	Rows        []*bianque.Indicator
	NextURL     string
	Filter      map[string]string
	Types       []bianque.IndicatorType
	Feeds       []*bianque.IntelFeed
	Result      *bianque.IndicatorImportResult
	Error       string
}

func indicatorsURL(scope, extra string) string {
	return "/indicators?scope=" + url.QueryEscape(scope) + extra
}

func (s *Server) portalIndicatorPages() {
	svc := s.svc.Indicators
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.indicators", Path: "/indicators", Perm: bianque.PermAlertRead, Order: 45})
	// page fills the page for the scope of the request (?scope= or the form's).
	fill := func(r *http.Request, scope string, pg *indicatorsPage) error {
		p := principalOf(r)
		names := s.tenantNames(r.Context())
		pg.Tenants, pg.CanPlatform, pg.Types = sortedTenants(names), !p.Role.IsHospital() && p.Can(bianque.PermAlertRead), bianque.IndicatorTypes
		if scope == "" {
			if len(pg.Tenants) > 0 {
				scope = pg.Tenants[0].ID
			} else if pg.CanPlatform {
				scope = platformScope
			}
		}
		pg.Scope = scope
		tenant := scope
		switch {
		case scope == platformScope:
			pg.Platform, tenant = true, ""
		case names[scope] != nil:
			pg.ScopeName = names[scope].Name
		case scope != "":
			return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
		default:
			return nil
		}
		q := r.URL.Query()
		pg.Filter = map[string]string{}
		for _, k := range []string{"type", "tag", "q"} {
			pg.Filter[k] = q.Get(k)
		}
		f, err := indicatorFilter(r, tenant)
		if err != nil {
			return err
		}
		var next string
		if pg.Rows, next, err = svc.Indicators(r.Context(), f); err != nil {
			return err
		}
		if next != "" {
			nq := r.URL.Query()
			nq.Set("cursor", next)
			nq.Set("scope", scope)
			pg.NextURL = "/indicators?" + nq.Encode()
		}
		pg.Feeds, err = svc.IntelFeeds(r.Context(), tenant)
		return err
	}
	s.page("GET", "/indicators", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		pg := &indicatorsPage{}
		if err := fill(r, r.URL.Query().Get("scope"), pg); err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "indicators", "indicators.title", pg)
	})
	tenantOf := func(scope string) string {
		if scope == platformScope {
			return ""
		}
		return scope
	}
	// back returns to the scope's page with the outcome; errors the caller
	// may see are shown there.
	back := func(w http.ResponseWriter, r *http.Request, scope string, err error, done string) error {
		if err != nil {
			switch bianque.ErrorCode(err) {
			case bianque.EINVALID, bianque.ECONFLICT, bianque.EFORBIDDEN, bianque.EUNAVAILABLE:
				if t := tenantOf(scope); bianque.ErrorCode(err) == bianque.EFORBIDDEN && t != "" && !principalOf(r).SeesTenant(t) {
					return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
				}
				redirect(w, r, indicatorsURL(scope, "&error="+url.QueryEscape(bianque.ErrorMessage(err))))
				return nil
			}
			return err
		}
		redirect(w, r, indicatorsURL(scope, "&done="+url.QueryEscape(done)))
		return nil
	}
	s.page("POST", "/indicators/import", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		scope := r.FormValue("scope")
		in, err := importInput(r)
		if err != nil {
			return back(w, r, scope, err, "")
		}
		res, err := svc.ImportIndicators(r.Context(), tenantOf(scope), in)
		if err != nil {
			return back(w, r, scope, err, "")
		}
		pg := &indicatorsPage{Result: res}
		rr := r.Clone(r.Context())
		rr.URL.RawQuery = ""
		if err := fill(rr, scope, pg); err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "indicators", "indicators.title", pg)
	})
	s.page("POST", "/indicators/{indicator}/delete", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		scope := r.PostFormValue("scope")
		return back(w, r, scope, svc.DeleteIndicator(r.Context(), tenantOf(scope), r.PathValue("indicator")), "deleted")
	})
	s.page("POST", "/intel-feeds", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		scope := r.PostFormValue("scope")
		f := &bianque.IntelFeed{TenantID: tenantOf(scope), Name: r.PostFormValue("name"), Kind: bianque.IntelFeedKind(r.PostFormValue("kind")),
			URL: strings.TrimSpace(r.PostFormValue("url")), Collection: strings.TrimSpace(r.PostFormValue("collection")),
			Username: r.PostFormValue("username"), Password: r.PostFormValue("password")}
		if v := r.PostFormValue("hours"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return back(w, r, scope, bianque.Errorf(bianque.EINVALID, "the period must be a number of hours"), "")
			}
			f.Every = bianque.Duration(time.Duration(n) * time.Hour)
		}
		if v := r.PostFormValue("ttl_days"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return back(w, r, scope, bianque.Errorf(bianque.EINVALID, "the validity must be a number of days"), "")
			}
			f.TTL = bianque.Duration(time.Duration(n) * 24 * time.Hour)
		}
		_, err := svc.CreateIntelFeed(r.Context(), f)
		return back(w, r, scope, err, "feed_added")
	})
	s.page("POST", "/intel-feeds/{feed}/poll", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		scope := r.PostFormValue("scope")
		_, err := svc.PollIntelFeed(r.Context(), tenantOf(scope), r.PathValue("feed"))
		return back(w, r, scope, err, "feed_polled")
	})
	s.page("POST", "/intel-feeds/{feed}/delete", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		scope := r.PostFormValue("scope")
		return back(w, r, scope, svc.DeleteIntelFeed(r.Context(), tenantOf(scope), r.PathValue("feed")), "feed_deleted")
	})
}
