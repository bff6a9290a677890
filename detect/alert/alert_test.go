package alert

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/detect"
	"bianque/detect/ioc"
	"bianque/detect/ruleset"
	"bianque/detect/sigma"
	"bianque/event"
	"bianque/internal/testutil"
)

type recorder struct {
	mu      sync.Mutex
	created []*bianque.Alert
	updated []*bianque.Alert
	tickets []string
	failT   bool
}

func (r *recorder) AlertCreated(_ context.Context, a *bianque.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.created = append(r.created, a)
	return nil
}

func (r *recorder) AlertUpdated(_ context.Context, a *bianque.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updated = append(r.updated, a)
	return nil
}

func (r *recorder) OpenThreatTicket(_ context.Context, a *bianque.Alert) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failT {
		return "", errors.New("ticket store down")
	}
	id := "T" + string(rune('0'+len(r.tickets)+1))
	r.tickets = append(r.tickets, a.ID)
	return id, nil
}

const rules = `title: Failed logon
id: 30000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
level: medium
tags: [attack.credential-access, attack.t1110.001]
---
title: Many failed logons
id: 30000000-0000-0000-0000-000000000002
correlation:
    type: event_count
    rules: [30000000-0000-0000-0000-000000000001]
    group-by: [IpAddress]
    timespan: 5m
    condition: {gte: 3}
    generate: true
level: high
tags: [attack.t1110]
`

var t0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func logonFailure(tenant, ip string, at time.Duration) *event.Event {
	return event.FromMap(map[string]any{
		"organization": map[string]any{"id": tenant},
		"Event": map[string]any{
			"System": map[string]any{"Channel": "Security", "EventID": "4625", "Computer": "his-db01.hospital.local",
				"TimeCreated": map[string]any{"SystemTime": t0.Add(at).Format(time.RFC3339)}},
			"EventData": map[string]any{"IpAddress": ip, "IpPort": "51515", "TargetUserName": "administrator", "WorkstationName": "KALI"},
		},
	})
}

type pipeline struct {
	eng  *detect.Engine
	mgr  *ruleset.Manager
	corr *detect.Correlator
	agg  *Aggregator
	rec  *recorder
	clk  *testutil.FakeClock
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	rs, errs := sigma.Parse("rules.yml", []byte(rules))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	clk := testutil.NewFakeClock(t0)
	p := &pipeline{clk: clk, rec: &recorder{}}
	p.eng = detect.New(detect.Options{Clock: clk})
	p.mgr = ruleset.New(p.eng, clk)
	if e := p.mgr.SetBase(rs, nil); len(e) > 0 {
		t.Fatal(e)
	}
	p.corr = detect.NewCorrelator(clk)
	p.agg = NewAggregator(Config{Window: 10 * time.Minute}, clk, p.rec, p.rec)
	return p
}

