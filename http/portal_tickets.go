package http

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"bianque"
)

func init() { registerFeature("tickets", (*Server).portalTicketPages) }

type ticketRow struct {
	*bianque.Ticket
	TenantName string
}

type ticketsPage struct {
	Rows    []ticketRow
	Next    string
	NextURL string
	Tenants []*bianque.Tenant
	Filter  map[string]string
	Types   []bianque.TicketType
	States  []bianque.TicketState
	Sevs    []bianque.Severity
}

type ticketPage struct {
	View       *TicketView
	TenantName string
	Timeline   []*bianque.TimelineEntry
	NoteNeeded map[bianque.TicketAction]bool
	Assignee   string
}

type newTicketPage struct {
	Tenants []*bianque.Tenant
	Types   []bianque.TicketType
	Sevs    []bianque.Severity
	Error   string
	Input   TicketInput
	Tenant  string
}

func sortedTenants(m map[string]*bianque.Tenant) []*bianque.Tenant {
	out := make([]*bianque.Tenant, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (s *Server) portalTicketPages() {
	svc := s.svc.Tickets
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.tickets", Path: "/tickets", Perm: bianque.PermTicketRead, Order: 20})
	s.page("GET", "/tickets", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		all := r.URL.Query().Get("open") == "any"
		if all {
			r2 := r.Clone(r.Context())
			q := r2.URL.Query()
			q.Del("open")
			r2.URL.RawQuery = q.Encode()
			r = r2
		}
		f, err := ticketFilter(r)
		if err != nil {
			return err
		}
		f.TenantIDs = queryList(r, "tenant")
		q := r.URL.Query()
		if !all && !q.Has("open") {
			open := true // the work queue: open tickets unless asked otherwise
			f.Open = &open
		}
		ts, next, err := svc.Tickets(r.Context(), f)
		if err != nil {
			return err
		}
		names := s.tenantNames(r.Context())
		pg := &ticketsPage{Next: next, Tenants: sortedTenants(names), Types: bianque.TicketTypes, States: bianque.TicketStates, Sevs: bianque.Severities,
			Filter: map[string]string{"tenant": q.Get("tenant"), "type": q.Get("type"), "state": q.Get("state"), "severity": q.Get("severity"), "open": q.Get("open"), "q": q.Get("q")}}
		switch {
		case all:
			pg.Filter["open"] = "any"
		case !q.Has("open"):
			pg.Filter["open"] = "true"
		}
		for _, t := range ts {
			row := ticketRow{Ticket: t}
			if tn := names[t.TenantID]; tn != nil {
				row.TenantName = tn.Name
			}
			pg.Rows = append(pg.Rows, row)
		}
		if next != "" {
			nq := r.URL.Query()
			nq.Set("cursor", next)
			nq.Set("open", pg.Filter["open"])
			pg.NextURL = "/tickets?" + nq.Encode()
		}
		return s.render(w, r, http.StatusOK, "tickets", "tickets.title", pg)
	})
	s.page("GET", "/tickets/new", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		p := principalOf(r)
		if !p.Can(bianque.PermTicketCreate) {
			return bianque.Errorf(bianque.EFORBIDDEN, "role %s may not raise tickets", p.Role)
		}
		return s.render(w, r, http.StatusOK, "ticket_new", "tickets.new", s.newTicketPage(r, p, TicketInput{Severity: bianque.SeverityGeneral}, ""))
	})
	s.page("POST", "/tickets/new", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		p := principalOf(r)
		in := TicketInput{Type: bianque.TicketType(r.PostFormValue("type")), Severity: bianque.Severity(r.PostFormValue("severity")),
			Title: r.PostFormValue("title"), Description: r.PostFormValue("description")}
		t := &bianque.Ticket{TenantID: r.PostFormValue("tenant"), Type: in.Type, Severity: in.Severity, Title: in.Title, Description: in.Description}
		if err := svc.CreateTicket(r.Context(), t); err != nil {
			if code := bianque.ErrorCode(err); code == bianque.EINVALID || code == bianque.EFORBIDDEN {
				pg := s.newTicketPage(r, p, in, bianque.ErrorMessage(err))
				pg.Tenant = t.TenantID
				return s.render(w, r, ErrorStatus(err), "ticket_new", "tickets.new", pg)
			}
			return err
		}
		redirect(w, r, ticketPath(t.TenantID, t.ID))
		return nil
	})
	s.page("GET", "/t/{tenant}/tickets/{ticket}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("ticket")
		v, err := ticketView(r, svc, tenant, id)
		if err != nil {
			return err
		}
		tl, err := svc.Timeline(r.Context(), tenant, id)
		if err != nil {
			return err
		}
		pg := &ticketPage{View: v, Timeline: tl, NoteNeeded: map[bianque.TicketAction]bool{}}
		for _, a := range v.Actions {
			if tr, ok := bianque.TransitionFor(a); ok && tr.NoteRequired {
				pg.NoteNeeded[a] = true
			}
		}
		if tn := s.tenantNames(r.Context())[tenant]; tn != nil {
			pg.TenantName = tn.Name
		}
		if v.Ticket.AssigneeID != "" && s.svc.Users != nil {
			if u, err := s.svc.Users.User(r.Context(), v.Ticket.AssigneeID); err == nil {
				pg.Assignee = u.DisplayName
			}
		}
		return s.render(w, r, http.StatusOK, "ticket", "tickets.title", pg)
	})
	s.page("POST", "/t/{tenant}/tickets/{ticket}/act", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("ticket")
		a := bianque.TicketAction(r.PostFormValue("action"))
		if _, err := svc.Act(r.Context(), tenant, id, a, r.PostFormValue("note")); err != nil {
			if code := bianque.ErrorCode(err); code != bianque.EINVALID && code != bianque.ECONFLICT {
				return err
			}
			redirect(w, r, ticketPath(tenant, id)+"?error="+url.QueryEscape(bianque.ErrorMessage(err)))
			return nil
		}
		redirect(w, r, ticketPath(tenant, id)+"?done="+url.QueryEscape(string(a)))
		return nil
	})
	s.page("POST", "/t/{tenant}/tickets/{ticket}/comment", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, id := r.PathValue("tenant"), r.PathValue("ticket")
		if _, err := svc.Comment(r.Context(), tenant, id, r.PostFormValue("note")); err != nil {
			if bianque.ErrorCode(err) != bianque.EINVALID {
				return err
			}
			redirect(w, r, ticketPath(tenant, id)+"?error="+url.QueryEscape(bianque.ErrorMessage(err)))
			return nil
		}
		redirect(w, r, ticketPath(tenant, id))
		return nil
	})
}

func (s *Server) newTicketPage(r *http.Request, p *bianque.Principal, in TicketInput, failure string) *newTicketPage {
	pg := &newTicketPage{Tenants: sortedTenants(s.tenantNames(r.Context())), Sevs: bianque.Severities, Error: failure, Input: in}
	if p.Role.IsHospital() {
		pg.Types = []bianque.TicketType{bianque.TicketEmergency}
	} else {
		pg.Types = bianque.TicketTypes
	}
	return pg
}

func ticketPath(tenant, id string) string {
	return "/t/" + url.PathEscape(tenant) + "/tickets/" + url.PathEscape(id)
}

// jsonData embeds a value for a page script: html/template escapes it for a
// <script type="application/json"> element.
func jsonData(v any) (template.JS, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return template.JS(strings.ReplaceAll(string(b), "</", `<\/`)), nil
}
