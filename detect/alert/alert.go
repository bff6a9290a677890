// Package alert turns detections into alerts (R3.4, R3.5): rule matches,
// correlations and indicator hits become bianque.Alert records carrying the
// rule, level, ATT&CK techniques, attacker and victim, the events and the
// reason; repeats of the same rule on the same source and target within a
// window are aggregated into one alert with a count and a trend; alerts an
// analyst marked as false positives are silenced by scoped, expiring
// suppressions (R5.2).
//
// The package keeps no store of its own. In memory (NewAggregator), new and
// updated alerts go to a Sink; with a store (NewStoreAggregator) the store
// folds repeats in (bianque.AlertFolder), so that every node of a scaled-out
// platform aggregates into the same alert. Alerts at or above a level open
// threat tickets through a TicketOpener; the platform's service layer
// implements both.
package alert

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bianque"
	"bianque/detect"
	"bianque/detect/ioc"
	"bianque/detect/ruleset"
	"bianque/event"
)

// Sink receives alerts as they are raised and as repeats update them.
type Sink interface {
	AlertCreated(ctx context.Context, a *bianque.Alert) error
	AlertUpdated(ctx context.Context, a *bianque.Alert) error
}

// TicketOpener opens a threat ticket for a new alert (the foundation's
// threat flow: alert -> ticket with MTTA clock) and returns its ID.
type TicketOpener interface {
	OpenThreatTicket(ctx context.Context, a *bianque.Alert) (ticketID string, err error)
}

// Config tunes aggregation.
type Config struct {
	// Window is how long after its last occurrence an alert still absorbs
	// repeats; default 10 minutes.
	Window time.Duration
	// TrendBucket is the width of one trend point; default 1 minute.
	TrendBucket time.Duration
	// MaxEvents bounds the events kept on one alert; default 20.
	MaxEvents int
	// MaxTrend bounds the trend points kept; default 1440.
	MaxTrend int
	// TicketLevel is the lowest level that opens a threat ticket; default high.
	TicketLevel bianque.AlertLevel
}

func (c *Config) defaults() {
	if c.Window <= 0 {
		c.Window = 10 * time.Minute
	}
	if c.TrendBucket <= 0 {
		c.TrendBucket = time.Minute
	}
	if c.MaxEvents <= 0 {
		c.MaxEvents = 20
	}
	if c.MaxTrend <= 0 {
		c.MaxTrend = 1440
	}
	if c.TicketLevel == "" {
		c.TicketLevel = bianque.LevelHigh
	}
}

// Outcome says what Add did with a candidate alert.
type Outcome struct {
	Alert      *bianque.Alert
	Created    bool
	Suppressed *bianque.Suppression
}

// Aggregator deduplicates, suppresses and publishes alerts. It is safe for
// concurrent use.
type Aggregator struct {
	cfg     Config
	clock   bianque.Clock
	sink    Sink
	tickets TicketOpener
	folder  bianque.AlertFolder

	supp atomic.Pointer[[]*bianque.Suppression]

	mu         sync.Mutex
	open       map[string]*bianque.Alert
	suppressed map[string]int
}

// NewAggregator returns an aggregator publishing to sink; tickets may be nil.
func NewAggregator(cfg Config, clock bianque.Clock, sink Sink, tickets TicketOpener) *Aggregator {
	cfg.defaults()
	if clock == nil {
		clock = bianque.SystemClock{}
	}
	a := &Aggregator{cfg: cfg, clock: clock, sink: sink, tickets: tickets, open: map[string]*bianque.Alert{}, suppressed: map[string]int{}}
	a.supp.Store(&[]*bianque.Suppression{})
	return a
}

// NewStoreAggregator returns an aggregator whose windows live in the store:
// each candidate (or each batch of repeats, AddBatch) is folded in by
// store.FoldAlert, and the threat ticket of an alert is opened by the one
// caller the store designates. tickets may be nil.
func NewStoreAggregator(cfg Config, clock bianque.Clock, store bianque.AlertFolder, tickets TicketOpener) *Aggregator {
	a := NewAggregator(cfg, clock, nil, tickets)
	a.folder = store
	return a
}

