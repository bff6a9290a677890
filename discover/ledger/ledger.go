package ledger

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/baseline"
	"bianque/discover/classify"
)

// TicketCreator opens tickets (bianque.TicketService does).
type TicketCreator interface {
	CreateTicket(ctx context.Context, t *bianque.Ticket) error
}

// Ledger is the platform side of a sensor of one tenant: a discover.Sink.
// The context of its calls carries the principal of the collector that
// forwarded the data; the asset and ticket services authorise and audit.
type Ledger struct {
	TenantID string
	Assets   bianque.AssetService
	Tickets  TicketCreator
	Store    *Store
	Clock    bianque.Clock
	// TicketType of confirmation tickets (default bianque.TicketAsset: the
	// hospital confirms or corrects the device, R6.3).
	TicketType bianque.TicketType
	// Sites, when set, is the hospital's subnet/VLAN map: it places every
	// sighting in a department and room, whatever the sensor concluded (the
	// sensor at the hospital may not know the map the hospital keeps on the
	// platform).
	Sites *classify.SiteMap

	// Sensor names the sensor (collector) whose traffic this is; its
	// baseline state is kept under this name.
	Sensor string
	// Alerts receives the baseline's anomalies as alerts (see
	// EnableBaseline); nil keeps them as anomaly records only.
	Alerts AlertSink
	// TicketLevel is the lowest alert level that opens a threat ticket
	// (default high, as for detection).
	TicketLevel bianque.AlertLevel
	// DedupWindow folds an anomaly into the alert of an earlier one with
	// the same rule, device and peer seen within the window (default 24 h).
	DedupWindow time.Duration

	baseline *baseline.Detector
	batch    batchClock
	lastSave time.Time

	mu    sync.Mutex
	known map[string]deviceInfo // device address → what the ledger knows of it
}

var _ discover.Sink = (*Ledger)(nil)

// Category of confirmation tickets.
const Category = "asset_change"

// Sightings implements discover.Sink: every unicast device of the hospital
// (not internet hosts) is stored, lands in the asset ledger as a passive
// sighting, and opens a confirmation ticket when it is new or when its
// type, vendor, OS or software version changed.
func (l *Ledger) Sightings(ctx context.Context, at time.Time, devices []discover.Device) error {
	var errs []error
	for i := range devices {
		d := &devices[i]
		if !ledgerDevice(d) {
			continue
		}
		if l.Sites != nil {
			ApplySiteMap(l.Sites, d)
		}
		if err := l.sighting(ctx, at, d); err != nil {
			errs = append(errs, fmt.Errorf("device %s: %w", d.Key(), err))
		}
	}
	return errors.Join(errs...)
}

// ledgerDevice: group addresses and internet hosts are not hospital assets.
func ledgerDevice(d *discover.Device) bool {
	switch d.Address {
	case discover.AddrUnicast, discover.AddrNone:
	default:
		return false
	}
	return !(d.Internet && d.Routed)
}

