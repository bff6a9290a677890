package detector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/detect/alert"
	"bianque/detect/detector"
	"bianque/detect/ruleset"
	"bianque/event"
	"bianque/ingest"
	"bianque/ingest/server"
	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
	"bianque/pipeline"
	"bianque/queue"
	"bianque/service"
	"bianque/sqlite"
)

var _ pipeline.Detector = (*detector.Detector)(nil)

const e2eRules = `title: Failed logon to a hospital server
id: 80000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4625
        LogonType: [3, 10]
    condition: selection
level: high
tags: [attack.credential-access, attack.t1110.001]
---
title: Whoami run from a document viewer
id: 80000000-0000-0000-0000-000000000002
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\whoami.exe'
        ParentImage|endswith: '\AcroRd32.exe'
    condition: selection
level: critical
tags: [attack.discovery, attack.t1033]
`

// eventSink stands in for the platform's event store (not part of this
// build): the pipeline appends every parsed event here before detection.
type eventSink struct {
	mu     sync.Mutex
	events map[string]*event.Event
	dead   []*bianque.DeadLetter
}

func (s *eventSink) AppendEvents(_ context.Context, _ string, evs []*event.Event) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range evs {
		s.events[e.Str(event.EventID)] = e
	}
	return len(evs), nil
}

func (s *eventSink) AppendDeadLetters(_ context.Context, dls []*bianque.DeadLetter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = append(s.dead, dls...)
	return nil
}