// FoldOptions are the aggregation settings as the store takes them.
func (a *Aggregator) FoldOptions() bianque.AlertFoldOptions {
	return bianque.AlertFoldOptions{Window: a.cfg.Window, TrendBucket: a.cfg.TrendBucket, MaxEvents: a.cfg.MaxEvents,
		MaxTrend: a.cfg.MaxTrend, TicketLevel: a.cfg.TicketLevel}
}

// SetSuppressions replaces the suppressions in force (validated ones only;
// the others are returned with the reason).
func (a *Aggregator) SetSuppressions(list []*bianque.Suppression) []error {
	var ok []*bianque.Suppression
	var errs []error
	for _, s := range list {
		if err := s.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("suppression %s: %w", s.ID, err))
			continue
		}
		ok = append(ok, s)
	}
	a.supp.Store(&ok)
	return errs
}

// SuppressedCount returns how many alerts a suppression has silenced, so
// that every silenced alert stays accounted for.
func (a *Aggregator) SuppressedCount(id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.suppressed[id]
}

// DedupKey is the aggregation key of an alert: tenant, rule, attacker, victim.
func DedupKey(al *bianque.Alert) string {
	att := al.Attacker.IP
	if att == "" {
		att = al.Attacker.Host + "/" + al.Attacker.User
	}
	vic := al.Victim.IP
	if vic == "" {
		vic = al.Victim.Host
	}
	return strings.ToLower(strings.Join([]string{al.TenantID, al.RuleID, att, vic}, "\x1f"))
}

// Add takes a candidate alert (from FromMatch, FromCorrelation or
// FromIndicator): a suppressed one is counted and dropped, a repeat updates
// the open alert with the same key, anything else becomes a new alert.
func (a *Aggregator) Add(ctx context.Context, cand *bianque.Alert) (Outcome, error) {
	if s := a.suppression(cand); s != nil {
		return Outcome{Suppressed: s}, nil
	}
	return a.add(ctx, cand)
}

// suppression returns (and counts) the suppression that silences cand.
func (a *Aggregator) suppression(cand *bianque.Alert) *bianque.Suppression {
	now := a.clock.Now()
	for _, s := range *a.supp.Load() {
		if s.Applies(cand, now) {
			a.mu.Lock()
			a.suppressed[s.ID]++
			a.mu.Unlock()
			return s
		}
	}
	return nil
}

// AddBatch takes the candidates of a batch of events: suppressed ones are
// counted and dropped, repeats within the batch are merged first (one
// store write per alert and batch, however many events repeat it), then
// each merged candidate is added as Add does. Outcomes follow the merged
// candidates in order of first appearance.
func (a *Aggregator) AddBatch(ctx context.Context, cands []*bianque.Alert) ([]Outcome, error) {
	var order []*bianque.Alert
	byKey := map[string]*bianque.Alert{}
	var outs []Outcome
	opts := a.FoldOptions()
	for _, c := range cands {
		if s := a.suppression(c); s != nil {
			outs = append(outs, Outcome{Suppressed: s})
			continue
		}
		if c.DedupKey == "" {
			c.DedupKey = DedupKey(c)
		}
		if c.Count < 1 {
			c.Count = 1
		}
		if first := byKey[c.DedupKey]; first != nil {
			first.Fold(c, opts)
			continue
		}
		if len(c.Trend) == 0 {
			c.Trend = []bianque.TrendPoint{{Start: c.FirstSeen.Truncate(a.cfg.TrendBucket), Count: c.Count}}
		}
		byKey[c.DedupKey] = c
		order = append(order, c)
	}
	var errs []error
	if a.folder != nil && len(order) > 0 {
		results, err := a.folder.FoldAlerts(ctx, order, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("fold alerts: %w", err))
		}
		for _, res := range results {
			if res == nil {
				continue // its error is in err
			}
			o, err := a.ticketFor(ctx, res)
			if err != nil {
				errs = append(errs, err)
			}
			outs = append(outs, o)
		}
		return outs, errors.Join(errs...)
	}
	for _, c := range order {
		o, err := a.add(ctx, c)
		if err != nil {
			errs = append(errs, err)
		}
		outs = append(outs, o)
	}
	return outs, errors.Join(errs...)
}

