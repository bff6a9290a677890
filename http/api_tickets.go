package http

import (
	"net/http"
	"strings"
	"time"

	"bianque"
)

func init() { registerFeature("tickets", (*Server).ticketRoutes) }

// TicketInput raises a ticket; the server sets state, number and clocks.
type TicketInput struct {
	Type        bianque.TicketType `json:"type"`
	Severity    bianque.Severity   `json:"severity,omitempty"`
	Title       string             `json:"title"`
	Description string             `json:"description,omitempty"`
	Category    string             `json:"category,omitempty"`
	AssigneeID  string             `json:"assignee_id,omitempty"`
	Tier        bianque.Tier       `json:"tier,omitempty"`
	Source      string             `json:"source,omitempty"`
	AssetIDs    []string           `json:"asset_ids,omitempty"`
	DueAt       *time.Time         `json:"due_at,omitempty"`
}

// TicketView is a ticket with its SLA clocks now and the actions open to the caller.
type TicketView struct {
	Ticket  *bianque.Ticket        `json:"ticket"`
	SLA     []bianque.SLAClock     `json:"sla"`
	Actions []bianque.TicketAction `json:"actions"`
}

// ActionRequest takes a step of the ticket flow.
type ActionRequest struct {
	Action bianque.TicketAction `json:"action"`
	Note   string               `json:"note,omitempty"`
}

// AssignRequest assigns a ticket; an empty assignee unassigns, tier 0 keeps the tier.
type AssignRequest struct {
	AssigneeID string       `json:"assignee_id"`
	Tier       bianque.Tier `json:"tier,omitempty"`
}

// CommentRequest adds a comment to the timeline.
type CommentRequest struct {
	Note string `json:"note"`
}

