package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/internal/testutil"
	"bianque/postgres"
	"bianque/service"
	"bianque/sqlite"
	"bianque/storetest"
)

// TestEventRetention runs the retention job under a fake clock on both
// stores: it drops exactly the partitions past each tenant's retention, and
// records what it dropped in each tenant's audit chain.
func TestEventRetention(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(t *testing.T, clk bianque.Clock) bianque.Store
	}{
		{"sqlite", func(t *testing.T, clk bianque.Clock) bianque.Store {
			return storetest.NewSQLite(t, sqlite.WithClock(clk))
		}},
		{"postgres", func(t *testing.T, clk bianque.Clock) bianque.Store {
			return storetest.NewPostgres(t, postgres.WithClock(clk))
		}},
	} {
		t.Run(c.name, func(t *testing.T) { testEventRetention(t, c.open) })
	}
}

func testEventRetention(t *testing.T, open func(t *testing.T, clk bianque.Clock) bianque.Store) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clk := testutil.NewFakeClock(now)
	st := open(t, clk)
	es := st.(bianque.EventStore)
	svc := service.New(st, service.Options{Clock: clk, Argon2: cheap})
	events := service.NewEventService(svc)

	a := &bianque.Tenant{Code: "ret-a", Name: "A", Contract: bianque.DefaultContract(), RetentionDays: 30}
	b := &bianque.Tenant{Code: "ret-b", Name: "B", Contract: bianque.DefaultContract()} // default: 180 days
	c := &bianque.Tenant{Code: "ret-c", Name: "C", Contract: bianque.DefaultContract()}
	for _, tn := range []*bianque.Tenant{a, b, c} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	add := func(tn *bianque.Tenant, at time.Time, n int) {
		t.Helper()
		var evs []*event.Event
		for i := range n {
			e := event.New(4)
			e.Set(event.EventID, fmt.Sprintf("%s-%d-%d", tn.Code, at.UnixNano(), i))
			e.SetTimestamp(at.Add(time.Duration(i) * time.Second))
			evs = append(evs, e)
		}
		if _, err := es.AppendEvents(ctx, tn.ID, evs); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	add(a, now.Add(-40*day), 3) // 2026-01-21: dropped
	add(a, now.Add(-31*day), 2) // 2026-01-30: dropped
	add(a, now.Add(-30*day), 4) // 2026-01-31: kept (some of its events are within 30 days)
	add(a, now.Add(-29*day), 1)
	add(a, now, 5)
	add(b, now.Add(-181*day), 6) // 2025-09-02: dropped
	add(b, now.Add(-179*day), 1)
	add(c, now.Add(-10*day), 1)

	runner := &service.JobRunner{Store: st.(bianque.JobRunStore), Locker: &service.LocalLocker{}, Clock: clk}
	if err := runner.Add(service.Job{Name: "event.retention", Every: time.Hour, Run: events.EnforceRetention}); err != nil {
		t.Fatal(err)
	}
	days := func(tn *bianque.Tenant) []string {
		t.Helper()
		parts, err := es.EventPartitions(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range parts {
			out = append(out, fmt.Sprintf("%s=%d", p.Day.Format(time.DateOnly), p.Events))
		}
		return out
	}
	type dropped struct {
		RetentionDays int    `json:"retention_days"`
		Before        string `json:"before"`
		Partitions    []struct {
			Day    string `json:"day"`
			Events int64  `json:"events"`
		} `json:"partitions"`
		Events int64 `json:"events"`
	}
	audits := func(tn *bianque.Tenant) []dropped {
		t.Helper()
		entries, _, err := st.AuditEntries(ctx, bianque.AuditFilter{TenantID: tn.ID, Action: "event.retention"})
		if err != nil {
			t.Fatal(err)
		}
		var out []dropped
		for _, e := range entries {
			if e.ActorName != "system" {
				t.Fatalf("retention audited as %q", e.ActorName)
			}
			var d dropped
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				t.Fatalf("audit detail %q: %v", e.Detail, err)
			}
			out = append(out, d)
		}
		return out
	}

	ran, err := runner.RunDue(ctx)
	if err != nil || !slices.Equal(ran, []string{"event.retention"}) {
		t.Fatalf("run: %v, %v", ran, err)
	}
	if got, want := days(a), []string{"2026-01-31=4", "2026-02-01=1", "2026-03-02=5"}; !slices.Equal(got, want) {
		t.Fatalf("A keeps %v, want %v", got, want)
	}
	if got, want := days(b), []string{"2025-09-04=1"}; !slices.Equal(got, want) {
		t.Fatalf("B keeps %v, want %v", got, want)
	}
	if got := days(c); len(got) != 1 {
		t.Fatalf("C keeps %v", got)
	}
	au := audits(a)
	if len(au) != 1 || au[0].RetentionDays != 30 || au[0].Before != "2026-01-31" || au[0].Events != 5 || len(au[0].Partitions) != 2 ||
		au[0].Partitions[0].Day != "2026-01-21" || au[0].Partitions[0].Events != 3 ||
		au[0].Partitions[1].Day != "2026-01-30" || au[0].Partitions[1].Events != 2 {
		t.Fatalf("A's audit: %+v", au)
	}
	if bu := audits(b); len(bu) != 1 || bu[0].RetentionDays != 180 || bu[0].Events != 6 || bu[0].Partitions[0].Day != "2025-09-02" {
		t.Fatalf("B's audit: %+v", bu)
	}
	if cu := audits(c); len(cu) != 0 {
		t.Fatalf("C's audit: %+v; nothing was dropped", cu)
	}
	for _, tn := range []*bianque.Tenant{a, b, c} {
		if p := verifyChain(t, st, tn.ID); p != "" {
			t.Fatalf("chain of %s: %s", tn.Code, p)
		}
	}

	// Within the period nothing runs; a day later A's next day expires.
	clk.Advance(30 * time.Minute)
	if ran, _ := runner.RunDue(ctx); len(ran) != 0 {
		t.Fatalf("ran %v within the period", ran)
	}
	clk.Advance(day)
	if _, err := runner.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := days(a), []string{"2026-02-01=1", "2026-03-02=5"}; !slices.Equal(got, want) {
		t.Fatalf("A keeps %v a day later, want %v", got, want)
	}
	if au := audits(a); len(au) != 2 || au[0].Partitions[0].Day != "2026-01-31" || au[0].Events != 4 {
		t.Fatalf("A's audit a day later: %+v", au)
	}
}

