package service

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/allowlist"
	"bianque/discover/baseline"
	"bianque/discover/classify"
	"bianque/discover/inventory"
	"bianque/discover/ledger"
	"bianque/internal/sqlstore"
)

// DiscoveryService is the platform side of passive discovery: it takes the
// sightings and flow summaries sensors forward (Sink), keeps them in the
// asset ledger and the discovery tables, learns every device's behaviour and
// raises its anomalies as alerts (R11.3), and serves the device inventory,
// device pages, clinical risk (R9.3), site maps and segmentation allow-lists
// (R11.2) to people: asset.read to read, asset.write to change, every change
// audited.
type DiscoveryService struct {
	*core
	ledger *ledger.Store
	// Alerts receives the baselines' anomalies (nil: kept as anomaly
	// records only, no alerts).
	Alerts *AlertService
	// Baseline tunes learning (the learning period comes from each
	// hospital's settings).
	Baseline baseline.Config
	// SettingsTTL bounds how long a sensor's sink keeps a hospital's site
	// map before reading it again (default 1 minute).
	SettingsTTL time.Duration

	mu    sync.Mutex
	sinks map[string]*sensorSink // tenant + "\x00" + sensor
}

var _ inventory.Service = (*DiscoveryService)(nil)

// NewDiscoveryService returns the discovery service over the services'
// store, which must keep the discovery tables (the SQLite and PostgreSQL
// stores do); alerts may be nil.
func NewDiscoveryService(s *Services, alerts *AlertService) (*DiscoveryService, error) {
	db, ok := s.Assets.store.(interface{ SQL() *sqlstore.Store })
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no discovery tables")
	}
	return &DiscoveryService{core: s.Assets.core, ledger: ledger.NewStore(db.SQL()), Alerts: alerts, sinks: map[string]*sensorSink{}}, nil
}

// Store returns the discovery tables.
func (s *DiscoveryService) Store() *ledger.Store { return s.ledger }

// sensorSink is the ledger of one tenant's sensor; calls are serialised.
type sensorSink struct {
	svc     *DiscoveryService
	mu      sync.Mutex
	l       *ledger.Ledger
	fetched time.Time
}

// Sink returns the discover.Sink through which a sensor of the tenant
// hands over its sightings and flow summaries. The context of every call
// must carry the sensor's principal, which needs asset.write and
// ticket.create in the tenant (new devices and changes open confirmation
// tickets).
func (s *DiscoveryService) Sink(ctx context.Context, tenantID, sensor string) (discover.Sink, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetWrite, tenantID); err != nil {
		return nil, err
	}
	if _, err := s.tenant(ctx, tenantID); err != nil {
		return nil, hideNotFound(err, "tenant")
	}
	if strings.TrimSpace(sensor) == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "the sensor needs a name")
	}
	key := tenantID + "\x00" + sensor
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.sinks[key]; k != nil {
		return k, nil
	}
	l := &ledger.Ledger{TenantID: tenantID, Assets: &AssetService{s.core}, Tickets: &TicketService{s.core}, Store: s.ledger,
		Clock: s.clock, Sensor: sensor}
	if s.Alerts != nil {
		l.Alerts = s.Alerts
	}
	k := &sensorSink{svc: s, l: l}
	s.sinks[key] = k
	return k, nil
}

// Ingest hands one batch of a sensor to the platform (Sink, then
// Sightings and FlowSummaries).
func (s *DiscoveryService) Ingest(ctx context.Context, tenantID, sensor string, at time.Time, devices []discover.Device, flows []discover.Flow) error {
	k, err := s.Sink(ctx, tenantID, sensor)
	if err != nil {
		return err
	}
	if len(devices) > 0 {
		if err := k.Sightings(ctx, at, devices); err != nil {
			return err
		}
	}
	if len(flows) > 0 {
		return k.FlowSummaries(ctx, at, flows)
	}
	return nil
}