func (a *Aggregator) add(ctx context.Context, cand *bianque.Alert) (Outcome, error) {
	now := a.clock.Now()
	if cand.DedupKey == "" {
		cand.DedupKey = DedupKey(cand)
	}
	if cand.Count < 1 {
		cand.Count = 1
	}
	if a.folder != nil {
		return a.addFolded(ctx, cand)
	}
	a.mu.Lock()
	cur := a.open[cand.DedupKey]
	if cur != nil && cand.FirstSeen.Sub(cur.LastSeen) > a.cfg.Window {
		delete(a.open, cand.DedupKey)
		cur = nil
	}
	if cur != nil {
		a.merge(cur, cand, now)
		snapshot := clone(cur)
		a.mu.Unlock()
		if a.sink != nil {
			if err := a.sink.AlertUpdated(ctx, snapshot); err != nil {
				return Outcome{Alert: snapshot}, fmt.Errorf("alert %s: publish update: %w", snapshot.ID, err)
			}
		}
		return Outcome{Alert: snapshot}, nil
	}
	al := cand
	al.ID = bianque.NewIDAt(now)
	al.Status = bianque.AlertOpen
	al.CreatedAt, al.UpdatedAt = now, now
	al.Version = 1
	if len(al.Trend) == 0 {
		al.Trend = []bianque.TrendPoint{{Start: al.FirstSeen.Truncate(a.cfg.TrendBucket), Count: al.Count}}
	}
	if len(al.Events) > a.cfg.MaxEvents {
		al.Events = al.Events[:a.cfg.MaxEvents]
	}
	a.open[al.DedupKey] = al
	a.mu.Unlock()

	var errs []error
	if a.tickets != nil && al.Level.Rank() >= a.cfg.TicketLevel.Rank() {
		id, err := a.tickets.OpenThreatTicket(ctx, clone(al))
		if err != nil {
			errs = append(errs, fmt.Errorf("alert %s: open ticket: %w", al.ID, err))
		} else {
			a.mu.Lock()
			al.TicketID = id
			a.mu.Unlock()
		}
	}
	a.mu.Lock()
	snapshot := clone(al)
	a.mu.Unlock()
	if a.sink != nil {
		if err := a.sink.AlertCreated(ctx, snapshot); err != nil {
			errs = append(errs, fmt.Errorf("alert %s: publish: %w", al.ID, err))
		}
	}
	return Outcome{Alert: snapshot, Created: true}, errors.Join(errs...)
}

// addFolded lets the store fold the candidate in and opens the ticket when
// the store says this caller is the one to.
func (a *Aggregator) addFolded(ctx context.Context, cand *bianque.Alert) (Outcome, error) {
	res, err := a.folder.FoldAlert(ctx, cand, a.FoldOptions())
	if err != nil {
		return Outcome{}, fmt.Errorf("alert %s: fold: %w", cand.RuleID, err)
	}
	return a.ticketFor(ctx, res)
}

// ticketFor opens the threat ticket of a folded alert when the store says
// this caller is the one to.
func (a *Aggregator) ticketFor(ctx context.Context, res *bianque.AlertFoldResult) (Outcome, error) {
	out := Outcome{Alert: res.Alert, Created: res.Created}
	if res.OpenTicket && a.tickets != nil {
		id, err := a.tickets.OpenThreatTicket(ctx, clone(res.Alert))
		if err != nil {
			return out, fmt.Errorf("alert %s: open ticket: %w", res.Alert.ID, err)
		}
		if err := a.folder.SetAlertTicket(ctx, res.Alert.TenantID, res.Alert.ID, id); err != nil {
			return out, fmt.Errorf("alert %s: record ticket %s: %w", res.Alert.ID, id, err)
		}
		res.Alert.TicketID = id
	}
	return out, nil
}

