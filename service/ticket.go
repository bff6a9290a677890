package service

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"bianque"
)

// TicketService implements bianque.TicketService: the ticket flow of R4.3
// through bianque.ApplyAction, with optimistic concurrency, a timeline
// entry for every step, and SLA clocks from the tenant's contract.
type TicketService struct{ *core }

var _ bianque.TicketService = (*TicketService)(nil)

// maxNote bounds comments and action notes.
const maxNote = 10000

// updateAttempts is how often a step is re-applied on a fresh copy when
// someone else changed the ticket in between.
const updateAttempts = 3

// CreateTicket implements bianque.TicketService. The server sets the state,
// number, clocks and version; hospital staff raise emergency tickets only
// (the provider raises the others from its detections and findings).
func (s *TicketService) CreateTicket(ctx context.Context, t *bianque.Ticket) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermTicketCreate, t.TenantID); err != nil {
		return err
	}
	if p.Role.IsHospital() && t.Type != bianque.TicketEmergency {
		return bianque.Errorf(bianque.EFORBIDDEN, "hospital staff raise emergency tickets; threats, incidents and vulnerabilities come from the provider")
	}
	if len(t.Description) > 100000 {
		return bianque.Errorf(bianque.EINVALID, "ticket description is longer than 100000 bytes")
	}
	now := s.clock.Now()
	*t = bianque.Ticket{
		TenantID: t.TenantID, Type: t.Type, Severity: t.Severity, Tier: t.Tier, Title: strings.TrimSpace(t.Title),
		Description: t.Description, Category: t.Category, AssigneeID: t.AssigneeID, Source: t.Source,
		AssetIDs: t.AssetIDs, DueAt: t.DueAt, CreatedBy: p.UserID,
	}
	if t.Source == "" {
		t.Source = "manual"
	}
	bianque.NewTicket(t, now)
	if err := t.Validate(); err != nil {
		return err
	}
	if t.AssigneeID != "" {
		if _, err := s.assignee(ctx, t.TenantID, t.AssigneeID); err != nil {
			return err
		}
	}
	first := &bianque.TimelineEntry{
		ID: bianque.NewIDAt(now), TenantID: t.TenantID, TicketID: t.ID, At: now, ActorID: p.UserID, ActorName: p.Username,
		Kind: bianque.TimelineCreated, ToState: t.State,
	}
	if err := s.store.CreateTicket(ctx, t, first); err != nil {
		return err
	}
	return s.audit(ctx, t.TenantID, "ticket.create", "ticket", t.ID, map[string]any{"number": t.Number, "type": t.Type, "severity": t.Severity})
}

// assignee checks that a user may hold tickets of tenant.
func (s *TicketService) assignee(ctx context.Context, tenantID, userID string) (*bianque.User, error) {
	u, err := s.store.User(ctx, userID)
	if bianque.ErrorCode(err) == bianque.ENOTFOUND {
		return nil, bianque.Errorf(bianque.EINVALID, "assignee %s does not exist", userID)
	} else if err != nil {
		return nil, err
	}
	if u.Disabled || !u.Principal().SeesTenant(tenantID) || !u.Role.HasPermission(bianque.PermTicketRead) {
		return nil, bianque.Errorf(bianque.EINVALID, "assignee %s cannot work on this tenant's tickets", u.Username)
	}
	return u, nil
}

// Ticket implements bianque.TicketService.
func (s *TicketService) Ticket(ctx context.Context, tenantID, id string) (*bianque.Ticket, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketRead, tenantID); err != nil {
		return nil, err
	}
	t, err := s.store.Ticket(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "ticket")
	}
	if err := s.auditRead(ctx, tenantID, "ticket.read", "ticket", id); err != nil {
		return nil, err
	}
	return t, nil
}

// Tickets implements bianque.TicketService. Without tenants in the filter it
// lists every tenant the principal may read tickets of.
func (s *TicketService) Tickets(ctx context.Context, f bianque.TicketFilter) ([]*bianque.Ticket, string, error) {
	return listAcross(ctx, s.core, bianque.PermTicketRead, f.TenantIDs, "ticket.list", "ticket", func(ids []string) ([]*bianque.Ticket, string, error) {
		f.TenantIDs, f.Page = ids, f.Page.Normalize()
		return s.store.Tickets(ctx, f)
	})
}

