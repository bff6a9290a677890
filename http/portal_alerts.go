package http

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"bianque"
)

func init() { registerFeature("portal_alerts", (*Server).portalAlertPages) }

type alertRow struct {
	*AlertView
	TenantName string
}

type alertsPage struct {
	Rows     []alertRow
	NextURL  string
	Tenants  []*bianque.Tenant
	Filter   map[string]string
	Statuses []bianque.AlertStatus
	Levels   []bianque.AlertLevel
	Kinds    []bianque.AlertKind
}

// alertEventView is one event behind an alert, pretty-printed.
type alertEventView struct {
	Time time.Time
	Ref  string
	JSON string
}

type alertPage struct {
	View       *AlertView
	TenantName string
	Ticket     *bianque.Ticket
	Events     []alertEventView
	// Trend is the chart's data (labels and counts).
	Trend template.JS
	// Fields are the suppression fields the alert has a value for.
	Fields []string
}

func alertPath(tenant, id string) string {
	return "/t/" + url.PathEscape(tenant) + "/alerts/" + url.PathEscape(id)
}

// dateParam turns a date field (YYYY-MM-DD, display zone) into the RFC 3339
// query value the API filter reads; endOfDay moves it to the next midnight.
func dateParam(v string, endOfDay bool) (string, error) {
	if v == "" {
		return "", nil
	}
	d, err := time.ParseInLocation("2006-01-02", v, displayZone)
	if err != nil {
		return "", bianque.Errorf(bianque.EINVALID, "date %q must be YYYY-MM-DD", v)
	}
	if endOfDay {
		d = d.Add(24 * time.Hour)
	}
	return d.UTC().Format(time.RFC3339), nil
}

var alertKinds = []bianque.AlertKind{bianque.AlertRule, bianque.AlertCorrelation, bianque.AlertIndicator}

