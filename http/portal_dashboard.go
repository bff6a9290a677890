package http

import (
	"html/template"
	"net/http"

	"bianque"
	"bianque/i18n"
)

func init() { registerFeature("dashboard", (*Server).portalDashboard) }

type dashboardPage struct {
	Dashboard *bianque.Dashboard
	Tenants   []*bianque.Tenant
	Names     map[string]string
	Tenant    string
	OpenTotal int
	Rows      []attainmentRow
	// Chart is the data of the ECharts figures, already labelled in the
	// request's language.
	Chart template.JS
}

type attainmentRow struct {
	Name            string
	Tickets, Closed int
	ClosureRate     float64
	Cells           []bianque.MetricAttainment
}

type chartSeries struct {
	Labels []string `json:"labels"`
	Values []int    `json:"values"`
	Links  []string `json:"links"`
}

type chartData struct {
	ByType     chartSeries `json:"by_type"`
	BySeverity chartSeries `json:"by_severity"`
	ByState    chartSeries `json:"by_state"`
	Attainment struct {
		Metrics []string    `json:"metrics"`
		Tenants []string    `json:"tenants"`
		Share   [][]float64 `json:"share"` // [tenant][metric], 0–100
		Title   string      `json:"title"`
	} `json:"attainment"`
}

func (s *Server) portalDashboard() {
	if s.svc.Dashboard == nil {
		return
	}
	s.nav(NavItem{Key: "nav.dashboard", Path: "/", Perm: bianque.PermTicketRead, Order: 10})
	s.page("GET", "/{$}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		p := principalOf(r)
		if !p.Can(bianque.PermTicketRead) {
			// Platform administrators hold no tenant data: their start page is the API description for now.
			return s.render(w, r, http.StatusOK, "home", "nav.dashboard", nil)
		}
		now := s.clock.Now()
		tenants := queryList(r, "tenant")
		d, err := s.svc.Dashboard.Dashboard(r.Context(), tenants, now.AddDate(0, 0, -30), now)
		if err != nil {
			return err
		}
		names := s.tenantNames(r.Context())
		pg := &dashboardPage{Dashboard: d, Tenants: sortedTenants(names), Names: map[string]string{}, Tenant: r.URL.Query().Get("tenant")}
		for id, t := range names {
			pg.Names[id] = t.Name
		}
		lang := s.lang(r, nil)
		var cd chartData
		tenantQ := ""
		if pg.Tenant != "" {
			tenantQ = "&tenant=" + pg.Tenant
		}
		for _, tt := range bianque.TicketTypes {
			cd.ByType.Labels = append(cd.ByType.Labels, i18n.Label(lang, "ticket.type", string(tt)))
			cd.ByType.Values = append(cd.ByType.Values, d.Counts.ByType[tt])
			cd.ByType.Links = append(cd.ByType.Links, "/tickets?open=true&type="+string(tt)+tenantQ)
			pg.OpenTotal += d.Counts.ByType[tt]
		}
		for _, sv := range bianque.Severities {
			cd.BySeverity.Labels = append(cd.BySeverity.Labels, i18n.Label(lang, "severity", string(sv)))
			cd.BySeverity.Values = append(cd.BySeverity.Values, d.Counts.BySeverity[sv])
			cd.BySeverity.Links = append(cd.BySeverity.Links, "/tickets?open=true&severity="+string(sv)+tenantQ)
		}
		for _, st := range bianque.TicketStates {
			if st == bianque.StateClosed {
				continue
			}
			cd.ByState.Labels = append(cd.ByState.Labels, i18n.Label(lang, "ticket.state", string(st)))
			cd.ByState.Values = append(cd.ByState.Values, d.Counts.ByState[st])
			cd.ByState.Links = append(cd.ByState.Links, "/tickets?state="+string(st)+tenantQ)
		}
		cd.Attainment.Title = i18n.T(lang, "dash.within_target")
		for _, m := range bianque.SLAMetrics {
			cd.Attainment.Metrics = append(cd.Attainment.Metrics, i18n.Label(lang, "sla.metric", string(m)))
		}
		cd.Attainment.Metrics = append(cd.Attainment.Metrics, i18n.T(lang, "dash.closure_rate"))
		for _, a := range d.Attainment {
			cd.Attainment.Tenants = append(cd.Attainment.Tenants, pg.Names[a.TenantID])
			ar := attainmentRow{Name: pg.Names[a.TenantID], Tickets: a.Tickets, Closed: a.Closed, ClosureRate: a.ClosureRate}
			var row []float64
			for _, m := range bianque.SLAMetrics {
				share := 100.0
				cell := bianque.MetricAttainment{}
				if ma := a.Metrics[m]; ma != nil {
					share, cell = ma.Share*100, *ma
				}
				ar.Cells = append(ar.Cells, cell)
				row = append(row, share)
			}
			pg.Rows = append(pg.Rows, ar)
			cd.Attainment.Share = append(cd.Attainment.Share, append(row, a.ClosureRate*100))
		}
		if pg.Chart, err = jsonData(cd); err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "dashboard", "dash.title", pg)
	})
}
