package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"bianque"
	"bianque/vuln"
)

// Prober re-probes one finding (scan.Retest with the tenant's scan guard)
// and reports whether it is still there, with the evidence.
type Prober func(ctx context.Context, f *bianque.Finding) (present bool, evidence string, err error)

// FindingService implements bianque.FindingService: findings of scans and
// imported reports, deduplicated per asset service and vulnerability, with
// priority, a vulnerability ticket whose due date follows the tenant's
// contract, the lifecycle of R7.4 and its audit trail. finding.read to read,
// finding.manage to ingest and act, scan.run to retest.
type FindingService struct {
	*core
	// KEV flags exploited CVEs when computing priority (nil: none known).
	KEV *vuln.KEV
	// Prober re-probes findings for Retest (nil: retest unavailable).
	Prober Prober
}

var _ bianque.FindingService = (*FindingService)(nil)

// NewFindingService returns the finding service over the services' store.
func NewFindingService(s *Services, kev *vuln.KEV, prober Prober) *FindingService {
	return &FindingService{core: s.Assets.core, KEV: kev, Prober: prober}
}

func (s *FindingService) findings() (bianque.FindingStore, error) {
	fs, ok := s.store.(bianque.FindingStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no findings")
	}
	return fs, nil
}

// IngestResult counts what an ingest did.
type IngestResult struct {
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Reopened int `json:"reopened"`
	Tickets  int `json:"tickets"`
}

// Ingest records the findings of a scan or an imported report for a tenant:
// each finding is split per endpoint, tied to the ledger asset of its host,
// prioritised (severity × asset value × exploitability) and upserted by its
// dedup key. A new finding gets a vulnerability ticket with the contract's
// due date; a closed finding reported again is reopened (seen_again) and its
// ticket told so. Needs finding.manage.
func (s *FindingService) Ingest(ctx context.Context, tenantID string, in []*bianque.Finding) (*IngestResult, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingManage, tenantID); err != nil {
		return nil, err
	}
	return s.ingest(ctx, p, tenantID, in)
}

// ingest is Ingest after authorization; a platform scan (authorized by
// scan.run) records its findings through it.
func (s *FindingService) ingest(ctx context.Context, p *bianque.Principal, tenantID string, in []*bianque.Finding) (*IngestResult, error) {
	fs, err := s.findings()
	if err != nil {
		return nil, err
	}
	tn, err := s.tenant(ctx, tenantID)
	if err != nil {
		return nil, hideNotFound(err, "tenant")
	}
	now := s.clock.Now()
	res := &IngestResult{}
	assets := map[string]*bianque.Asset{}
	for _, grouped := range in {
		for _, f := range grouped.Expand() {
			f.TenantID, f.ID, f.Version = tenantID, "", 0
			if f.LastSeen.IsZero() {
				f.LastSeen = now
			}
			a := s.assetOf(ctx, tenantID, f.Host, assets)
			if a != nil {
				f.AssetID = a.ID
			}
			f.Key = bianque.FindingKey(f)
			vuln.ApplyPriority(f, a, s.KEV)
			created, err := fs.UpsertFinding(ctx, f)
			if err != nil {
				return res, err
			}
			switch {
			case created:
				res.Created++
				due := vuln.DueDate(f, &tn.Contract, now)
				f.DueAt = &due
				tk, err := s.openTicket(ctx, f, a)
				if err != nil {
					return res, err
				}
				f.TicketID = tk.ID
				res.Tickets++
				if err := fs.UpdateFinding(ctx, f); err != nil {
					return res, err
				}
			case f.State == bianque.FindingClosed:
				if err := bianque.ApplyFindingAction(f, bianque.FindingActSeenAgain, p.Username, "reported again by "+f.Scanner, nil, now); err != nil {
					return res, err
				}
				if err := fs.UpdateFinding(ctx, f); err != nil {
					return res, err
				}
				res.Reopened++
				s.noteTicket(ctx, f, p, "finding reported again after closure: reopened")
			default:
				res.Updated++
			}
		}
	}
	return res, s.audit(ctx, tenantID, "finding.ingest", "finding", "", res)
}

