package service

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/scan"
	"bianque/scan/creds"
)

// ScanService keeps the tenants' scan scopes (what each hospital authorised
// the scanner to touch, R7.1) and runs scans started from the platform as
// jobs with progress, cancellation, ledger updates, change tickets (R6.3),
// the exposure view (R6.4) and findings (R7). finding.read reads scopes, jobs
// and the exposure view; scan.run manages scopes and starts and cancels
// scans. Overriding the exclusion of one medical device is an asset change
// that needs scan.override (AssetService); each scan that uses an override
// audits it (scan.medical_override).
type ScanService struct {
	*core
	Findings *FindingService
	// Node names this platform node in the jobs it runs.
	Node string
	// Rate and PerHostRate are the default limits (attempts per second) of
	// scans that name none; MaxRate caps what a request may ask for.
	Rate, PerHostRate, MaxRate float64
	// Dict is the credential dictionary (nil: the built-in one).
	Dict *creds.Dictionary
	// CredDelay paces credential attempts on one service (default 500 ms).
	CredDelay time.Duration
	// BannerWait and DialTimeout tune the scanner (defaults 1 s and 2 s).
	BannerWait, DialTimeout time.Duration
	// PollInterval is how often a running job stores its progress and looks
	// for a cancel request made on another node (default 1 s).
	PollInterval time.Duration

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

// NewScanService returns the scan service over the services' store.
func NewScanService(s *Services, findings *FindingService) *ScanService {
	return &ScanService{core: s.Assets.core, Findings: findings, Node: "local", Rate: 500, PerHostRate: 100, MaxRate: 5000,
		running: map[string]context.CancelFunc{}}
}

func (s *ScanService) scans() (bianque.ScanStore, error) {
	ss, ok := s.store.(bianque.ScanStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no scans")
	}
	return ss, nil
}

// Scopes lists the tenant's scan scopes.
func (s *ScanService) Scopes(ctx context.Context, tenantID string) ([]*bianque.ScanScope, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingRead, tenantID); err != nil {
		return nil, err
	}
	ss, err := s.scans()
	if err != nil {
		return nil, err
	}
	out, err := ss.ScanScopes(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return out, s.auditRead(ctx, tenantID, "scan.scope.list", "scan_scope", "")
}

// Scope returns one scope.
func (s *ScanService) Scope(ctx context.Context, tenantID, id string) (*bianque.ScanScope, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingRead, tenantID); err != nil {
		return nil, err
	}
	ss, err := s.scans()
	if err != nil {
		return nil, err
	}
	sc, err := ss.ScanScopeByID(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "scan scope")
	}
	return sc, s.auditRead(ctx, tenantID, "scan.scope.read", "scan_scope", id)
}

func normaliseScope(sc *bianque.ScanScope) {
	if sc.Vantage == "" {
		sc.Vantage = bianque.VantageInternal
	}
	sc.Name = strings.TrimSpace(sc.Name)
}

// CreateScope stores a new scope (scan.run). AuthorizedBy names the hospital
// person who approved it; it defaults to the caller.
func (s *ScanService) CreateScope(ctx context.Context, sc *bianque.ScanScope) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermScanRun, sc.TenantID); err != nil {
		return err
	}
	ss, err := s.scans()
	if err != nil {
		return err
	}
	normaliseScope(sc)
	now := s.clock.Now()
	sc.ID, sc.Version, sc.CreatedAt, sc.UpdatedAt = "", 0, now, now
	if sc.AuthorizedBy == "" {
		sc.AuthorizedBy = p.Username
	}
	if sc.AuthorizedAt.IsZero() {
		sc.AuthorizedAt = now
	}
	if err := ss.CreateScanScope(ctx, sc); err != nil {
		return err
	}
	return s.audit(ctx, sc.TenantID, "scan.scope.create", "scan_scope", sc.ID, sc)
}

