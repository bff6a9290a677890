package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/discover/baseline"
	"bianque/discover/capture"
	"bianque/discover/internal/synth"
	"bianque/discover/ledger"
	"bianque/discover/pipeline"
	"bianque/discover/sensor"
	"bianque/internal/sqlstore"
	"bianque/internal/testutil"
	"bianque/service"
	"bianque/storetest"
)

var (
	ct   = synth.NewHost("02:00:00:00:00:10", "10.1.0.10")
	pacs = synth.NewHost("02:00:00:00:00:50", "10.1.0.50")
	pump = synth.NewHost("02:00:00:00:00:20", "10.2.0.20")
	eng  = synth.NewHost("02:00:00:00:00:05", "10.2.0.5")
	// The internet host is reached through the gateway, so frames from it
	// carry the gateway's MAC.
	gw   = synth.NewHost("02:00:00:00:00:01", "10.1.0.1")
	inet = synth.NewHost("02:00:00:00:00:01", "93.184.216.34")
)

// traffic is one batch of hospital traffic; version is the CT's DICOM
// implementation version name (its software version).
func traffic(t *testing.T, start time.Time, version string) []byte {
	var buf bytes.Buffer
	w, err := synth.New(&buf, start)
	if err != nil {
		t.Fatal(err)
	}
	sop := "1.2.840.10008.5.1.4.1.1.2"
	pcs := []synth.PresentationContext{{ID: 1, AbstractSyntax: sop, TransferSyntaxes: []string{synth.ExplicitLE}}}
	c := w.Dial(ct, pacs, 40001, 104)
	c.Send(true, synth.AssociateRQ("PACS", "CT1", pcs, "1.2.3", version), 0)
	c.Send(false, synth.AssociateAC("PACS", "CT1", pcs, "1.2.4", "PACS_1"), 0)
	c.Send(true, synth.PData(1, true, true, synth.Command(0x0001, sop, 1, true)), 0)
	c.Send(true, synth.PData(1, false, true, synth.Explicit(synth.Element{Tag: 0x00080060, VR: "CS", Value: []byte("CT")},
		synth.Element{Tag: 0x00080070, VR: "LO", Value: []byte("SIEMENS")})), 0)
	c.Send(false, synth.PData(1, true, true, synth.Command(0x8001, sop, 1, false)), 0)
	c.Close()
	h := w.Dial(pump, eng, 40002, 2575)
	h.Send(true, synth.MLLP("MSH|^~\\&|PUMP|ICU|DOR|HOSP|20260301||ORU^R01|1|P|2.6", "OBX|1||69985^MDC_DEV_PUMP_INFUS_MDS^MDC"), 0)
	h.Close()
	s := w.Dial(ct, inet, 40003, 443)
	s.Send(true, []byte{22, 3, 1, 0, 0}, 0)
	s.Close()
	w.UDP(gw, ct, 53, 50000, []byte{0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0})
	return buf.Bytes()
}

