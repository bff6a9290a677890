package storetest

import (
	"slices"
	"testing"
	"time"

	"bianque"
)

func newAsset(t *testing.T, s bianque.Store, tenantID string, mod func(*bianque.Asset)) *bianque.Asset {
	t.Helper()
	now := at()
	a := &bianque.Asset{ID: bianque.NewIDAt(now), TenantID: tenantID, Name: "ws-" + now.Format("150405.000"),
		Kind: bianque.AssetWorkstation, Importance: 2, CreatedAt: now, UpdatedAt: now, FirstSeen: now, LastSeen: now}
	if mod != nil {
		mod(a)
	}
	must(t, s.CreateAsset(ctx, a), "create asset")
	return a
}

func testAssets(t *testing.T, s bianque.Store) {
	ta, tb := newTenant(t, s), newTenant(t, s)
	now := at()
	ov := now.Add(-time.Hour)
	ct := &bianque.Asset{
		ID: bianque.NewIDAt(now), TenantID: ta.ID, Name: "CT Scanner 2", Kind: bianque.AssetMedical, DeviceType: "ct",
		IPs: []string{"10.20.1.15"}, MACs: []string{"00:1B:63:84:45:E6"}, Hostnames: []string{"CT2.Radiology.local"},
		Vendor: "Siemens Healthineers", Model: "SOMATOM go.Up", OS: "Windows", OSVersion: "10 IoT", Firmware: "VA40",
		CPEs: []string{"cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*"}, Owner: "Dr. Wang", Department: "放射科",
		Location: "Building 3, floor 1", BusinessSystem: "PACS", Importance: 5,
		Medical: &bianque.MedicalProfile{FDAClass: 2, PHI: "large", Disruption: "critical", ManagedBy: "manufacturer",
			ScanOverride: true, ScanOverrideBy: "u9", ScanOverrideAt: &ov},
		Services: []bianque.Service{{Port: 104, Protocol: "tcp", Name: "dicom", FirstSeen: ov, LastSeen: now}},
		Sources:  []string{bianque.SourcePassive}, Tags: []string{"imaging"}, Confirmed: true,
		FirstSeen: ov, LastSeen: now, CreatedAt: now, UpdatedAt: now,
	}
	must(t, s.CreateAsset(ctx, ct), "create asset")
	if ct.Version != 1 {
		t.Fatalf("new asset version %d", ct.Version)
	}
	got, err := s.Asset(ctx, ta.ID, ct.ID)
	must(t, err, "read asset")
	same(t, "asset", got, ct)

	_, err = s.Asset(ctx, tb.ID, ct.ID)
	wantCode(t, err, bianque.ENOTFOUND, "asset through another tenant")
	foreign := *got
	foreign.TenantID = tb.ID
	wantCode(t, s.UpdateAsset(ctx, &foreign), bianque.ENOTFOUND, "update through another tenant")
	wantCode(t, s.DeleteAsset(ctx, tb.ID, ct.ID), bianque.ENOTFOUND, "delete through another tenant")
	list, _, err := s.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{tb.ID}, IP: "10.20.1.15"})
	must(t, err, "B looks up A's IP")
	if len(list) != 0 {
		t.Fatalf("B finds A's asset by IP")
	}
	wantCode(t, s.CreateAsset(ctx, &bianque.Asset{TenantID: ta.ID, Kind: "robot", Importance: 1, Name: "x"}), bianque.EINVALID, "invalid asset")
	orphan := &bianque.Asset{TenantID: bianque.NewIDAt(at()), Kind: bianque.AssetServer, Importance: 1, Name: "x"}
	wantCode(t, s.CreateAsset(ctx, orphan), bianque.ENOTFOUND, "asset of a missing tenant")

	ct.IPs = []string{"10.20.1.16"}
	ct.Medical.Confirmed = true
	ct.Services = append(ct.Services, bianque.Service{Port: 3389, Protocol: "tcp", Name: "rdp", FirstSeen: now, LastSeen: now})
	ct.UpdatedAt = at()
	must(t, s.UpdateAsset(ctx, ct), "update asset")
	if ct.Version != 2 {
		t.Fatalf("version after update: %d", ct.Version)
	}
	got, err = s.Asset(ctx, ta.ID, ct.ID)
	must(t, err, "read updated asset")
	same(t, "updated asset", got, ct)
	for ip, want := range map[string]int{"10.20.1.15": 0, "10.20.1.16": 1} {
		list, _, err := s.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{ta.ID}, IP: ip})
		must(t, err, "lookup by IP")
		if len(list) != want {
			t.Fatalf("after update, IP %s finds %d assets, want %d", ip, len(list), want)
		}
	}
	stale := *got
	stale.Version = 1
	wantCode(t, s.UpdateAsset(ctx, &stale), bianque.ECONFLICT, "stale asset version")

	must(t, s.DeleteAsset(ctx, ta.ID, ct.ID), "delete asset")
	_, err = s.Asset(ctx, ta.ID, ct.ID)
	wantCode(t, err, bianque.ENOTFOUND, "deleted asset")
	wantCode(t, s.DeleteAsset(ctx, ta.ID, ct.ID), bianque.ENOTFOUND, "delete twice")
	_, _, err = s.Assets(ctx, bianque.AssetFilter{})
	wantCode(t, err, bianque.EINVALID, "asset list without tenants")
}

