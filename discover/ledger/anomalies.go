package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/baseline"
)

// AlertSink is the platform's alert flow (service.AlertService implements
// it): new alerts, repeats folded into them, threat tickets, and the
// suppressions analysts added for false positives.
type AlertSink interface {
	AlertCreated(ctx context.Context, a *bianque.Alert) error
	AlertUpdated(ctx context.Context, a *bianque.Alert) error
	OpenThreatTicket(ctx context.Context, a *bianque.Alert) (string, error)
	ActiveSuppressions(ctx context.Context) ([]*bianque.Suppression, error)
}

// Rule is the alert rule of one anomaly kind.
type Rule struct {
	ID    string
	Title string
	// Level is the level for a device of no particular criticality; see
	// AlertLevel.
	Level bianque.AlertLevel
}

// Rules lists the alert rule of every anomaly kind of the baseline.
var Rules = map[string]Rule{
	baseline.NewPeer:        {"discover.new_peer", "Device talks to a new peer", bianque.LevelLow},
	baseline.NewPort:        {"discover.new_port", "Device uses a new port", bianque.LevelLow},
	baseline.NewProtocol:    {"discover.new_protocol", "Device uses a new protocol", bianque.LevelMedium},
	baseline.NewInternet:    {"discover.new_internet_destination", "Device contacts a new internet destination", bianque.LevelHigh},
	baseline.VolumeSpike:    {"discover.volume_spike", "Traffic far above the device's own history", bianque.LevelMedium},
	baseline.VolumePeerSize: {"discover.volume_above_peer_group", "Traffic far above devices of the same type", bianque.LevelMedium},
}

// RuleOf returns the rule of an anomaly kind (a generic one for a kind
// this version does not know).
func RuleOf(kind string) Rule {
	if r, ok := Rules[kind]; ok {
		return r
	}
	return Rule{ID: "discover." + kind, Title: "Device departs from its learnt behaviour (" + kind + ")", Level: bianque.LevelMedium}
}

// deviceInfo is what the ledger knows of a device for the baseline's peer
// groups and the alerts' levels.
type deviceInfo struct {
	Type       string
	Name       string
	Medical    bool
	Life       bool
	PHI        bool
	Importance int
}

// Criticality is 2 for life-supporting devices, 1 for other medical devices
// and systems holding patient data (or of importance 4 and up), else 0.
func (i deviceInfo) Criticality() int {
	switch {
	case i.Life || i.Importance >= 5:
		return 2
	case i.Medical || i.PHI || i.Importance >= 4:
		return 1
	}
	return 0
}

// AlertLevel is the level of an anomaly's alert: the rule's level raised by
// one step per degree of the device's criticality (life-supporting devices
// two steps), so a new internet destination of an infusion pump is
// critical and a new peer of a workstation low.
func AlertLevel(kind string, criticality int) bianque.AlertLevel {
	return RuleOf(kind).Level.Raise(criticality)
}

func infoOf(d *discover.Device, a *bianque.Asset) deviceInfo {
	i := deviceInfo{Type: d.DeviceType, Medical: d.Kind == string(bianque.AssetMedical), PHI: d.PHI == "large"}
	if len(d.Names) > 0 {
		i.Name = d.Names[0]
	}
	if m := d.Medical; m != nil {
		i.Life = m.LifeSupporting
		i.Medical = i.Medical || m.FDAClass > 0 || m.LifeSupporting
	}
	if a != nil {
		// The hospital's word (a confirmed profile, its own type and
		// importance) wins over the sensor's inference.
		i.Importance = a.Importance
		if a.Name != "" {
			i.Name = a.Name
		}
		if a.DeviceType != "" {
			i.Type = a.DeviceType
		}
		if a.Medical != nil && a.Medical.Confirmed {
			i.Life, i.PHI = a.Medical.LifeSupporting, a.Medical.PHI == "large"
		}
		i.Medical = i.Medical || a.Kind == bianque.AssetMedical
	}
	return i
}

func (l *Ledger) remember(key string, i deviceInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.known == nil {
		l.known = map[string]deviceInfo{}
	}
	l.known[key] = i
}

// batchClock is the baseline's clock: the time of the batch being
// observed, as the sensor stamped it. Learning periods and volume windows
// thus run on the sensor's clock, and replayed traffic is judged by its own
// time.
type batchClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *batchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *batchClock) advance(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
}

