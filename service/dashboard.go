package service

import (
	"context"
	"time"

	"bianque"
)

// DashboardService implements bianque.DashboardService.
type DashboardService struct{ *core }

var _ bianque.DashboardService = (*DashboardService)(nil)

// maxDashboardAttainment bounds how many tenants' attainment one dashboard
// computes; a provider overview of more tenants shows counts only.
const maxDashboardAttainment = 50

// Dashboard implements bianque.DashboardService: open-ticket counts need
// ticket.read in every tenant shown, attainment report.read.
func (s *DashboardService) Dashboard(ctx context.Context, tenantIDs []string, from, to time.Time) (*bianque.Dashboard, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := readableTenants(p, bianque.PermTicketRead, tenantIDs)
	if err != nil {
		return nil, err
	}
	d := &bianque.Dashboard{TenantIDs: ids, From: from, To: to, Counts: &bianque.TicketCounts{
		ByType: map[bianque.TicketType]int{}, BySeverity: map[bianque.Severity]int{}, ByState: map[bianque.TicketState]int{}}}
	if len(ids) == 0 {
		return d, nil
	}
	if d.Counts, err = s.store.CountOpenTickets(ctx, ids); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := s.auditRead(ctx, id, "dashboard.read", "tenant", id); err != nil {
			return nil, err
		}
	}
	if !p.Can(bianque.PermReportRead) || len(ids) > maxDashboardAttainment {
		return d, nil
	}
	for _, id := range ids {
		a, err := s.attainment(ctx, id, from, to)
		if err != nil {
			return nil, err
		}
		d.Attainment = append(d.Attainment, a)
	}
	return d, nil
}