// assetOf finds the ledger asset of an address (cached per ingest).
func (s *FindingService) assetOf(ctx context.Context, tenantID, host string, cache map[string]*bianque.Asset) *bianque.Asset {
	if host == "" {
		return nil
	}
	if a, ok := cache[host]; ok {
		return a
	}
	as, _, err := s.store.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{tenantID}, IP: host, Page: bianque.Page{Limit: 1}})
	if err != nil || len(as) == 0 {
		as, _, err = s.store.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{tenantID}, Hostname: host, Page: bianque.Page{Limit: 1}})
	}
	var a *bianque.Asset
	if err == nil && len(as) > 0 {
		a = as[0]
	}
	cache[host] = a
	return a
}

// openTicket raises the vulnerability ticket of a new finding (R7.4).
func (s *FindingService) openTicket(ctx context.Context, f *bianque.Finding, a *bianque.Asset) (*bianque.Ticket, error) {
	now := s.clock.Now()
	where := f.Host
	if f.Port > 0 {
		where += ":" + strconv.Itoa(f.Port)
	}
	t := &bianque.Ticket{
		TenantID: f.TenantID, Type: bianque.TicketVulnerability, Severity: vuln.TicketSeverity(f.Priority), Tier: 1,
		Title:       truncate(fmt.Sprintf("[%s] %s on %s", f.Priority, f.Title, where), 500),
		Description: truncate(fmt.Sprintf("%s\n\nSeverity %s, CVSS %.1f, priority %s (%.1f).\nCVEs: %v\nSolution: %s\nEvidence: %s", f.Description, f.Severity, f.CVSSScore, f.Priority, f.PriorityScore, f.CVEs, f.Solution, f.Evidence), 100000),
		Source:      "finding:" + f.ID, DueAt: f.DueAt, CreatedBy: "",
	}
	if a != nil {
		t.AssetIDs = []string{a.ID}
	}
	if p := bianque.PrincipalFromContext(ctx); p != nil {
		t.CreatedBy = p.UserID
	}
	bianque.NewTicket(t, now)
	if err := t.Validate(); err != nil {
		return nil, err
	}
	first := &bianque.TimelineEntry{ID: bianque.NewIDAt(now), TenantID: t.TenantID, TicketID: t.ID, At: now, Kind: bianque.TimelineCreated, ToState: t.State,
		Note: "raised by finding " + f.ID + " (" + f.Scanner + ")"}
	if err := s.store.CreateTicket(ctx, t, first); err != nil {
		return nil, err
	}
	return t, s.audit(ctx, t.TenantID, "ticket.create", "ticket", t.ID, map[string]any{"number": t.Number, "type": t.Type, "severity": t.Severity, "finding": f.ID})
}

