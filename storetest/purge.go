package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"bianque"
)

// coreTables are the tables of migration 0001 that hold tenant rows; the
// purge test fills each for the tenant it purges.
var coreTables = []string{"users", "user_tenants", "ticket_counters", "tickets", "ticket_timeline", "assets",
	"asset_identities", "audit_entries", "audit_heads"}

// populate gives tenant tn a row in every core table and in extra.
func populate(t *testing.T, s bianque.Store, r Raw, tn *bianque.Tenant, staff *bianque.User) {
	t.Helper()
	u := newUser(t, s, "admin-"+tn.Code, bianque.RoleHospitalAdmin, tn.ID)
	must(t, s.CreateSession(ctx, &bianque.Session{UserID: u.ID, TokenHash: "sess-" + tn.ID, ExpiresAt: at().Add(time.Hour)}), "session")
	must(t, s.CreateAPIToken(ctx, &bianque.APIToken{UserID: u.ID, Name: "cmdb", TokenHash: "tok-" + tn.ID}), "token")
	staff.Tenants = append(staff.Tenants, tn.ID)
	must(t, s.UpdateUser(ctx, staff), "assign staff")
	for range 3 {
		tk := newTicket(t, s, tn.ID, nil)
		must(t, s.AddTimelineEntry(ctx, &bianque.TimelineEntry{TenantID: tn.ID, TicketID: tk.ID, Kind: bianque.TimelineComment, Note: "n"}), "comment")
	}
	newAsset(t, s, tn.ID, func(a *bianque.Asset) { a.IPs = []string{"10.0.0.1"}; a.Hostnames = []string{"pc1"} })
	appendAudit(t, s, tn.ID, 4)
	newComponent(t, componentStore(t, s), tn.ID, nil)
	must(t, s.(bianque.DeadLetterStore).AppendDeadLetters(ctx, []*bianque.DeadLetter{{TenantID: tn.ID, Stage: "parse",
		Reason: "r", Raw: "x", ReceivedAt: at()}}), "dead letter")
	_, err := findingStore(t, s).UpsertFinding(ctx, newFinding(tn.ID, "10.0.0.1", 443, "1"))
	must(t, err, "finding")
	populateScans(t, s, tn.ID)
	populateDiscovery(t, s, tn.ID)
	must(t, alertStore(t, s).CreateAlert(ctx, newAlert(tn.ID, "r1", bianque.LevelHigh)), "alert")
	must(t, alertStore(t, s).CreateSuppression(ctx, &bianque.Suppression{TenantID: tn.ID, RuleID: "r1", Reason: "fp",
		CreatedAt: at(), ExpiresAt: at().Add(time.Hour)}), "suppression")
	populateDetection(t, s, tn)
	evs := FortiGateEvents(t, tn.ID, evDay.Add(23*time.Hour), 30)
	evs = append(evs, newEvent(tn.ID, evDay.AddDate(0, 0, -40)))
	if n, err := eventStore(t, s).AppendEvents(ctx, tn.ID, evs); err != nil || n != len(evs) {
		t.Fatalf("append events: %d, %v", n, err)
	}
	for i := range 2 {
		_, err := r.ExecRaw(ctx, fmt.Sprintf("INSERT INTO storetest_later_area (id, tenant_id, note) VALUES ('%s-%d', '%s', 'x')", tn.ID, i, tn.ID))
		must(t, err, "insert into the later table")
	}
}

