package storetest

import (
	"testing"
	"time"

	"bianque"
)

func scanStore(t *testing.T, s bianque.Store) bianque.ScanStore {
	t.Helper()
	ss, ok := s.(bianque.ScanStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.ScanStore", s)
	}
	return ss
}

// populateScans gives the purge fixture a scope, a job and a virtual patch.
func populateScans(t *testing.T, s bianque.Store, tenantID string) {
	ss := scanStore(t, s)
	sc := &bianque.ScanScope{TenantID: tenantID, Name: "lan", Include: []string{"10.0.0.0/24"}, CreatedAt: at()}
	must(t, ss.CreateScanScope(ctx, sc), "scope")
	must(t, ss.CreateScanJob(ctx, &bianque.ScanJob{TenantID: tenantID, Spec: bianque.ScanJobSpec{ScopeID: sc.ID}, State: bianque.ScanQueued, CreatedAt: at()}), "job")
	must(t, ss.CreateVirtualPatch(ctx, newPatch(tenantID, "f1")), "patch")
}

func newPatch(tenantID, finding string) *bianque.VirtualPatch {
	return &bianque.VirtualPatch{TenantID: tenantID, FindingID: finding, Host: "10.0.0.5", Port: 445, Protocol: "tcp", Direction: "inbound",
		Title: "SMB", CVEs: []string{"CVE-2017-0144"}, Reason: "EternalBlue", State: bianque.PatchRequested, RequestedBy: "u", CreatedAt: at()}
}

