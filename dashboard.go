package bianque

import (
	"context"
	"time"
)

// Dashboard is the portal's first page: open tickets by type, severity and
// state over the tenants shown, and each tenant's SLA attainment (R13.2).
type Dashboard struct {
	TenantIDs  []string      `json:"tenant_ids"`
	Counts     *TicketCounts `json:"counts"`
	Attainment []*Attainment `json:"attainment,omitempty"`
	From       time.Time     `json:"from"`
	To         time.Time     `json:"to"`
}

// DashboardService assembles dashboards. tenantIDs empty means every tenant
// the principal can see; attainment is included where the principal may read reports.
type DashboardService interface {
	Dashboard(ctx context.Context, tenantIDs []string, from, to time.Time) (*Dashboard, error)
}
