package storetest

import (
	"testing"
	"time"

	"bianque"
)

func findingStore(t *testing.T, s bianque.Store) bianque.FindingStore {
	t.Helper()
	fs, ok := s.(bianque.FindingStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.FindingStore", s)
	}
	return fs
}

func newFinding(tenantID, host string, port int, plugin string) *bianque.Finding {
	return &bianque.Finding{TenantID: tenantID, Title: "finding " + plugin, Severity: bianque.VulnHigh, Scanner: "nessus",
		PluginID: plugin, Host: host, Port: port, Protocol: "tcp", CVEs: []string{"CVE-2021-41773"}, Count: 1,
		FirstSeen: at(), LastSeen: at(), CreatedAt: at(), UpdatedAt: at()}
}

// testFindings: dedup by key (upsert keeps the lifecycle), tenant isolation,
// filters, optimistic concurrency.
func testFindings(t *testing.T, s bianque.Store) {
	fs := findingStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	f := newFinding(a.ID, "10.0.0.5", 443, "42873")
	created, err := fs.UpsertFinding(ctx, f)
	must(t, err, "upsert new finding")
	if !created || f.ID == "" || f.Version != 1 || f.State != bianque.FindingOpen {
		t.Fatalf("new finding: created %v %+v", created, f)
	}
	// Work on it, then the same vulnerability is reported again.
	due := at().Add(15 * 24 * time.Hour)
	f.DueAt, f.TicketID = &due, "ticket-1"
	must(t, bianque.ApplyFindingAction(f, bianque.FindingActStartFix, "u", "", nil, at()), "start fix")
	must(t, fs.UpdateFinding(ctx, f), "update finding")
	again := newFinding(a.ID, "10.0.0.5", 443, "42873")
	again.Evidence = "second scan"
	again.LastSeen = at()
	created, err = fs.UpsertFinding(ctx, again)
	must(t, err, "upsert known finding")
	if created || again.ID != f.ID || again.State != bianque.FindingFixing || again.TicketID != "ticket-1" || again.DueAt == nil || again.Version != 3 {
		t.Fatalf("known finding: created %v %+v", created, again)
	}
	got, err := fs.Finding(ctx, a.ID, f.ID)
	must(t, err, "read finding")
	if got.Evidence != "second scan" || got.State != bianque.FindingFixing || !got.LastSeen.Equal(again.LastSeen) || got.Key != f.Key {
		t.Fatalf("stored finding %+v", got)
	}
	// Another tenant sees nothing and changes nothing.
	if _, err := fs.Finding(ctx, b.ID, f.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("finding through another tenant: %v", err)
	}
	foreign := *got
	foreign.TenantID = b.ID
	if err := fs.UpdateFinding(ctx, &foreign); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("update through another tenant: %v", err)
	}
	// The same key in tenant b is b's own finding.
	fb := newFinding(b.ID, "10.0.0.5", 443, "42873")
	created, err = fs.UpsertFinding(ctx, fb)
	must(t, err, "upsert in tenant b")
	if !created || fb.ID == f.ID {
		t.Fatal("tenant b's finding merged with tenant a's")
	}
	// Stale version.
	stale := *got
	stale.Version--
	if err := fs.UpdateFinding(ctx, &stale); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("stale update: %v", err)
	}
	// Filters.
	other := newFinding(a.ID, "10.0.0.6", 22, "1")
	other.CVEs, other.Severity, other.KEV = []string{"CVE-2024-6387"}, bianque.VulnCritical, true
	_, err = fs.UpsertFinding(ctx, other)
	must(t, err, "upsert other")
	kev := true
	for _, c := range []struct {
		f    bianque.FindingFilter
		want int
	}{
		{bianque.FindingFilter{TenantIDs: []string{a.ID}}, 2},
		{bianque.FindingFilter{TenantIDs: []string{a.ID, b.ID}}, 3},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, States: []bianque.FindingState{bianque.FindingFixing}}, 1},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, Severities: []bianque.VulnSeverity{bianque.VulnCritical}}, 1},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, CVE: "cve-2024-6387"}, 1},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, KEV: &kev}, 1},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, Host: "10.0.0.5"}, 1},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, Overdue: true, Now: due.Add(time.Hour)}, 1},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, Overdue: true, Now: due.Add(-time.Hour)}, 0},
		{bianque.FindingFilter{TenantIDs: []string{a.ID}, Query: "FINDING 4287"}, 1},
	} {
		list, _, err := fs.Findings(ctx, c.f)
		must(t, err, "list findings")
		if len(list) != c.want {
			t.Errorf("filter %+v: %d findings, want %d", c.f, len(list), c.want)
		}
	}
	if _, _, err := fs.Findings(ctx, bianque.FindingFilter{}); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("list without tenants: %v", err)
	}
	// Paging walks every finding once.
	seen := map[string]bool{}
	cursor := ""
	for {
		list, next, err := fs.Findings(ctx, bianque.FindingFilter{TenantIDs: []string{a.ID, b.ID}, Page: bianque.Page{Limit: 1, Cursor: cursor}})
		must(t, err, "page findings")
		for _, x := range list {
			if seen[x.ID] {
				t.Fatalf("finding %s twice", x.ID)
			}
			seen[x.ID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 3 {
		t.Fatalf("paging saw %d findings", len(seen))
	}
}
