package storetest

import (
	"testing"
	"time"

	"bianque"
)

func alertStore(t *testing.T, s bianque.Store) bianque.AlertStore {
	t.Helper()
	as, ok := s.(bianque.AlertStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.AlertStore", s)
	}
	return as
}

func newAlert(tenantID, rule string, level bianque.AlertLevel) *bianque.Alert {
	first := at()
	return &bianque.Alert{TenantID: tenantID, Kind: bianque.AlertRule, RuleID: rule, RuleTitle: "rule " + rule, Level: level,
		Category: "brute_force", Techniques: []string{"T1110.001"}, Attacker: bianque.Endpoint{IP: "203.0.113.7", Port: 51515},
		Victim: bianque.Endpoint{Host: "his-db01"}, Reason: []string{"selection"}, Count: 1,
		Events:    []bianque.AlertEvent{{Time: first, Ref: "line 1", Data: []byte(`{"a":1}`)}},
		Trend:     []bianque.TrendPoint{{Start: first.Truncate(time.Minute), Count: 1}},
		FirstSeen: first, LastSeen: first, DedupKey: tenantID + "|" + rule}
}

// testAlerts: round trip, tenant isolation, filters and paging, optimistic
// concurrency, detection merges that keep the analysts' changes, and
// suppressions in force per tenant.
func testAlerts(t *testing.T, s bianque.Store) {
	as := alertStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	al := newAlert(a.ID, "r1", bianque.LevelMedium)
	must(t, as.CreateAlert(ctx, al), "create alert")
	if al.ID == "" || al.Version != 1 || al.Status != bianque.AlertOpen {
		t.Fatalf("new alert %+v", al)
	}
	got, err := as.Alert(ctx, a.ID, al.ID)
	must(t, err, "read alert")
	if got.RuleID != "r1" || got.Attacker != al.Attacker || got.Victim != al.Victim || got.Count != 1 || len(got.Events) != 1 ||
		string(got.Events[0].Data) != `{"a":1}` || !got.FirstSeen.Equal(al.FirstSeen) || got.Category != "brute_force" {
		t.Fatalf("stored alert %+v", got)
	}
	bad := newAlert(a.ID, "", bianque.LevelMedium)
	wantCode(t, as.CreateAlert(ctx, bad), bianque.EINVALID, "alert without rule")
	unknown := newAlert("no-such-tenant", "r1", bianque.LevelMedium)
	wantCode(t, as.CreateAlert(ctx, unknown), bianque.ENOTFOUND, "alert of a missing tenant")

	// Another tenant sees and changes nothing.
	_, err = as.Alert(ctx, b.ID, al.ID)
	wantCode(t, err, bianque.ENOTFOUND, "alert through another tenant")
	foreign := *got
	foreign.TenantID = b.ID
	wantCode(t, as.UpdateAlert(ctx, &foreign), bianque.ENOTFOUND, "update through another tenant")
	wantCode(t, as.MergeAlert(ctx, &foreign), bianque.ENOTFOUND, "merge through another tenant")

	// Analyst acknowledges (version 1 -> 2); a stale copy conflicts.
	stale := *got
	got.Status, got.TicketID = bianque.AlertAcknowledged, "ticket-9"
	must(t, as.UpdateAlert(ctx, got), "acknowledge")
	if got.Version != 2 {
		t.Fatalf("version after update %d", got.Version)
	}
	stale.Status = bianque.AlertClosed
	wantCode(t, as.UpdateAlert(ctx, &stale), bianque.ECONFLICT, "stale update")

	// Detection merges repeats from its own (older) copy: counts move on,
	// the analyst's status and ticket stay.
	rep := *al
	rep.Count, rep.LastSeen, rep.Level = 5, at(), bianque.LevelHigh
	rep.Trend = append(rep.Trend, bianque.TrendPoint{Start: rep.LastSeen.Truncate(time.Minute), Count: 4})
	rep.Reason = []string{"selection", "filter_x"}
	must(t, as.MergeAlert(ctx, &rep), "merge")
	got, err = as.Alert(ctx, a.ID, al.ID)
	must(t, err, "read merged")
	if got.Count != 5 || got.Status != bianque.AlertAcknowledged || got.TicketID != "ticket-9" || got.Level != bianque.LevelHigh ||
		!got.LastSeen.Equal(rep.LastSeen) || len(got.Trend) != 2 || len(got.Reason) != 2 || got.Version != 3 {
		t.Fatalf("merged alert %+v", got)
	}

	// Filters and paging.
	for i := range 6 {
		lv := bianque.LevelLow
		if i%2 == 0 {
			lv = bianque.LevelCritical
		}
		must(t, as.CreateAlert(ctx, newAlert(a.ID, "r2", lv)), "create")
	}
	must(t, as.CreateAlert(ctx, newAlert(b.ID, "r2", bianque.LevelCritical)), "create B")
	list := func(f bianque.AlertFilter) []*bianque.Alert {
		t.Helper()
		var out []*bianque.Alert
		for {
			page, next, err := as.Alerts(ctx, f)
			must(t, err, "list alerts")
			out = append(out, page...)
			if next == "" {
				return out
			}
			f.Cursor = next
		}
	}
	if n := len(list(bianque.AlertFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: 2}})); n != 7 {
		t.Errorf("A has %d alerts, want 7", n)
	}
	if n := len(list(bianque.AlertFilter{TenantIDs: []string{a.ID}, MinLevel: bianque.LevelHigh})); n != 4 {
		t.Errorf("A has %d alerts of level high or more, want 4", n)
	}
	if n := len(list(bianque.AlertFilter{TenantIDs: []string{a.ID}, RuleID: "r2", Status: bianque.AlertOpen})); n != 6 {
		t.Errorf("A has %d open r2 alerts, want 6", n)
	}
	if n := len(list(bianque.AlertFilter{TenantIDs: []string{a.ID, b.ID}, RuleID: "r2"})); n != 7 {
		t.Errorf("A and B have %d r2 alerts, want 7", n)
	}
	all := list(bianque.AlertFilter{TenantIDs: []string{a.ID}})
	for i := 1; i < len(all); i++ {
		if all[i-1].ID <= all[i].ID {
			t.Fatalf("alerts not newest first")
		}
	}
	_, _, err = as.Alerts(ctx, bianque.AlertFilter{})
	wantCode(t, err, bianque.EINVALID, "list without tenant")

	// Suppressions.
	now := at()
	spA := &bianque.Suppression{TenantID: a.ID, RuleID: "r1", Match: map[string]string{"attacker.ip": "203.0.113.0/24"},
		Reason: "scanner", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	spAll := &bianque.Suppression{RuleID: "noisy", Reason: "provider-wide tuning", CreatedAt: now, ExpiresAt: now.Add(2 * time.Hour)}
	spOld := &bianque.Suppression{TenantID: a.ID, RuleID: "r3", Reason: "old", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	for _, sp := range []*bianque.Suppression{spA, spAll, spOld} {
		must(t, as.CreateSuppression(ctx, sp), "create suppression")
	}
	wantCode(t, as.CreateSuppression(ctx, &bianque.Suppression{TenantID: a.ID, Reason: "everything", ExpiresAt: now.Add(time.Hour)}),
		bianque.EINVALID, "unscoped suppression")
	ids := func(list []*bianque.Suppression) map[string]bool {
		m := map[string]bool{}
		for _, sp := range list {
			m[sp.ID] = true
		}
		return m
	}
	inForce, err := as.Suppressions(ctx, a.ID, now.Add(30*time.Minute))
	must(t, err, "suppressions of A")
	if m := ids(inForce); len(m) != 2 || !m[spA.ID] || !m[spAll.ID] {
		t.Errorf("A's suppressions in force: %v", m)
	}
	if got := inForce[0]; got.ID == spA.ID && (got.Match["attacker.ip"] != "203.0.113.0/24" || got.TenantID != a.ID) {
		t.Errorf("suppression round trip %+v", got)
	}
	ofB, err := as.Suppressions(ctx, b.ID, now)
	must(t, err, "suppressions of B")
	if m := ids(ofB); len(m) != 1 || !m[spAll.ID] {
		t.Errorf("B's suppressions: %v", m)
	}
	every, err := as.Suppressions(ctx, "", now)
	must(t, err, "every suppression")
	if len(every) != 3 {
		t.Errorf("%d suppressions in force, want 3", len(every))
	}
	wantCode(t, as.DeleteSuppression(ctx, b.ID, spA.ID), bianque.ENOTFOUND, "delete through another tenant")
	wantCode(t, as.DeleteSuppression(ctx, "", spA.ID), bianque.ENOTFOUND, "delete as platform-wide")
	must(t, as.DeleteSuppression(ctx, a.ID, spA.ID), "delete suppression")
	must(t, as.DeleteSuppression(ctx, "", spAll.ID), "delete platform-wide suppression")
	if left, _ := as.Suppressions(ctx, a.ID, now); len(left) != 1 || left[0].ID != spOld.ID {
		t.Errorf("after deletes: %v", left)
	}
}