// prepare refreshes the hospital's settings (site map, learning period)
// and starts the baseline on first use.
func (k *sensorSink) prepare(ctx context.Context) error {
	ttl := k.svc.SettingsTTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	now := k.svc.clock.Now()
	if k.fetched.IsZero() || now.Sub(k.fetched) >= ttl || now.Before(k.fetched) {
		st, err := k.svc.ledger.Settings(ctx, k.l.TenantID)
		if err != nil {
			return err
		}
		k.l.Sites = &st.SiteMap
		if len(st.SiteMap.Entries) == 0 {
			k.l.Sites = nil
		}
		if !k.l.BaselineEnabled() {
			cfg := k.svc.Baseline
			cfg.Learning = st.Learning()
			if err := k.l.EnableBaseline(ctx, cfg); err != nil {
				return err
			}
		}
		k.fetched = now
	}
	return nil
}

// Sightings implements discover.Sink.
func (k *sensorSink) Sightings(ctx context.Context, at time.Time, devices []discover.Device) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.prepare(ctx); err != nil {
		return err
	}
	return k.l.Sightings(ctx, at, devices)
}

// FlowSummaries implements discover.Sink.
func (k *sensorSink) FlowSummaries(ctx context.Context, at time.Time, flows []discover.Flow) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.prepare(ctx); err != nil {
		return err
	}
	return k.l.FlowSummaries(ctx, at, flows)
}

// refresh makes the tenant's sinks read its settings (site map) again at
// their next batch. A changed learning period applies to devices whose
// learning starts after the change.
func (s *DiscoveryService) refresh(tenantID string) {
	s.mu.Lock()
	var ks []*sensorSink
	for key, k := range s.sinks {
		if strings.HasPrefix(key, tenantID+"\x00") {
			ks = append(ks, k)
		}
	}
	s.mu.Unlock()
	for _, k := range ks {
		k.mu.Lock()
		k.fetched = time.Time{}
		k.mu.Unlock()
	}
}

// SaveBaselines writes the learning state of every sensor now (on
// shutdown: states are otherwise saved every few minutes of traffic).
func (s *DiscoveryService) SaveBaselines(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	ks := make([]*sensorSink, 0, len(s.sinks))
	for _, k := range s.sinks {
		ks = append(ks, k)
	}
	s.mu.Unlock()
	var errs []error
	for _, k := range ks {
		k.mu.Lock()
		errs = append(errs, k.l.SaveBaseline(ctx))
		k.mu.Unlock()
	}
	return errors.Join(errs...)
}