// UpdateScope replaces a scope (scan.run); Version must match.
func (s *ScanService) UpdateScope(ctx context.Context, sc *bianque.ScanScope) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermScanRun, sc.TenantID); err != nil {
		return err
	}
	ss, err := s.scans()
	if err != nil {
		return err
	}
	old, err := ss.ScanScopeByID(ctx, sc.TenantID, sc.ID)
	if err != nil {
		return hideNotFound(err, "scan scope")
	}
	normaliseScope(sc)
	sc.CreatedAt = old.CreatedAt
	if sc.AuthorizedBy == "" {
		sc.AuthorizedBy = p.Username
		sc.AuthorizedAt = s.clock.Now()
	}
	if err := ss.UpdateScanScope(ctx, sc); err != nil {
		return hideNotFound(err, "scan scope")
	}
	return s.audit(ctx, sc.TenantID, "scan.scope.update", "scan_scope", sc.ID, map[string]any{"before": old, "after": sc})
}

// DeleteScope removes a scope (scan.run).
func (s *ScanService) DeleteScope(ctx context.Context, tenantID, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermScanRun, tenantID); err != nil {
		return err
	}
	ss, err := s.scans()
	if err != nil {
		return err
	}
	if err := ss.DeleteScanScope(ctx, tenantID, id); err != nil {
		return hideNotFound(err, "scan scope")
	}
	return s.audit(ctx, tenantID, "scan.scope.delete", "scan_scope", id, nil)
}

// Jobs lists scan jobs.
func (s *ScanService) Jobs(ctx context.Context, f bianque.ScanJobFilter) ([]*bianque.ScanJob, string, error) {
	return listAcross(ctx, s.core, bianque.PermFindingRead, f.TenantIDs, "scan.job.list", "scan_job", func(ids []string) ([]*bianque.ScanJob, string, error) {
		ss, err := s.scans()
		if err != nil {
			return nil, "", err
		}
		f.TenantIDs, f.Page = ids, f.Page.Normalize()
		return ss.ScanJobs(ctx, f)
	})
}

// Job returns one scan job.
func (s *ScanService) Job(ctx context.Context, tenantID, id string) (*bianque.ScanJob, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingRead, tenantID); err != nil {
		return nil, err
	}
	ss, err := s.scans()
	if err != nil {
		return nil, err
	}
	j, err := ss.ScanJob(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "scan job")
	}
	return j, s.auditRead(ctx, tenantID, "scan.job.read", "scan_job", id)
}

// resolveTargets expands the job's targets (the scope's Include when none)
// and refuses the whole request when one is outside the scope or when the
// scope's windows are closed: nothing is sent for a refused request.
func resolveTargets(sc *bianque.ScanScope, spec string, now time.Time) ([]netip.Addr, error) {
	if strings.TrimSpace(spec) == "" {
		spec = strings.Join(sc.Include, ",")
	}
	addrs, err := scan.ExpandTargets(spec)
	if err != nil {
		return nil, err
	}
	var outside []string
	var kept []netip.Addr
	for _, a := range addrs {
		switch {
		case !bianque.PrefixesContain(sc.Include, a):
			outside = append(outside, a.String())
		case bianque.PrefixesContain(sc.Exclude, a):
			// excluded by the scope: silently not a target when the request named a network
			if !strings.Contains(spec, "/") {
				outside = append(outside, a.String()+" (excluded)")
			}
		default:
			kept = append(kept, a)
		}
	}
	if len(outside) > 0 {
		if len(outside) > 5 {
			outside = append(outside[:5:5], fmt.Sprintf("and %d more", len(outside)-5))
		}
		return nil, bianque.Errorf(bianque.EFORBIDDEN, "refusing to scan: %s outside the authorised scope %q (%s)", strings.Join(outside, ", "), sc.Name, strings.Join(sc.Include, ", "))
	}
	if len(kept) == 0 {
		return nil, bianque.Errorf(bianque.EINVALID, "every target is excluded by the scope")
	}
	if !sc.InWindow(now) {
		return nil, bianque.Errorf(bianque.EFORBIDDEN, "refusing to scan now: outside the scope's scan windows")
	}
	return kept, nil
}

