package http

import (
	"net/http"
	"net/url"
	"sort"
	"time"

	"bianque"
)

func init() { registerFeature("components", (*Server).portalComponentPages) }

// componentRow is one line of the device page.
type componentRow struct {
	*bianque.Component
	TenantName string
	Online     bool
}

type componentsPage struct {
	Rows        []componentRow
	Pending     int
	DeadLetters map[string]int64 // tenant name → count of the last 24 hours
	Error, Done string           // the outcome of the last action
}

// portalComponentPages is the device page (R2.1): each connected component
// of the hospitals the user sees, with its state, whether it is online,
// when it was last heard from, its rates and errors; holders of
// component.manage approve, reject and revoke from it.
func (s *Server) portalComponentPages() {
	svc := s.svc.Components
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.components", Path: "/components", Perm: bianque.PermTenantRead, Order: 45})
	s.page("GET", "/components", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		p := principalOf(r)
		names := s.tenantNames(r.Context())
		pg := &componentsPage{DeadLetters: map[string]int64{}, Error: r.URL.Query().Get("error"), Done: r.URL.Query().Get("done")}
		now := s.clock.Now()
		for _, tid := range p.VisibleTenants() {
			cs, _, err := svc.Components(r.Context(), bianque.ComponentFilter{TenantIDs: []string{tid}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
			if err != nil {
				return err
			}
			name := tid
			if tn := names[tid]; tn != nil {
				name = tn.Name
			}
			for _, c := range cs {
				pg.Rows = append(pg.Rows, componentRow{Component: c, TenantName: name, Online: c.Online(now, bianque.DefaultOnlineWindow)})
				if c.State == bianque.ComponentPending {
					pg.Pending++
				}
			}
			if dl := s.svc.DeadLetters; dl != nil && p.Can(bianque.PermEventRead) {
				n, err := dl.CountDeadLetters(r.Context(), bianque.DeadLetterFilter{TenantIDs: []string{tid}, Since: now.Add(-24 * time.Hour)})
				if err == nil && n > 0 {
					pg.DeadLetters[name] = n
				}
			}
		}
		sort.SliceStable(pg.Rows, func(i, j int) bool {
			a, b := pg.Rows[i], pg.Rows[j]
			if (a.State == bianque.ComponentPending) != (b.State == bianque.ComponentPending) {
				return a.State == bianque.ComponentPending
			}
			if a.TenantName != b.TenantName {
				return a.TenantName < b.TenantName
			}
			return a.Name < b.Name
		})
		return s.render(w, r, http.StatusOK, "components", "components.title", pg)
	})
	s.page("POST", "/t/{tenant}/components/{component}/{verb}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("component")
		var err error
		switch r.PathValue("verb") {
		case "approve":
			_, err = svc.Approve(r.Context(), tenant, id)
		case "reject":
			_, err = svc.Reject(r.Context(), tenant, id)
		case "revoke":
			_, err = svc.Revoke(r.Context(), tenant, id)
		default:
			return bianque.Errorf(bianque.ENOTFOUND, "no such action")
		}
		if err != nil {
			if bianque.ErrorCode(err) != bianque.ECONFLICT {
				return err
			}
			redirect(w, r, "/components?error="+url.QueryEscape(bianque.ErrorMessage(err)))
			return nil
		}
		redirect(w, r, "/components?done="+url.QueryEscape(r.PathValue("verb")))
		return nil
	})
}