// items builds the inventory entries of every device of the tenant.
func (s *DiscoveryService) items(ctx context.Context, tenantID string, threshold float64, withFindings bool) ([]*inventory.Item, error) {
	rows, err := s.ledger.DeviceRows(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	assets := map[string]*bianque.Asset{}
	for cursor := ""; ; {
		as, next, err := s.store.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{tenantID},
			Page: bianque.Page{Limit: bianque.MaxPageLimit, Cursor: cursor}})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			assets[a.ID] = a
		}
		if next == "" {
			break
		}
		cursor = next
	}
	findings := map[string][]*bianque.Finding{}
	if fs, ok := s.store.(bianque.FindingStore); ok && withFindings {
		for cursor := ""; ; {
			list, next, err := fs.Findings(ctx, bianque.FindingFilter{TenantIDs: []string{tenantID},
				States: []bianque.FindingState{bianque.FindingOpen, bianque.FindingFixing, bianque.FindingRetest},
				Page:   bianque.Page{Limit: bianque.MaxPageLimit, Cursor: cursor}})
			if err != nil {
				return nil, err
			}
			for _, f := range list {
				if f.AssetID != "" {
					findings[f.AssetID] = append(findings[f.AssetID], f)
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	out := make([]*inventory.Item, 0, len(rows))
	for _, r := range rows {
		out = append(out, inventory.ItemOf(tenantID, r, assets[r.AssetID], findings[r.AssetID], threshold))
	}
	return out, nil
}

// Inventory implements inventory.Service.
func (s *DiscoveryService) Inventory(ctx context.Context, f inventory.Filter) (*inventory.Page, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetRead, f.TenantID); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	st, err := s.ledger.Settings(ctx, f.TenantID)
	if err != nil {
		return nil, err
	}
	items, err := s.items(ctx, f.TenantID, st.Threshold(), true)
	if err != nil {
		return nil, err
	}
	pg := inventory.Select(items, f, st.Threshold())
	return pg, s.auditRead(ctx, f.TenantID, "device.list", "device", "")
}

func (s *DiscoveryService) record(ctx context.Context, tenantID, key string) (*ledger.DeviceRecord, error) {
	rec, err := s.ledger.Device(ctx, tenantID, key)
	if err != nil {
		return nil, hideNotFound(err, "device")
	}
	return rec, nil
}

// Device implements inventory.Service.
func (s *DiscoveryService) Device(ctx context.Context, tenantID, key string) (*inventory.Detail, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetRead, tenantID); err != nil {
		return nil, err
	}
	d, err := s.detail(ctx, tenantID, key)
	if err != nil {
		return nil, err
	}
	return d, s.auditRead(ctx, tenantID, "device.read", "device", key)
}

func (s *DiscoveryService) detail(ctx context.Context, tenantID, key string) (*inventory.Detail, error) {
	rec, err := s.record(ctx, tenantID, key)
	if err != nil {
		return nil, err
	}
	st, err := s.ledger.Settings(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var asset *bianque.Asset
	var findings []*bianque.Finding
	if rec.AssetID != "" {
		asset, err = s.store.Asset(ctx, tenantID, rec.AssetID)
		if err != nil && bianque.ErrorCode(err) != bianque.ENOTFOUND {
			return nil, err
		}
		if fs, ok := s.store.(bianque.FindingStore); ok && asset != nil {
			findings, _, err = fs.Findings(ctx, bianque.FindingFilter{TenantIDs: []string{tenantID}, AssetID: asset.ID,
				States: []bianque.FindingState{bianque.FindingOpen, bianque.FindingFixing, bianque.FindingRetest},
				Page:   bianque.Page{Limit: bianque.MaxPageLimit}})
			if err != nil {
				return nil, err
			}
		}
	}
	row := ledger.DeviceRow{Key: rec.Key, AssetID: rec.AssetID, DeviceType: rec.Device.DeviceType, Kind: rec.Device.Kind,
		Vendor: rec.Device.Vendor, OS: rec.Device.OS, SoftwareVersion: rec.Device.SoftwareVersion,
		Summary: ledger.SummaryOf(&rec.Device), FirstSeen: rec.FirstSeen, LastSeen: rec.LastSeen}
	it := inventory.ItemOf(tenantID, row, asset, findings, st.Threshold())
	d := &inventory.Detail{Item: *it, Record: rec.Device, Asset: asset, Protocols: inventory.ProtocolsOf(&rec.Device),
		Findings: []inventory.FindingRef{}}
	for _, f := range findings {
		d.Findings = append(d.Findings, inventory.FindingRef{ID: f.ID, Title: f.Title, Severity: f.Severity, CVSS: f.CVSSScore,
			CVEs: f.CVEs, State: f.State, Port: f.Port})
	}
	if it.ProfileConfirmed && rec.Device.Medical != nil {
		d.Inferred = rec.Device.Medical
	}
	d.Anomalies, _, err = s.ledger.Anomalies(ctx, tenantID, ledger.AnomalyFilter{Device: key, Page: bianque.Page{Limit: 20}})
	if err != nil {
		return nil, err
	}
	if d.Anomalies == nil {
		d.Anomalies = []*ledger.AnomalyRecord{}
	}
	return d, nil
}

// Peers implements inventory.Service.
func (s *DiscoveryService) Peers(ctx context.Context, tenantID, key string) (*inventory.PeerGraph, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetRead, tenantID); err != nil {
		return nil, err
	}
	if _, err := s.record(ctx, tenantID, key); err != nil {
		return nil, err
	}
	flows, err := s.ledger.Flows(ctx, tenantID, key)
	if err != nil {
		return nil, err
	}
	rows, err := s.ledger.DeviceRows(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]ledger.DeviceRow, len(rows))
	for _, r := range rows {
		byKey[r.Key] = r
	}
	g := inventory.GraphOf(key, flows, byKey)
	return g, s.auditRead(ctx, tenantID, "device.peers", "device", key)
}