func (l *Ledger) sighting(ctx context.Context, at time.Time, d *discover.Device) error {
	key := d.Key()
	prev, err := l.Store.Device(ctx, l.TenantID, key)
	if err != nil && bianque.ErrorCode(err) != bianque.ENOTFOUND {
		return err
	}
	rec := &DeviceRecord{TenantID: l.TenantID, Key: key, Device: *d, FirstSeen: d.FirstSeen, LastSeen: d.LastSeen}
	if rec.FirstSeen.IsZero() {
		rec.FirstSeen = at
	}
	if rec.LastSeen.IsZero() {
		rec.LastSeen = at
	}
	var asset *bianque.Asset
	if prev != nil {
		rec.FirstSeen = prev.FirstSeen
		if prev.AssetID != "" {
			asset, err = l.Assets.Asset(ctx, l.TenantID, prev.AssetID)
			if err != nil && bianque.ErrorCode(err) != bianque.ENOTFOUND {
				return err
			}
		}
	}
	if asset == nil {
		asset, err = l.findAsset(ctx, d)
		if err != nil {
			return err
		}
	}
	if asset == nil {
		asset = newAsset(l.TenantID, d, rec.FirstSeen)
		if err := l.Assets.CreateAsset(ctx, asset); err != nil {
			return fmt.Errorf("create asset: %w", err)
		}
	} else if merge(asset, d) {
		if err := l.Assets.UpdateAsset(ctx, asset); err != nil {
			return fmt.Errorf("update asset: %w", err)
		}
	}
	rec.AssetID = asset.ID
	if err := l.Store.PutDevice(ctx, rec); err != nil {
		return err
	}
	l.remember(key, infoOf(d, asset))
	var changes []string
	if prev == nil {
		changes = append(changes, "new device")
	} else {
		p := &prev.Device
		for _, c := range []struct{ what, old, new string }{
			{"device type", p.DeviceType, d.DeviceType}, {"vendor", p.Vendor, d.Vendor},
			{"OS", p.OS, d.OS}, {"software version", p.SoftwareVersion, d.SoftwareVersion},
		} {
			// A value appearing where none was known is learning, not a change.
			if c.old != "" && c.new != "" && c.old != c.new && !(c.what == "device type" && c.old == "unknown") {
				changes = append(changes, fmt.Sprintf("%s changed from %q to %q", c.what, c.old, c.new))
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	return l.ticket(ctx, d, asset, changes)
}

// findAsset looks the device up in the ledger by IP, then by MAC.
func (l *Ledger) findAsset(ctx context.Context, d *discover.Device) (*bianque.Asset, error) {
	lookups := []bianque.AssetFilter{}
	if d.IP != "" && !d.Routed {
		lookups = append(lookups, bianque.AssetFilter{IP: d.IP})
	}
	if d.MAC != "" {
		lookups = append(lookups, bianque.AssetFilter{MAC: d.MAC})
	}
	for _, f := range lookups {
		f.TenantIDs = []string{l.TenantID}
		f.Page.Limit = 2
		as, _, err := l.Assets.Assets(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("look up asset: %w", err)
		}
		if len(as) > 0 {
			return as[0], nil
		}
	}
	return nil, nil
}

func kindOf(d *discover.Device) bianque.AssetKind {
	k := bianque.AssetKind(d.Kind)
	if slices.Contains(bianque.AssetKinds, k) {
		return k
	}
	return bianque.AssetOther
}

// importance is the default value of a device to the hospital: life-supporting
// devices and systems holding patient data rank high until the hospital sets it.
func importance(d *discover.Device) int {
	switch {
	case d.Medical != nil && d.Medical.LifeSupporting:
		return 5
	case d.Kind == string(bianque.AssetMedical) || d.PHI == "large":
		return 4
	case d.Kind == string(bianque.AssetServer) || d.Kind == string(bianque.AssetNetwork):
		return 3
	}
	return 2
}

func newAsset(tenantID string, d *discover.Device, first time.Time) *bianque.Asset {
	a := &bianque.Asset{TenantID: tenantID, Kind: kindOf(d), Importance: importance(d), FirstSeen: first,
		LastSeen: d.LastSeen, Sources: []string{bianque.SourcePassive}}
	merge(a, d)
	if a.Name == "" {
		a.Name = d.Key()
	}
	return a
}

// merge folds a sighting into an asset; it reports whether anything changed.
// Values the hospital set are never overwritten: only empty fields are
// filled, identities are added, and the medical profile is set only while
// the hospital has not confirmed one.
func merge(a *bianque.Asset, d *discover.Device) bool {
	changed := false
	addUniq := func(list *[]string, v string) {
		if v == "" || slices.ContainsFunc(*list, func(x string) bool { return strings.EqualFold(x, v) }) {
			return
		}
		*list = append(*list, v)
		changed = true
	}
	if ip, err := netip.ParseAddr(d.IP); err == nil && !d.Routed {
		addUniq(&a.IPs, ip.String())
	}
	if d.MAC != "" {
		addUniq(&a.MACs, d.MAC)
	}
	for _, n := range d.Names {
		if len(a.Hostnames) < 16 {
			addUniq(&a.Hostnames, n)
		}
	}
	addUniq(&a.Sources, bianque.SourcePassive)
	set := func(field *string, v string) {
		if *field == "" && v != "" {
			*field = v
			changed = true
		}
	}
	if a.Name == "" && len(d.Names) > 0 {
		a.Name = d.Names[0]
		changed = true
	}
	if d.DeviceType != "" && d.DeviceType != "unknown" && a.DeviceType != d.DeviceType && (a.DeviceType == "" || !a.Confirmed) {
		a.DeviceType = d.DeviceType
		changed = true
	}
	if (a.Kind == "" || a.Kind == bianque.AssetOther) && d.Kind != "" && kindOf(d) != a.Kind {
		a.Kind = kindOf(d)
		changed = true
	}
	set(&a.Vendor, d.Vendor)
	set(&a.Model, d.Model)
	set(&a.OS, d.OS)
	if d.SoftwareVersion != "" && a.OSVersion != d.SoftwareVersion && !a.Confirmed {
		a.OSVersion = d.SoftwareVersion
		changed = true
	}
	if d.Location != nil {
		set(&a.Department, d.Location.Department)
		set(&a.Location, d.Location.Room)
	}
	if d.Medical != nil && (a.Medical == nil || !a.Medical.Confirmed) {
		m := *d.Medical
		if a.Medical != nil {
			// Keep what a person decided about scanning.
			m.ScanOverride, m.ScanOverrideBy, m.ScanOverrideAt = a.Medical.ScanOverride, a.Medical.ScanOverrideBy, a.Medical.ScanOverrideAt
		}
		if a.Medical == nil || *a.Medical != m {
			a.Medical = &m
			changed = true
		}
	}
	if d.LastSeen.After(a.LastSeen) {
		a.LastSeen = d.LastSeen
		changed = true
	}
	for _, s := range d.Services {
		found := false
		for i := range a.Services {
			if a.Services[i].Port == s.Port && a.Services[i].Protocol == s.Transport {
				found = true
				if a.Services[i].Name == "" && s.App != "" {
					a.Services[i].Name = s.App
					changed = true
				}
				if d.LastSeen.After(a.Services[i].LastSeen) {
					a.Services[i].LastSeen = d.LastSeen
				}
			}
		}
		if !found && len(a.Services) < 64 {
			a.Services = append(a.Services, bianque.Service{Port: s.Port, Protocol: s.Transport, Name: s.App,
				FirstSeen: d.FirstSeen, LastSeen: d.LastSeen})
			changed = true
		}
	}
	return changed
}

func (l *Ledger) ticket(ctx context.Context, d *discover.Device, a *bianque.Asset, changes []string) error {
	tt := l.TicketType
	if tt == "" {
		tt = bianque.TicketAsset
	}
	what := d.DeviceType
	if what == "" || what == "unknown" {
		what = "device"
	}
	title := fmt.Sprintf("Passive discovery: %s %s — please confirm", what, d.Key())
	if len(changes) == 1 && changes[0] != "new device" {
		title = fmt.Sprintf("Passive discovery: %s %s — %s", what, d.Key(), changes[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\n", strings.Join(changes, "; "))
	fmt.Fprintf(&b, "Device: %s (MACs %s)\nType: %s (confidence %.2f)\nVendor: %s\nModel: %s\nOS: %s %s\nNames: %s\n",
		d.Key(), strings.Join(d.MACs, ", "), d.DeviceType, d.Confidence, d.Vendor, d.Model, d.OS, d.SoftwareVersion,
		strings.Join(d.Names, ", "))
	for _, e := range d.Evidence {
		fmt.Fprintf(&b, "Evidence: %s: %s = %q (%s)\n", e.Rule, e.Field, e.Value, e.Says)
	}
	if d.Medical != nil {
		b.WriteString("This is a medical device: it was found passively and is never scanned actively without an override.\n")
	}
	b.WriteString("Confirm or correct the ledger entry (owner, department, importance, clinical profile).")
	sev := bianque.SeverityGeneral
	if d.Medical != nil && d.Medical.LifeSupporting {
		sev = bianque.SeverityMajor
	}
	t := &bianque.Ticket{TenantID: l.TenantID, Type: tt, Severity: sev, Tier: 1, Title: title, Description: b.String(),
		Category: Category, Source: "discover:" + d.Key(), AssetIDs: []string{a.ID}}
	if err := l.Tickets.CreateTicket(ctx, t); err != nil {
		return fmt.Errorf("open confirmation ticket: %w", err)
	}
	return nil
}

// FlowSummaries implements discover.Sink: the deltas are added to the
// stored communication map and, with a baseline, checked against every
// device's learnt behaviour.
func (l *Ledger) FlowSummaries(ctx context.Context, at time.Time, flows []discover.Flow) error {
	if err := l.Store.AddFlows(ctx, l.TenantID, flows); err != nil {
		return err
	}
	if l.baseline == nil {
		return nil
	}
	return l.observe(ctx, at, flows)
}

// ApplySiteMap places d by the hospital's site map: a location that came
// from an earlier map is replaced (or cleared when the map no longer covers
// the device); switch and port from LLDP/CDP are kept.
func ApplySiteMap(sm *classify.SiteMap, d *discover.Device) {
	if loc := d.Location; loc != nil && (loc.Source == "subnet-map" || loc.Source == "vlan-map") {
		kept := &discover.Location{Switch: loc.Switch, SwitchPort: loc.SwitchPort, VLAN: loc.VLAN}
		if kept.Switch != "" || kept.SwitchPort != "" {
			kept.Source = "lldp"
			d.Location = kept
		} else {
			d.Location = nil
		}
	}
	sm.Locate(d)
}