// The acceptance of detection in the event path: raw events as forwarders
// send them (Windows event XML from Windows Event Forwarding, the EVTX JSON
// shape, an ECS document) go through the ingestion pipeline — queue, the
// platform's parser, enrichment, event sink — into the detection stage,
// become alerts folded in the store, and open threat tickets whose SLA
// clocks run; the indicator in an ECS event raises its own alert.
func TestPipelineToTicket(t *testing.T) {
	ctx := context.Background()
	clk := testutil.NewFakeClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bianque.db"), sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opts := service.Options{Clock: clk}
	svcs := service.New(st, opts)
	if _, _, err := service.Bootstrap(ctx, st, opts, "root"); err != nil {
		t.Fatal(err)
	}
	root, _ := st.UserByUsername(ctx, "root")
	tn := &bianque.Tenant{Code: "hosp-e2e", Name: "E2E Hospital"}
	if err := svcs.Tenants.CreateTenant(bianque.NewContextWithPrincipal(ctx, root.Principal()), tn); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(e2eRules), 0o644); err != nil {
		t.Fatal(err)
	}
	alerts := service.NewAlertService(svcs)
	det, err := detector.New(detector.Config{Sources: []ruleset.Source{{Path: dir}}, Store: st, Tickets: alerts, Clock: clk,
		Alerts: alert.Config{Window: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if err := det.Start(ctx); err != nil {
		t.Fatal(err)
	}
	alerts.Detection = det
	if _, err := st.UpsertIndicators(ctx, []*bianque.Indicator{{Type: bianque.IndicatorDomain, Value: "c2.badupdate.example", Confidence: 90,
		Source: "provider", Tags: []string{"apt-hospital"}}}); err != nil {
		t.Fatal(err)
	}
	if err := det.Refresh(ctx); err != nil {
		t.Fatal(err)
	}

	q, err := queue.OpenLocal(t.TempDir(), queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	sink := &eventSink{events: map[string]*event.Event{}}
	p, err := pipeline.New(pipeline.Config{Queue: q, Parser: server.ParseStage{Parser: std.NewParser(parse.Options{Clock: clk})}, Sink: sink,
		DeadLetters: sink, Detector: det, Enrichers: []pipeline.Enricher{&pipeline.TenantEnricher{Tenants: st}}, Clock: clk, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	failed := func(at string) string {
		return `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/>` +
			`<EventID>4625</EventID><TimeCreated SystemTime="` + at + `"/><Channel>Security</Channel><Computer>his-db01.hospital.local</Computer></System>` +
			`<EventData><Data Name="TargetUserName">administrator</Data><Data Name="LogonType">3</Data><Data Name="WorkstationName">KALI</Data>` +
			`<Data Name="IpAddress">203.0.113.7</Data><Data Name="IpPort">51515</Data></EventData></Event>`
	}
	var recs []ingest.Raw
	for i, at := range []string{"2026-03-02T09:58:00.000Z", "2026-03-02T09:58:40.000Z", "2026-03-02T09:59:20.000Z"} {
		recs = append(recs, ingest.Raw{ID: "wef-" + string(rune('a'+i)), TenantID: tn.ID, ComponentID: "wec01", Received: clk.Now(),
			Transport: "tcp", Peer: "10.1.0.20:5985", Data: []byte(failed(at))})
	}
	recs = append(recs,
		ingest.Raw{ID: "evtx-1", TenantID: tn.ID, ComponentID: "agent-7", Received: clk.Now(), Transport: "https", Peer: "10.20.7.3:50000",
			Data: []byte(`{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ward-pc7",` +
				`"TimeCreated":{"SystemTime":"2026-03-02T09:59:30Z"}},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe",` +
				`"ParentImage":"C:\\Program Files\\Adobe\\Acrobat Reader\\AcroRd32.exe","CommandLine":"whoami /all","User":"WARD\\nurse"}}}`)},
		ingest.Raw{ID: "ecs-1", TenantID: tn.ID, ComponentID: "dns-sensor", Received: clk.Now(), Transport: "https", Peer: "10.0.0.53:50000",
			Data: []byte(`{"@timestamp":"2026-03-02T09:59:40Z","event":{"category":["network"],"dataset":"dns"},"source":{"ip":"10.20.7.3"},` +
				`"destination":{"ip":"10.0.0.53"},"dns":{"question":{"name":"c2.badupdate.example"}},"host":{"name":"ward-pc7"}}`)},
	)
	if err := (&ingest.QueueSink{Queue: q}).Submit(ctx, recs); err != nil {
		t.Fatal(err)
	}

	// Wait for the pipeline: five events stored, three alerts.
	deadline := time.Now().Add(30 * time.Second)
	var list []*bianque.Alert
	for {
		list, _, err = st.Alerts(ctx, bianque.AlertFilter{TenantIDs: []string{tn.ID}})
		if err != nil {
			t.Fatal(err)
		}
		sink.mu.Lock()
		stored, dead := len(sink.events), len(sink.dead)
		sink.mu.Unlock()
		ticketed := 0
		for _, a := range list {
			if a.TicketID != "" {
				ticketed++
			}
		}
		if ticketed >= 3 && stored == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d events stored, %d dead letters, %d alerts", stored, dead, len(list))
		}
		time.Sleep(20 * time.Millisecond)
	}
	by := map[string]*bianque.Alert{}
	for _, a := range list {
		by[a.RuleID] = a
	}
	logon := by["80000000-0000-0000-0000-000000000001"]
	if logon == nil || logon.Count != 3 || logon.Attacker.IP != "203.0.113.7" || logon.Victim.Host != "his-db01.hospital.local" ||
		logon.Level != bianque.LevelHigh || logon.Category != "brute_force" || logon.TicketID == "" || len(logon.Trend) != 2 {
		t.Fatalf("failed-logon alert %s", brief(logon))
	}
	proc := by["80000000-0000-0000-0000-000000000002"]
	if proc == nil || proc.Level != bianque.LevelCritical || proc.Victim.Host != "ward-pc7" || proc.TicketID == "" {
		t.Fatalf("process alert %s", brief(proc))
	}
	ioc := by["ioc:domain:c2.badupdate.example"]
	if ioc == nil || ioc.Kind != bianque.AlertIndicator || ioc.Attacker.IP != "10.20.7.3" || ioc.Level != bianque.LevelHigh || ioc.TicketID == "" {
		t.Fatalf("indicator alert %s", brief(ioc))
	}

	// The threat tickets: open, their source the alert, the SLA clocks running.
	analyst := &bianque.User{Username: "analyst", Role: bianque.RoleAnalyst, Tenants: []string{tn.ID}}
	if err := svcs.Users.CreateUser(bianque.NewContextWithPrincipal(ctx, root.Principal()), analyst, "Correct-Horse-9"); err != nil {
		t.Fatal(err)
	}
	actx := bianque.NewContextWithPrincipal(ctx, analyst.Principal())
	for _, a := range []*bianque.Alert{logon, proc, ioc} {
		tk, err := svcs.Tickets.Ticket(actx, tn.ID, a.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Type != bianque.TicketThreat || tk.State != bianque.StateNew || tk.Source != "alert:"+a.ID {
			t.Fatalf("ticket of %s: %+v", a.RuleID, tk)
		}
		clk.Advance(time.Minute)
		clocks, err := svcs.Tickets.SLA(actx, tn.ID, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		running := false
		for _, c := range clocks {
			if c.Metric == bianque.MetricAcknowledge && c.Status == "running" && c.Due != nil && time.Duration(c.Elapsed) > 0 {
				running = true
			}
		}
		if !running {
			t.Fatalf("ticket of %s: no running acknowledgement clock: %+v", a.RuleID, clocks)
		}
	}
	if tk, _ := svcs.Tickets.Ticket(actx, tn.ID, proc.TicketID); tk.Severity != bianque.SeverityMajor {
		t.Fatalf("a critical alert's ticket is %s, want major", tk.Severity)
	}
}

func brief(a *bianque.Alert) string {
	if a == nil {
		return "none"
	}
	return fmt.Sprintf("%s %s level %s count %d attacker %+v victim %+v category %s ticket %q trend %v", a.Kind, a.RuleID, a.Level, a.Count,
		a.Attacker, a.Victim, a.Category, a.TicketID, a.Trend)
}