func (s *Server) portalAlertPages() {
	svc := s.svc.Alerts
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.alerts", Path: "/alerts", Perm: bianque.PermAlertRead, Order: 15})
	s.page("GET", "/alerts", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		// The filter reads the API's parameters: dates become times, and
		// the default status is the work queue (open); "any" is every status.
		fr := r.Clone(r.Context())
		fq := fr.URL.Query()
		for _, d := range []struct {
			form, param string
			end         bool
		}{{"from", "since", false}, {"to", "until", true}} {
			v, err := dateParam(q.Get(d.form), d.end)
			if err != nil {
				return err
			}
			if v != "" {
				fq.Set(d.param, v)
			}
		}
		status := q.Get("status")
		switch status {
		case "":
			fq.Set("status", string(bianque.AlertOpen))
			status = string(bianque.AlertOpen)
		case "any":
			fq.Del("status")
		}
		fr.URL.RawQuery = fq.Encode()
		f, err := alertFilter(fr)
		if err != nil {
			return err
		}
		f.TenantIDs = queryList(r, "tenant")
		list, next, err := svc.Alerts(r.Context(), f)
		if err != nil {
			return err
		}
		names := s.tenantNames(r.Context())
		pg := &alertsPage{Tenants: sortedTenants(names), Statuses: bianque.AlertStatuses, Levels: bianque.AlertLevels, Kinds: alertKinds,
			Filter: map[string]string{"status": status}}
		for _, k := range []string{"tenant", "level", "min_level", "kind", "technique", "attacker", "victim", "rule", "from", "to"} {
			pg.Filter[k] = q.Get(k)
		}
		for _, a := range list {
			row := alertRow{AlertView: alertView(principalOf(r), a)}
			if tn := names[a.TenantID]; tn != nil {
				row.TenantName = tn.Name
			}
			pg.Rows = append(pg.Rows, row)
		}
		if next != "" {
			nq := r.URL.Query()
			nq.Set("cursor", next)
			nq.Set("status", status)
			pg.NextURL = "/alerts?" + nq.Encode()
		}
		return s.render(w, r, http.StatusOK, "alerts", "alerts.title", pg)
	})
	s.page("GET", "/t/{tenant}/alerts/{alert}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("alert")
		a, err := svc.Alert(r.Context(), tenant, id)
		if err != nil {
			return err
		}
		pg := &alertPage{View: alertView(principalOf(r), a)}
		if tn := s.tenantNames(r.Context())[tenant]; tn != nil {
			pg.TenantName = tn.Name
		}
		if a.TicketID != "" && s.svc.Tickets != nil && principalOf(r).Can(bianque.PermTicketRead) {
			if t, err := s.svc.Tickets.Ticket(r.Context(), tenant, a.TicketID); err == nil {
				pg.Ticket = t
			}
		}
		for _, e := range a.Events {
			ev := alertEventView{Time: e.Time, Ref: e.Ref, JSON: string(e.Data)}
			var buf bytes.Buffer
			if json.Indent(&buf, e.Data, "", "  ") == nil {
				ev.JSON = buf.String()
			}
			pg.Events = append(pg.Events, ev)
		}
		type trend struct {
			Labels []string `json:"labels"`
			Counts []int    `json:"counts"`
			Title  string   `json:"title"`
		}
		tr := trend{Labels: []string{}, Counts: []int{}}
		days := len(a.Trend) > 0 && a.Trend[len(a.Trend)-1].Start.Sub(a.Trend[0].Start) >= 24*time.Hour
		for _, p := range a.Trend {
			layout := "15:04"
			if days {
				layout = "01-02 15:04"
			}
			tr.Labels = append(tr.Labels, p.Start.In(displayZone).Format(layout))
			tr.Counts = append(tr.Counts, p.Count)
		}
		if pg.Trend, err = jsonData(tr); err != nil {
			return err
		}
		vals := map[string]string{"attacker.ip": a.Attacker.IP, "attacker.host": a.Attacker.Host, "attacker.user": a.Attacker.User,
			"victim.ip": a.Victim.IP, "victim.host": a.Victim.Host, "victim.user": a.Victim.User}
		for _, f := range bianque.SuppressionFields {
			if vals[f] != "" {
				pg.Fields = append(pg.Fields, f)
			}
		}
		return s.render(w, r, http.StatusOK, "alert", "alerts.title", pg)
	})
	s.page("POST", "/t/{tenant}/alerts/{alert}/act", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("alert")
		in := bianque.AlertTriageInput{Action: bianque.AlertAction(r.PostFormValue("action")), Note: r.PostFormValue("note")}
		if v := r.PostFormValue("version"); v != "" {
			in.Version, _ = strconv.ParseInt(v, 10, 64)
		}
		if err := r.ParseForm(); err == nil {
			in.Fields = r.PostForm["field"]
		}
		if v := r.PostFormValue("days"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				redirect(w, r, alertPath(tenant, id)+"?error="+url.QueryEscape("days must be a positive number"))
				return nil
			}
			in.For = bianque.Duration(time.Duration(n) * 24 * time.Hour)
		}
		if _, err := svc.TriageAlert(r.Context(), tenant, id, in); err != nil {
			switch bianque.ErrorCode(err) {
			case bianque.EINVALID, bianque.ECONFLICT, bianque.EFORBIDDEN:
				if bianque.ErrorCode(err) == bianque.EFORBIDDEN && !principalOf(r).SeesTenant(tenant) {
					return err
				}
				redirect(w, r, alertPath(tenant, id)+"?error="+url.QueryEscape(bianque.ErrorMessage(err)))
				return nil
			}
			return err
		}
		redirect(w, r, alertPath(tenant, id)+"?done="+url.QueryEscape(string(in.Action)))
		return nil
	})
	s.page("GET", "/suppressions", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tn, list, err := s.pickTenant(r)
		if err != nil {
			return err
		}
		pg := &suppressionsPage{Tenants: list, Tenant: tn}
		if tn != nil {
			if pg.Rows, err = svc.Suppressions(r.Context(), tn.ID); err != nil {
				return err
			}
			slices.SortFunc(pg.Rows, func(a, b *bianque.Suppression) int { return strings.Compare(b.ID, a.ID) })
		}
		return s.render(w, r, http.StatusOK, "suppressions", "suppressions.title", pg)
	})
	s.page("POST", "/t/{tenant}/suppressions/{suppression}/delete", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		target := "/suppressions?tenant=" + url.QueryEscape(tenant)
		if err := svc.DeleteSuppression(r.Context(), tenant, r.PathValue("suppression")); err != nil {
			if code := bianque.ErrorCode(err); code == bianque.EFORBIDDEN && principalOf(r).SeesTenant(tenant) {
				redirect(w, r, target+"&error="+url.QueryEscape(bianque.ErrorMessage(err)))
				return nil
			}
			return err
		}
		redirect(w, r, target+"&done=deleted")
		return nil
	})
}

type suppressionsPage struct {
	Tenants []*bianque.Tenant
	Tenant  *bianque.Tenant
	Rows    []*bianque.Suppression
}