// testScans: scopes, jobs and virtual patches — round trip, tenant
// isolation, stale versions, filters and paging.
func testScans(t *testing.T, s bianque.Store) {
	ss := scanStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	sc := &bianque.ScanScope{TenantID: a.ID, Name: "wards", Vantage: bianque.VantageInternal, Include: []string{"10.1.0.0/16"}, Exclude: []string{"10.1.9.0/24"},
		Windows: []bianque.ScanWindow{{Weekdays: []time.Weekday{time.Saturday}, Start: "22:00", End: "06:00"}}, TimeZone: "Asia/Shanghai", CreatedAt: at()}
	must(t, ss.CreateScanScope(ctx, sc), "create scope")
	if sc.ID == "" || sc.Version != 1 {
		t.Fatalf("scope %+v", sc)
	}
	if err := ss.CreateScanScope(ctx, &bianque.ScanScope{TenantID: a.ID, Include: []string{"not a cidr"}}); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("bad scope: %v", err)
	}
	got, err := ss.ScanScopeByID(ctx, a.ID, sc.ID)
	must(t, err, "read scope")
	if got.Name != "wards" || len(got.Windows) != 1 || got.Windows[0].Start != "22:00" || got.Exclude[0] != "10.1.9.0/24" || got.Version != 1 {
		t.Fatalf("stored scope %+v", got)
	}
	if _, err := ss.ScanScopeByID(ctx, b.ID, sc.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("scope through another tenant: %v", err)
	}
	got.Include = append(got.Include, "10.2.0.0/16")
	must(t, ss.UpdateScanScope(ctx, got), "update scope")
	stale := *got
	stale.Version = 1
	if err := ss.UpdateScanScope(ctx, &stale); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("stale scope update: %v", err)
	}
	foreign := *got
	foreign.TenantID = b.ID
	if err := ss.UpdateScanScope(ctx, &foreign); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("scope update through another tenant: %v", err)
	}
	if err := ss.DeleteScanScope(ctx, b.ID, sc.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("scope delete through another tenant: %v", err)
	}
	list, err := ss.ScanScopes(ctx, a.ID)
	must(t, err, "list scopes")
	if len(list) != 1 || len(list[0].Include) != 2 || list[0].Version != 2 {
		t.Fatalf("scopes %+v", list)
	}
	if l, _ := ss.ScanScopes(ctx, b.ID); len(l) != 0 {
		t.Fatalf("tenant B sees scopes %+v", l)
	}

	// Jobs: paging, state filter, optimistic updates.
	var ids []string
	for i := range 7 {
		j := &bianque.ScanJob{TenantID: a.ID, Spec: bianque.ScanJobSpec{ScopeID: sc.ID, Ports: "top"}, State: bianque.ScanQueued, CreatedAt: at()}
		if i%2 == 0 {
			j.State = bianque.ScanDone
		}
		must(t, ss.CreateScanJob(ctx, j), "create job")
		ids = append(ids, j.ID)
	}
	must(t, ss.CreateScanJob(ctx, &bianque.ScanJob{TenantID: b.ID, Spec: bianque.ScanJobSpec{ScopeID: "x"}, State: bianque.ScanQueued, CreatedAt: at()}), "job of B")
	var walked []string
	cursor := ""
	for {
		page, next, err := ss.ScanJobs(ctx, bianque.ScanJobFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: 3, Cursor: cursor}})
		must(t, err, "list jobs")
		for _, j := range page {
			walked = append(walked, j.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(walked) != 7 || walked[0] != ids[6] || walked[6] != ids[0] {
		t.Fatalf("walked %v of %v", walked, ids)
	}
	done, _, err := ss.ScanJobs(ctx, bianque.ScanJobFilter{TenantIDs: []string{a.ID}, States: []bianque.ScanJobState{bianque.ScanDone}})
	must(t, err, "filter jobs")
	if len(done) != 4 {
		t.Fatalf("%d done jobs, want 4", len(done))
	}
	j, err := ss.ScanJob(ctx, a.ID, ids[1])
	must(t, err, "read job")
	j.State, j.Progress = bianque.ScanRunning, bianque.ScanProgress{Phase: "ports", Done: 10, Total: 60}
	must(t, ss.UpdateScanJob(ctx, j), "update job")
	old := *j
	old.Version--
	if err := ss.UpdateScanJob(ctx, &old); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("stale job update: %v", err)
	}
	if _, err := ss.ScanJob(ctx, b.ID, j.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("job through another tenant: %v", err)
	}
	again, _ := ss.ScanJob(ctx, a.ID, j.ID)
	if again.State != bianque.ScanRunning || again.Progress.Done != 10 || again.Version != 2 {
		t.Fatalf("stored job %+v", again)
	}

	// Virtual patches: filter by finding and state, history kept.
	p1, p2 := newPatch(a.ID, "f1"), newPatch(a.ID, "f2")
	must(t, ss.CreateVirtualPatch(ctx, p1), "patch 1")
	must(t, ss.CreateVirtualPatch(ctx, p2), "patch 2")
	if err := ss.CreateVirtualPatch(ctx, &bianque.VirtualPatch{TenantID: a.ID, FindingID: "f3", Host: "h", Port: 0, Protocol: "tcp", Direction: "inbound", Reason: "x", State: bianque.PatchRequested}); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("patch without port: %v", err)
	}
	p1.State = bianque.PatchApplied
	p1.History = append(p1.History, bianque.VirtualPatchEvent{At: at(), State: bianque.PatchApplied, Actor: "engine", Note: "rule 42"})
	must(t, ss.UpdateVirtualPatch(ctx, p1), "apply patch")
	byFinding, _, err := ss.VirtualPatches(ctx, bianque.VirtualPatchFilter{TenantIDs: []string{a.ID}, FindingID: "f1"})
	must(t, err, "patches of f1")
	if len(byFinding) != 1 || byFinding[0].State != bianque.PatchApplied || len(byFinding[0].History) != 1 {
		t.Fatalf("patches of f1 %+v", byFinding)
	}
	req, _, err := ss.VirtualPatches(ctx, bianque.VirtualPatchFilter{TenantIDs: []string{a.ID}, States: []bianque.VirtualPatchState{bianque.PatchRequested}})
	must(t, err, "requested patches")
	if len(req) != 1 || req[0].ID != p2.ID {
		t.Fatalf("requested patches %+v", req)
	}
	if _, err := ss.VirtualPatch(ctx, b.ID, p1.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("patch through another tenant: %v", err)
	}
	if l, _, _ := ss.VirtualPatches(ctx, bianque.VirtualPatchFilter{TenantIDs: []string{b.ID}}); len(l) != 0 {
		t.Fatalf("tenant B sees patches %+v", l)
	}
}

func testJobRuns(t *testing.T, s bianque.Store) {
	js, ok := s.(bianque.JobRunStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.JobRunStore", s)
	}
	last, err := js.JobLastRun(ctx, "overdue")
	must(t, err, "never run")
	if !last.IsZero() {
		t.Fatalf("never-run job last ran %v", last)
	}
	t1, t2 := at(), at()
	must(t, js.SetJobRun(ctx, "overdue", t1, "ok"), "first run")
	must(t, js.SetJobRun(ctx, "overdue", t2, "ok"), "second run")
	last, err = js.JobLastRun(ctx, "overdue")
	must(t, err, "last run")
	if !last.Equal(t2) {
		t.Fatalf("last run %v, want %v", last, t2)
	}
}