// noteTicket adds a line to the finding's ticket timeline (best effort: a
// finding may have lost its ticket).
func (s *FindingService) noteTicket(ctx context.Context, f *bianque.Finding, p *bianque.Principal, note string) {
	if f.TicketID == "" {
		return
	}
	e := &bianque.TimelineEntry{ID: bianque.NewIDAt(s.clock.Now()), TenantID: f.TenantID, TicketID: f.TicketID, At: s.clock.Now(),
		ActorID: p.UserID, ActorName: p.Username, Kind: bianque.TimelineComment, Note: note}
	if err := s.store.AddTimelineEntry(ctx, e); err != nil {
		s.log.Warn("finding: ticket note failed", "finding", f.ID, "ticket", f.TicketID, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Finding implements bianque.FindingService.
func (s *FindingService) Finding(ctx context.Context, tenantID, id string) (*bianque.Finding, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingRead, tenantID); err != nil {
		return nil, err
	}
	fs, err := s.findings()
	if err != nil {
		return nil, err
	}
	f, err := fs.Finding(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "finding")
	}
	return f, s.auditRead(ctx, tenantID, "finding.read", "finding", id)
}

// Findings implements bianque.FindingService.
func (s *FindingService) Findings(ctx context.Context, f bianque.FindingFilter) ([]*bianque.Finding, string, error) {
	return listAcross(ctx, s.core, bianque.PermFindingRead, f.TenantIDs, "finding.list", "finding", func(ids []string) ([]*bianque.Finding, string, error) {
		fs, err := s.findings()
		if err != nil {
			return nil, "", err
		}
		f.TenantIDs, f.Page = ids, f.Page.Normalize()
		if f.Overdue && f.Now.IsZero() {
			f.Now = s.clock.Now()
		}
		return fs.Findings(ctx, f)
	})
}

// Overdue lists the tenant's active findings past their due date, for the
// reminders (R7.4).
func (s *FindingService) Overdue(ctx context.Context, tenantID string) ([]*bianque.Finding, error) {
	out, _, err := s.Findings(ctx, bianque.FindingFilter{TenantIDs: []string{tenantID}, Overdue: true, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	return out, err
}

// Act implements bianque.FindingService: one lifecycle step, audited and
// noted on the finding's ticket.
func (s *FindingService) Act(ctx context.Context, tenantID, id string, a bianque.FindingAction, reason string, until *time.Time) (*bianque.Finding, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingManage, tenantID); err != nil {
		return nil, err
	}
	fs, err := s.findings()
	if err != nil {
		return nil, err
	}
	f, err := fs.Finding(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "finding")
	}
	from := f.State
	if err := bianque.ApplyFindingAction(f, a, p.Username, reason, until, s.clock.Now()); err != nil {
		return nil, err
	}
	if err := fs.UpdateFinding(ctx, f); err != nil {
		return nil, err
	}
	s.noteTicket(ctx, f, p, fmt.Sprintf("finding %s → %s: %s", from, f.State, reason))
	detail := map[string]any{"action": a, "from": from, "to": f.State, "reason": reason}
	if until != nil {
		detail["accepted_until"] = until.Format(time.RFC3339)
	}
	return f, s.audit(ctx, tenantID, "finding.act", "finding", id, detail)
}

// Retest implements bianque.FindingService: re-probe just this finding and
// close it (gone) or reopen it (still there). Needs scan.run.
func (s *FindingService) Retest(ctx context.Context, tenantID, id string) (*bianque.Finding, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermScanRun, tenantID); err != nil {
		return nil, err
	}
	if s.Prober == nil {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "no scanner is configured for retests")
	}
	fs, err := s.findings()
	if err != nil {
		return nil, err
	}
	f, err := fs.Finding(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "finding")
	}
	present, evidence, err := s.Prober(ctx, f)
	if err != nil {
		return nil, err
	}
	a := bianque.FindingActRetestPass
	if present {
		a = bianque.FindingActRetestFail
	}
	from := f.State
	if err := bianque.ApplyFindingAction(f, a, p.Username, evidence, nil, s.clock.Now()); err != nil {
		return nil, err
	}
	if present {
		f.Evidence = evidence
	}
	if err := fs.UpdateFinding(ctx, f); err != nil {
		return nil, err
	}
	s.noteTicket(ctx, f, p, fmt.Sprintf("retest: %s (finding %s → %s)", evidence, from, f.State))
	return f, s.audit(ctx, tenantID, "finding.retest", "finding", id, map[string]any{"present": present, "evidence": evidence, "to": f.State})
}