// Timeline implements bianque.TicketService.
func (s *TicketService) Timeline(ctx context.Context, tenantID, id string) ([]*bianque.TimelineEntry, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketRead, tenantID); err != nil {
		return nil, err
	}
	if _, err := s.store.Ticket(ctx, tenantID, id); err != nil {
		return nil, hideNotFound(err, "ticket")
	}
	tl, err := s.store.Timeline(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, tenantID, "ticket.timeline", "ticket", id); err != nil {
		return nil, err
	}
	return tl, nil
}

// update re-reads the ticket and applies change until the store accepts the
// version or the attempts run out (ECONFLICT).
func (s *TicketService) update(ctx context.Context, tenantID, id string, change func(t *bianque.Ticket, now time.Time) (*bianque.TimelineEntry, error)) (*bianque.Ticket, *bianque.TimelineEntry, error) {
	for attempt := 1; ; attempt++ {
		t, err := s.store.Ticket(ctx, tenantID, id)
		if err != nil {
			return nil, nil, hideNotFound(err, "ticket")
		}
		now := s.clock.Now()
		entry, err := change(t, now)
		if err != nil {
			return nil, nil, err
		}
		if entry != nil && entry.ID == "" {
			entry.ID = bianque.NewIDAt(now)
		}
		err = s.store.UpdateTicket(ctx, t, entry)
		if err == nil {
			return t, entry, nil
		}
		if bianque.ErrorCode(err) != bianque.ECONFLICT || attempt >= updateAttempts {
			return nil, nil, err
		}
	}
}

func checkNote(note string) error {
	if len(note) > maxNote {
		return bianque.Errorf(bianque.EINVALID, "note is longer than %d bytes", maxNote)
	}
	if !utf8.ValidString(note) {
		return bianque.Errorf(bianque.EINVALID, "note is not valid UTF-8")
	}
	return nil
}

// Act implements bianque.TicketService. Errors: EFORBIDDEN when the role may
// not take the action, ECONFLICT when the ticket's state does not allow it,
// EINVALID for an unknown action or a missing note.
func (s *TicketService) Act(ctx context.Context, tenantID, id string, a bianque.TicketAction, note string) (*bianque.Ticket, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketRead, tenantID); err != nil {
		return nil, err
	}
	if err := checkNote(note); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	t, entry, err := s.update(ctx, tenantID, id, func(t *bianque.Ticket, now time.Time) (*bianque.TimelineEntry, error) {
		return bianque.ApplyAction(p, t, a, note, now)
	})
	if err != nil {
		return nil, err
	}
	return t, s.audit(ctx, tenantID, "ticket.act", "ticket", id, map[string]any{"action": a, "from": entry.FromState, "to": entry.ToState})
}

// Assign implements bianque.TicketService: assigneeID "" unassigns; tier 0
// keeps the tier.
func (s *TicketService) Assign(ctx context.Context, tenantID, id, assigneeID string, tier bianque.Tier) (*bianque.Ticket, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketAssign, tenantID); err != nil {
		return nil, err
	}
	if tier < 0 || tier > 3 {
		return nil, bianque.Errorf(bianque.EINVALID, "tier %d must be 1, 2 or 3", tier)
	}
	name := ""
	if assigneeID != "" {
		u, err := s.assignee(ctx, tenantID, assigneeID)
		if err != nil {
			return nil, err
		}
		name = u.Username
	}
	t, _, err := s.update(ctx, tenantID, id, func(t *bianque.Ticket, now time.Time) (*bianque.TimelineEntry, error) {
		if t.State == bianque.StateClosed {
			return nil, bianque.Errorf(bianque.ECONFLICT, "cannot assign a closed ticket")
		}
		t.AssigneeID = assigneeID
		if tier != 0 {
			t.Tier = tier
		}
		t.UpdatedAt = now
		note := fmt.Sprintf("tier %d", t.Tier)
		if name != "" {
			note = name + ", " + note
		}
		return &bianque.TimelineEntry{TenantID: tenantID, TicketID: id, At: now, ActorID: p.UserID, ActorName: p.Username,
			Kind: bianque.TimelineAssign, FromState: t.State, ToState: t.State, Note: note}, nil
	})
	if err != nil {
		return nil, err
	}
	return t, s.audit(ctx, tenantID, "ticket.assign", "ticket", id, map[string]any{"assignee": assigneeID, "tier": t.Tier})
}