// merge folds a repeat into the open alert.
func (a *Aggregator) merge(cur, cand *bianque.Alert, now time.Time) {
	cur.Count += cand.Count
	if cand.LastSeen.After(cur.LastSeen) {
		cur.LastSeen = cand.LastSeen
	}
	if cand.Level.Rank() > cur.Level.Rank() {
		cur.Level = cand.Level // a protection period or override may raise it
	}
	for _, r := range cand.Reason {
		if !slices.Contains(cur.Reason, r) {
			cur.Reason = append(cur.Reason, r)
		}
	}
	for _, e := range cand.Events {
		if len(cur.Events) >= a.cfg.MaxEvents {
			break
		}
		cur.Events = append(cur.Events, e)
	}
	start := cand.FirstSeen.Truncate(a.cfg.TrendBucket)
	if len(cand.Trend) > 0 {
		cur.Trend = bianque.MergeTrend(cur.Trend, cand.Trend, a.cfg.MaxTrend)
	} else if n := len(cur.Trend); n > 0 && cur.Trend[n-1].Start.Equal(start) {
		cur.Trend[n-1].Count += cand.Count
	} else {
		cur.Trend = append(cur.Trend, bianque.TrendPoint{Start: start, Count: cand.Count})
		if len(cur.Trend) > a.cfg.MaxTrend {
			cur.Trend = cur.Trend[len(cur.Trend)-a.cfg.MaxTrend:]
		}
	}
	cur.UpdatedAt = now
	cur.Version++
}

// Expire forgets the open alerts whose window has passed at now (a later
// repeat raises a new alert) and returns how many it forgot.
func (a *Aggregator) Expire(now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for k, al := range a.open {
		if now.Sub(al.LastSeen) > a.cfg.Window {
			delete(a.open, k)
			n++
		}
	}
	return n
}

// Open returns the number of alerts still aggregating.
func (a *Aggregator) Open() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.open)
}

func clone(a *bianque.Alert) *bianque.Alert {
	c := *a
	c.Techniques = slices.Clone(a.Techniques)
	c.Tactics = slices.Clone(a.Tactics)
	c.Tags = slices.Clone(a.Tags)
	c.Reason = slices.Clone(a.Reason)
	c.Events = slices.Clone(a.Events)
	c.Trend = slices.Clone(a.Trend)
	c.Triage = slices.Clone(a.Triage)
	return &c
}

// Building candidates ------------------------------------------------------

// endpointFields says where each side of an alert is read, first present wins:
// ECS keys, then raw Windows (EventData / System) and winlog keys.
var endpointFields = struct {
	AttackerIP, AttackerHost, AttackerUser, VictimIP, VictimHost, VictimUser, AttackerPort, VictimPort []string
}{
	AttackerIP: []string{"source.ip", "client.ip", "Event.EventData.IpAddress", "Event.EventData.SourceIp",
		"Event.EventData.SourceAddress", "winlog.event_data.IpAddress"},
	AttackerHost: []string{"source.domain", "client.domain", "Event.EventData.WorkstationName",
		"Event.EventData.SourceHostname", "winlog.event_data.WorkstationName"},
	AttackerUser: []string{"user.name", "source.user.name", "Event.EventData.User", "Event.EventData.TargetUserName",
		"Event.EventData.SubjectUserName", "winlog.event_data.TargetUserName"},
	AttackerPort: []string{"source.port", "client.port", "Event.EventData.SourcePort", "Event.EventData.IpPort"},
	VictimIP: []string{"destination.ip", "server.ip", "Event.EventData.DestinationIp", "Event.EventData.DestAddress",
		"host.ip"},
	VictimHost: []string{"destination.domain", "server.domain", "host.name", "host.hostname", "Event.System.Computer",
		"winlog.computer_name", "observer.hostname"},
	VictimUser: []string{"destination.user.name", "user.target.name"},
	VictimPort: []string{"destination.port", "server.port", "Event.EventData.DestinationPort", "Event.EventData.DestPort"},
}

func first(ev *event.Event, keys []string) string {
	for _, k := range keys {
		v, ok := ev.Get(k)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case []string:
			if len(x) > 0 && x[0] != "" && x[0] != "-" {
				return x[0]
			}
			continue
		}
		if s, ok := event.Stringify(v); ok && s != "" && s != "-" {
			return s
		}
	}
	return ""
}