// StartScan checks the request against the scope and starts the scan in the
// background (scan.run). The job is returned queued; poll it for progress.
func (s *ScanService) StartScan(ctx context.Context, tenantID string, spec bianque.ScanJobSpec) (*bianque.ScanJob, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermScanRun, tenantID); err != nil {
		return nil, err
	}
	ss, err := s.scans()
	if err != nil {
		return nil, err
	}
	sc, err := ss.ScanScopeByID(ctx, tenantID, spec.ScopeID)
	if err != nil {
		return nil, hideNotFound(err, "scan scope")
	}
	if spec.Rate < 0 || spec.PerHostRate < 0 || spec.Rate > s.MaxRate || spec.PerHostRate > s.MaxRate {
		return nil, bianque.Errorf(bianque.EINVALID, "scan rates must be 0–%.0f per second", s.MaxRate)
	}
	if spec.Ports == "" {
		spec.Ports = "top"
	}
	if _, err := scan.ParsePorts(spec.Ports); err != nil {
		return nil, bianque.Errorf(bianque.EINVALID, "ports: %v", err)
	}
	now := s.clock.Now()
	targets, err := resolveTargets(sc, spec.Targets, now)
	if err != nil {
		_ = s.audit(ctx, tenantID, "scan.refused", "scan_scope", sc.ID, map[string]any{"spec": spec, "reason": bianque.ErrorMessage(err)})
		return nil, err
	}
	j := &bianque.ScanJob{TenantID: tenantID, Spec: spec, ScopeName: sc.Name, Vantage: sc.Vantage, State: bianque.ScanQueued,
		RequestedBy: p.UserID, RequestedByName: p.Username, Node: s.Node, CreatedAt: now, UpdatedAt: now,
		Progress: bianque.ScanProgress{Phase: "queued"}}
	if err := ss.CreateScanJob(ctx, j); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, tenantID, "scan.start", "scan_job", j.ID, map[string]any{"spec": spec, "scope": sc.Name, "targets": len(targets)}); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	if s.running == nil {
		s.running = map[string]context.CancelFunc{}
	}
	s.running[j.ID] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	job := *j
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.running, job.ID)
			s.mu.Unlock()
			cancel()
		}()
		s.run(runCtx, cancel, p, sc, &job, targets)
	}()
	return j, nil
}

// Wait blocks until every scan this node runs has finished.
func (s *ScanService) Wait() { s.wg.Wait() }