// EnableBaseline starts learning from the flow summaries, with the state
// of this tenant's sensor loaded from (and saved to) the platform store,
// and reports anomalies as alerts through l.Alerts.
func (l *Ledger) EnableBaseline(ctx context.Context, cfg baseline.Config) error {
	det, err := baseline.New(ctx, cfg, &l.batch, Baselines{Store: l.Store, TenantID: l.TenantID, Sensor: l.Sensor, Clock: &l.batch})
	if err != nil {
		return err
	}
	rows, err := l.Store.DeviceRows(ctx, l.TenantID)
	if err != nil {
		return err
	}
	l.mu.Lock()
	if l.known == nil {
		l.known = map[string]deviceInfo{}
	}
	for _, r := range rows {
		if _, ok := l.known[r.Key]; ok {
			continue
		}
		i := deviceInfo{Type: r.DeviceType, Name: r.Summary.Name, Medical: r.Kind == string(bianque.AssetMedical), PHI: r.Summary.PHI == "large"}
		if m := r.Summary.Medical; m != nil {
			i.Life = m.LifeSupporting
			i.Medical = i.Medical || m.FDAClass > 0 || m.LifeSupporting
		}
		l.known[r.Key] = i
	}
	l.mu.Unlock()
	l.baseline = det
	return nil
}

// BaselineEnabled reports whether the ledger learns from flow summaries.
func (l *Ledger) BaselineEnabled() bool { return l.baseline != nil }

// SaveBaseline writes the learning state now.
func (l *Ledger) SaveBaseline(ctx context.Context) error {
	if l.baseline == nil {
		return nil
	}
	return l.baseline.Save(ctx)
}

// SaveBaselineEvery bounds how often the learning state is written (in
// batch time); anomalies are always followed by a save.
const SaveBaselineEvery = 5 * time.Minute

func (l *Ledger) observe(ctx context.Context, at time.Time, flows []discover.Flow) error {
	l.batch.advance(at)
	l.mu.Lock()
	infos := make(map[string]baseline.DeviceInfo, len(l.known))
	known := make(map[string]deviceInfo, len(l.known))
	for k, i := range l.known {
		infos[k] = baseline.DeviceInfo{Type: i.Type, Medical: i.Medical}
		known[k] = i
	}
	l.mu.Unlock()
	anomalies := l.baseline.Observe(flows, infos)
	now := l.batch.Now()
	if len(anomalies) > 0 || now.Sub(l.lastSave) >= SaveBaselineEvery {
		if err := l.baseline.Save(ctx); err != nil {
			return err
		}
		l.lastSave = now
	}
	if len(anomalies) == 0 {
		return nil
	}
	names := map[discover.FlowKey]string{}
	for _, f := range flows {
		if f.ServerName != "" {
			names[f.Key()] = f.ServerName
		}
	}
	var sups []*bianque.Suppression
	if l.Alerts != nil {
		var err error
		if sups, err = l.Alerts.ActiveSuppressions(ctx); err != nil {
			return fmt.Errorf("read suppressions: %w", err)
		}
	}
	var errs []error
	for _, grp := range groupAnomalies(anomalies) {
		if err := l.raise(ctx, grp, known[grp[0].Device], names, sups); err != nil {
			errs = append(errs, fmt.Errorf("anomaly %s of %s: %w", grp[0].Kind, grp[0].Device, err))
		}
	}
	return errors.Join(errs...)
}

// kindRank orders the anomaly kinds of one flow: the first names the alert.
var kindRank = map[string]int{baseline.NewInternet: 0, baseline.NewProtocol: 1, baseline.NewPeer: 2, baseline.NewPort: 3}

// groupAnomalies gathers the anomalies one flow caused on one device (a
// first connection to an internet host is a new peer, a new port, perhaps
// a new protocol and a new internet destination at once) so that they raise
// one alert, named after the most telling kind, with the others as reasons.
// Volume anomalies stand alone.
func groupAnomalies(as []baseline.Anomaly) [][]baseline.Anomaly {
	var out [][]baseline.Anomaly
	idx := map[string]int{}
	for _, a := range as {
		if a.Flow == nil {
			out = append(out, []baseline.Anomaly{a})
			continue
		}
		k := a.Device + "\x00" + a.Flow.Client + "\x00" + a.Flow.Server + "\x00" + a.Flow.Transport + "\x00" + fmt.Sprint(a.Flow.Port)
		if i, ok := idx[k]; ok {
			out[i] = append(out[i], a)
			continue
		}
		idx[k] = len(out)
		out = append(out, []baseline.Anomaly{a})
	}
	for _, g := range out {
		sort.SliceStable(g, func(i, j int) bool { return rank(g[i].Kind) < rank(g[j].Kind) })
	}
	return out
}

func rank(kind string) int {
	if r, ok := kindRank[kind]; ok {
		return r
	}
	return len(kindRank)
}

// dedupKey groups repeats as detection does: tenant, rule, attacker, victim.
func dedupKey(a *bianque.Alert) string {
	return strings.ToLower(strings.Join([]string{a.TenantID, a.RuleID, a.Attacker.IP, a.Victim.IP}, "\x1f"))
}

