package service_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/discover/capture"
	"bianque/discover/inventory"
	"bianque/discover/ledger"
	"bianque/discover/pipeline"
	"bianque/discover/sample"
	"bianque/discover/sensor"
	"bianque/service"
)

// sensorRun feeds generated hours of the sample network through a sensor
// whose sink is the platform's, as "bianque collect" does at a hospital.
type sensorRun struct {
	t   *testing.T
	f   *fixture
	eng *sensor.Engine
	ctx context.Context
}

func newSensorRun(t *testing.T, f *fixture, disc *service.DiscoveryService, tenantID, who string) *sensorRun {
	t.Helper()
	ctx := f.as(who)
	sink, err := disc.Sink(ctx, tenantID, "collector-icu")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := pipeline.NewEnricher(pipeline.EnrichOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sensor.DefaultConfig()
	cfg.Sink, cfg.Enrich = sink, enr.Enrich
	return &sensorRun{t: t, f: f, eng: sensor.New(cfg), ctx: ctx}
}

// hour replays one hour starting at the fixture's clock, flushes, and
// moves the clock on by an hour.
func (r *sensorRun) hour(opt sample.Options) {
	r.t.Helper()
	opt.Start = r.f.clk.Now()
	b, err := sample.Hour(opt)
	if err != nil {
		r.t.Fatal(err)
	}
	src, err := capture.Open(bytes.NewReader(b))
	if err != nil {
		r.t.Fatal(err)
	}
	for {
		fr, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			r.t.Fatal(err)
		}
		r.eng.Packet(fr.Link, fr.Data, fr.Time)
	}
	if err := r.eng.Flush(r.ctx); err != nil {
		r.t.Fatal(err)
	}
	r.f.clk.Advance(time.Hour)
}

func discoveryFixture(t *testing.T) (*fixture, *service.DiscoveryService, *service.AlertService) {
	f := newFixture(t)
	alerts := service.NewAlertService(f.svc)
	disc, err := service.NewDiscoveryService(f.svc, alerts)
	if err != nil {
		t.Fatal(err)
	}
	return f, disc, alerts
}

