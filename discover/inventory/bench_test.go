package inventory

import (
	"fmt"
	"testing"

	"bianque"
	"bianque/discover"
	"bianque/discover/ledger"
)

// BenchmarkInventory20k measures what one inventory request computes for a
// hospital of 20,000 devices (10–15 per bed in a large hospital): the
// entries with their risk, then the filter, order and first page.
func BenchmarkInventory20k(b *testing.B) {
	const n = 20000
	rows := make([]ledger.DeviceRow, n)
	assets := make([]*bianque.Asset, n)
	findings := make([][]*bianque.Finding, n)
	for i := range rows {
		typ, kind := "workstation", "workstation"
		var m *bianque.MedicalProfile
		if i%3 == 0 {
			typ, kind = "infusion_pump", "medical"
			m = &bianque.MedicalProfile{FDAClass: 2, PHI: "limited", LifeSupporting: true, Disruption: "critical"}
		}
		rows[i] = row(fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255), typ, kind, ledger.Summary{Medical: m, PHI: "limited",
			Risks: []string{"weak-auth"}, Location: &discover.Location{Department: fmt.Sprintf("ward-%d", i%40)}}, t0)
		assets[i] = &bianque.Asset{ID: rows[i].AssetID, Name: rows[i].Key}
		if i%7 == 0 {
			findings[i] = []*bianque.Finding{{State: bianque.FindingOpen, CVSSScore: 7.5}}
		}
	}
	yes := true
	f := Filter{Medical: &yes, Department: "ward-3", Page: bianque.Page{Limit: 50}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		items := make([]*Item, n)
		for i := range rows {
			items[i] = ItemOf("t", rows[i], assets[i], findings[i], 40)
		}
		if p := Select(items, f, 40); p.Total == 0 {
			b.Fatal("nothing selected")
		}
	}
}
