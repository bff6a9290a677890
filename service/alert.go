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
	// Detection, when set, is told of new suppressions at once.
	Detection Refresher
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
	return listAcross(ctx, s.core, bianque.PermAlertRead, f.TenantIDs, "alert.list", "alert", func(ids []string) ([]*bianque.Alert, string, error) {
		as, err := s.alerts()
		if err != nil {
			return nil, "", err
		}
		f.TenantIDs, f.Page = ids, f.Page.Normalize()
		return as.Alerts(ctx, f)
	})
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
	sp, err := s.suppressionFor(p, a, fp)
	if err != nil {
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
	if err := s.audit(ctx, tenantID, "alert.suppression.delete", "suppression", id, nil); err != nil {
		return err
	}
	s.refresh(ctx, s.Detection)
	return nil
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

// Refresher applies store changes to this node's detection at once (the
// other nodes follow on their next sync).
type Refresher interface {
	Refresh(ctx context.Context) error
}

// refresh tells this node's detection that the store changed; a failure
// only delays the change until the next sync, so it is logged, not returned.
func (c *core) refresh(ctx context.Context, r Refresher) {
	if r == nil {
		return
	}
	if err := r.Refresh(ctx); err != nil {
		c.log.Warn("detection refresh", "err", err)
	}
}

var _ bianque.AlertService = (*AlertService)(nil)

// TriageAlert takes an analyst's step on an alert and records it on the
// alert (who, when, what, why: the confirmation record of R3.5):
//
//   - acknowledge: the alert is being looked at; its threat ticket, still
//     new, is acknowledged too (stopping the acknowledgement clock) when
//     the caller may triage tickets;
//   - confirm: a real threat; its threat ticket is opened if it has none
//     (whatever its level) and confirmed — needs ticket.triage as well;
//   - false_positive: closed, with a suppression scoped by in.Fields for
//     in.For (R5.2); its ticket, if open, is closed as a false positive;
//   - close, reopen.
//
// in.Version, when not 0, must be the alert's current version. Needs alert.triage.
func (s *AlertService) TriageAlert(ctx context.Context, tenantID, id string, in bianque.AlertTriageInput) (*bianque.Alert, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAlertTriage, tenantID); err != nil {
		return nil, err
	}
	if !slices.Contains(bianque.AlertActions, in.Action) {
		return nil, bianque.Errorf(bianque.EINVALID, "alert action %q must be one of acknowledge, confirm, false_positive, close, reopen", in.Action)
	}
	if len(in.Note) > 10000 {
		return nil, bianque.Errorf(bianque.EINVALID, "note is longer than 10000 characters")
	}
	note := strings.TrimSpace(in.Note)
	as, err := s.alerts()
	if err != nil {
		return nil, err
	}
	a, err := as.Alert(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if in.Version != 0 && a.Version != in.Version {
		return nil, bianque.Errorf(bianque.ECONFLICT, "alert was changed by someone else (version %d, yours %d); reload and retry", a.Version, in.Version)
	}
	if !bianque.AlertActionAllowed(a.Status, in.Action) {
		return nil, bianque.Errorf(bianque.ECONFLICT, "an alert that is %s cannot be given %s", a.Status, in.Action)
	}
	canTicket := p.Can(bianque.PermTicketTriage)
	entry := bianque.AlertTriage{At: s.clock.Now(), UserID: p.UserID, Username: p.Username, Role: p.Role, Action: in.Action, From: a.Status, Note: note}
	tickets := &TicketService{s.core}
	ticketState := func() bianque.TicketState {
		if a.TicketID == "" {
			return ""
		}
		t, err := s.store.Ticket(ctx, tenantID, a.TicketID)
		if err != nil {
			return ""
		}
		return t.State
	}
	act := func(action bianque.TicketAction, note string) error {
		_, err := tickets.Act(ctx, tenantID, a.TicketID, action, note)
		return err
	}
	var sp *bianque.Suppression
	switch in.Action {
	case bianque.AlertActAcknowledge:
		entry.To = bianque.AlertAcknowledged
		if canTicket && ticketState() == bianque.StateNew {
			if err := act(bianque.ActionAcknowledge, ""); err != nil {
				return nil, err
			}
			entry.TicketID = a.TicketID
		}
	case bianque.AlertActConfirm:
		if !canTicket {
			return nil, bianque.Errorf(bianque.EFORBIDDEN, "role %s may not %s: confirming a threat confirms its ticket", p.Role, bianque.PermTicketTriage)
		}
		entry.To = bianque.AlertConfirmed
		if a.TicketID == "" {
			tid, err := s.OpenThreatTicket(ctx, a)
			if err != nil {
				return nil, err
			}
			a.TicketID = tid
		}
		entry.TicketID = a.TicketID
		confirmNote := "confirmed from alert " + a.ID
		if note != "" {
			confirmNote += ": " + note
		}
		switch ticketState() {
		case bianque.StateNew:
			if err := act(bianque.ActionAcknowledge, ""); err != nil {
				return nil, err
			}
			fallthrough
		case bianque.StateTriaged, bianque.StateEscalated:
			if err := act(bianque.ActionConfirm, confirmNote); err != nil {
				return nil, err
			}
		}
	case bianque.AlertActFalsePositive:
		if note == "" {
			return nil, bianque.Errorf(bianque.EINVALID, "a false positive needs a reason (note)")
		}
		fp := FalsePositive{Fields: in.Fields, For: time.Duration(in.For), Reason: note}
		if fp.For == 0 {
			fp.For = 30 * 24 * time.Hour
		}
		if sp, err = s.suppressionFor(p, a, fp); err != nil {
			return nil, err
		}
		entry.To = bianque.AlertFalsePositive
		if canTicket {
			switch ticketState() {
			case bianque.StateNew, bianque.StateTriaged, bianque.StateEscalated:
				if err := act(bianque.ActionFalsePositive, note); err != nil {
					return nil, err
				}
				entry.TicketID = a.TicketID
			}
		}
		if err := as.CreateSuppression(ctx, sp); err != nil {
			return nil, err
		}
		entry.SuppressionID = sp.ID
	case bianque.AlertActClose:
		entry.To = bianque.AlertClosed
	case bianque.AlertActReopen:
		entry.To = bianque.AlertOpen
	}
	// Detection may fold a repeat in between: retry on the fresh record,
	// the step itself is already decided.
	ticketID := a.TicketID
	for attempt := 0; ; attempt++ {
		a.Status = entry.To
		if a.TicketID == "" {
			a.TicketID = ticketID
		}
		a.Triage = append(a.Triage, entry)
		err = as.UpdateAlert(ctx, a)
		if err == nil || bianque.ErrorCode(err) != bianque.ECONFLICT || attempt == 3 {
			break
		}
		if a, err = as.Alert(ctx, tenantID, id); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	detail := map[string]any{"action": in.Action, "from": entry.From, "to": entry.To}
	if note != "" {
		detail["note"] = note
	}
	if sp != nil {
		detail["suppression"], detail["match"], detail["expires_at"] = sp.ID, sp.Match, sp.ExpiresAt
	}
	if entry.TicketID != "" {
		detail["ticket"] = entry.TicketID
	}
	if err := s.audit(ctx, tenantID, "alert.triage", "alert", id, detail); err != nil {
		return nil, err
	}
	if sp != nil {
		s.refresh(ctx, s.Detection)
	}
	return a, nil
}

// suppressionFor builds the suppression of a false positive.
func (s *AlertService) suppressionFor(p *bianque.Principal, a *bianque.Alert, fp FalsePositive) (*bianque.Suppression, error) {
	if fp.For <= 0 || fp.For > MaxSuppression {
		return nil, bianque.Errorf(bianque.EINVALID, "a false positive suppression lasts more than 0 and at most %d days", int(MaxSuppression.Hours()/24))
	}
	now := s.clock.Now()
	sp := &bianque.Suppression{TenantID: a.TenantID, RuleID: a.RuleID, Reason: strings.TrimSpace(fp.Reason), TicketID: a.TicketID,
		CreatedBy: p.Username, CreatedAt: now, ExpiresAt: now.Add(fp.For), Match: map[string]string{}}
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
	return sp, sp.Validate()
}