// CancelScan asks a running scan to stop (scan.run). The node running it
// stops within its poll interval and keeps what it found.
func (s *ScanService) CancelScan(ctx context.Context, tenantID, id string) (*bianque.ScanJob, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermScanRun, tenantID); err != nil {
		return nil, err
	}
	ss, err := s.scans()
	if err != nil {
		return nil, err
	}
	var j *bianque.ScanJob
	for range 5 {
		j, err = ss.ScanJob(ctx, tenantID, id)
		if err != nil {
			return nil, hideNotFound(err, "scan job")
		}
		if j.State.Finished() {
			return nil, bianque.Errorf(bianque.ECONFLICT, "scan job is already %s", j.State)
		}
		j.CancelRequested = true
		if err = ss.UpdateScanJob(ctx, j); bianque.ErrorCode(err) != bianque.ECONFLICT {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if c := s.running[id]; c != nil {
		c()
	}
	s.mu.Unlock()
	return j, s.audit(ctx, tenantID, "scan.cancel", "scan_job", id, nil)
}

// saveJob stores the job, reloading it on a concurrent change (a cancel
// request) and applying change again; it reports a cancel request.
func (s *ScanService) saveJob(ctx context.Context, ss bianque.ScanStore, j *bianque.ScanJob, change func(*bianque.ScanJob)) (cancelRequested bool, err error) {
	for range 5 {
		change(j)
		err = ss.UpdateScanJob(ctx, j)
		if bianque.ErrorCode(err) != bianque.ECONFLICT {
			return j.CancelRequested, err
		}
		fresh, gerr := ss.ScanJob(ctx, j.TenantID, j.ID)
		if gerr != nil {
			return false, gerr
		}
		*j = *fresh
	}
	return j.CancelRequested, err
}

func (s *ScanService) run(ctx context.Context, cancel context.CancelFunc, p *bianque.Principal, sc *bianque.ScanScope, j *bianque.ScanJob, targets []netip.Addr) {
	ss, _ := s.scans()
	store := context.WithoutCancel(ctx) // records are written even after a cancel
	pctx := bianque.NewContextWithPrincipal(store, p)
	started := s.clock.Now()
	if stop, err := s.saveJob(store, ss, j, func(j *bianque.ScanJob) {
		j.State, j.StartedAt, j.Node = bianque.ScanRunning, &started, s.Node
		j.Progress = bianque.ScanProgress{Phase: "ports"}
	}); err != nil || stop {
		s.finish(pctx, ss, j, nil, err, true)
		return
	}
	assets, err := s.allAssets(store, j.TenantID)
	if err != nil {
		s.finish(pctx, ss, j, nil, err, false)
		return
	}
	ports, _ := scan.ParsePorts(j.Spec.Ports)
	var overrides sync.Map
	rate, perHost := j.Spec.Rate, j.Spec.PerHostRate
	if rate == 0 {
		rate = s.Rate
	}
	if perHost == 0 {
		perHost = s.PerHostRate
	}
	g := &scan.Guard{Scope: sc, Assets: assets, Clock: s.clock, Rate: rate, PerHost: perHost, DialTimeout: s.DialTimeout,
		OnOverride: func(a *bianque.Asset, ip netip.Addr) {
			overrides.Store(a.ID, true)
			by := ""
			if a.Medical != nil {
				by = a.Medical.ScanOverrideBy
			}
			_ = s.audit(pctx, j.TenantID, "scan.medical_override", "asset", a.ID, map[string]any{"job": j.ID, "ip": ip.String(), "asset": a.Name, "override_by": by})
		}}
	var pmu sync.Mutex
	latest := bianque.ScanProgress{Phase: "ports"}
	sn := &scan.Scanner{Guard: g, Ports: ports, BannerWait: s.BannerWait, Clock: s.clock, ProgressInterval: 250 * time.Millisecond,
		Progress: func(pr scan.Progress) {
			pmu.Lock()
			latest = bianque.ScanProgress{Phase: pr.Phase, Done: pr.Done, Total: pr.Total, Open: pr.Open}
			pmu.Unlock()
		}}
	if j.Spec.Creds {
		delay := s.CredDelay
		if delay == 0 {
			delay = 500 * time.Millisecond
		}
		ck := &creds.Checker{Dict: s.Dict, NoBruteForce: j.Spec.NoBruteForce, Delay: delay}
		sn.Creds = ck.Check
	}
	// Store progress and look for a cancel request (perhaps made on another
	// node) every poll interval while the scan runs.
	poll := s.PollInterval
	if poll <= 0 {
		poll = time.Second
	}
	done := make(chan struct{})
	var pollWG sync.WaitGroup
	pollWG.Add(1)
	go func() {
		defer pollWG.Done()
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			pmu.Lock()
			pr := latest
			pmu.Unlock()
			stop, err := s.saveJob(store, ss, j, func(j *bianque.ScanJob) { j.Progress = pr })
			if err != nil {
				s.log.Warn("scan: store progress", "job", j.ID, "err", err)
			}
			if stop {
				cancel()
			}
		}
	}()
	res, runErr := sn.Run(ctx, targets)
	close(done)
	pollWG.Wait()
	sum := bianque.ScanJobSummary{}
	overrides.Range(func(any, any) bool { sum.Overrides++; return true })
	if res != nil {
		if err := s.record(pctx, p, j, sc, res, &sum); err != nil && runErr == nil {
			runErr = err
		}
	}
	j.Summary = sum
	s.finish(pctx, ss, j, res, runErr, ctx.Err() != nil)
}