// Comment implements bianque.TicketService.
func (s *TicketService) Comment(ctx context.Context, tenantID, id, note string) (*bianque.TimelineEntry, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketComment, tenantID); err != nil {
		return nil, err
	}
	if err := checkNote(note); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "comment is empty")
	}
	t, err := s.store.Ticket(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "ticket")
	}
	now := s.clock.Now()
	e := &bianque.TimelineEntry{ID: bianque.NewIDAt(now), TenantID: tenantID, TicketID: id, At: now, ActorID: p.UserID,
		ActorName: p.Username, Kind: bianque.TimelineComment, FromState: t.State, ToState: t.State, Note: note}
	if err := s.store.AddTimelineEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, s.audit(ctx, tenantID, "ticket.comment", "ticket", id, nil)
}

// contract returns the tenant's contract and compiled calendar.
func (s *core) contract(ctx context.Context, tenantID string) (*bianque.Contract, *bianque.WorkCalendar, error) {
	t, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, nil, hideNotFound(err, "tenant")
	}
	cal, err := t.Contract.Calendar.Compile()
	if err != nil {
		return nil, nil, bianque.WrapError(bianque.EINTERNAL, err, "tenant %s has an invalid calendar", t.Code)
	}
	return &t.Contract, cal, nil
}

// SLA implements bianque.TicketService: the ticket's clocks now.
func (s *TicketService) SLA(ctx context.Context, tenantID, id string) ([]bianque.SLAClock, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketRead, tenantID); err != nil {
		return nil, err
	}
	t, err := s.store.Ticket(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "ticket")
	}
	c, cal, err := s.contract(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, tenantID, "ticket.sla", "ticket", id); err != nil {
		return nil, err
	}
	return bianque.EvaluateSLA(t, c, cal, s.clock.Now()), nil
}

// maxAttainmentSpan and maxAttainmentTickets bound one attainment query.
const (
	maxAttainmentSpan    = 2 * 366 * 24 * time.Hour
	maxAttainmentTickets = 200000
)

// Attainment implements bianque.TicketService: SLA attainment over the
// tickets raised in [from, to), computed from the ticket records (R13.2).
// It needs report.read.
func (s *TicketService) Attainment(ctx context.Context, tenantID string, from, to time.Time) (*bianque.Attainment, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermReportRead, tenantID); err != nil {
		return nil, err
	}
	a, err := s.attainment(ctx, tenantID, from, to)
	if err != nil {
		return nil, err
	}
	return a, s.auditRead(ctx, tenantID, "attainment.read", "tenant", tenantID)
}

func (s *core) attainment(ctx context.Context, tenantID string, from, to time.Time) (*bianque.Attainment, error) {
	if !from.Before(to) {
		return nil, bianque.Errorf(bianque.EINVALID, "from must be before to")
	}
	if to.Sub(from) > maxAttainmentSpan {
		return nil, bianque.Errorf(bianque.EINVALID, "attainment period is longer than two years")
	}
	c, cal, err := s.contract(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var all []*bianque.Ticket
	f := bianque.TicketFilter{TenantIDs: []string{tenantID}, CreatedFrom: from, CreatedTo: to, Page: bianque.Page{Limit: bianque.MaxPageLimit}}
	for {
		ts, next, err := s.store.Tickets(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, ts...)
		if next == "" {
			break
		}
		if len(all) >= maxAttainmentTickets {
			return nil, bianque.Errorf(bianque.EINVALID, "more than %d tickets in the period: choose a shorter one", maxAttainmentTickets)
		}
		f.Cursor = next
	}
	return bianque.ComputeAttainment(tenantID, all, c, cal, from, to, s.clock.Now()), nil
}