func verifyChain(t *testing.T, st bianque.Store, tenantID string) string {
	t.Helper()
	var entries []*bianque.AuditEntry
	if err := st.ScanAudit(context.Background(), tenantID, func(e *bianque.AuditEntry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	heads, err := st.AuditHeads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heads {
		if h.TenantID == tenantID {
			if p := bianque.VerifyAuditChain(h, entries); len(p) != 0 {
				return fmt.Sprint(p)
			}
		}
	}
	return ""
}

// TestEventSearchAuthorization: event.read per tenant, invisible tenants
// are ENOTFOUND, searches by provider staff are audited in the tenant's chain.
func TestEventSearchAuthorization(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	es := f.st.(bianque.EventStore)
	for _, tn := range []*bianque.Tenant{f.a, f.b} {
		evs := storetest.FortiGateEvents(t, tn.ID, monday10.Add(-time.Hour), 20)
		if _, err := es.AppendEvents(ctx, tn.ID, evs); err != nil {
			t.Fatal(err)
		}
	}
	svc := service.NewEventService(f.svc)
	// A hospital engineer of A: A's events, with or without naming the tenant.
	for _, q := range []bianque.EventQuery{{}, {TenantIDs: []string{f.a.ID}}} {
		p, err := svc.SearchEvents(f.as(string(bianque.RoleHospitalEngineer)), q)
		if err != nil || len(p.Events) != 20 {
			t.Fatalf("engineer of A: %v, %v", p, err)
		}
		for _, e := range p.Events {
			if e.TenantID != f.a.ID {
				t.Fatalf("engineer of A sees an event of %s", e.TenantID)
			}
		}
	}
	_, err := svc.SearchEvents(f.as(string(bianque.RoleHospitalEngineer)), bianque.EventQuery{TenantIDs: []string{f.b.ID}})
	if bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("engineer of A searching B: %v", err)
	}
	p, _ := svc.SearchEvents(f.as("b-admin"), bianque.EventQuery{})
	ref := p.Events[0].Ref
	if _, err := svc.Event(f.as(string(bianque.RoleHospitalEngineer)), f.b.ID, ref); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("engineer of A reading B's event: %v", err)
	}
	if _, err := svc.Event(f.as("b-admin"), f.b.ID, ref); err != nil {
		t.Fatal(err)
	}
	// A viewer (no event.read) and the platform administrator read no events.
	if _, err := svc.SearchEvents(f.as(string(bianque.RoleHospitalViewer)), bianque.EventQuery{}); bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Fatalf("viewer: %v", err)
	}
	if _, err := svc.SearchEvents(f.as(string(bianque.RolePlatformAdmin)), bianque.EventQuery{TenantIDs: []string{f.a.ID}}); err == nil {
		t.Fatal("the platform administrator searched events")
	}
	// Provider staff: allowed in A, audited there.
	before := len(f.auditEntries(f.a.ID))
	p, err = svc.SearchEvents(f.as(string(bianque.RoleAnalyst)), bianque.EventQuery{Text: "FGT60F", Limit: 5})
	if err != nil || len(p.Events) != 5 {
		t.Fatalf("analyst: %v, %v", p, err)
	}
	if _, err := svc.Event(f.as(string(bianque.RoleAnalyst)), f.a.ID, p.Events[0].Ref); err != nil {
		t.Fatal(err)
	}
	entries := f.auditEntries(f.a.ID)
	if len(entries) != before+2 || entries[before].Action != "event.search" || entries[before+1].Action != "event.read" || entries[before].ActorName != "analyst" {
		t.Fatalf("audit of the analyst's reads: %d new entries", len(entries)-before)
	}
	if _, err := svc.SearchEvents(f.as(string(bianque.RoleHospitalEngineer)), bianque.EventQuery{Cursor: "bad"}); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("bad cursor: %v", err)
	}
}
