package service_test

import (
	"context"
	"testing"
	"time"

	"bianque"
	"bianque/service"
)

func TestFindingIngestTicketLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pacs := &bianque.Asset{TenantID: f.a.ID, Name: "PACS server", Kind: bianque.AssetServer, Importance: 5, IPs: []string{"10.1.0.20"}}
	if err := f.svc.Assets.CreateAsset(f.as("service_manager"), pacs); err != nil {
		t.Fatal(err)
	}
	var probePresent bool
	fsvc := service.NewFindingService(f.svc, nil, func(ctx context.Context, fd *bianque.Finding) (bool, string, error) {
		return probePresent, "probe said so", nil
	})
	report := []*bianque.Finding{{
		Title: "Apache HTTP Server 2.4.49 path traversal", Severity: bianque.VulnHigh, CVSSScore: 7.5, KEV: true, CVEs: []string{"CVE-2021-41773"},
		Scanner: "nessus", PluginID: "153584", Count: 2,
		Locations: []bianque.Location{{Protocol: "tcp", Host: "10.1.0.20", Port: 443}, {Protocol: "tcp", Host: "10.1.0.21", Port: 443}},
	}}
	res, err := fsvc.Ingest(f.as("analyst"), f.a.ID, report)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Tickets != 2 {
		t.Fatalf("ingest %+v", res)
	}
	list, _, err := fsvc.Findings(f.as("analyst"), bianque.FindingFilter{TenantIDs: []string{f.a.ID}, Host: "10.1.0.20"})
	if err != nil || len(list) != 1 {
		t.Fatalf("findings %v %v", list, err)
	}
	fd := list[0]
	// KEV on an importance-5 asset: 7.5 × 1.4 × 1.6 = 16.8 → P1, a major ticket due in 15 days.
	if fd.AssetID != pacs.ID || fd.Priority != "P1" || fd.TicketID == "" || fd.DueAt == nil || !fd.DueAt.Equal(monday10.Add(15*24*time.Hour)) {
		t.Fatalf("finding %+v", fd)
	}
	tk, err := f.svc.Tickets.Ticket(f.as("analyst"), f.a.ID, fd.TicketID)
	if err != nil || tk.Type != bianque.TicketVulnerability || tk.Severity != bianque.SeverityMajor || tk.Source != "finding:"+fd.ID {
		t.Fatalf("ticket %+v %v", tk, err)
	}
	// The same report again updates, does not duplicate.
	res, err = fsvc.Ingest(f.as("analyst"), f.a.ID, report)
	if err != nil || res.Created != 0 || res.Updated != 2 || res.Tickets != 0 {
		t.Fatalf("second ingest %+v %v", res, err)
	}
	// Fix → retest (still there → open) → retest (gone → closed) → seen again → reopened.
	if _, err := fsvc.Act(f.as("analyst"), f.a.ID, fd.ID, bianque.FindingActStartFix, "patching", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fsvc.Retest(f.as("analyst"), f.a.ID, fd.ID); bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Fatalf("analyst retest without scan.run: %v", err)
	}
	probePresent = true
	got, err := fsvc.Retest(f.as("expert"), f.a.ID, fd.ID)
	if err != nil || got.State != bianque.FindingOpen {
		t.Fatalf("retest present: %+v %v", got, err)
	}
	probePresent = false
	got, err = fsvc.Retest(f.as("expert"), f.a.ID, fd.ID)
	if err != nil || got.State != bianque.FindingClosed {
		t.Fatalf("retest gone: %+v %v", got, err)
	}
	res, err = fsvc.Ingest(f.as("analyst"), f.a.ID, report)
	if err != nil || res.Reopened != 1 {
		t.Fatalf("closed finding reported again: %+v %v", res, err)
	}
	// Risk acceptance with expiry; overdue list.
	until := monday10.Add(90 * 24 * time.Hour)
	if _, err := fsvc.Act(f.as("analyst"), f.a.ID, fd.ID, bianque.FindingActAcceptRisk, "", &until); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("accept without reason: %v", err)
	}
	got, err = fsvc.Act(f.as("analyst"), f.a.ID, fd.ID, bianque.FindingActAcceptRisk, "vendor patch due Q3", &until)
	if err != nil || got.State != bianque.FindingAccepted {
		t.Fatalf("accept: %+v %v", got, err)
	}
	f.clk.Advance(16 * 24 * time.Hour)
	over, err := fsvc.Overdue(f.as("analyst"), f.a.ID)
	if err != nil || len(over) != 1 || over[0].Host != "10.1.0.21" {
		t.Fatalf("overdue %v %v (the accepted finding is not overdue, the other one is)", over, err)
	}
	// Tenant isolation and roles.
	if _, err := fsvc.Finding(f.as("b-admin"), f.a.ID, fd.ID); bianque.ErrorCode(err) != bianque.EFORBIDDEN && bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("other tenant read: %v", err)
	}
	if _, err := fsvc.Ingest(f.as("hospital_viewer"), f.a.ID, report); bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Fatalf("viewer ingest: %v", err)
	}
	// Every step is in the tenant's audit chain.
	actions := map[string]int{}
	for _, e := range f.auditEntries(f.a.ID) {
		actions[e.Action]++
	}
	for _, a := range []string{"finding.ingest", "finding.act", "finding.retest", "ticket.create"} {
		if actions[a] == 0 {
			t.Errorf("no %s audit entry (%v)", a, actions)
		}
	}
	_ = ctx
}
