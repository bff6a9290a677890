package storetest

import (
	"testing"

	"bianque"
	"bianque/discover"
	"bianque/discover/baseline"
	"bianque/discover/ledger"
	"bianque/internal/sqlstore"
)

// discoveryTables are the tables of passive discovery (migrations 0400,
// 0401); the purge fixture gives the purged tenant a row in each.
var discoveryTables = []string{"discovered_devices", "discovered_flows", "discovery_baselines", "discovery_settings", "discovery_anomalies"}

// populateDiscovery gives tenant tenantID a row in every discovery table.
func populateDiscovery(t *testing.T, s bianque.Store, tenantID string) {
	t.Helper()
	db, ok := s.(interface{ SQL() *sqlstore.Store })
	if !ok {
		t.Fatalf("%T keeps no discovery tables", s)
	}
	ls := ledger.NewStore(db.SQL())
	now := at()
	d := discover.Device{IP: "10.0.0.1", Address: discover.AddrUnicast, DeviceType: "ct", Kind: "medical", FirstSeen: now, LastSeen: now}
	must(t, ls.PutDevice(ctx, &ledger.DeviceRecord{TenantID: tenantID, Key: d.Key(), Device: d, FirstSeen: now, LastSeen: now}), "device")
	must(t, ls.AddFlows(ctx, tenantID, []discover.Flow{{Client: "10.0.0.1", Server: "10.0.0.2", Transport: "tcp", Port: 104,
		App: []string{"dicom"}, FirstSeen: now, LastSeen: now}}), "flow")
	must(t, ledger.Baselines{Store: ls, TenantID: tenantID, Sensor: "s1", Clock: bianque.SystemClock{}}.Save(ctx, &baseline.State{Version: 1}), "baseline")
	must(t, ls.PutSettings(ctx, tenantID, &ledger.Settings{RiskThreshold: 50, UpdatedAt: now}), "settings")
	must(t, ls.AddAnomaly(ctx, &ledger.AnomalyRecord{TenantID: tenantID, Device: "10.0.0.1", Kind: "new_peer", DedupKey: "k", At: now}), "anomaly")
}