// Endpoints reads the attacker (source side, and the account used) and the
// victim (destination side, or the host the event happened on) of an event.
func Endpoints(ev *event.Event) (attacker, victim bianque.Endpoint) {
	attacker = bianque.Endpoint{IP: first(ev, endpointFields.AttackerIP), Host: first(ev, endpointFields.AttackerHost),
		User: first(ev, endpointFields.AttackerUser)}
	victim = bianque.Endpoint{IP: first(ev, endpointFields.VictimIP), Host: first(ev, endpointFields.VictimHost),
		User: first(ev, endpointFields.VictimUser)}
	attacker.Port, _ = strconv.Atoi(first(ev, endpointFields.AttackerPort))
	victim.Port, _ = strconv.Atoi(first(ev, endpointFields.VictimPort))
	return attacker, victim
}

func alertEvent(ev *event.Event, t time.Time, ref string) bianque.AlertEvent {
	ae := bianque.AlertEvent{Time: t, Ref: ref}
	if ae.Ref == "" {
		ae.Ref = ev.Str(event.EventID)
	}
	if data, err := ev.MarshalJSON(); err == nil {
		ae.Data = data
	}
	return ae
}

// Tenant returns the tenant of an event (organization.id).
func Tenant(ev *event.Event) string { return ev.Str(event.OrganizationID) }

// AttachEvent adds ev (dated t) to the candidate's events. The *Bare
// builders leave events out so that a caller aggregating many repeats only
// encodes the events it keeps.
func AttachEvent(al *bianque.Alert, ev *event.Event, t time.Time) {
	al.Events = append(al.Events, alertEvent(ev, t, ""))
}

// FromMatch builds a candidate alert from a rule match and the tenant's decision.
func FromMatch(tenant string, m detect.Match, d ruleset.Decision) *bianque.Alert {
	al := FromMatchBare(tenant, m, d)
	AttachEvent(al, m.Event, m.Time)
	return al
}

// FromMatchBare is FromMatch without the event (see AttachEvent).
func FromMatchBare(tenant string, m detect.Match, d ruleset.Decision) *bianque.Alert {
	att, vic := Endpoints(m.Event)
	al := &bianque.Alert{
		TenantID: tenant, Kind: bianque.AlertRule, RuleID: m.Rule.ID, RuleTitle: m.Rule.Title,
		Level: d.Level, Techniques: m.Rule.Techniques, Tactics: m.Rule.Tactics, Tags: m.Rule.Tags,
		Attacker: att, Victim: vic, Reason: m.Reason, Description: m.Rule.Description, Count: 1,
		FirstSeen: m.Time, LastSeen: m.Time,
	}
	finish(al, d)
	return al
}

// FromCorrelation builds a candidate alert from a correlation firing.
func FromCorrelation(cm detect.CorrelationMatch, d ruleset.Decision) *bianque.Alert {
	al := &bianque.Alert{
		TenantID: cm.Tenant, Kind: bianque.AlertCorrelation, RuleID: cm.Rule.ID, RuleTitle: cm.Rule.Title,
		Level: d.Level, Techniques: cm.Rule.Techniques, Tactics: cm.Rule.Tactics, Tags: cm.Rule.Tags,
		Description: cm.Rule.Description, Count: 1, FirstSeen: cm.Start, LastSeen: cm.End,
		Reason: []string{fmt.Sprintf("%s = %g", cm.Type, cm.Value)},
	}
	for k, v := range cm.Group {
		al.Reason = append(al.Reason, k+"="+v)
	}
	slices.Sort(al.Reason[1:])
	// Attacker and victim: the first contributing event that names them.
	for _, r := range cm.Events {
		att, vic := Endpoints(r.Event)
		if al.Attacker.IsZero() {
			al.Attacker = att
		}
		if al.Victim.IsZero() {
			al.Victim = vic
		}
		al.Events = append(al.Events, alertEvent(r.Event, r.Time, strconv.FormatInt(r.Seq, 10)))
	}
	finish(al, d)
	return al
}