func feed(t *testing.T, e *sensor.Engine, b []byte) {
	t.Helper()
	src, err := capture.Open(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for {
		fr, err := src.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		e.Packet(fr.Link, fr.Data, fr.Time)
	}
}

func TestLedgerSQLite(t *testing.T) {
	db := storetest.NewSQLite(t)
	testLedger(t, db, db.Store)
}

func TestLedgerPostgres(t *testing.T) {
	db := storetest.NewPostgres(t)
	testLedger(t, db, db.Store)
}

func testLedger(t *testing.T, st bianque.Store, db *sqlstore.Store) {
	ctx := context.Background()
	clk := testutil.NewFakeClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	svc := service.New(st, service.Options{Clock: clk})
	tenant := &bianque.Tenant{ID: bianque.NewID(), Code: "hosp-" + strings.ToLower(bianque.NewID()[20:]), Name: "Hospital", Contract: bianque.DefaultContract()}
	tenant.CreatedAt, tenant.UpdatedAt = clk.Now(), clk.Now()
	if err := st.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	pctx := bianque.NewContextWithPrincipal(ctx, &bianque.Principal{UserID: "sensor-1", Username: "collector", Role: bianque.RoleServiceManager, Tenants: []string{tenant.ID}})
	store := ledger.NewStore(db)
	l := &ledger.Ledger{TenantID: tenant.ID, Assets: svc.Assets, Tickets: svc.Tickets, Store: store, Clock: clk}
	enr, err := pipeline.NewEnricher(pipeline.EnrichOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sensor.DefaultConfig()
	cfg.Sink, cfg.Enrich = l, enr.Enrich
	e := sensor.New(cfg)

	feed(t, e, traffic(t, clk.Now(), "CT_SW_1.0"))
	if err := e.Flush(pctx); err != nil {
		t.Fatal(err)
	}
	assets, _, err := svc.Assets.Assets(pctx, bianque.AssetFilter{TenantIDs: []string{tenant.ID}})
	if err != nil {
		t.Fatal(err)
	}
	byIP := map[string]*bianque.Asset{}
	for _, a := range assets {
		for _, ip := range a.IPs {
			byIP[ip] = a
		}
		if len(a.Sources) != 1 || a.Sources[0] != bianque.SourcePassive {
			t.Errorf("asset %s sources %v", a.Name, a.Sources)
		}
	}
	if len(assets) != 5 || byIP[inet.IP.String()] != nil || byIP[gw.IP.String()] == nil {
		t.Fatalf("%d assets (internet host must not be one): %+v", len(assets), byIP)
	}
	ctA, pumpA := byIP[ct.IP.String()], byIP[pump.IP.String()]
	if ctA == nil || ctA.Kind != bianque.AssetMedical || ctA.DeviceType != "ct" || ctA.Vendor != "SIEMENS" || ctA.OSVersion != "CT_SW_1.0" ||
		ctA.ActiveProbeAllowed() || len(ctA.MACs) != 1 {
		t.Fatalf("CT asset %+v", ctA)
	}
	if pumpA == nil || pumpA.Medical == nil || !pumpA.Medical.LifeSupporting || pumpA.Importance != 5 || pumpA.ActiveProbeAllowed() {
		t.Fatalf("pump asset %+v", pumpA)
	}
	tickets := func() []*bianque.Ticket {
		ts, _, err := svc.Tickets.Tickets(pctx, bianque.TicketFilter{TenantIDs: []string{tenant.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	if ts := tickets(); len(ts) != 5 {
		t.Fatalf("%d confirmation tickets for 5 new devices", len(ts))
	} else {
		for _, tk := range ts {
			if tk.Category != ledger.Category || !strings.HasPrefix(tk.Source, "discover:") || len(tk.AssetIDs) != 1 {
				t.Errorf("ticket %+v", tk)
			}
			if strings.Contains(tk.Title, pump.IP.String()) && tk.Severity != bianque.SeverityMajor {
				t.Errorf("life-supporting device ticket severity %s", tk.Severity)
			}
		}
	}
	// The same traffic again: no change, no ticket.
	clk.Advance(time.Hour)
	feed(t, e, traffic(t, clk.Now(), "CT_SW_1.0"))
	if err := e.Flush(pctx); err != nil {
		t.Fatal(err)
	}
	if n := len(tickets()); n != 5 {
		t.Fatalf("unchanged traffic opened tickets: %d", n)
	}
	// A software update of the CT: one ticket, the asset follows.
	clk.Advance(time.Hour)
	e2 := sensor.New(cfg) // a restarted sensor sees the CT afresh
	feed(t, e2, traffic(t, clk.Now(), "CT_SW_2.0"))
	if err := e2.Flush(pctx); err != nil {
		t.Fatal(err)
	}
	ts := tickets()
	changed := 0
	for _, tk := range ts {
		if strings.Contains(tk.Title, `software version changed from "CT_SW_1.0" to "CT_SW_2.0"`) {
			changed++
		}
	}
	if len(ts) != 6 || changed != 1 {
		titles := []string{}
		for _, tk := range ts {
			titles = append(titles, tk.Title)
		}
		t.Fatalf("tickets after the update: %v", titles)
	}
	a, err := svc.Assets.Asset(pctx, tenant.ID, ctA.ID)
	if err != nil || a.OSVersion != "CT_SW_2.0" {
		t.Fatalf("asset after update %+v %v", a, err)
	}
	// The device record and the communication map are stored.
	rec, err := store.Device(ctx, tenant.ID, ct.IP.String())
	if err != nil || rec.AssetID != ctA.ID || rec.Device.DeviceType != "ct" {
		t.Fatalf("device record %+v %v", rec, err)
	}
	fl, err := store.Flows(ctx, tenant.ID, ct.IP.String())
	if err != nil {
		t.Fatal(err)
	}
	var dicom bool
	for _, f := range fl {
		if f.Server == pacs.IP.String() && f.Port == 104 && f.Clinical && f.Connections == 2 && f.Packets > 0 {
			dicom = true
		}
	}
	if !dicom {
		t.Fatalf("stored flows %+v", fl)
	}
	// Baseline state round trip.
	bs := ledger.Baselines{Store: store, TenantID: tenant.ID, Sensor: "collector-1", Clock: clk}
	det, err := baseline.New(ctx, baseline.Config{}, clk, bs)
	if err != nil {
		t.Fatal(err)
	}
	det.Observe(nil, nil)
	if err := det.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := bs.Load(ctx); err != nil || got == nil || got.Version != 1 {
		t.Fatalf("baseline load %+v %v", got, err)
	}
	// Purging the tenant removes its discovery rows too.
	if _, err := st.PurgeTenant(ctx, tenant.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Device(ctx, tenant.ID, ct.IP.String()); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("device after purge: %v", err)
	}
}