func alertsOf(t *testing.T, f *fixture, alerts *service.AlertService) []*bianque.Alert {
	t.Helper()
	list, _, err := alerts.Alerts(f.as("analyst"), bianque.AlertFilter{TenantIDs: []string{f.a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestAnomalyToThreatTicket is R11.3 end to end on SQLite with a fake
// clock: traffic of the sample hospital is replayed through a sensor into
// the platform hour by hour; nothing is raised while devices learn or
// behave as learnt; an infusion pump's first connection to an unknown
// internet host raises one critical alert (not one per anomaly of that
// flow) and a major threat ticket; the same destination under another name
// folds into that alert; a restart keeps what was learnt.
func TestAnomalyToThreatTicket(t *testing.T) {
	f, disc, alerts := discoveryFixture(t)
	ctx := f.as("hospital_admin")
	st, err := disc.Settings(ctx, f.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.LearningHours = 3
	st.SiteMap = sample.SiteMap()
	if _, _, err := disc.UpdateSettings(ctx, f.a.ID, st); err != nil {
		t.Fatal(err)
	}
	run := newSensorRun(t, f, disc, f.a.ID, "service_manager")
	for h := 0; h < 5; h++ { // 3 hours of learning, then 2 as learnt
		run.hour(sample.Options{})
		if got := alertsOf(t, f, alerts); len(got) > 0 {
			t.Fatalf("hour %d: alerts while learning or behaving as learnt: %+v", h, got[0])
		}
	}
	recs, _, err := disc.Anomalies(ctx, f.a.ID, ledger.AnomalyFilter{})
	if err != nil || len(recs) != 0 {
		t.Fatalf("anomalies in steady traffic: %v %v", recs, err)
	}
	run.hour(sample.Options{NewInternetDestination: "telemetry.example.net"})
	got := alertsOf(t, f, alerts)
	if len(got) != 1 {
		for _, a := range got {
			t.Logf("alert %s %s %s -> %s", a.RuleID, a.Level, a.Victim.IP, a.Attacker.IP)
		}
		t.Fatalf("%d alerts for one new internet connection, want 1", len(got))
	}
	al := got[0]
	if al.RuleID != "discover.new_internet_destination" || al.Level != bianque.LevelCritical || al.Victim.IP != sample.Pump1 ||
		al.Attacker.IP != sample.UnknownServer || al.Attacker.Host != "telemetry.example.net" || al.Count != 1 || al.TicketID == "" {
		t.Fatalf("alert %+v", al)
	}
	if len(al.Reason) < 3 || !strings.Contains(al.Reason[0], "telemetry.example.net") {
		t.Errorf("the flow's other departures should be reasons of the one alert: %v", al.Reason)
	}
	tk, err := f.svc.Tickets.Ticket(f.as("analyst"), f.a.ID, al.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Type != bianque.TicketThreat || tk.Severity != bianque.SeverityMajor || tk.Source != "alert:"+al.ID ||
		!strings.Contains(tk.Title, "new internet destination") {
		t.Fatalf("threat ticket %+v", tk)
	}
	recs, _, err = disc.Anomalies(ctx, f.a.ID, ledger.AnomalyFilter{Device: sample.Pump1})
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, r := range recs {
		kinds = append(kinds, r.Kind)
		if r.AlertID != al.ID || r.TicketID != al.TicketID {
			t.Errorf("anomaly record %+v not tied to the alert", r)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"new_internet_destination", "new_peer", "new_port", "new_protocol"}) {
		t.Errorf("anomaly records %v", kinds)
	}

	// The same traffic again is known now.
	run.hour(sample.Options{NewInternetDestination: "telemetry.example.net"})
	if got = alertsOf(t, f, alerts); len(got) != 1 || got[0].Count != 1 {
		t.Fatalf("repeat of learnt traffic: %d alerts, count %d", len(got), got[0].Count)
	}

	// A restart: a new service over the same store, a new sensor. What was
	// learnt holds; the same host under another name is a new destination
	// and folds into the open alert (same rule, device and peer).
	disc2, err := service.NewDiscoveryService(f.svc, alerts)
	if err != nil {
		t.Fatal(err)
	}
	run2 := newSensorRun(t, f, disc2, f.a.ID, "service_manager")
	run2.hour(sample.Options{NewInternetDestination: "cdn.example.net"})
	got = alertsOf(t, f, alerts)
	if len(got) != 1 || got[0].ID != al.ID || got[0].Count != 2 || !slices.ContainsFunc(got[0].Reason, func(r string) bool { return strings.Contains(r, "cdn.example.net") }) {
		t.Fatalf("after a restart, the same peer under a new name: %d alerts %+v", len(got), got)
	}
	recs2, _, err := disc2.Anomalies(ctx, f.a.ID, ledger.AnomalyFilter{Device: sample.Pump1})
	if err != nil || len(recs2) != len(recs)+1 || recs2[0].Kind != "new_internet_destination" || recs2[0].AlertID != al.ID {
		t.Fatalf("anomalies after the restart: %d (was %d) %v", len(recs2), len(recs), err)
	}
	run2.hour(sample.Options{})
	ts, _, err := f.svc.Tickets.Tickets(f.as("analyst"), bianque.TicketFilter{TenantIDs: []string{f.a.ID}, Types: []bianque.TicketType{bianque.TicketThreat}})
	if err != nil {
		t.Fatal(err)
	}
	threat := 0
	for _, x := range ts {
		if strings.HasPrefix(x.Source, "alert:") {
			threat++
		}
	}
	if got = alertsOf(t, f, alerts); len(got) != 1 || threat != 1 {
		t.Fatalf("%d alerts, %d threat tickets from alerts; want 1 and 1", len(got), threat)
	}

	// An analyst marks the alert a false positive for this device: the
	// next departure of its kind is kept as a record, suppressed, with no
	// alert or ticket.
	cur := alertsOf(t, f, alerts)[0]
	if _, err := alerts.MarkFalsePositive(f.as("analyst"), f.a.ID, cur.ID, cur.Version, service.FalsePositive{
		Fields: []string{"victim.ip"}, For: 30 * 24 * time.Hour, Reason: "vendor telemetry, agreed with clinical engineering"}); err != nil {
		t.Fatal(err)
	}
	run3 := newSensorRun(t, f, disc2, f.a.ID, "service_manager") // a sensor that knows no name for the host yet
	run3.hour(sample.Options{NewInternetDestination: "cdn2.example.net"})
	got = alertsOf(t, f, alerts)
	if len(got) != 1 || got[0].Count != 2 || got[0].Status != bianque.AlertFalsePositive {
		t.Fatalf("after the suppression: %d alerts %+v", len(got), got[0])
	}
	recs3, _, err := disc2.Anomalies(ctx, f.a.ID, ledger.AnomalyFilter{Device: sample.Pump1, Page: bianque.Page{Limit: 1}})
	if err != nil || len(recs3) != 1 || recs3[0].SuppressedBy == "" || recs3[0].AlertID != "" || !strings.Contains(recs3[0].Detail, "cdn2") {
		t.Fatalf("suppressed anomaly %+v %v", recs3, err)
	}

	// The inventory lists the pump above the acceptable risk, first.
	pg, err := disc.Inventory(ctx, inventory.Filter{TenantID: f.a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Total < 10 || !pg.Items[0].Risk.Above || !pg.Items[0].LifeSupporting {
		t.Fatalf("inventory: %d devices, first %+v", pg.Total, pg.Items[0])
	}
}

// The clinical risk takes the CVSS of the findings the vulnerability side
// recorded for the device's asset (R9.3): a critical finding on the CT
// moves it above the acceptable risk, first in the inventory.
func TestDeviceRiskFromFindings(t *testing.T) {
	f, disc, _ := discoveryFixture(t)
	run := newSensorRun(t, f, disc, f.a.ID, "service_manager")
	run.hour(sample.Options{})
	ctx := f.as("hospital_admin")
	find := func() *inventory.Item {
		t.Helper()
		pg, err := disc.Inventory(ctx, inventory.Filter{TenantID: f.a.ID, DeviceType: "ct"})
		if err != nil || len(pg.Items) != 1 {
			t.Fatalf("CT in the inventory: %v %v", pg, err)
		}
		return pg.Items[0]
	}
	before := find()
	if before.Risk.Above || before.Risk.CVSS != 0 {
		t.Fatalf("CT before any finding: %+v", before.Risk)
	}
	findings := service.NewFindingService(f.svc, nil, nil)
	if _, err := findings.Ingest(f.as("analyst"), f.a.ID, []*bianque.Finding{{Title: "SMBv1 remote code execution", Severity: bianque.VulnCritical,
		CVSSScore: 9.8, CVEs: []string{"CVE-2017-0144"}, Scanner: "import", PluginID: "ms17-010", Host: sample.CT, Port: 445, Protocol: "tcp", Count: 1}}); err != nil {
		t.Fatal(err)
	}
	after := find()
	if !after.Risk.Above || after.Risk.CVSS != 9.8 || after.Risk.Findings != 1 || after.Risk.Score <= before.Risk.Score {
		t.Fatalf("CT after a critical finding: %+v (before %+v)", after.Risk, before.Risk)
	}
	pg, err := disc.Inventory(ctx, inventory.Filter{TenantID: f.a.ID})
	if err != nil || pg.Items[0].Risk.Score < after.Risk.Score {
		t.Fatalf("highest risk not first: %+v", pg.Items[0])
	}
	d, err := disc.Device(ctx, f.a.ID, sample.CT)
	if err != nil || len(d.Findings) != 1 || d.Findings[0].CVSS != 9.8 {
		t.Fatalf("device page findings %+v %v", d, err)
	}
	// Another hospital sees nothing of it.
	if _, err := disc.Device(f.as("b-admin"), f.a.ID, sample.CT); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("foreign read: %v", err)
	}
}
