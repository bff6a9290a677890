package ledger_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/classify"
	"bianque/discover/ledger"
	"bianque/internal/sqlstore"
	"bianque/storetest"
)

func TestPlatformStoreSQLite(t *testing.T) {
	db := storetest.NewSQLite(t)
	testPlatformStore(t, db, db.Store)
}

func TestPlatformStorePostgres(t *testing.T) {
	db := storetest.NewPostgres(t)
	testPlatformStore(t, db, db.Store)
}

// The discovery settings, device summaries and anomaly records: versions,
// tenant isolation, paging, and the lookup that folds repeats into alerts.
func testPlatformStore(t *testing.T, st bianque.Store, db *sqlstore.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var tenants [2]string
	for i := range tenants {
		tn := &bianque.Tenant{ID: bianque.NewID(), Code: "hosp-" + strings.ToLower(bianque.NewID()[20:]), Name: "H", Contract: bianque.DefaultContract()}
		tn.CreatedAt, tn.UpdatedAt = t0, t0
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		tenants[i] = tn.ID
	}
	a, b := tenants[0], tenants[1]
	s := ledger.NewStore(db)

	// Settings: defaults, create, stale version, update, isolation.
	got, err := s.Settings(ctx, a)
	if err != nil || got.Version != 0 || got.Threshold() != ledger.DefaultRiskThreshold || got.Learning() != ledger.DefaultLearning {
		t.Fatalf("default settings %+v %v", got, err)
	}
	set := &ledger.Settings{RiskThreshold: 55, LearningHours: 48, UpdatedBy: "eng", UpdatedAt: t0,
		SiteMap: classify.SiteMap{Entries: []classify.SiteEntry{{Subnet: "10.1.0.0/24", Department: "放射科", Room: "CT"}, {VLAN: 30, Department: "ICU"}}}}
	if err := s.PutSettings(ctx, a, set); err != nil || set.Version != 1 {
		t.Fatalf("create settings: %v (version %d)", err, set.Version)
	}
	stale := &ledger.Settings{RiskThreshold: 10}
	if err := s.PutSettings(ctx, a, stale); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("second create: %v", err)
	}
	set.RiskThreshold = 60
	if err := s.PutSettings(ctx, a, set); err != nil || set.Version != 2 {
		t.Fatalf("update: %v", err)
	}
	old := &ledger.Settings{Version: 1}
	if err := s.PutSettings(ctx, a, old); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("stale update: %v", err)
	}
	got, err = s.Settings(ctx, a)
	if err != nil || got.Version != 2 || got.Threshold() != 60 || got.Learning() != 48*time.Hour || len(got.SiteMap.Entries) != 2 || got.UpdatedBy != "eng" {
		t.Fatalf("stored settings %+v %v", got, err)
	}
	d := &discover.Device{IP: "10.1.0.9"}
	got.SiteMap.Locate(d) // compiled when read
	if d.Location == nil || d.Location.Department != "放射科" {
		t.Fatalf("site map not compiled: %+v", d.Location)
	}
	if other, _ := s.Settings(ctx, b); other.Version != 0 {
		t.Fatalf("B sees A's settings: %+v", other)
	}
	for _, bad := range []*ledger.Settings{{RiskThreshold: 101}, {LearningHours: -1},
		{SiteMap: classify.SiteMap{Entries: []classify.SiteEntry{{Subnet: "10.0.0.0/33", Department: "x"}}}},
		{SiteMap: classify.SiteMap{Entries: []classify.SiteEntry{{Subnet: "10.0.0.0/8"}}}},
		{SiteMap: classify.SiteMap{Entries: []classify.SiteEntry{{Department: "x"}}}}} {
		if err := s.PutSettings(ctx, b, bad); bianque.ErrorCode(err) != bianque.EINVALID {
			t.Errorf("settings %+v: %v", bad, err)
		}
	}
	if err := s.PutSettings(ctx, "no-such-tenant", &ledger.Settings{UpdatedAt: t0}); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Errorf("settings of a missing tenant: %v", err)
	}

	// Device rows carry the summary.
	dev := discover.Device{IP: "10.1.0.10", MAC: "02:00:00:00:00:10", Names: []string{"CT01"}, DeviceType: "ct", Kind: "medical",
		Medical: &bianque.MedicalProfile{FDAClass: 2}, PHI: "large", Risks: []discover.Risk{{Kind: "phi-cleartext"}, {Kind: "phi-cleartext", Peer: "x"}},
		Identities: discover.Identities{}}
	if err := s.PutDevice(ctx, &ledger.DeviceRecord{TenantID: a, Key: dev.Key(), Device: dev, FirstSeen: t0, LastSeen: t0}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.DeviceRows(ctx, a)
	if err != nil || len(rows) != 1 || rows[0].Summary.Name != "CT01" || rows[0].Summary.Medical.FDAClass != 2 ||
		len(rows[0].Summary.Risks) != 1 || rows[0].DeviceType != "ct" {
		t.Fatalf("rows %+v %v", rows, err)
	}
	if rows, _ := s.DeviceRows(ctx, b); len(rows) != 0 {
		t.Fatal("B sees A's devices")
	}

	// Anomalies: newest first, paged, filtered; OpenAlertOf within a window.
	for i := range 5 {
		rec := &ledger.AnomalyRecord{TenantID: a, Device: "10.1.0.10", Kind: "new_peer", RuleID: "discover.new_peer", DedupKey: "k1",
			AlertID: "al1", At: t0.Add(time.Duration(i) * time.Minute)}
		if i == 4 {
			rec.Kind, rec.Device = "new_port", "10.1.0.11"
		}
		if err := s.AddAnomaly(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	f := ledger.AnomalyFilter{Page: bianque.Page{Limit: 2}}
	for {
		list, next, err := s.Anomalies(ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			seen = append(seen, r.ID)
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if len(seen) != 5 || seen[0] < seen[4] {
		t.Fatalf("anomaly pages %v", seen)
	}
	if list, _, _ := s.Anomalies(ctx, a, ledger.AnomalyFilter{Device: "10.1.0.11"}); len(list) != 1 || list[0].Kind != "new_port" {
		t.Fatalf("by device: %+v", list)
	}
	if list, _, _ := s.Anomalies(ctx, a, ledger.AnomalyFilter{Kind: "new_peer", Since: t0.Add(2 * time.Minute)}); len(list) != 2 {
		t.Fatalf("by kind and time: %d", len(list))
	}
	if list, _, _ := s.Anomalies(ctx, b, ledger.AnomalyFilter{}); len(list) != 0 {
		t.Fatal("B sees A's anomalies")
	}
	prev, n, err := s.OpenAlertOf(ctx, a, "k1", t0)
	if err != nil || prev == nil || prev.AlertID != "al1" || n != 4 {
		t.Fatalf("open alert: %+v %d %v", prev, n, err)
	}
	if prev, _, _ := s.OpenAlertOf(ctx, a, "k1", t0.Add(time.Hour)); prev != nil {
		t.Fatal("an alert outside the window")
	}
	if prev, _, _ := s.OpenAlertOf(ctx, b, "k1", t0); prev != nil {
		t.Fatal("B folds into A's alert")
	}
}

// A site map replaces the location an earlier map gave, clears it when the
// map no longer covers the device, and keeps the switch port from LLDP.
func TestApplySiteMap(t *testing.T) {
	sm := &classify.SiteMap{Entries: []classify.SiteEntry{{Subnet: "10.1.0.0/16", Department: "Radiology"}, {Subnet: "10.1.2.0/24", Department: "CT", Room: "1"},
		{VLAN: 30, Department: "ICU"}}}
	if err := sm.Compile(); err != nil {
		t.Fatal(err)
	}
	d := &discover.Device{IP: "10.1.2.3", Location: &discover.Location{Department: "Old", Source: "subnet-map"}}
	ledger.ApplySiteMap(sm, d)
	if d.Location.Department != "CT" || d.Location.Room != "1" {
		t.Fatalf("most specific subnet: %+v", d.Location)
	}
	d = &discover.Device{IP: "10.9.0.1", VLANs: []int{30}, Location: &discover.Location{Department: "Old", Source: "subnet-map", Switch: "sw1", SwitchPort: "Gi1/0/7"}}
	ledger.ApplySiteMap(sm, d)
	if d.Location.Department != "ICU" || d.Location.Source != "vlan-map" || d.Location.Switch != "sw1" {
		t.Fatalf("VLAN with switch port kept: %+v", d.Location)
	}
	d = &discover.Device{IP: "10.9.0.2", Location: &discover.Location{Department: "Old", Source: "subnet-map"}}
	ledger.ApplySiteMap(sm, d)
	if d.Location != nil {
		t.Fatalf("no longer covered: %+v", d.Location)
	}
}