// FromIndicator builds a candidate alert from an indicator found in an event.
// The level follows the indicator's confidence.
func FromIndicator(tenant string, ev *event.Event, t time.Time, h ioc.Hit) *bianque.Alert {
	al := FromIndicatorBare(tenant, ev, t, h)
	AttachEvent(al, ev, t)
	return al
}

// FromIndicatorBare is FromIndicator without the event (see AttachEvent).
func FromIndicatorBare(tenant string, ev *event.Event, t time.Time, h ioc.Hit) *bianque.Alert {
	att, vic := Endpoints(ev)
	in := h.Indicator
	level := bianque.LevelLow
	switch {
	case in.Confidence >= 80:
		level = bianque.LevelHigh
	case in.Confidence >= 50 || in.Confidence == 0:
		level = bianque.LevelMedium
	}
	al := &bianque.Alert{
		TenantID: tenant, Kind: bianque.AlertIndicator, RuleID: "ioc:" + string(in.Type) + ":" + in.Value,
		RuleTitle: fmt.Sprintf("Indicator %s %s", in.Type, in.Value), Level: level, Tags: in.Tags,
		Attacker: att, Victim: vic, Description: in.Description,
		Reason: []string{h.Field + " = " + h.Value, "source " + in.Source},
		Count:  1, FirstSeen: t, LastSeen: t,
	}
	if al.Category = categoryFromTags(in.Tags); al.Category == "" {
		al.Category = "threat_intelligence"
	}
	return al
}

func finish(al *bianque.Alert, d ruleset.Decision) {
	if d.Period != nil {
		al.ProtectionPeriodID = d.Period.ID
	}
	if !al.Level.Valid() {
		al.Level = bianque.LevelMedium
	}
	al.Category = Category(al.Techniques, al.Tactics)
}

// categories maps ATT&CK techniques onto the attack types of R3.4; the
// first matching prefix wins.
var categories = []struct{ prefix, category string }{
	{"T1505.003", "webshell"}, {"T1486", "ransomware"}, {"T1490", "ransomware"}, {"T1496", "cryptomining"},
	{"T1110", "brute_force"}, {"T1498", "ddos"}, {"T1499", "ddos"}, {"T1566", "phishing"},
	{"T1190", "exploit"}, {"T1210", "lateral_movement"}, {"T1021", "lateral_movement"}, {"T1570", "lateral_movement"},
	{"T1550", "lateral_movement"}, {"T1563", "lateral_movement"}, {"T1071", "c2"}, {"T1095", "c2"}, {"T1090", "c2"},
	{"T1572", "c2"}, {"T1219", "c2"}, {"T1105", "c2"}, {"T1568", "c2"}, {"T1003", "credential_theft"},
	{"T1558", "credential_theft"}, {"T1555", "credential_theft"}, {"T1041", "exfiltration"}, {"T1048", "exfiltration"},
	{"T1567", "exfiltration"}, {"T1595", "scanning"}, {"T1046", "scanning"},
}

// Category classifies an alert by attack type (R3.4): from its techniques,
// else its first tactic.
func Category(techniques, tactics []string) string {
	for _, c := range categories {
		for _, t := range techniques {
			if t == c.prefix || strings.HasPrefix(t, c.prefix+".") {
				return c.category
			}
		}
	}
	if len(tactics) > 0 {
		return strings.ReplaceAll(tactics[0], "-", "_")
	}
	return ""
}

// categoryFromTags recognises attack types named in indicator tags.
func categoryFromTags(tags []string) string {
	for _, t := range tags {
		switch {
		case strings.Contains(t, "ransom"):
			return "ransomware"
		case strings.Contains(t, "miner") || strings.Contains(t, "mining"):
			return "cryptomining"
		case strings.Contains(t, "c2") || strings.Contains(t, "botnet"):
			return "c2"
		case strings.Contains(t, "phish"):
			return "phishing"
		case strings.Contains(t, "webshell"):
			return "webshell"
		}
	}
	return ""
}