func testAssetFilters(t *testing.T, s bianque.Store) {
	ta, tb := newTenant(t, s), newTenant(t, s)
	pump := newAsset(t, s, ta.ID, func(a *bianque.Asset) {
		a.Kind, a.DeviceType, a.Department, a.Name, a.Vendor = bianque.AssetMedical, "infusion_pump", "ICU", "Pump 7", "B. Braun"
		a.IPs, a.MACs = []string{"10.9.0.7"}, []string{"00-1B-63-84-45-E6"}
	})
	srv := newAsset(t, s, ta.ID, func(a *bianque.Asset) {
		a.Kind, a.DeviceType, a.Name, a.Vendor, a.Model = bianque.AssetServer, "his", "HIS-DB", "Dell", "PowerEdge R750"
		a.IPs, a.Hostnames = []string{"2001:db8::10", "10.9.0.10"}, []string{"his-db01.hospital.local"}
	})
	ws := newAsset(t, s, ta.ID, func(a *bianque.Asset) {
		a.Department, a.Hostnames, a.IPs = "ICU", []string{"ICU-WS3"}, []string{"10.9.0.33"}
	})
	bws := newAsset(t, s, tb.ID, func(a *bianque.Asset) { a.IPs = []string{"10.9.0.7"}; a.Name = "Pump 7 of B" })

	A := []string{ta.ID}
	cases := []struct {
		name string
		f    bianque.AssetFilter
		want []string
	}{
		{"tenant", bianque.AssetFilter{TenantIDs: A}, []string{ws.ID, srv.ID, pump.ID}},
		{"two tenants", bianque.AssetFilter{TenantIDs: []string{ta.ID, tb.ID}}, []string{bws.ID, ws.ID, srv.ID, pump.ID}},
		{"kinds", bianque.AssetFilter{TenantIDs: A, Kinds: []bianque.AssetKind{bianque.AssetMedical, bianque.AssetServer}}, []string{srv.ID, pump.ID}},
		{"device type", bianque.AssetFilter{TenantIDs: A, DeviceType: "infusion_pump"}, []string{pump.ID}},
		{"department", bianque.AssetFilter{TenantIDs: A, Department: "ICU"}, []string{ws.ID, pump.ID}},
		{"ip", bianque.AssetFilter{TenantIDs: A, IP: "10.9.0.7"}, []string{pump.ID}},
		{"ip in both tenants", bianque.AssetFilter{TenantIDs: []string{ta.ID, tb.ID}, IP: "10.9.0.7"}, []string{bws.ID, pump.ID}},
		{"ipv6 canonical", bianque.AssetFilter{TenantIDs: A, IP: "2001:DB8:0:0::10"}, []string{srv.ID}},
		{"ipv4-mapped", bianque.AssetFilter{TenantIDs: A, IP: "::ffff:10.9.0.10"}, []string{srv.ID}},
		{"mac any notation", bianque.AssetFilter{TenantIDs: A, MAC: "00:1b:63:84:45:e6"}, []string{pump.ID}},
		{"hostname any case", bianque.AssetFilter{TenantIDs: A, Hostname: "HIS-DB01.hospital.local."}, []string{srv.ID}},
		{"query name", bianque.AssetFilter{TenantIDs: A, Query: "pump"}, []string{pump.ID}},
		{"query vendor", bianque.AssetFilter{TenantIDs: A, Query: "braun"}, []string{pump.ID}},
		{"query model", bianque.AssetFilter{TenantIDs: A, Query: "poweredge"}, []string{srv.ID}},
		{"query hostname", bianque.AssetFilter{TenantIDs: A, Query: "icu-ws"}, []string{ws.ID}},
		{"no match", bianque.AssetFilter{TenantIDs: A, IP: "10.9.0.8"}, nil},
		{"combined", bianque.AssetFilter{TenantIDs: A, Department: "ICU", Kinds: []bianque.AssetKind{bianque.AssetWorkstation}}, []string{ws.ID}},
	}
	for _, c := range cases {
		got, _, err := s.Assets(ctx, c.f)
		must(t, err, c.name)
		if !slices.Equal(ids(got), c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s: got %v want %v", c.name, ids(got), c.want)
		}
	}
}