// Anomalies implements inventory.Service.
func (s *DiscoveryService) Anomalies(ctx context.Context, tenantID string, f ledger.AnomalyFilter) ([]*ledger.AnomalyRecord, string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := p.Authorize(bianque.PermAssetRead, tenantID); err != nil {
		return nil, "", err
	}
	out, next, err := s.ledger.Anomalies(ctx, tenantID, f)
	if err != nil {
		return nil, "", err
	}
	return out, next, s.auditRead(ctx, tenantID, "device.anomalies", "device", f.Device)
}

// ConfirmProfile implements inventory.Service: the clinical profile of the
// device's ledger entry becomes the hospital's (confirmed, by whom), which
// the sensor's later inferences never overwrite. A scan override on the
// entry is kept as it was.
func (s *DiscoveryService) ConfirmProfile(ctx context.Context, tenantID, key string, in inventory.ProfileInput) (*inventory.Detail, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetWrite, tenantID); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	rec, err := s.record(ctx, tenantID, key)
	if err != nil {
		return nil, err
	}
	if rec.AssetID == "" {
		return nil, bianque.Errorf(bianque.ECONFLICT, "device %s has no asset-ledger entry to confirm", key)
	}
	a, err := s.store.Asset(ctx, tenantID, rec.AssetID)
	if err != nil {
		if bianque.ErrorCode(err) == bianque.ENOTFOUND {
			return nil, bianque.Errorf(bianque.ECONFLICT, "the asset-ledger entry of device %s was deleted", key)
		}
		return nil, err
	}
	var before *bianque.MedicalProfile
	if a.Medical != nil {
		b := *a.Medical
		before = &b
	}
	m := bianque.MedicalProfile{FDAClass: in.FDAClass, PHI: in.PHI, LifeSupporting: in.LifeSupporting, Disruption: in.Disruption,
		ManagedBy: in.ManagedBy, Confirmed: true, ConfirmedBy: p.Username}
	if before != nil {
		m.ScanOverride, m.ScanOverrideBy, m.ScanOverrideAt = before.ScanOverride, before.ScanOverrideBy, before.ScanOverrideAt
	}
	a.Medical = &m
	a.UpdatedAt = s.clock.Now()
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.UpdateAsset(ctx, a); err != nil {
		return nil, err
	}
	corrected := []string{}
	if inf := rec.Device.Medical; inf != nil {
		for _, c := range []struct {
			name     string
			inferred any
			now      any
		}{{"fda_class", inf.FDAClass, m.FDAClass}, {"phi", inf.PHI, m.PHI}, {"life_supporting", inf.LifeSupporting, m.LifeSupporting},
			{"disruption", inf.Disruption, m.Disruption}} {
			if !reflect.DeepEqual(c.inferred, c.now) {
				corrected = append(corrected, c.name)
			}
		}
	}
	if err := s.audit(ctx, tenantID, "device.profile.confirm", "asset", a.ID,
		map[string]any{"device": key, "before": before, "after": m, "corrected": corrected}); err != nil {
		return nil, err
	}
	return s.detail(ctx, tenantID, key)
}

// Settings implements inventory.Service.
func (s *DiscoveryService) Settings(ctx context.Context, tenantID string) (*ledger.Settings, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetRead, tenantID); err != nil {
		return nil, err
	}
	st, err := s.ledger.Settings(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return st, s.auditRead(ctx, tenantID, "discovery.settings.read", "discovery_settings", tenantID)
}

