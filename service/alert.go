package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"bianque"
)

// AlertService keeps the alerts of detection (R3.4, R3.5). The detection
// pipeline publishes to it — it implements detect/alert's Sink (store new
// alerts, fold repeats in) and TicketOpener (a threat ticket per alert at
// or above the ticket level, the foundation's threat flow) — and analysts
// read and triage alerts through it: alert.read to read, alert.triage to
// change a status or mark a false positive, which adds a scoped, expiring
// suppression (R5.2 whitelist).
//
// The pipeline side needs no principal: detection acts for the platform,
// and what it creates is audited as such.
type AlertService struct {
	*core
}

// NewAlertService returns the alert service over the services' store.
func NewAlertService(s *Services) *AlertService { return &AlertService{core: s.Tickets.core} }

func (s *AlertService) alerts() (bianque.AlertStore, error) {
	as, ok := s.store.(bianque.AlertStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no alerts")
	}
	return as, nil
}

// AlertCreated stores a new alert (detection pipeline).
func (s *AlertService) AlertCreated(ctx context.Context, a *bianque.Alert) error {
	as, err := s.alerts()
	if err != nil {
		return err
	}
	return as.CreateAlert(ctx, a)
}

// AlertUpdated folds repeats into the stored alert, keeping what analysts
// changed (detection pipeline).
func (s *AlertService) AlertUpdated(ctx context.Context, a *bianque.Alert) error {
	as, err := s.alerts()
	if err != nil {
		return err
	}
	c := *a
	return as.MergeAlert(ctx, &c)
}

// ticketSeverity maps an alert level onto the guide's two severities (R13.1).
func ticketSeverity(l bianque.AlertLevel) bianque.Severity {
	if l == bianque.LevelCritical {
		return bianque.SeverityMajor
	}
	return bianque.SeverityGeneral
}

// OpenThreatTicket opens the threat ticket of a new alert (detection
// pipeline): its SLA clocks start now; its source is "alert:<id>".
func (s *AlertService) OpenThreatTicket(ctx context.Context, a *bianque.Alert) (string, error) {
	now := s.clock.Now()
	who := func(e bianque.Endpoint) string {
		parts := []string{}
		for _, p := range []string{e.IP, e.Host, e.User} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 {
			return "?"
		}
		return strings.Join(parts, " ")
	}
	t := &bianque.Ticket{
		TenantID: a.TenantID, Type: bianque.TicketThreat, Severity: ticketSeverity(a.Level), Tier: 1,
		Title: truncate(fmt.Sprintf("[%s] %s: %s → %s", a.Level, a.RuleTitle, who(a.Attacker), who(a.Victim)), 500),
		Description: truncate(fmt.Sprintf("%s\n\nRule %s (%s), category %s, ATT&CK %s.\nAttacker %s, victim %s.\nWhy: %s.\nFirst seen %s, %d occurrence(s).",
			a.Description, a.RuleID, a.Kind, a.Category, strings.Join(a.Techniques, ", "), who(a.Attacker), who(a.Victim),
			strings.Join(a.Reason, "; "), a.FirstSeen.Format(time.RFC3339), a.Count), 100000),
		Source: "alert:" + a.ID,
	}
	bianque.NewTicket(t, now)
	if err := t.Validate(); err != nil {
		return "", err
	}
	first := &bianque.TimelineEntry{ID: bianque.NewIDAt(now), TenantID: t.TenantID, TicketID: t.ID, At: now,
		Kind: bianque.TimelineCreated, ToState: t.State, Note: "raised by alert " + a.ID + " (" + a.RuleTitle + ")"}
	if err := s.store.CreateTicket(ctx, t, first); err != nil {
		return "", err
	}
	return t.ID, s.audit(ctx, t.TenantID, "ticket.create", "ticket", t.ID,
		map[string]any{"number": t.Number, "type": t.Type, "severity": t.Severity, "alert": a.ID, "rule": a.RuleID})
}

// Alert returns one alert of the tenant. Needs alert.read.
func (s *AlertService) Alert(ctx context.Context, tenantID, id string) (*bianque.Alert, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAlertRead, tenantID); err != nil {
		return nil, err
	}
	as, err := s.alerts()
	if err != nil {
		return nil, err
	}
	a, err := as.Alert(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	return a, s.auditRead(ctx, tenantID, "alert.read", "alert", id)
}

