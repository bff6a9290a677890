// Package detector runs detection inside the platform (R3.1–R3.7): the
// compiled Sigma engine over the rule directories given to the server,
// every tenant's settings, custom rules and protection periods, the
// indicator matcher, correlation windows and alert aggregation folded into
// the store, fed by the ingestion pipeline batch by batch (Detect).
//
// The store is the source of truth. Each node keeps a compiled copy of
// what the store holds and compares revision counters with it every few
// seconds (Sync): a change made on any node — a rule disabled, a custom
// rule uploaded, indicators imported, a suppression added, a reload asked
// for — reaches every node without a restart. Changes swap compiled sets
// atomically; events in flight finish on the set they started with.
package detector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bianque"
	"bianque/detect"
	"bianque/detect/alert"
	"bianque/detect/attack"
	"bianque/detect/ioc"
	"bianque/detect/logsource"
	"bianque/detect/ruleset"
	"bianque/event"
)

// Store is what detection reads and writes.
type Store interface {
	bianque.RuleStore
	bianque.IndicatorScanner
	bianque.AlertFolder
	Suppressions(ctx context.Context, tenantID string, now time.Time) ([]*bianque.Suppression, error)
}

// Config assembles a Detector.
type Config struct {
	// Sources are the rule directories (SigmaHQ's layout) run for every
	// tenant; reserved sources run only where enabled.
	Sources []ruleset.Source
	// Engine carries placeholders and mapping extensions (its Clock is
	// replaced by Clock).
	Engine detect.Options
	// Matrix is the ATT&CK technique table for coverage; nil lists covered
	// techniques only.
	Matrix *attack.Matrix
	Store  Store
	// Tickets opens the threat ticket of an alert at or above Alerts.TicketLevel.
	Tickets alert.TicketOpener
	Alerts  alert.Config
	Clock   bianque.Clock
	Log     *slog.Logger
	// Node names this node in the status.
	Node string
	// SyncEvery is how often revisions and the rule directories are
	// checked (default 15 s); everything is re-read every FullSyncEvery
	// (default 10 min) regardless, which also catches purged tenants.
	SyncEvery     time.Duration
	FullSyncEvery time.Duration
}

// Stats counts what a detector did since it started.
type Stats struct {
	Events     int64 `json:"events"`
	Matches    int64 `json:"matches"`
	Alerts     int64 `json:"alerts"` // new alerts
	Folded     int64 `json:"folded"` // candidates folded into existing alerts
	Suppressed int64 `json:"suppressed"`
	Errors     int64 `json:"errors"`
}

// Detector is detection on one node.
type Detector struct {
	cfg    Config
	clock  bianque.Clock
	log    *slog.Logger
	engine *detect.Engine
	mgr    *ruleset.Manager
	iocs   *ioc.Matcher
	corr   *detect.Correlator
	agg    *alert.Aggregator
	seq    atomic.Int64

	events, matches, created, folded, suppressed, errs atomic.Int64

	syncMu      sync.Mutex // one sync at a time
	mu          sync.RWMutex
	revs        map[string]int64
	fingerprint string
	loadedAt    time.Time
	lastFull    time.Time
	problems    []bianque.RuleProblem
	sourceCount []bianque.RuleSourceStatus
	customBad   map[string]error
	customSum   string
	synced      bool
}

// New builds a detector; Start loads the rules and the store's data.
func New(cfg Config) (*Detector, error) {
	if cfg.Store == nil {
		return nil, errors.New("detector: a store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = bianque.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.SyncEvery <= 0 {
		cfg.SyncEvery = 15 * time.Second
	}
	if cfg.FullSyncEvery <= 0 {
		cfg.FullSyncEvery = 10 * time.Minute
	}
	opts := cfg.Engine
	opts.Clock = cfg.Clock
	d := &Detector{cfg: cfg, clock: cfg.Clock, log: cfg.Log, revs: map[string]int64{}, customBad: map[string]error{}}
	d.engine = detect.New(opts)
	d.mgr = ruleset.New(d.engine, cfg.Clock)
	d.iocs = ioc.NewMatcher(cfg.Clock)
	d.corr = detect.NewCorrelator(cfg.Clock)
	d.agg = alert.NewStoreAggregator(cfg.Alerts, cfg.Clock, cfg.Store, cfg.Tickets)
	return d, nil
}

// Manager returns the tenants' rule policies (for tests and tools).
func (d *Detector) Manager() *ruleset.Manager { return d.mgr }

// Start loads the rule directories and everything the store holds.
func (d *Detector) Start(ctx context.Context) error {
	if _, err := d.LoadRules(); err != nil {
		return err
	}
	return d.Sync(ctx, true)
}

// Run keeps the detector in step with the store and the rule directories,
// and closes correlation windows as time passes, until ctx ends.
func (d *Detector) Run(ctx context.Context) {
	t := time.NewTicker(d.cfg.SyncEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.RLock()
		full := d.clock.Now().Sub(d.lastFull) >= d.cfg.FullSyncEvery
		d.mu.RUnlock()
		if err := d.Sync(ctx, full); err != nil && ctx.Err() == nil {
			d.log.Warn("detection sync", "err", err)
		}
		if fp, err := d.dirFingerprint(); err == nil && fp != d.currentFingerprint() {
			d.log.Info("rule directories changed; reloading")
			if _, err := d.LoadRules(); err != nil {
				d.log.Warn("reload rules", "err", err)
			}
		}
		if err := d.advance(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("correlation windows", "err", err)
		}
	}
}

func (d *Detector) currentFingerprint() string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.fingerprint
}