// History returns the finding's history: the timeline of its vulnerability
// ticket (creation, every lifecycle step, retests, reminders). Needs
// finding.read.
func (s *FindingService) History(ctx context.Context, tenantID, id string) ([]*bianque.TimelineEntry, error) {
	f, err := s.Finding(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if f.TicketID == "" {
		return []*bianque.TimelineEntry{}, nil
	}
	tl, err := s.store.Timeline(ctx, tenantID, f.TicketID)
	if bianque.ErrorCode(err) == bianque.ENOTFOUND {
		return []*bianque.TimelineEntry{}, nil
	}
	return tl, err
}

// ReminderInterval is the least time between two overdue reminders of one finding.
const ReminderInterval = 24 * time.Hour

// RemindOverdue is the periodic job of R7.4: every active finding past its
// due date gets a reminder on its ticket (at most one per ReminderInterval),
// and every risk acceptance whose expiry passed is reopened. It acts as the
// system, over every tenant, and audits what it did per tenant.
func (s *FindingService) RemindOverdue(ctx context.Context, now time.Time) (string, error) {
	fs, err := s.findings()
	if err != nil {
		return "", err
	}
	ctx = systemContext(ctx)
	sys := bianque.PrincipalFromContext(ctx)
	reminded, expired := 0, 0
	cursor := ""
	for {
		tenants, next, err := s.store.Tenants(ctx, bianque.TenantFilter{Page: bianque.Page{Limit: bianque.MaxPageLimit, Cursor: cursor}})
		if err != nil {
			return "", err
		}
		for _, tn := range tenants {
			r, e, err := s.remindTenant(ctx, fs, sys, tn.ID, now)
			reminded, expired = reminded+len(r), expired+len(e)
			if err != nil {
				return fmt.Sprintf("reminded %d, expired %d", reminded, expired), err
			}
			if len(r) > 0 {
				if err := s.audit(ctx, tn.ID, "finding.overdue_reminder", "finding", "", map[string]any{"findings": r}); err != nil {
					return "", err
				}
			}
			if len(e) > 0 {
				if err := s.audit(ctx, tn.ID, "finding.acceptance_expired", "finding", "", map[string]any{"findings": e}); err != nil {
					return "", err
				}
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return fmt.Sprintf("reminded %d, expired %d", reminded, expired), nil
}

func (s *FindingService) remindTenant(ctx context.Context, fs bianque.FindingStore, sys *bianque.Principal, tenantID string, now time.Time) (reminded, expired []string, err error) {
	walk := func(f bianque.FindingFilter, fn func(*bianque.Finding) error) error {
		f.TenantIDs, f.Page = []string{tenantID}, bianque.Page{Limit: bianque.MaxPageLimit}
		for {
			list, next, err := fs.Findings(ctx, f)
			if err != nil {
				return err
			}
			for _, x := range list {
				if err := fn(x); err != nil {
					return err
				}
			}
			if next == "" {
				return nil
			}
			f.Page.Cursor = next
		}
	}
	err = walk(bianque.FindingFilter{Overdue: true, Now: now}, func(f *bianque.Finding) error {
		if f.RemindedAt != nil && now.Sub(*f.RemindedAt) < ReminderInterval {
			return nil
		}
		late := now.Sub(*f.DueAt)
		t := now
		f.RemindedAt = &t
		if err := fs.UpdateFinding(ctx, f); err != nil {
			if bianque.ErrorCode(err) == bianque.ECONFLICT {
				return nil // changed meanwhile; the next run looks again
			}
			return err
		}
		s.noteTicket(ctx, f, sys, fmt.Sprintf("overdue reminder: due %s, %d day(s) late; finding is %s", f.DueAt.Format("2006-01-02"), int(late.Hours()/24), f.State))
		reminded = append(reminded, f.ID)
		return nil
	})
	if err != nil {
		return reminded, expired, err
	}
	err = walk(bianque.FindingFilter{States: []bianque.FindingState{bianque.FindingAccepted}}, func(f *bianque.Finding) error {
		if f.AcceptedUntil == nil || now.Before(*f.AcceptedUntil) {
			return nil
		}
		until := *f.AcceptedUntil
		if err := bianque.ApplyFindingAction(f, bianque.FindingActExpire, sys.Username, "risk acceptance expired "+until.Format("2006-01-02"), nil, now); err != nil {
			return nil
		}
		if err := fs.UpdateFinding(ctx, f); err != nil {
			if bianque.ErrorCode(err) == bianque.ECONFLICT {
				return nil
			}
			return err
		}
		s.noteTicket(ctx, f, sys, "risk acceptance expired on "+until.Format("2006-01-02")+": finding reopened")
		expired = append(expired, f.ID)
		return nil
	})
	return reminded, expired, err
}