// Alerts lists the alerts of the requested (or every visible) tenant,
// newest first. Needs alert.read.
func (s *AlertService) Alerts(ctx context.Context, f bianque.AlertFilter) ([]*bianque.Alert, string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, "", err
	}
	ids, err := readableTenants(p, bianque.PermAlertRead, f.TenantIDs)
	if err != nil || len(ids) == 0 {
		return nil, "", err
	}
	as, err := s.alerts()
	if err != nil {
		return nil, "", err
	}
	f.TenantIDs, f.Page = ids, f.Page.Normalize()
	out, next, err := as.Alerts(ctx, f)
	if err != nil {
		return nil, "", err
	}
	for _, id := range ids {
		if err := s.auditRead(ctx, id, "alert.list", "alert", ""); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// SetAlertStatus moves an alert to open, acknowledged or closed (a false
// positive goes through MarkFalsePositive). version must be the alert's
// current version. Needs alert.triage.
func (s *AlertService) SetAlertStatus(ctx context.Context, tenantID, id string, version int64, st bianque.AlertStatus) (*bianque.Alert, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAlertTriage, tenantID); err != nil {
		return nil, err
	}
	if st != bianque.AlertOpen && st != bianque.AlertAcknowledged && st != bianque.AlertClosed {
		return nil, bianque.Errorf(bianque.EINVALID, "alert status %q must be open, acknowledged or closed", st)
	}
	as, err := s.alerts()
	if err != nil {
		return nil, err
	}
	a, err := as.Alert(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if a.Version != version {
		return nil, bianque.Errorf(bianque.ECONFLICT, "alert was changed by someone else (version %d, yours %d); reload and retry", a.Version, version)
	}
	from := a.Status
	a.Status = st
	if err := as.UpdateAlert(ctx, a); err != nil {
		return nil, err
	}
	return a, s.audit(ctx, tenantID, "alert.status", "alert", id, map[string]any{"from": from, "to": st})
}

// FalsePositive says how far a false positive's suppression reaches.
type FalsePositive struct {
	// Fields are the alert fields the suppression pins to this alert's
	// values (bianque.SuppressionFields); none suppresses the rule for the
	// whole tenant.
	Fields []string `json:"fields,omitempty"`
	// For is how long the suppression lasts (at most 180 days).
	For    time.Duration `json:"for"`
	Reason string        `json:"reason"`
}

// MaxSuppression bounds how long a false positive silences a rule.
const MaxSuppression = 180 * 24 * time.Hour

// MarkFalsePositive closes an alert as a false positive and adds the
// suppression that silences its repeats: same tenant, same rule, the chosen
// fields equal to this alert's, until it expires. Needs alert.triage.
func (s *AlertService) MarkFalsePositive(ctx context.Context, tenantID, id string, version int64, fp FalsePositive) (*bianque.Suppression, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAlertTriage, tenantID); err != nil {
		return nil, err
	}
	if fp.For <= 0 || fp.For > MaxSuppression {
		return nil, bianque.Errorf(bianque.EINVALID, "a false positive suppression lasts more than 0 and at most %d days", int(MaxSuppression.Hours()/24))
	}
	as, err := s.alerts()
	if err != nil {
		return nil, err
	}
	a, err := as.Alert(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if a.Version != version {
		return nil, bianque.Errorf(bianque.ECONFLICT, "alert was changed by someone else (version %d, yours %d); reload and retry", a.Version, version)
	}
	now := s.clock.Now()
	sp := &bianque.Suppression{TenantID: tenantID, RuleID: a.RuleID, Reason: strings.TrimSpace(fp.Reason), TicketID: a.TicketID,
		CreatedBy: p.UserID, CreatedAt: now, ExpiresAt: now.Add(fp.For), Match: map[string]string{}}
	for _, f := range fp.Fields {
		if !slices.Contains(bianque.SuppressionFields, f) {
			return nil, bianque.Errorf(bianque.EINVALID, "suppression field %q must be one of %s", f, strings.Join(bianque.SuppressionFields, ", "))
		}
		v := map[string]string{"attacker.ip": a.Attacker.IP, "attacker.host": a.Attacker.Host, "attacker.user": a.Attacker.User,
			"victim.ip": a.Victim.IP, "victim.host": a.Victim.Host, "victim.user": a.Victim.User}[f]
		if v == "" {
			return nil, bianque.Errorf(bianque.EINVALID, "the alert has no %s to suppress on", f)
		}
		sp.Match[f] = v
	}
	if len(sp.Match) == 0 {
		sp.Match = nil
	}
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	if err := as.CreateSuppression(ctx, sp); err != nil {
		return nil, err
	}
	a.Status = bianque.AlertFalsePositive
	if err := as.UpdateAlert(ctx, a); err != nil {
		return nil, err
	}
	return sp, s.audit(ctx, tenantID, "alert.false_positive", "alert", id,
		map[string]any{"suppression": sp.ID, "rule": sp.RuleID, "match": sp.Match, "expires_at": sp.ExpiresAt, "reason": sp.Reason})
}

// Suppressions lists the suppressions in force for a tenant. Needs alert.read.
func (s *AlertService) Suppressions(ctx context.Context, tenantID string) ([]*bianque.Suppression, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAlertRead, tenantID); err != nil {
		return nil, err
	}
	as, err := s.alerts()
	if err != nil {
		return nil, err
	}
	return as.Suppressions(ctx, tenantID, s.clock.Now())
}

// DeleteSuppression ends a tenant's suppression early. Needs alert.triage.
func (s *AlertService) DeleteSuppression(ctx context.Context, tenantID, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermAlertTriage, tenantID); err != nil {
		return err
	}
	as, err := s.alerts()
	if err != nil {
		return err
	}
	if err := as.DeleteSuppression(ctx, tenantID, id); err != nil {
		return err
	}
	return s.audit(ctx, tenantID, "alert.suppression.delete", "suppression", id, nil)
}

// ActiveSuppressions returns every suppression in force, for the detection
// pipeline (detect/alert.Aggregator.SetSuppressions).
func (s *AlertService) ActiveSuppressions(ctx context.Context) ([]*bianque.Suppression, error) {
	as, err := s.alerts()
	if err != nil {
		return nil, err
	}
	return as.Suppressions(ctx, "", s.clock.Now())
}