// dirFingerprint summarises the rule files (path, size, modification
// time), so that a change in a directory is noticed without reading it.
func (d *Detector) dirFingerprint() (string, error) {
	h := sha256.New()
	for _, s := range d.cfg.Sources {
		err := filepath.WalkDir(s.Path, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(p)); ext != ".yml" && ext != ".yaml" {
				return nil
			}
			info, err := e.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%d\x00%d\n", p, info.Size(), info.ModTime().UnixNano())
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LoadRules reads the rule directories and installs them with the
// tenants' custom rules; events in flight finish on the previous set.
func (d *Detector) LoadRules() (*bianque.RuleSetStatus, error) {
	for _, s := range d.cfg.Sources {
		if _, err := os.Stat(s.Path); err != nil {
			return nil, fmt.Errorf("rule directory: %w", err)
		}
	}
	fp, err := d.dirFingerprint()
	if err != nil {
		return nil, fmt.Errorf("rule directories: %w", err)
	}
	bad, err := d.mgr.LoadSources(d.cfg.Sources...)
	if err != nil {
		return nil, err
	}
	rs := d.engine.Rules()
	counts := make([]bianque.RuleSourceStatus, len(d.cfg.Sources))
	for i, s := range d.cfg.Sources {
		counts[i] = bianque.RuleSourceStatus{Path: s.Path, Reserved: s.Reserved}
	}
	for _, r := range rs.Rules() {
		for i, s := range d.cfg.Sources {
			if under(r.Source, s.Path) {
				counts[i].Rules++
				break
			}
		}
	}
	problems := make([]bianque.RuleProblem, 0, len(bad))
	for _, e := range bad {
		problems = append(problems, bianque.RuleProblem{Source: d.displaySource(e.Source), Rule: e.Title, Reason: e.Reason})
	}
	d.mu.Lock()
	d.fingerprint, d.loadedAt, d.problems, d.sourceCount = fp, d.clock.Now(), problems, counts
	d.mu.Unlock()
	d.log.Info("rules loaded", "rules", rs.Len(), "correlations", rs.Correlations(), "problems", len(problems))
	return d.Status(), nil
}

func under(file, dir string) bool {
	rel, err := filepath.Rel(dir, file)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// displaySource names a rule file by its directory's base name and its
// path below it (rules/windows/process_creation/x.yml), or custom/<file>.
func (d *Detector) displaySource(src string) string {
	if rest, ok := strings.CutPrefix(src, "custom:"); ok {
		_, file, _ := strings.Cut(rest, "/")
		return "custom/" + file
	}
	for _, s := range d.cfg.Sources {
		if under(src, s.Path) {
			rel, _ := filepath.Rel(s.Path, src)
			return filepath.ToSlash(filepath.Join(filepath.Base(filepath.Clean(s.Path)), rel))
		}
	}
	return filepath.Base(src)
}

// Reload re-reads the rule directories on this node and asks every other
// node to do the same (RevisionRuleReload).
func (d *Detector) Reload(ctx context.Context) (*bianque.RuleSetStatus, error) {
	st, err := d.LoadRules()
	if err != nil {
		return nil, err
	}
	if err := d.cfg.Store.BumpDetectionRevision(ctx, bianque.RevisionRuleReload); err != nil {
		return st, err
	}
	if rev, err := d.cfg.Store.DetectionRevision(ctx, bianque.RevisionRuleReload); err == nil {
		d.mu.Lock()
		d.revs[bianque.RevisionRuleReload] = rev
		d.mu.Unlock()
	}
	return st, nil
}

// Refresh reloads at once what changed in the store (after a change made
// through this node).
func (d *Detector) Refresh(ctx context.Context) error { return d.Sync(ctx, false) }

// Sync compares the store's revision counters with what this node loaded
// and reloads what changed (everything when full).
func (d *Detector) Sync(ctx context.Context, full bool) error {
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	st := d.cfg.Store
	names := []string{bianque.RevisionRules, bianque.RevisionRuleReload, bianque.RevisionIndicators, bianque.RevisionSuppress}
	now := make(map[string]int64, len(names))
	for _, n := range names {
		rev, err := st.DetectionRevision(ctx, n)
		if err != nil {
			return err
		}
		now[n] = rev
	}
	d.mu.RLock()
	old := maps(d.revs)
	first := !d.synced
	d.mu.RUnlock()
	changed := func(n string) bool { return full || first || now[n] != old[n] }
	var errs []error
	if !first && now[bianque.RevisionRuleReload] != old[bianque.RevisionRuleReload] {
		if _, err := d.LoadRules(); err != nil {
			errs = append(errs, err)
		}
	}
	if changed(bianque.RevisionRules) {
		if err := d.syncRules(ctx); err != nil {
			errs = append(errs, err)
			now[bianque.RevisionRules] = old[bianque.RevisionRules] // retry next time
		}
	}
	if changed(bianque.RevisionIndicators) {
		if err := d.syncIndicators(ctx); err != nil {
			errs = append(errs, err)
			now[bianque.RevisionIndicators] = old[bianque.RevisionIndicators]
		}
	}
	if changed(bianque.RevisionSuppress) {
		list, err := st.Suppressions(ctx, "", d.clock.Now())
		if err != nil {
			errs = append(errs, err)
			now[bianque.RevisionSuppress] = old[bianque.RevisionSuppress]
		} else {
			for _, e := range d.agg.SetSuppressions(list) {
				d.log.Warn("suppression not applied", "err", e)
			}
		}
	}
	d.mu.Lock()
	d.revs, d.synced = now, true
	if full || first {
		d.lastFull = d.clock.Now()
	}
	d.mu.Unlock()
	return errors.Join(errs...)
}

func maps(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// syncRules installs every tenant's settings, periods and custom rules.
func (d *Detector) syncRules(ctx context.Context) error {
	st := d.cfg.Store
	cfgs, err := st.RuleConfigs(ctx)
	if err != nil {
		return err
	}
	periods, err := st.ProtectionPeriods(ctx, "")
	if err != nil {
		return err
	}
	customs, err := st.CustomRules(ctx, "")
	if err != nil {
		return err
	}
	for _, e := range d.mgr.ReplaceConfigs(cfgs) {
		d.log.Warn("rule settings not applied", "err", e)
	}
	now := d.clock.Now()
	current := periods[:0:0]
	for _, p := range periods {
		if p.End.After(now) {
			current = append(current, p)
		}
	}
	for _, e := range d.mgr.ReplaceProtectionPeriods(current) {
		d.log.Warn("protection period not applied", "err", e)
	}
	files := map[string][]ruleset.CustomFile{}
	for _, c := range customs {
		files[c.TenantID] = append(files[c.TenantID], ruleset.CustomFile{Name: c.Name, Content: c.Content})
	}
	sum := customSum(files)
	d.mu.RLock()
	same := sum == d.customSum
	d.mu.RUnlock()
	if !same {
		failed := d.mgr.SetAllCustomRules(files)
		for t, e := range failed {
			d.log.Warn("custom rules of a tenant not installed", "tenant", t, "err", e)
		}
		d.mu.Lock()
		d.customBad, d.customSum = failed, sum
		d.mu.Unlock()
	}
	return nil
}

// customSum summarises custom files, so that a sync that finds them
// unchanged does not recompile the rule set.
func customSum(files map[string][]ruleset.CustomFile) string {
	h := sha256.New()
	tenants := make([]string, 0, len(files))
	for t := range files {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		for _, f := range files[t] {
			fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00", t, f.Name, len(f.Content), f.Content)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// syncIndicators rebuilds the indicator set from the store.
func (d *Detector) syncIndicators(ctx context.Context) error {
	var inds []*bianque.Indicator
	if err := d.cfg.Store.ScanIndicators(ctx, d.clock.Now(), func(in *bianque.Indicator) error {
		inds = append(inds, in)
		return nil
	}); err != nil {
		return err
	}
	set, errs := ioc.NewSet(inds)
	for _, e := range errs {
		d.log.Warn("indicator not loaded", "err", e)
	}
	d.iocs.Swap(set)
	return nil
}

// Detect runs the events of one tenant (a pipeline batch) through the
// rules, the correlation windows and the indicators, and folds the alerts
// into the store. Errors of the store are returned after every event was
// matched; the events are not lost (they are stored), only alerts may be.
func (d *Detector) Detect(ctx context.Context, tenantID string, events []*event.Event) error {
	var cands []*bianque.Alert
	var ms []detect.Match
	var cms []detect.CorrelationMatch
	var hits []ioc.Hit
	// Only the first events of each alert are kept: encode those alone.
	maxEvents := d.agg.FoldOptions().MaxEvents
	kept := map[string]int{}
	add := func(al *bianque.Alert, ev *event.Event, t time.Time) {
		al.DedupKey = alert.DedupKey(al)
		if kept[al.DedupKey] < maxEvents {
			kept[al.DedupKey]++
			alert.AttachEvent(al, ev, t)
		}
		cands = append(cands, al)
	}
	for _, ev := range events {
		if ev == nil {
			continue
		}
		if ev.Str(event.OrganizationID) == "" {
			ev.Set(event.OrganizationID, tenantID)
		}
		if logsource.HasWindowsFields(ev) {
			logsource.LiftUserData(ev)
		} else {
			// A Windows event the parser normalised to ECS: Sigma's
			// Windows rules read the event's own fields, kept in
			// event.original.
			logsource.RestoreWindows(ev)
		}
		ms = d.engine.Match(ev, ms[:0])
		d.matches.Add(int64(len(ms)))
		for _, m := range ms {
			if m.Rule.Internal {
				continue
			}
			if dec := d.mgr.Decide(tenantID, m.Rule); dec.Enabled {
				add(alert.FromMatchBare(tenantID, m, dec), m.Event, m.Time)
			}
		}
		cms = d.corr.Feed(d.seq.Add(1), ms, cms[:0])
		cands = d.correlationAlerts(cands, cms)
		hits = d.iocs.Match(ev, hits[:0])
		if len(hits) > 0 {
			ts, ok := logsource.Timestamp(ev)
			if !ok {
				ts = d.clock.Now()
			}
			for _, h := range hits {
				if h.Indicator.TenantID != "" && h.Indicator.TenantID != tenantID {
					continue // another tenant's own intelligence
				}
				add(alert.FromIndicatorBare(tenantID, ev, ts, h), ev, ts)
			}
		}
	}
	d.events.Add(int64(len(events)))
	return d.publish(ctx, cands)
}

func (d *Detector) correlationAlerts(cands []*bianque.Alert, cms []detect.CorrelationMatch) []*bianque.Alert {
	for _, cm := range cms {
		if cm.Rule.Internal {
			continue
		}
		if dec := d.mgr.Decide(cm.Tenant, cm.Rule); dec.Enabled {
			cands = append(cands, alert.FromCorrelation(cm, dec))
		}
	}
	return cands
}

func (d *Detector) publish(ctx context.Context, cands []*bianque.Alert) error {
	if len(cands) == 0 {
		return nil
	}
	outs, err := d.agg.AddBatch(ctx, cands)
	for _, o := range outs {
		switch {
		case o.Suppressed != nil:
			d.suppressed.Add(1)
		case o.Created:
			d.created.Add(1)
		case o.Alert != nil:
			d.folded.Add(1)
		}
	}
	if err != nil {
		d.errs.Add(1)
	}
	return err
}

// advance closes the correlation windows that ended and raises what they decide.
func (d *Detector) advance(ctx context.Context) error {
	cms := d.corr.Advance(d.clock.Now(), nil)
	return d.publish(ctx, d.correlationAlerts(nil, cms))
}

// Stats returns the counters.
func (d *Detector) Stats() Stats {
	return Stats{Events: d.events.Load(), Matches: d.matches.Load(), Alerts: d.created.Load(), Folded: d.folded.Load(),
		Suppressed: d.suppressed.Load(), Errors: d.errs.Load()}
}

// Status describes the rules this node runs.
func (d *Detector) Status() *bianque.RuleSetStatus {
	rs := d.engine.Rules()
	d.mu.RLock()
	defer d.mu.RUnlock()
	st := &bianque.RuleSetStatus{Node: d.cfg.Node, Sources: slices.Clone(d.sourceCount), Rules: rs.Len(), Correlations: rs.Correlations(),
		CustomRules: d.mgr.CustomCount(), ProblemCount: len(d.problems), LoadedAt: d.loadedAt, Indicators: d.iocs.Set().Len()}
	if st.Sources == nil {
		st.Sources = []bianque.RuleSourceStatus{}
	}
	st.Problems = slices.Clone(d.problems[:min(len(d.problems), 200)])
	for t, e := range d.customBad {
		st.Problems = append(st.Problems, bianque.RuleProblem{Source: "custom/" + t, Reason: bianque.ErrorMessage(e)})
		st.ProblemCount++
	}
	if d.cfg.Matrix != nil {
		st.ATTACKVersion = d.cfg.Matrix.Version
	}
	return st
}