func testPurge(t *testing.T, s bianque.Store) {
	r := raw(t, s)
	// A table another area adds later, unknown to the store's code: the purge
	// must find it through its tenant_id column.
	_, err := r.ExecRaw(ctx, "CREATE TABLE storetest_later_area (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, note TEXT)")
	must(t, err, "create later table")

	a, b := newTenant(t, s), newTenant(t, s)
	staff := newUser(t, s, "staff", bianque.RoleAnalyst, "")
	populate(t, s, r, a, staff)
	populate(t, s, r, b, staff)
	platform := &bianque.AuditEntry{Action: "tenant.purge.requested", ObjectID: a.ID}
	must(t, s.AppendAudit(ctx, platform), "platform audit")

	tables, err := r.TenantTables(ctx)
	must(t, err, "tenant tables")
	for _, want := range append(append(append(slices.Clone(coreTables), detectionTables...), discoveryTables...), "storetest_later_area", "alerts", "alert_suppressions") {
		if !slices.Contains(tables, want) {
			t.Fatalf("TenantTables %v misses %s", tables, want)
		}
	}
	beforeA, err := r.TenantRowCounts(ctx, a.ID)
	must(t, err, "count A")
	beforeB, err := r.TenantRowCounts(ctx, b.ID)
	must(t, err, "count B")
	for _, tbl := range append(append(append(slices.Clone(coreTables), detectionTables...), discoveryTables...), "storetest_later_area", "tenants", "alerts", "alert_suppressions") {
		if beforeA[tbl] == 0 {
			t.Fatalf("fixture gives A no row in %s; the purge test would prove nothing there", tbl)
		}
	}

	if beforeA["events"]+beforeA["event_keys"] == 0 {
		t.Fatalf("TenantRowCounts shows no events of A: %v", beforeA)
	}

	deleted, err := s.PurgeTenant(ctx, a.ID)
	must(t, err, "purge")
	for tbl, n := range beforeA {
		if deleted[tbl] != n {
			t.Errorf("purge reports %d rows of %s, A had %d", deleted[tbl], tbl, n)
		}
	}
	if deleted["sessions"] != 1 || deleted["api_tokens"] != 1 {
		t.Errorf("purge reports %d sessions and %d API tokens of A's users, want 1 and 1", deleted["sessions"], deleted["api_tokens"])
	}

	// Nothing of A is left in any table with a tenant_id column.
	afterA, err := r.TenantRowCounts(ctx, a.ID)
	must(t, err, "count A after purge")
	for tbl, n := range afterA {
		if n != 0 {
			t.Errorf("after purge, %s still holds %d rows of A", tbl, n)
		}
	}
	for _, tbl := range tables {
		rows, err := r.QueryRaw(ctx, fmt.Sprintf(`SELECT count(*) FROM "%s" WHERE tenant_id = '%s'`, tbl, a.ID))
		must(t, err, "raw count")
		var n int64
		for rows.Next() {
			must(t, rows.Scan(&n), "scan")
		}
		rows.Close()
		if n != 0 {
			t.Errorf("after purge, %s still holds %d rows of A", tbl, n)
		}
	}
	if _, err := s.SessionByTokenHash(ctx, "sess-"+a.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Errorf("session of A's user survived the purge: %v", err)
	}
	if _, err := s.APITokenByHash(ctx, "tok-"+a.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Errorf("API token of A's user survived the purge: %v", err)
	}
	{
		es := eventStore(t, s)
		parts, err := es.EventPartitions(ctx, a.ID)
		must(t, err, "event partitions after purge")
		if len(parts) != 0 {
			t.Errorf("after purge, A still has event partitions %+v", parts)
		}
		var buf bytes.Buffer
		if n, err := es.ExportTenantEvents(ctx, a.ID, &buf); err != nil || n != 0 {
			t.Errorf("after purge, A's export has %d events (%v)", n, err)
		}
		if n := countStored(t, es, b.ID); n != 31 {
			t.Errorf("B has %d events after A's purge, want 31", n)
		}
	}
	_, err = s.Tenant(ctx, a.ID)
	wantCode(t, err, bianque.ENOTFOUND, "purged tenant")
	_, err = s.PurgeTenant(ctx, a.ID)
	wantCode(t, err, bianque.ENOTFOUND, "purge twice")

	// B and the platform are untouched.
	afterB, err := r.TenantRowCounts(ctx, b.ID)
	must(t, err, "count B after purge")
	same(t, "B's rows", afterB, beforeB)
	if p := verify(t, s, b.ID); len(p) != 0 {
		t.Fatalf("B's chain after A's purge: %v", p)
	}
	head, entries := chain(t, s, "")
	if head == nil || head.Seq != 1 || len(entries) != 1 || len(bianque.VerifyAuditChain(head, entries)) != 0 {
		t.Fatalf("platform chain changed by the purge")
	}
	got, err := s.User(ctx, staff.ID)
	must(t, err, "provider staff survives")
	if !slices.Equal(got.Tenants, []string{b.ID}) {
		t.Fatalf("staff assignments after purge: %v want [%s]", got.Tenants, b.ID)
	}
}
