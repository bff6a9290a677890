package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bianque"
)

// EventService implements bianque.EventService over the store's event
// store, and the retention job.
type EventService struct{ *core }

var _ bianque.EventService = (*EventService)(nil)

// NewEventService returns the event service over the services' store.
func NewEventService(s *Services) *EventService { return &EventService{core: s.Tickets.core} }

func (s *EventService) events() (bianque.EventStore, error) {
	es, ok := s.store.(bianque.EventStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no events")
	}
	return es, nil
}

// SearchEvents implements bianque.EventService: it needs event.read in every
// tenant asked for (ENOTFOUND for a tenant the principal cannot see); with
// no tenant it searches every tenant where the principal holds event.read.
// A search by provider staff is recorded in each searched tenant's audit
// chain with the query.
func (s *EventService) SearchEvents(ctx context.Context, q bianque.EventQuery) (*bianque.EventPage, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	tenants, err := readableTenants(p, bianque.PermEventRead, q.TenantIDs)
	if err != nil {
		return nil, err
	}
	if len(tenants) == 0 {
		return &bianque.EventPage{Events: []*bianque.StoredEvent{}}, nil
	}
	es, err := s.events()
	if err != nil {
		return nil, err
	}
	q.TenantIDs = tenants
	page, err := es.SearchEvents(ctx, q)
	if err != nil {
		return nil, err
	}
	if p.IsProvider() {
		detail := map[string]any{"filters": q.Filters, "text": q.Text, "from": q.From, "to": q.To, "cursor": q.Cursor, "results": len(page.Events)}
		for _, t := range tenants {
			if err := s.audit(ctx, t, "event.search", "event", "", detail); err != nil {
				return nil, err
			}
		}
	}
	return page, nil
}

// Event implements bianque.EventService: one event by its reference
// (event.read in its tenant; audited for provider staff).
func (s *EventService) Event(ctx context.Context, tenantID, ref string) (*bianque.StoredEvent, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermEventRead, tenantID); err != nil {
		return nil, err
	}
	es, err := s.events()
	if err != nil {
		return nil, err
	}
	e, err := es.Event(ctx, tenantID, ref)
	if err != nil {
		return nil, err
	}
	return e, s.auditRead(ctx, tenantID, "event.read", "event", ref)
}

// EventPartitions implements bianque.EventService: the tenant's days of
// events with their counts and sizes (event.read).
func (s *EventService) EventPartitions(ctx context.Context, tenantID string) ([]bianque.EventPartition, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermEventRead, tenantID); err != nil {
		return nil, err
	}
	es, err := s.events()
	if err != nil {
		return nil, err
	}
	return es.EventPartitions(ctx, tenantID)
}

// RetentionCut is the first day whose partition a tenant keeps at now: a
// partition is dropped once its last event is older than the retention.
func RetentionCut(t *bianque.Tenant, now time.Time) time.Time {
	return bianque.DayOf(now.Add(-t.Retention()))
}

// EnforceRetention is the job "event.retention" (R2.4): for every tenant it
// drops the event partitions of days older than the tenant's retention
// (Tenant.Retention, default 180 days) and records in the tenant's audit
// chain, as "system", the days dropped and how many events each held. A
// failure with one tenant does not stop the others; the job reports it.
func (s *EventService) EnforceRetention(ctx context.Context, now time.Time) (string, error) {
	es, err := s.events()
	if err != nil {
		return "", err
	}
	ctx = systemContext(ctx)
	var parts, events int64
	tenants := 0
	var errs []error
	cursor := ""
	for {
		list, next, err := s.store.Tenants(ctx, bianque.TenantFilter{Page: bianque.Page{Limit: bianque.MaxPageLimit, Cursor: cursor}})
		if err != nil {
			return "", err
		}
		for _, tn := range list {
			cut := RetentionCut(tn, now)
			dropped, err := es.DropEventPartitionsBefore(ctx, tn.ID, cut)
			if err != nil {
				errs = append(errs, fmt.Errorf("tenant %s: %w", tn.Code, err))
			}
			if len(dropped) == 0 {
				continue
			}
			tenants++
			type day struct {
				Day    string `json:"day"`
				Events int64  `json:"events"`
			}
			detail := struct {
				RetentionDays int    `json:"retention_days"`
				Before        string `json:"before"`
				Partitions    []day  `json:"partitions"`
				Events        int64  `json:"events"`
			}{RetentionDays: int(tn.Retention() / (24 * time.Hour)), Before: cut.Format(time.DateOnly)}
			for _, p := range dropped {
				detail.Partitions = append(detail.Partitions, day{p.Day.Format(time.DateOnly), p.Events})
				detail.Events += p.Events
			}
			parts += int64(len(dropped))
			events += detail.Events
			if err := s.audit(ctx, tn.ID, "event.retention", "event_partition", "", detail); err != nil {
				errs = append(errs, fmt.Errorf("tenant %s: %w", tn.Code, err))
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return fmt.Sprintf("dropped %d partitions (%d events) of %d tenants", parts, events, tenants), errors.Join(errs...)
}