func enumValues[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var ticketFilterParams = append([]Param{
	{Name: "type", Type: "string", Description: "ticket types, comma-separated", Enum: enumValues(bianque.TicketTypes)},
	{Name: "state", Type: "string", Description: "states, comma-separated", Enum: enumValues(bianque.TicketStates)},
	{Name: "severity", Type: "string", Description: "severities, comma-separated", Enum: enumValues(bianque.Severities)},
	{Name: "assignee", Type: "string", Description: "assignee user ID"},
	{Name: "source", Type: "string", Description: "what raised it, e.g. manual or alert:<id>"},
	{Name: "open", Type: "boolean", Description: "only open (true) or only closed (false) tickets"},
	{Name: "q", Type: "string", Description: "text in title or description"},
	{Name: "from", Type: "date-time", Description: "raised at or after"},
	{Name: "to", Type: "date-time", Description: "raised before"},
}, pageParams...)

// ticketFilter reads the filter parameters.
func ticketFilter(r *http.Request) (bianque.TicketFilter, error) {
	var f bianque.TicketFilter
	var err error
	if f.Page, err = page(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	for _, v := range queryList(r, "type") {
		if !bianque.TicketType(v).Valid() {
			return f, bianque.Errorf(bianque.EINVALID, "unknown ticket type %q", v)
		}
		f.Types = append(f.Types, bianque.TicketType(v))
	}
	for _, v := range queryList(r, "state") {
		if !bianque.TicketState(v).Valid() {
			return f, bianque.Errorf(bianque.EINVALID, "unknown ticket state %q", v)
		}
		f.States = append(f.States, bianque.TicketState(v))
	}
	for _, v := range queryList(r, "severity") {
		if !bianque.Severity(v).Valid() {
			return f, bianque.Errorf(bianque.EINVALID, "unknown severity %q", v)
		}
		f.Severities = append(f.Severities, bianque.Severity(v))
	}
	f.AssigneeID, f.Source, f.Query = q.Get("assignee"), q.Get("source"), strings.TrimSpace(q.Get("q"))
	if len(f.Query) > 200 {
		return f, bianque.Errorf(bianque.EINVALID, "q is longer than 200 bytes")
	}
	if f.Open, err = queryBool(r, "open"); err != nil {
		return f, err
	}
	if f.CreatedFrom, err = queryTime(r, "from"); err != nil {
		return f, err
	}
	if f.CreatedTo, err = queryTime(r, "to"); err != nil {
		return f, err
	}
	return f, nil
}

// ticketView loads a ticket with its clocks and the caller's actions.
func ticketView(r *http.Request, svc bianque.TicketService, tenantID, id string) (*TicketView, error) {
	t, err := svc.Ticket(r.Context(), tenantID, id)
	if err != nil {
		return nil, err
	}
	clocks, err := svc.SLA(r.Context(), tenantID, id)
	if err != nil {
		return nil, err
	}
	return &TicketView{Ticket: t, SLA: nonNil(clocks), Actions: nonNil(bianque.AvailableActions(principalOf(r), t))}, nil
}

// attainmentPeriod reads ?from=&to=, defaulting to the 30 days before now.
func attainmentPeriod(r *http.Request, now time.Time) (time.Time, time.Time, error) {
	from, err := queryTime(r, "from")
	if err != nil {
		return from, from, err
	}
	to, err := queryTime(r, "to")
	if err != nil {
		return from, to, err
	}
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	return from, to, nil
}

func (s *Server) ticketRoutes() {
	svc := s.svc.Tickets
	if svc == nil {
		return
	}
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	s.api(Route{Method: "GET", Path: "/api/v1/tickets", ID: "tickets.search", Tag: "tickets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermTicketRead,
		Summary: "Tickets across the tenants the caller may read (or those named by ?tenant=), newest first.",
		Query:   append([]Param{{Name: "tenant", Type: "string", Description: "tenant IDs, comma-separated"}}, ticketFilterParams...),
		Result:  bianque.Ticket{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := ticketFilter(r)
			if err != nil {
				return nil, err
			}
			f.TenantIDs = queryList(r, "tenant")
			ts, next, err := svc.Tickets(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(ts), NextCursor: next}, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/tickets", ID: "tickets.list", Tag: "tickets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermTicketRead, Summary: "A tenant's tickets, newest first.",
		Query: ticketFilterParams, Result: bianque.Ticket{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := ticketFilter(r)
			if err != nil {
				return nil, err
			}
			f.TenantIDs = []string{tenant(r)}
			ts, next, err := svc.Tickets(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(ts), NextCursor: next}, nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/tickets", ID: "tickets.create", Tag: "tickets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermTicketCreate,
		Summary: "Raise a ticket. Hospital staff raise emergency tickets only.",
		Body:    TicketInput{}, Result: bianque.Ticket{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in TicketInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			t := &bianque.Ticket{TenantID: tenant(r), Type: in.Type, Severity: in.Severity, Title: in.Title, Description: in.Description,
				Category: in.Category, AssigneeID: in.AssigneeID, Tier: in.Tier, Source: in.Source, AssetIDs: in.AssetIDs, DueAt: in.DueAt}
			if err := svc.CreateTicket(r.Context(), t); err != nil {
				return nil, err
			}
			return t, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/tickets/{ticket}", ID: "tickets.get", Tag: "tickets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermTicketRead,
		Summary: "A ticket with its SLA clocks and the actions open to the caller.", Result: TicketView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return ticketView(r, svc, tenant(r), r.PathValue("ticket"))
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/tickets/{ticket}/timeline", ID: "tickets.timeline", Tag: "tickets",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermTicketRead,
		Summary: "Every step of a ticket: who did what, when.", Result: bianque.TimelineEntry{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			tl, err := svc.Timeline(r.Context(), tenant(r), r.PathValue("ticket"))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(tl)}, nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/tickets/{ticket}/actions", ID: "tickets.act", Tag: "tickets",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermTicketTriage,
		Summary: "Take a step of the ticket flow. The permission depends on the action: acknowledge, confirm, false_positive, " +
			"escalate need ticket.triage; contain ticket.contain; close ticket.close; reopen ticket.reopen; authorize ticket.authorize.",
		Body: ActionRequest{}, Result: bianque.Ticket{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var req ActionRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			return svc.Act(r.Context(), tenant(r), r.PathValue("ticket"), req.Action, req.Note)
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/tickets/{ticket}/assign", ID: "tickets.assign", Tag: "tickets",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermTicketAssign,
		Summary: "Assign a ticket to a person and tier.", Body: AssignRequest{}, Result: bianque.Ticket{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var req AssignRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			return svc.Assign(r.Context(), tenant(r), r.PathValue("ticket"), req.AssigneeID, req.Tier)
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/tickets/{ticket}/comments", ID: "tickets.comment", Tag: "tickets",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermTicketComment,
		Summary: "Add a comment to a ticket's timeline.", Body: CommentRequest{}, Result: bianque.TimelineEntry{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var req CommentRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			return svc.Comment(r.Context(), tenant(r), r.PathValue("ticket"), req.Note)
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/tickets/{ticket}/sla", ID: "tickets.sla", Tag: "tickets",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermTicketRead,
		Summary: "A ticket's SLA clocks now: MTTA, MTTC, MTTR against the tenant's targets.", Result: bianque.SLAClock{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			cs, err := svc.SLA(r.Context(), tenant(r), r.PathValue("ticket"))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(cs)}, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/attainment", ID: "tickets.attainment", Tag: "tickets",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermReportRead,
		Summary: "SLA attainment over the tickets raised in [from, to) (default: the last 30 days).",
		Query:   []Param{{Name: "from", Type: "date-time", Description: "start (inclusive)"}, {Name: "to", Type: "date-time", Description: "end (exclusive)"}},
		Result:  bianque.Attainment{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			from, to, err := attainmentPeriod(r, s.clock.Now())
			if err != nil {
				return nil, err
			}
			return svc.Attainment(r.Context(), tenant(r), from, to)
		})
	if s.svc.Dashboard != nil {
		s.api(Route{Method: "GET", Path: "/api/v1/dashboard", ID: "dashboard.get", Tag: "tickets", Access: Authenticated,
			Scope: ScopeTenant, Perm: bianque.PermTicketRead,
			Summary: "Open tickets by type, severity and state, and SLA attainment, over the caller's tenants (or ?tenant=).",
			Query: []Param{{Name: "tenant", Type: "string", Description: "tenant IDs, comma-separated"},
				{Name: "from", Type: "date-time", Description: "attainment period start"}, {Name: "to", Type: "date-time", Description: "attainment period end"}},
			Result: bianque.Dashboard{}},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				from, to, err := attainmentPeriod(r, s.clock.Now())
				if err != nil {
					return nil, err
				}
				return s.svc.Dashboard.Dashboard(r.Context(), queryList(r, "tenant"), from, to)
			})
	}
}
