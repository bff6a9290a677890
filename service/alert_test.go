package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/detect"
	"bianque/detect/alert"
	"bianque/detect/ruleset"
	"bianque/detect/sigma"
	"bianque/event"
	"bianque/service"
)

// The alert service is what the detection pipeline publishes to.
var (
	_ alert.Sink         = (*service.AlertService)(nil)
	_ alert.TicketOpener = (*service.AlertService)(nil)
)

const bruteForceRules = `title: Failed logon
id: 40000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
level: high
tags: [attack.t1110.001]
`

// detection is the pipeline of detect over the service: engine, tenant
// policy, aggregation into alerts, tickets.
type detection struct {
	eng *detect.Engine
	mgr *ruleset.Manager
	agg *alert.Aggregator
	svc *service.AlertService
}

func newDetection(t *testing.T, f *fixture) *detection {
	t.Helper()
	rules, errs := sigma.Parse("rules.yml", []byte(bruteForceRules))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d := &detection{eng: detect.New(detect.Options{Clock: f.clk}), svc: service.NewAlertService(f.svc)}
	d.mgr = ruleset.New(d.eng, f.clk)
	if e := d.mgr.SetBase(rules, nil); len(e) > 0 {
		t.Fatal(e)
	}
	d.agg = alert.NewAggregator(alert.Config{Window: 10 * time.Minute}, f.clk, d.svc, d.svc)
	return d
}

func (d *detection) feed(t *testing.T, ev *event.Event) []alert.Outcome {
	t.Helper()
	var out []alert.Outcome
	tenant := alert.Tenant(ev)
	for _, m := range d.eng.Match(ev, nil) {
		dec := d.mgr.Decide(tenant, m.Rule)
		if !dec.Enabled {
			continue
		}
		o, err := d.agg.Add(context.Background(), alert.FromMatch(tenant, m, dec))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

func logonFailure(tenant, ip string, at time.Time) *event.Event {
	return event.FromMap(map[string]any{
		"organization": map[string]any{"id": tenant},
		"Event": map[string]any{
			"System": map[string]any{"Channel": "Security", "EventID": "4625", "Computer": "his-db01",
				"TimeCreated": map[string]any{"SystemTime": at.UTC().Format(time.RFC3339Nano)}},
			"EventData": map[string]any{"IpAddress": ip, "TargetUserName": "administrator"},
		},
	})
}

func TestAlertPipeline(t *testing.T) {
	f := newFixture(t)
	d := newDetection(t, f)
	now := f.clk.Now()

	// Three failures from one address: one alert (persisted, with a threat
	// ticket), counted three times.
	for i := range 3 {
		d.feed(t, logonFailure(f.a.ID, "203.0.113.7", now.Add(time.Duration(i)*time.Minute)))
	}
	analyst := f.as("analyst")
	list, _, err := d.svc.Alerts(analyst, bianque.AlertFilter{TenantIDs: []string{f.a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d alerts stored, want 1", len(list))
	}
	a := list[0]
	if a.Count != 3 || a.Level != bianque.LevelHigh || a.Attacker.IP != "203.0.113.7" || a.Victim.Host != "his-db01" ||
		a.Category != "brute_force" || a.TicketID == "" || len(a.Events) != 3 {
		t.Fatalf("stored alert %+v", a)
	}
	tk, err := f.svc.Tickets.Ticket(analyst, f.a.ID, a.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Type != bianque.TicketThreat || tk.Source != "alert:"+a.ID || !strings.Contains(tk.Title, "Failed logon") || tk.State != bianque.StateNew {
		t.Fatalf("threat ticket %+v", tk)
	}

	// Tenant scoping: B's administrator sees none of A's alerts; a hospital
	// viewer may read but not triage.
	if _, err := d.svc.Alert(f.as("b-admin"), f.a.ID, a.ID); bianque.ErrorCode(err) != bianque.EFORBIDDEN && bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Errorf("B reads A's alert: %v", err)
	}
	if _, err := d.svc.Alert(f.as("hospital_viewer"), f.a.ID, a.ID); err != nil {
		t.Errorf("viewer of A: %v", err)
	}
	if _, err := d.svc.SetAlertStatus(f.as("hospital_viewer"), f.a.ID, a.ID, a.Version, bianque.AlertAcknowledged); bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Errorf("viewer triages: %v", err)
	}

	// The analyst acknowledges; a repeat found later keeps that status.
	a, err = d.svc.SetAlertStatus(analyst, f.a.ID, a.ID, a.Version, bianque.AlertAcknowledged)
	if err != nil {
		t.Fatal(err)
	}
	d.feed(t, logonFailure(f.a.ID, "203.0.113.7", now.Add(4*time.Minute)))
	a, err = d.svc.Alert(analyst, f.a.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Count != 4 || a.Status != bianque.AlertAcknowledged {
		t.Fatalf("after a repeat: count %d status %s", a.Count, a.Status)
	}

	// False positive: the scanner's address is suppressed for a week.
	sp, err := d.svc.MarkFalsePositive(analyst, f.a.ID, a.ID, a.Version, service.FalsePositive{
		Fields: []string{"attacker.ip"}, For: 7 * 24 * time.Hour, Reason: "the hospital's vulnerability scanner"})
	if err != nil {
		t.Fatal(err)
	}
	if sp.RuleID != a.RuleID || sp.Match["attacker.ip"] != "203.0.113.7" || !sp.ExpiresAt.Equal(f.clk.Now().Add(7*24*time.Hour)) ||
		sp.CreatedBy != "analyst" {
		t.Fatalf("suppression %+v", sp)
	}
	if _, err := d.svc.MarkFalsePositive(analyst, f.a.ID, a.ID, a.Version+1, service.FalsePositive{For: time.Hour, Reason: "x", Fields: []string{"victim.ip"}}); err == nil {
		t.Error("suppressing on a field the alert does not have was accepted")
	}
	active, err := d.svc.ActiveSuppressions(context.Background())
	if err != nil || len(active) != 1 {
		t.Fatalf("active suppressions %v %v", active, err)
	}
	if errs := d.agg.SetSuppressions(active); len(errs) > 0 {
		t.Fatal(errs)
	}
	f.clk.Advance(time.Hour)
	out := d.feed(t, logonFailure(f.a.ID, "203.0.113.7", f.clk.Now()))
	if len(out) != 1 || out[0].Suppressed == nil || d.agg.SuppressedCount(sp.ID) != 1 {
		t.Fatalf("repeat after the false positive: %+v", out)
	}
	// Another source still raises an alert.
	out = d.feed(t, logonFailure(f.a.ID, "198.51.100.3", f.clk.Now()))
	if len(out) != 1 || !out[0].Created {
		t.Fatalf("another source: %+v", out)
	}
	// After the suppression expires, the scanner raises alerts again.
	f.clk.Advance(8 * 24 * time.Hour)
	out = d.feed(t, logonFailure(f.a.ID, "203.0.113.7", f.clk.Now()))
	if len(out) != 1 || out[0].Suppressed != nil {
		t.Fatalf("after expiry: %+v", out)
	}

	// The triage is in the audit trail.
	entries, _, err := f.svc.Audit.AuditEntries(f.as("service_manager"), bianque.AuditFilter{TenantID: f.a.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"ticket.create", "alert.status", "alert.false_positive"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}
