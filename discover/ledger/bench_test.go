package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/internal/testutil"
	"bianque/service"
	"bianque/storetest"
)

// BenchmarkPlatformIngest measures what the platform takes from collectors'
// sensors per CPU-second, on SQLite through service.DiscoveryService.Ingest
// (the path of bianque serve's discovery receiver): batches of 256 devices
// (the size of one spool record) and 2,048 flow summaries. "new" devices
// each become an asset with a confirmation ticket; "known" devices are sent
// again unchanged; flow summaries add their deltas to the stored map and
// feed the baselines.
func BenchmarkPlatformIngest(b *testing.B) {
	ctx := context.Background()
	db := storetest.NewSQLite(b)
	clk := testutil.NewFakeClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	svcs := service.New(db, service.Options{Clock: clk})
	disc, err := service.NewDiscoveryService(svcs, service.NewAlertService(svcs))
	if err != nil {
		b.Fatal(err)
	}
	tenant := &bianque.Tenant{ID: bianque.NewID(), Code: "hosp-" + strings.ToLower(bianque.NewID()[20:]), Name: "Hospital", Contract: bianque.DefaultContract()}
	tenant.CreatedAt, tenant.UpdatedAt = clk.Now(), clk.Now()
	if err := db.CreateTenant(ctx, tenant); err != nil {
		b.Fatal(err)
	}
	pctx := bianque.NewContextWithPrincipal(ctx, &bianque.Principal{UserID: "component:c1", Username: "collector:edge", Role: bianque.RoleServiceManager,
		Tenants: []string{tenant.ID}, Permissions: []bianque.Permission{bianque.PermTenantRead, bianque.PermAssetRead, bianque.PermAssetWrite,
			bianque.PermTicketRead, bianque.PermTicketCreate}})
	device := func(i int) discover.Device {
		ip := fmt.Sprintf("10.%d.%d.%d", 1+i/62500, (i/250)%250, 1+i%250)
		return discover.Device{IP: ip, MACs: []string{fmt.Sprintf("02:00:%02x:%02x:%02x:01", byte(i>>16), byte(i>>8), byte(i))},
			Address: discover.AddrUnicast, DeviceType: "workstation", Kind: "workstation", Confidence: 0.6, Vendor: "Dell",
			Identities: discover.Identities{"dhcp": {"hostname": {fmt.Sprintf("ward-pc-%05d", i)}, "vendor_class": {"MSFT 5.0"}}},
			FirstSeen:  clk.Now(), LastSeen: clk.Now()}
	}
	const perBatch = 256
	next := 0
	run := func(b *testing.B, at time.Time, devices []discover.Device, flows []discover.Flow) {
		if err := disc.Ingest(pctx, tenant.ID, "collector:c1", at, devices, flows); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("new", func(b *testing.B) {
		cpu0 := testutil.CPUTime()
		n := 0
		for b.Loop() {
			ds := make([]discover.Device, perBatch)
			for i := range ds {
				ds[i] = device(next)
				next++
			}
			run(b, clk.Now(), ds, nil)
			n += perBatch
		}
		b.ReportMetric(float64(n)/(testutil.CPUTime()-cpu0).Seconds(), "sightings/cpu-s")
	})
	b.Run("known", func(b *testing.B) {
		cpu0 := testutil.CPUTime()
		n := 0
		for i := 0; b.Loop(); i++ {
			ds := make([]discover.Device, perBatch)
			for j := range ds {
				ds[j] = device((i*perBatch + j) % max(next, perBatch))
			}
			run(b, clk.Now(), ds, nil)
			n += perBatch
		}
		b.ReportMetric(float64(n)/(testutil.CPUTime()-cpu0).Seconds(), "sightings/cpu-s")
	})
	b.Run("flows", func(b *testing.B) {
		cpu0 := testutil.CPUTime()
		n := 0
		at := clk.Now()
		for i := 0; b.Loop(); i++ {
			fl := make([]discover.Flow, 2048)
			for j := range fl {
				c := device((i*2048 + j) % max(next, 2048))
				fl[j] = discover.Flow{Client: c.IP, Server: "10.200.0.10", Transport: "tcp", Port: 445, App: []string{"smb"},
					Category: discover.CategoryOther, Connections: 1, Packets: 10, Bytes: 4000, ClientPackets: 5, ClientBytes: 1000,
					ServerPackets: 5, ServerBytes: 3000, FirstSeen: at, LastSeen: at}
			}
			at = at.Add(30 * time.Second)
			run(b, at, nil, fl)
			n += len(fl)
		}
		b.ReportMetric(float64(n)/(testutil.CPUTime()-cpu0).Seconds(), "flows/cpu-s")
	})
}