// feed runs one event through matching, policy, correlation and aggregation.
func (p *pipeline) feed(t *testing.T, seq int64, ev *event.Event) {
	t.Helper()
	ctx := context.Background()
	tenant := Tenant(ev)
	ms := p.eng.Match(ev, nil)
	for _, m := range ms {
		d := p.mgr.Decide(tenant, m.Rule)
		if !d.Enabled || m.Rule.Internal {
			continue
		}
		if _, err := p.agg.Add(ctx, FromMatch(tenant, m, d)); err != nil {
			t.Fatal(err)
		}
	}
	for _, cm := range p.corr.Feed(seq, ms, nil) {
		d := p.mgr.Decide(cm.Tenant, cm.Rule)
		if _, err := p.agg.Add(ctx, FromCorrelation(cm, d)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFromMatch(t *testing.T) {
	p := newPipeline(t)
	p.feed(t, 0, logonFailure("hosp-a", "203.0.113.7", 0))
	if len(p.rec.created) != 1 {
		t.Fatalf("created %d alerts", len(p.rec.created))
	}
	a := p.rec.created[0]
	want := bianque.Alert{
		TenantID: "hosp-a", Kind: bianque.AlertRule, RuleID: "30000000-0000-0000-0000-000000000001", Level: bianque.LevelMedium,
		Category: "brute_force", Attacker: bianque.Endpoint{IP: "203.0.113.7", Port: 51515, Host: "KALI", User: "administrator"},
		Victim: bianque.Endpoint{Host: "his-db01.hospital.local"}, Count: 1, Status: bianque.AlertOpen,
	}
	if a.TenantID != want.TenantID || a.Kind != want.Kind || a.RuleID != want.RuleID || a.Level != want.Level ||
		a.Category != want.Category || a.Attacker != want.Attacker || a.Victim != want.Victim || a.Count != 1 || a.Status != want.Status {
		t.Errorf("alert %+v", a)
	}
	if strings.Join(a.Reason, ",") != "selection" || strings.Join(a.Techniques, ",") != "T1110.001" || len(a.Events) != 1 || !a.FirstSeen.Equal(t0) {
		t.Errorf("reason %v techniques %v events %d first %v", a.Reason, a.Techniques, len(a.Events), a.FirstSeen)
	}
	if err := a.Validate(); err != nil {
		t.Error(err)
	}
	if len(p.rec.tickets) != 0 {
		t.Errorf("a medium alert opened a ticket")
	}
}

func TestAggregation(t *testing.T) {
	p := newPipeline(t)
	for i, at := range []time.Duration{0, 30 * time.Second, 90 * time.Second} {
		p.feed(t, int64(i), logonFailure("hosp-a", "203.0.113.7", at))
	}
	// One rule alert (created, then updated twice) and one correlation alert.
	var rule, corr []*bianque.Alert
	for _, a := range p.rec.created {
		if a.Kind == bianque.AlertRule {
			rule = append(rule, a)
		} else {
			corr = append(corr, a)
		}
	}
	if len(rule) != 1 || len(corr) != 1 || len(p.rec.updated) != 2 {
		t.Fatalf("created %d rule and %d correlation alerts, %d updates", len(rule), len(corr), len(p.rec.updated))
	}
	last := p.rec.updated[1]
	if last.Count != 3 || last.ID != rule[0].ID || len(last.Events) != 3 || !last.LastSeen.Equal(t0.Add(90*time.Second)) {
		t.Errorf("aggregated alert: count %d events %d last %v", last.Count, len(last.Events), last.LastSeen)
	}
	if len(last.Trend) != 2 || last.Trend[0].Count != 2 || last.Trend[1].Count != 1 {
		t.Errorf("trend %+v", last.Trend)
	}
	c := corr[0]
	if c.Level != bianque.LevelHigh || c.Attacker.IP != "203.0.113.7" || len(c.Events) != 3 || c.TicketID != "T1" {
		t.Errorf("correlation alert %+v", c)
	}
	// Another attacker is another alert; the same one after the window too.
	p.feed(t, 3, logonFailure("hosp-a", "198.51.100.1", 2*time.Minute))
	p.feed(t, 4, logonFailure("hosp-a", "203.0.113.7", 20*time.Minute))
	n := 0
	for _, a := range p.rec.created {
		if a.Kind == bianque.AlertRule {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d rule alerts, want 3", n)
	}
	// Another tenant with the same attacker is its own alert.
	p.feed(t, 5, logonFailure("hosp-b", "203.0.113.7", 20*time.Minute))
	if got := p.rec.created[len(p.rec.created)-1]; got.TenantID != "hosp-b" {
		t.Errorf("tenant %s", got.TenantID)
	}
	if k := p.agg.Expire(t0.Add(time.Hour)); k != 4 || p.agg.Open() != 0 {
		t.Errorf("expired %d, open %d", k, p.agg.Open())
	}
}

func TestSuppression(t *testing.T) {
	p := newPipeline(t)
	s := &bianque.Suppression{ID: "s1", TenantID: "hosp-a", RuleID: "30000000-0000-0000-0000-000000000001",
		Match:  map[string]string{"attacker.ip": "203.0.113.0/24", "victim.host": "his-*"},
		Reason: "vulnerability scanner of the hospital", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	bad := []*bianque.Suppression{
		{ID: "b1", RuleID: "x", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},                                 // no reason
		{ID: "b2", Reason: "r", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},                                 // nothing scoped
		{ID: "b3", Reason: "r", Match: map[string]string{"victim.host": "*"}, ExpiresAt: t0.Add(time.Hour)},  // only wildcards
		{ID: "b4", Reason: "r", Match: map[string]string{"event.action": "x"}, ExpiresAt: t0.Add(time.Hour)}, // unknown field
		{ID: "b5", Reason: "r", RuleID: "x"},                                                                 // no expiry
	}
	if errs := p.agg.SetSuppressions(append([]*bianque.Suppression{s}, bad...)); len(errs) != len(bad) {
		t.Fatalf("errors %v", errs)
	}
	p.feed(t, 0, logonFailure("hosp-a", "203.0.113.9", 0))
	p.feed(t, 1, logonFailure("hosp-b", "203.0.113.9", 0)) // other tenant: not suppressed
	p.feed(t, 2, logonFailure("hosp-a", "192.0.2.9", 0))   // outside the network
	if len(p.rec.created) != 2 || p.agg.SuppressedCount("s1") != 1 {
		t.Fatalf("created %d, suppressed %d", len(p.rec.created), p.agg.SuppressedCount("s1"))
	}
	p.clk.Advance(2 * time.Hour) // expired
	p.feed(t, 3, logonFailure("hosp-a", "203.0.113.9", 2*time.Hour))
	if len(p.rec.created) != 3 {
		t.Errorf("an expired suppression still applies")
	}
}

func TestTicketFailureStillPublishes(t *testing.T) {
	rec := &recorder{failT: true}
	agg := NewAggregator(Config{}, testutil.NewFakeClock(t0), rec, rec)
	al := &bianque.Alert{TenantID: "a", Kind: bianque.AlertRule, RuleID: "r", Level: bianque.LevelCritical, Count: 1, FirstSeen: t0, LastSeen: t0}
	out, err := agg.Add(context.Background(), al)
	if err == nil || !strings.Contains(err.Error(), "open ticket") {
		t.Errorf("error %v", err)
	}
	if !out.Created || len(rec.created) != 1 || rec.created[0].TicketID != "" {
		t.Errorf("outcome %+v created %d", out, len(rec.created))
	}
}

func TestFromIndicator(t *testing.T) {
	s, _ := ioc.NewSet([]*bianque.Indicator{{Type: bianque.IndicatorIP, Value: "203.0.113.66", Confidence: 90,
		Tags: []string{"ransomlab", "tlp:amber"}, Source: "isac"}})
	ev := event.FromMap(map[string]any{"source": map[string]any{"ip": "10.0.0.5"}, "destination": map[string]any{"ip": "203.0.113.66", "port": 443}})
	hits := s.Match(ev, t0, nil)
	if len(hits) != 1 {
		t.Fatalf("hits %v", hits)
	}
	a := FromIndicator("hosp-a", ev, t0, hits[0])
	if a.Level != bianque.LevelHigh || a.Category != "ransomware" || a.Victim.IP != "203.0.113.66" || a.Victim.Port != 443 ||
		a.RuleID != "ioc:ip:203.0.113.66" || !strings.Contains(strings.Join(a.Reason, ";"), "destination.ip = 203.0.113.66") {
		t.Errorf("alert %+v", a)
	}
}

func TestCategory(t *testing.T) {
	for _, c := range []struct {
		techs, tactics []string
		want           string
	}{
		{[]string{"T1505.003"}, nil, "webshell"},
		{[]string{"T1059.001", "T1486"}, nil, "ransomware"},
		{[]string{"T1021.002"}, nil, "lateral_movement"},
		{[]string{"T1082"}, []string{"discovery"}, "discovery"},
		{nil, []string{"command-and-control"}, "command_and_control"},
		{nil, nil, ""},
	} {
		if got := Category(c.techs, c.tactics); got != c.want {
			t.Errorf("Category(%v, %v) = %q, want %q", c.techs, c.tactics, got, c.want)
		}
	}
}

// A batch of events: repeats are merged before publishing (one alert with
// the count and the trend of the batch), other keys stay apart, and a
// suppressed candidate is counted, not published.
func TestAddBatch(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	var cands []*bianque.Alert
	for i := range 5 {
		for _, m := range p.eng.Match(logonFailure("hosp-a", "203.0.113.7", time.Duration(i)*40*time.Second), nil) {
			cands = append(cands, FromMatch("hosp-a", m, p.mgr.Decide("hosp-a", m.Rule)))
		}
	}
	for _, ip := range []string{"203.0.113.9", "198.51.100.1"} {
		for _, m := range p.eng.Match(logonFailure("hosp-a", ip, 0), nil) {
			cands = append(cands, FromMatch("hosp-a", m, p.mgr.Decide("hosp-a", m.Rule)))
		}
	}
	sp := &bianque.Suppression{ID: "s1", TenantID: "hosp-a", RuleID: "30000000-0000-0000-0000-000000000001",
		Match: map[string]string{"attacker.ip": "198.51.100.0/24"}, Reason: "scanner", ExpiresAt: t0.Add(time.Hour)}
	p.agg.SetSuppressions([]*bianque.Suppression{sp})
	outs, err := p.agg.AddBatch(ctx, cands)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 3 || outs[0].Suppressed == nil || !outs[1].Created || !outs[2].Created {
		t.Fatalf("outcomes %+v", outs)
	}
	if len(p.rec.created) != 2 || len(p.rec.updated) != 0 || p.agg.SuppressedCount("s1") != 1 {
		t.Fatalf("created %d updated %d suppressed %d", len(p.rec.created), len(p.rec.updated), p.agg.SuppressedCount("s1"))
	}
	a := p.rec.created[0]
	total := 0
	for _, pt := range a.Trend {
		total += pt.Count
	}
	if a.Count != 5 || a.Attacker.IP != "203.0.113.7" || total != 5 || len(a.Trend) != 3 || len(a.Events) != 5 ||
		!a.LastSeen.Equal(t0.Add(160*time.Second)) {
		t.Fatalf("merged alert: count %d trend %v events %d last %s", a.Count, a.Trend, len(a.Events), a.LastSeen)
	}
	// The next batch folds into the open alert.
	var more []*bianque.Alert
	for _, m := range p.eng.Match(logonFailure("hosp-a", "203.0.113.7", 5*time.Minute), nil) {
		more = append(more, FromMatch("hosp-a", m, p.mgr.Decide("hosp-a", m.Rule)))
	}
	if _, err := p.agg.AddBatch(ctx, more); err != nil {
		t.Fatal(err)
	}
	if len(p.rec.updated) != 1 || p.rec.updated[0].Count != 6 || p.rec.updated[0].ID != a.ID {
		t.Fatalf("second batch: %d updates", len(p.rec.updated))
	}
}