// UpdateSettings implements inventory.Service. Devices move to the
// departments and rooms of the new site map; their ledger entries follow
// where the department and room came from the map (a value a person typed
// into the ledger stays).
func (s *DiscoveryService) UpdateSettings(ctx context.Context, tenantID string, st *ledger.Settings) (*ledger.Settings, int, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := p.Authorize(bianque.PermAssetWrite, tenantID); err != nil {
		return nil, 0, err
	}
	if _, err := s.tenant(ctx, tenantID); err != nil {
		return nil, 0, hideNotFound(err, "tenant")
	}
	st.UpdatedBy, st.UpdatedAt = p.Username, s.clock.Now()
	if st.SiteMap.Entries == nil {
		st.SiteMap.Entries = []classify.SiteEntry{}
	}
	if err := s.ledger.PutSettings(ctx, tenantID, st); err != nil {
		return nil, 0, err
	}
	moved, err := s.relocate(ctx, tenantID, st)
	if err != nil {
		return nil, 0, err
	}
	s.refresh(tenantID)
	if err := s.audit(ctx, tenantID, "discovery.settings.update", "discovery_settings", tenantID, map[string]any{
		"version": st.Version, "risk_threshold": st.RiskThreshold, "learning_hours": st.LearningHours,
		"site_map_entries": len(st.SiteMap.Entries), "devices_moved": moved}); err != nil {
		return nil, 0, err
	}
	out, err := s.ledger.Settings(ctx, tenantID)
	return out, moved, err
}

// relocate places every stored device by the site map of st.
func (s *DiscoveryService) relocate(ctx context.Context, tenantID string, st *ledger.Settings) (int, error) {
	recs, err := s.ledger.Devices(ctx, tenantID, "")
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, rec := range recs {
		var old discover.Location
		if rec.Device.Location != nil {
			old = *rec.Device.Location
		}
		ledger.ApplySiteMap(&st.SiteMap, &rec.Device)
		var now discover.Location
		if rec.Device.Location != nil {
			now = *rec.Device.Location
		}
		if now.Department == old.Department && now.Room == old.Room {
			continue
		}
		moved++
		if err := s.ledger.PutDevice(ctx, rec); err != nil {
			return moved, err
		}
		if rec.AssetID == "" {
			continue
		}
		a, err := s.store.Asset(ctx, tenantID, rec.AssetID)
		if bianque.ErrorCode(err) == bianque.ENOTFOUND {
			continue
		}
		if err != nil {
			return moved, err
		}
		changed := false
		if a.Department == "" || a.Department == old.Department {
			changed = changed || a.Department != now.Department
			a.Department = now.Department
		}
		if a.Location == "" || a.Location == old.Room {
			changed = changed || a.Location != now.Room
			a.Location = now.Room
		}
		if !changed {
			continue
		}
		a.UpdatedAt = s.clock.Now()
		if err := s.store.UpdateAsset(ctx, a); err != nil {
			return moved, fmt.Errorf("move asset %s: %w", a.ID, err)
		}
		if err := s.audit(ctx, tenantID, "asset.update", "asset", a.ID,
			map[string]any{"name": a.Name, "department": a.Department, "room": a.Location, "by": "site map"}); err != nil {
			return moved, err
		}
	}
	return moved, nil
}