// finish stores the job's final state and audits it.
func (s *ScanService) finish(ctx context.Context, ss bianque.ScanStore, j *bianque.ScanJob, res *scan.Result, runErr error, cancelled bool) {
	now := s.clock.Now()
	sum := j.Summary
	_, err := s.saveJob(ctx, ss, j, func(j *bianque.ScanJob) {
		j.FinishedAt = &now
		j.Summary = sum
		switch {
		case cancelled || j.CancelRequested:
			j.State = bianque.ScanCancelled
		case runErr != nil:
			j.State = bianque.ScanFailed
			j.Summary.Error = bianque.ErrorMessage(runErr)
			if j.Summary.Error == "" {
				j.Summary.Error = runErr.Error()
			}
		default:
			j.State = bianque.ScanDone
		}
		if j.State == bianque.ScanDone {
			j.Progress.Phase = "done"
			j.Progress.Done = j.Progress.Total
		}
	})
	if err != nil {
		s.log.Error("scan: store final state", "job", j.ID, "err", err)
	}
	_ = s.audit(ctx, j.TenantID, "scan.finish", "scan_job", j.ID, map[string]any{"state": j.State, "summary": j.Summary})
}

func (s *ScanService) allAssets(ctx context.Context, tenantID string) ([]*bianque.Asset, error) {
	var out []*bianque.Asset
	f := bianque.AssetFilter{TenantIDs: []string{tenantID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}}
	for {
		as, next, err := s.store.Assets(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
		if next == "" {
			return out, nil
		}
		f.Page.Cursor = next
	}
}

// record applies a scan's result: the asset ledger (new assets, services,
// fingerprints; change tickets of R6.3; exposure flags from the external
// vantage), then the findings.
func (s *ScanService) record(ctx context.Context, p *bianque.Principal, j *bianque.ScanJob, sc *bianque.ScanScope, res *scan.Result, sum *bianque.ScanJobSummary) error {
	now := s.clock.Now()
	sum.Dials = res.Dials
	external := sc.Vantage == bianque.VantageExternal
	var errs []error
	for _, h := range res.Hosts {
		sum.Hosts++
		if h.Skipped != "" {
			sum.Skipped++
			continue
		}
		if h.Alive {
			sum.Alive++
		}
		sum.Services += len(h.Services)
		if !h.Alive && len(h.Services) == 0 {
			continue
		}
		if err := s.recordHost(ctx, j, h, external, now, sum); err != nil {
			errs = append(errs, fmt.Errorf("ledger %s: %w", h.Addr, err))
		}
	}
	sum.Findings = len(res.Findings)
	if len(res.Findings) > 0 && s.Findings != nil {
		ir, err := s.Findings.ingest(ctx, p, j.TenantID, res.Findings)
		if ir != nil {
			sum.Created, sum.Reopened, sum.Tickets = ir.Created, ir.Reopened, ir.Tickets
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("findings: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (s *ScanService) recordHost(ctx context.Context, j *bianque.ScanJob, h *scan.Host, external bool, now time.Time, sum *bianque.ScanJobSummary) error {
	as, _, err := s.store.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{j.TenantID}, IP: h.Addr, Page: bianque.Page{Limit: 1}})
	if err != nil {
		return err
	}
	if len(as) == 0 {
		if external {
			return nil // a public address that is no ledger asset: shown from the job, not added
		}
		a := &bianque.Asset{TenantID: j.TenantID, Name: h.Addr, Kind: bianque.AssetOther, IPs: []string{h.Addr}, OS: h.OS, Importance: 3,
			Sources: []string{bianque.SourceScan}, FirstSeen: now, LastSeen: now, CreatedAt: now, UpdatedAt: now}
		if len(h.Services) > 0 {
			a.Kind = bianque.AssetServer
		}
		scan.UpdateAsset(a, h, now)
		if err := s.store.CreateAsset(ctx, a); err != nil {
			return err
		}
		sum.NewAssets++
		return s.audit(ctx, j.TenantID, "asset.scan_create", "asset", a.ID, map[string]any{"job": j.ID, "ip": h.Addr, "services": len(a.Services)})
	}
	a := as[0]
	if external {
		seen := map[int]bool{}
		for _, sv := range h.Services {
			seen[sv.Port] = true
		}
		known := map[int]bool{}
		changed := false
		for i := range a.Services {
			sv := &a.Services[i]
			if sv.Protocol != "tcp" {
				continue
			}
			known[sv.Port] = true
			if sv.Exposed != seen[sv.Port] {
				sv.Exposed, changed = seen[sv.Port], true
			}
		}
		for _, sv := range h.Services {
			if !known[sv.Port] { // reachable from outside but unknown inside: record it
				a.Services = append(a.Services, bianque.Service{Port: sv.Port, Protocol: "tcp", Name: sv.Service, Product: sv.Product,
					Version: sv.Version, CPE: sv.CPE, Exposed: true, FirstSeen: now, LastSeen: now})
				changed = true
			}
		}
		sum.Exposed += len(h.Services)
		if !changed {
			return nil
		}
		slices.SortFunc(a.Services, func(x, y bianque.Service) int { return x.Port - y.Port })
		a.UpdatedAt = now
		if err := s.store.UpdateAsset(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, j.TenantID, "asset.exposure", "asset", a.ID, map[string]any{"job": j.ID, "exposed": len(h.Services)})
	}
	ch := scan.UpdateAsset(a, h, now)
	if err := s.store.UpdateAsset(ctx, a); err != nil {
		return err
	}
	if !ch.Changed {
		return nil
	}
	if err := s.changeTicket(ctx, j, a, ch); err != nil {
		return err
	}
	sum.ChangeTickets++
	return s.audit(ctx, j.TenantID, "asset.scan_change", "asset", a.ID, map[string]any{"job": j.ID, "change": ch})
}

// changeTicket opens the ticket of R6.3: the hospital confirms (or explains)
// a change of an asset's fingerprint or service set.
func (s *ScanService) changeTicket(ctx context.Context, j *bianque.ScanJob, a *bianque.Asset, ch scan.LedgerChange) error {
	now := s.clock.Now()
	desc := "A scan found this asset changed since the last scan; please confirm the change is intended.\n\n"
	if len(ch.Opened) > 0 {
		desc += "New services: " + strings.Join(ch.Opened, ", ") + "\n"
	}
	if len(ch.Closed) > 0 {
		desc += "Services gone: " + strings.Join(ch.Closed, ", ") + "\n"
	}
	for _, c := range ch.Changes {
		desc += "Changed: " + c + "\n"
	}
	desc += "\nScan job " + j.ID + "."
	t := &bianque.Ticket{TenantID: j.TenantID, Type: bianque.TicketAsset, Severity: bianque.SeverityGeneral, Tier: 1,
		Title:       truncate("Asset change to confirm: "+a.Name+" — "+ch.Summary(), 500),
		Description: desc, Source: "scan:asset-change:" + a.ID, AssetIDs: []string{a.ID}, CreatedBy: j.RequestedBy}
	bianque.NewTicket(t, now)
	if err := t.Validate(); err != nil {
		return err
	}
	first := &bianque.TimelineEntry{ID: bianque.NewIDAt(now), TenantID: t.TenantID, TicketID: t.ID, At: now, Kind: bianque.TimelineCreated, ToState: t.State,
		Note: "raised by scan job " + j.ID + " (asset fingerprint or service set changed)"}
	if err := s.store.CreateTicket(ctx, t, first); err != nil {
		return err
	}
	return s.audit(ctx, t.TenantID, "ticket.create", "ticket", t.ID, map[string]any{"number": t.Number, "type": t.Type, "asset": a.ID, "source": t.Source})
}

// Exposure is the internet-exposure view of R6.4: every service of the
// tenant's assets that the external vantage reached, with the high-risk
// ports of R7.6 flagged and the active findings counted. Needs finding.read.
func (s *ScanService) Exposure(ctx context.Context, tenantID string) ([]bianque.ExposedService, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingRead, tenantID); err != nil {
		return nil, err
	}
	assets, err := s.allAssets(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	if fs, ok := s.store.(bianque.FindingStore); ok {
		f := bianque.FindingFilter{TenantIDs: []string{tenantID}, States: []bianque.FindingState{bianque.FindingOpen, bianque.FindingFixing, bianque.FindingRetest},
			Page: bianque.Page{Limit: bianque.MaxPageLimit}}
		for {
			list, next, err := fs.Findings(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, x := range list {
				counts[x.Host+":"+strconv.Itoa(x.Port)]++
			}
			if next == "" {
				break
			}
			f.Page.Cursor = next
		}
	}
	out := []bianque.ExposedService{}
	for _, a := range assets {
		for _, sv := range a.Services {
			if !sv.Exposed {
				continue
			}
			host := ""
			if len(a.IPs) > 0 {
				host = a.IPs[0]
			}
			e := bianque.ExposedService{AssetID: a.ID, AssetName: a.Name, Host: host, Port: sv.Port, Protocol: sv.Protocol, Service: sv.Name,
				Product: sv.Product, Version: sv.Version, LastSeen: sv.LastSeen, Medical: a.IsMedical(), Important: a.Importance >= 4}
			if name, ok := scan.HighRiskPorts[sv.Port]; ok {
				e.HighRisk, e.RiskName = true, name
			}
			for _, ip := range a.IPs {
				e.Findings += counts[ip+":"+strconv.Itoa(sv.Port)]
			}
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(x, y bianque.ExposedService) int {
		if x.HighRisk != y.HighRisk {
			if x.HighRisk {
				return -1
			}
			return 1
		}
		if c := strings.Compare(x.Host, y.Host); c != 0 {
			return c
		}
		return x.Port - y.Port
	})
	return out, s.auditRead(ctx, tenantID, "scan.exposure", "asset", "")
}

var _ bianque.ScanService = (*ScanService)(nil)

// Prober re-probes findings for FindingService.Retest through the tenant's
// stored scopes: the first scope (internal ones first) that authorises the
// finding's host, with the tenant's ledger for the medical-device rule, and
// the credential checker for weak-credential findings. A host no scope
// covers is refused (EFORBIDDEN), like any scan.
func (s *ScanService) Prober() Prober {
	return func(ctx context.Context, f *bianque.Finding) (bool, string, error) {
		ss, err := s.scans()
		if err != nil {
			return false, "", err
		}
		ip, err := netip.ParseAddr(f.Host)
		if err != nil {
			return false, "", bianque.Errorf(bianque.EINVALID, "finding host %q is not an address: retest needs one", f.Host)
		}
		scopes, err := ss.ScanScopes(ctx, f.TenantID)
		if err != nil {
			return false, "", err
		}
		slices.SortStableFunc(scopes, func(a, b *bianque.ScanScope) int {
			return strings.Compare(a.Vantage, b.Vantage) * -1 // internal before external
		})
		var sc *bianque.ScanScope
		for _, x := range scopes {
			if x.Allows(ip) {
				sc = x
				break
			}
		}
		if sc == nil {
			return false, "", bianque.Errorf(bianque.EFORBIDDEN, "no scan scope of the tenant authorises %s: record one before retesting", f.Host)
		}
		assets, err := s.allAssets(ctx, f.TenantID)
		if err != nil {
			return false, "", err
		}
		g := &scan.Guard{Scope: sc, Assets: assets, Clock: s.clock, Rate: s.Rate, PerHost: s.PerHostRate, DialTimeout: s.DialTimeout,
			OnOverride: func(a *bianque.Asset, ip netip.Addr) {
				_ = s.audit(ctx, f.TenantID, "scan.medical_override", "asset", a.ID, map[string]any{"retest": f.ID, "ip": ip.String()})
			}}
		ck := &creds.Checker{Dict: s.Dict, Delay: s.CredDelay}
		r, err := scan.Retest(ctx, g, f, ck.Check, s.BannerWait)
		if err != nil {
			return false, "", err
		}
		return r.Present, r.Evidence, nil
	}
}

// CancelAll stops every scan this node runs (at shutdown); each stores its
// cancelled state. Call Wait afterwards.
func (s *ScanService) CancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.running {
		c()
	}
}

// StaleAfter is how long a queued or running job may go without a progress
// write before ReapStale declares its node gone.
const StaleAfter = 5 * time.Minute

// ReapStale is a periodic job: a scan whose node stopped (crash, restart)
// stays "running" in the store; after StaleAfter without progress it is
// marked failed so that the portal does not show it running forever.
func (s *ScanService) ReapStale(ctx context.Context, now time.Time) (string, error) {
	ss, err := s.scans()
	if err != nil {
		return "", err
	}
	ctx = systemContext(ctx)
	reaped := 0
	cursor := ""
	for {
		tenants, next, err := s.store.Tenants(ctx, bianque.TenantFilter{Page: bianque.Page{Limit: bianque.MaxPageLimit, Cursor: cursor}})
		if err != nil {
			return "", err
		}
		for _, tn := range tenants {
			jobs, _, err := ss.ScanJobs(ctx, bianque.ScanJobFilter{TenantIDs: []string{tn.ID}, States: []bianque.ScanJobState{bianque.ScanQueued, bianque.ScanRunning},
				Page: bianque.Page{Limit: bianque.MaxPageLimit}})
			if err != nil {
				return "", err
			}
			for _, j := range jobs {
				s.mu.Lock()
				mine := s.running[j.ID] != nil
				s.mu.Unlock()
				if mine || now.Sub(j.UpdatedAt) < StaleAfter {
					continue
				}
				t := now
				j.State, j.FinishedAt = bianque.ScanFailed, &t
				j.Summary.Error = "the node running the scan (" + j.Node + ") stopped"
				if err := ss.UpdateScanJob(ctx, j); err != nil {
					if bianque.ErrorCode(err) == bianque.ECONFLICT {
						continue // it moved: alive after all
					}
					return "", err
				}
				reaped++
				if err := s.audit(ctx, tn.ID, "scan.reaped", "scan_job", j.ID, map[string]any{"node": j.Node}); err != nil {
					return "", err
				}
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return fmt.Sprintf("reaped %d", reaped), nil
}

// SetMedicalOverride allows (or withdraws) active probes of one medical
// device (scan.override; 004: active scans can disrupt devices). The person
// and the reason are recorded on the asset and in the audit log; every scan
// that then touches the device audits it again (scan.medical_override).
func (s *ScanService) SetMedicalOverride(ctx context.Context, tenantID, assetID string, allow bool, reason string) (*bianque.Asset, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermScanOverride, tenantID); err != nil {
		return nil, err
	}
	if allow && strings.TrimSpace(reason) == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "a scan override needs a reason")
	}
	a, err := s.store.Asset(ctx, tenantID, assetID)
	if err != nil {
		return nil, hideNotFound(err, "asset")
	}
	if !a.IsMedical() {
		return nil, bianque.Errorf(bianque.EINVALID, "asset %q is not a medical device: it needs no override", a.Name)
	}
	if a.Medical == nil {
		a.Medical = &bianque.MedicalProfile{}
	}
	now := s.clock.Now()
	a.Medical.ScanOverride = allow
	if allow {
		a.Medical.ScanOverrideBy, a.Medical.ScanOverrideAt = p.Username, &now
	} else {
		a.Medical.ScanOverrideBy, a.Medical.ScanOverrideAt = "", nil
	}
	a.UpdatedAt = now
	if err := s.store.UpdateAsset(ctx, a); err != nil {
		return nil, err
	}
	return a, s.audit(ctx, tenantID, "scan.override", "asset", a.ID, map[string]any{"allow": allow, "reason": reason, "asset": a.Name})
}