// AlertOf makes the alert of an anomaly (before deduplication).
func AlertOf(tenantID string, a baseline.Anomaly, deviceName, peerName string, criticality int) *bianque.Alert {
	rule := RuleOf(a.Kind)
	al := &bianque.Alert{TenantID: tenantID, Kind: bianque.AlertRule, RuleID: rule.ID, RuleTitle: rule.Title,
		Level: AlertLevel(a.Kind, criticality), Category: "anomaly", Tags: []string{"discover", "baseline", a.Kind},
		Victim: bianque.Endpoint{IP: a.Device, Host: deviceName}, Reason: []string{a.Detail}, Count: 1,
		FirstSeen: a.Time, LastSeen: a.Time}
	if a.Peer != "" {
		al.Attacker = bianque.Endpoint{IP: a.Peer, Host: peerName}
	}
	if a.Flow != nil && a.Flow.Server == a.Peer {
		al.Attacker.Port = a.Flow.Port
	}
	what := a.DeviceType
	if what == "" {
		what = "device"
	}
	crit := map[int]string{0: "", 1: " It is a medical device or holds patient data.", 2: " It is a life-supporting device."}[criticality]
	al.Description = fmt.Sprintf("Passive monitoring: %s %s departs from the behaviour learnt from its own traffic: %s.%s",
		what, a.Device, a.Detail, crit)
	if ev, err := json.Marshal(a.Event()); err == nil {
		al.Events = []bianque.AlertEvent{{Time: a.Time, Ref: "discover:" + a.Kind, Data: ev}}
	}
	al.DedupKey = dedupKey(al)
	return al
}

// raise records a group of anomalies of one device and flow (see
// groupAnomalies) and raises, or folds into an open one, their alert.
func (l *Ledger) raise(ctx context.Context, grp []baseline.Anomaly, info deviceInfo, names map[discover.FlowKey]string, sups []*bianque.Suppression) error {
	a := grp[0]
	peerName := ""
	if a.Flow != nil && a.Flow.Server == a.Peer {
		peerName = names[*a.Flow]
	}
	al := AlertOf(l.TenantID, a, info.Name, peerName, info.Criticality())
	for _, o := range grp[1:] {
		al.Reason = append(al.Reason, o.Detail)
	}
	recs := make([]*AnomalyRecord, 0, len(grp))
	for _, x := range grp {
		recs = append(recs, &AnomalyRecord{TenantID: l.TenantID, Sensor: l.Sensor, Device: x.Device, DeviceType: x.DeviceType,
			Kind: x.Kind, Peer: x.Peer, Detail: x.Detail, Severity: x.Severity, Flow: x.Flow, RuleID: al.RuleID, Level: al.Level,
			DedupKey: al.DedupKey, At: x.Time})
	}
	store := func(alertID, ticketID, suppressedBy string) error {
		for _, r := range recs {
			r.AlertID, r.TicketID, r.SuppressedBy = alertID, ticketID, suppressedBy
			if err := l.Store.AddAnomaly(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}
	if l.Alerts == nil {
		return store("", "", "")
	}
	now := a.Time
	if l.Clock != nil {
		now = l.Clock.Now()
	}
	for _, s := range sups {
		if s.Applies(al, now) {
			return store("", "", s.ID)
		}
	}
	window := l.DedupWindow
	if window <= 0 {
		window = 24 * time.Hour
	}
	prev, n, err := l.Store.OpenAlertOf(ctx, l.TenantID, al.DedupKey, a.Time.Add(-window))
	if err != nil {
		return err
	}
	if prev != nil {
		al.ID, al.Count = prev.AlertID, n+1
		al.Events = nil // the first events stay
		if err := l.Alerts.AlertUpdated(ctx, al); err != nil {
			return fmt.Errorf("update alert %s: %w", al.ID, err)
		}
		return store(prev.AlertID, prev.TicketID, "")
	}
	al.ID = bianque.NewIDAt(now)
	al.Status = bianque.AlertOpen
	al.CreatedAt, al.UpdatedAt, al.Version = now, now, 1
	al.Trend = []bianque.TrendPoint{{Start: a.Time.Truncate(time.Minute), Count: 1}}
	ticketLevel := l.TicketLevel
	if ticketLevel == "" {
		ticketLevel = bianque.LevelHigh
	}
	var errs []error
	if al.Level.Rank() >= ticketLevel.Rank() {
		id, err := l.Alerts.OpenThreatTicket(ctx, al)
		if err != nil {
			errs = append(errs, fmt.Errorf("open threat ticket: %w", err))
		}
		al.TicketID = id
	}
	if err := l.Alerts.AlertCreated(ctx, al); err != nil {
		return errors.Join(append(errs, fmt.Errorf("store alert: %w", err))...)
	}
	if err := store(al.ID, al.TicketID, ""); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