// report rebuilds the communication map of the tenant as a discover.Report
// for the allow-list generator: devices with the values in force (the
// hospital's type, department and profile where it set them).
func (s *DiscoveryService) report(ctx context.Context, tenantID string) (*discover.Report, error) {
	items, err := s.items(ctx, tenantID, ledger.DefaultRiskThreshold, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.ledger.DeviceRows(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	sums := make(map[string]ledger.Summary, len(rows))
	for _, r := range rows {
		sums[r.Key] = r.Summary
	}
	r := &discover.Report{}
	for _, it := range items {
		sum := sums[it.Key]
		d := discover.Device{IP: it.IP, MAC: it.MAC, Routed: sum.Routed, Address: sum.Address, Internet: sum.Internet,
			DeviceType: it.DeviceType, Kind: it.Kind, Vendor: it.Vendor, Medical: it.Medical, PHI: it.PHI}
		if it.PHI == "none" {
			d.PHI = ""
		}
		if it.Department != "" {
			d.Location = &discover.Location{Department: it.Department, Room: it.Room}
		}
		r.Devices = append(r.Devices, d)
	}
	flows, err := s.ledger.Flows(ctx, tenantID, "")
	if err != nil {
		return nil, err
	}
	for i := range flows {
		r.Flows = append(r.Flows, flows[i].Flow())
	}
	return r, nil
}

// Segmentation implements inventory.Service.
func (s *DiscoveryService) Segmentation(ctx context.Context, tenantID, group, format string) (*inventory.Segmentation, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetRead, tenantID); err != nil {
		return nil, err
	}
	switch format {
	case "", "json", "nft", "csv", "table":
	default:
		return nil, bianque.Errorf(bianque.EINVALID, "format %q must be nft, csv, table or json", format)
	}
	rep, err := s.report(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := &inventory.Segmentation{Group: group, Groups: []inventory.GroupInfo{}, Format: format}
	idx := map[string]int{}
	for i := range rep.Devices {
		d := &rep.Devices[i]
		if d.IP == "" || d.Address != discover.AddrUnicast || d.Routed && d.Internet {
			continue
		}
		g := allowlist.DefaultGroup(d)
		if _, ok := idx[g]; !ok {
			idx[g] = len(out.Groups)
			out.Groups = append(out.Groups, inventory.GroupInfo{Name: g})
		}
		gi := &out.Groups[idx[g]]
		gi.Members++
		gi.Segmented = gi.Segmented || allowlist.DefaultSegment(d)
	}
	sortGroups(out.Groups)
	opt := allowlist.Options{}
	if group != "" {
		if _, ok := idx[group]; !ok {
			return nil, bianque.Errorf(bianque.ENOTFOUND, "no device group %q", group)
		}
		opt.Segment = func(d *discover.Device) bool { return allowlist.DefaultGroup(d) == group }
	}
	out.Policy = allowlist.Generate(rep, opt)
	switch format {
	case "nft":
		out.Export = out.Policy.Nftables()
	case "csv":
		out.Export = out.Policy.CSV()
	case "table":
		out.Export = out.Policy.Table()
	}
	return out, s.auditRead(ctx, tenantID, "segmentation.read", "segmentation", group)
}

func sortGroups(gs []inventory.GroupInfo) {
	for i := 1; i < len(gs); i++ {
		for j := i; j > 0; j-- {
			a, b := gs[j-1], gs[j]
			if a.Segmented != b.Segmented && b.Segmented || a.Segmented == b.Segmented && b.Name < a.Name {
				gs[j-1], gs[j] = b, a
				continue
			}
			break
		}
	}
}

// Check implements inventory.Service: the observed flows a proposed policy
// would deny.
func (s *DiscoveryService) Check(ctx context.Context, tenantID string, in inventory.CheckInput) (*inventory.CheckResult, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetRead, tenantID); err != nil {
		return nil, err
	}
	var ev allowlist.Evaluator
	switch {
	case in.Policy != nil && in.ACLCSV != "":
		return nil, bianque.Errorf(bianque.EINVALID, "give a policy or an ACL, not both")
	case in.Policy != nil:
		if err := in.Policy.Validate(); err != nil {
			return nil, bianque.Errorf(bianque.EINVALID, "%v", err)
		}
		ev = in.Policy
	case strings.TrimSpace(in.ACLCSV) != "":
		acl, err := allowlist.ParseACL(strings.NewReader(in.ACLCSV))
		if err != nil {
			return nil, bianque.Errorf(bianque.EINVALID, "%v", err)
		}
		ev = acl
	default:
		return nil, bianque.Errorf(bianque.EINVALID, "give the proposed policy (JSON) or an ACL (CSV)")
	}
	rep, err := s.report(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	res := &inventory.CheckResult{Flows: len(rep.Flows), Breakages: allowlist.Check(ev, rep)}
	if res.Breakages == nil {
		res.Breakages = []allowlist.Breakage{}
	}
	for _, b := range res.Breakages {
		res.Denied++
		if b.Clinical {
			res.ClinicalDenied++
		}
	}
	return res, s.auditRead(ctx, tenantID, "segmentation.check", "segmentation", "")
}
