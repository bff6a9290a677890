package baseline_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/baseline"
	"bianque/discover/capture"
	"bianque/discover/internal/synth"
	"bianque/discover/pipeline"
	"bianque/discover/sensor"
	"bianque/internal/testutil"
)

// collector is a sensor sink that keeps the last batch.
type collector struct {
	flows   []discover.Flow
	devices map[string]baseline.DeviceInfo
}

func (c *collector) Sightings(_ context.Context, _ time.Time, ds []discover.Device) error {
	for _, d := range ds {
		c.devices[d.IP] = baseline.DeviceInfo{Type: d.DeviceType, Medical: d.Medical != nil}
	}
	return nil
}

func (c *collector) FlowSummaries(_ context.Context, _ time.Time, fs []discover.Flow) error {
	c.flows = append(c.flows, fs...)
	return nil
}

var (
	ct     = synth.NewHost("02:00:00:00:00:10", "10.1.0.10")
	pacs   = synth.NewHost("02:00:00:00:00:50", "10.1.0.50")
	engine = synth.NewHost("02:00:00:00:00:05", "10.2.0.5")
	gw     = synth.NewHost("02:00:00:00:00:01", "10.1.0.1")
)

func pump(i int) synth.Host {
	return synth.NewHost("02:00:00:00:01:"+string(rune('0'+i))+"0", "10.2.0."+string(rune('0'+i))+"0")
}

// hour writes one hour of hospital traffic: the CT stores a study of
// ctBytes on the PACS, four pumps report to the interface engine (pump 4
// sends pump4Bytes), and extra adds the unusual traffic of a test.
func hour(t *testing.T, start time.Time, ctBytes, pump4Bytes int, extra func(w *synth.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.New(&buf, start)
	if err != nil {
		t.Fatal(err)
	}
	c := w.Dial(ct, pacs, 40000+uint16(start.Hour()), 104)
	sop := "1.2.840.10008.5.1.4.1.1.2"
	pcs := []synth.PresentationContext{{ID: 1, AbstractSyntax: sop, TransferSyntaxes: []string{synth.ExplicitLE}}}
	c.Send(true, synth.AssociateRQ("PACS", "CT1", pcs, "1.2.3", "CT_1"), 0)
	c.Send(false, synth.AssociateAC("PACS", "CT1", pcs, "1.2.4", "PACS_1"), 0)
	c.Send(true, synth.PData(1, true, true, synth.Command(0x0001, sop, 1, true)), 0)
	c.Send(true, synth.PData(1, false, true, synth.Explicit(synth.Element{Tag: 0x7fe00010, VR: "OB", Value: make([]byte, ctBytes)})), 8192)
	c.Send(false, synth.PData(1, true, true, synth.Command(0x8001, sop, 1, false)), 0)
	c.Close()
	for i := 1; i <= 4; i++ {
		n := 64 << 10
		if i == 4 {
			n = pump4Bytes
		}
		k := w.Dial(pump(i), engine, 41000+uint16(start.Hour()), 2575)
		k.Send(true, synth.MLLP("MSH|^~\\&|PUMP|ICU|DOR|HOSP|20260301||ORU^R01|1|P|2.6", "OBX|1||69985^MDC_DEV_PUMP_INFUS_MDS^MDC"), 0)
		k.Send(true, make([]byte, n), 16384)
		k.Close()
	}
	if extra != nil {
		extra(w)
	}
	return buf.Bytes()
}

func feed(t *testing.T, eng *sensor.Engine, b []byte) {
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
		eng.Packet(fr.Link, fr.Data, fr.Time)
	}
}

// TestBaselineReplay replays hospital traffic hour by hour under a fake
// clock: nothing is reported while devices learn or while they behave as
// learnt; each departure is reported once; the learnt state survives a
// restart through the file store.
func TestBaselineReplay(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := testutil.NewFakeClock(t0)
	store := baseline.FileStore{Path: filepath.Join(t.TempDir(), "baseline.json")}
	cfg := baseline.Config{Learning: 24 * time.Hour, Window: time.Hour, MinWindows: 12, MinVolume: 64 << 10}
	det, err := baseline.New(ctx, cfg, clock, store)
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{devices: map[string]baseline.DeviceInfo{}}
	enr, err := pipeline.NewEnricher(pipeline.EnrichOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scfg := sensor.DefaultConfig()
	scfg.Sink, scfg.Enrich = col, enr.Enrich
	eng := sensor.New(scfg)

	run := func(ctBytes, pump4Bytes int, extra func(w *synth.Writer)) []baseline.Anomaly {
		t.Helper()
		col.flows = nil
		feed(t, eng, hour(t, clock.Now(), ctBytes, pump4Bytes, extra))
		if err := eng.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		out := det.Observe(col.flows, col.devices)
		clock.Advance(time.Hour)
		return append(out, det.Flush()...) // the hour's volume window has ended
	}
	// Learning: 30 hours; pump 4 sends 2 MB an hour from the start (its own
	// normal, but 32 times what the other pumps send).
	for h := 0; h < 30; h++ {
		if got := run(256<<10, 2<<20, nil); len(got) > 0 && h < 24 {
			t.Fatalf("hour %d (learning): anomalies %+v", h, got)
		}
	}
	// Learnt behaviour: no new items; pump 4 stands out of its peer group.
	got := run(256<<10, 2<<20, nil)
	for _, a := range got {
		if a.Kind != baseline.VolumePeerSize || a.Device != pump(4).IP.String() {
			t.Fatalf("steady traffic: unexpected %+v", a)
		}
	}
	if len(got) != 1 {
		t.Fatalf("peer group anomaly: got %+v", got)
	}
	if got[0].DeviceType != "infusion_pump" || got[0].Severity != 3 {
		t.Errorf("peer group anomaly %+v", got[0])
	}
	if err := det.Save(ctx); err != nil {
		t.Fatal(err)
	}

	// A restart: the state comes back from the file; behaviour is still known.
	det, err = baseline.New(ctx, cfg, clock, store)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := det.Profile(ct.IP.String()); !ok || !p.Peers[pacs.IP.String()] || !p.Ports["to tcp/104"] || p.Volume.N < 24 {
		t.Fatalf("restored profile %+v", p)
	}
	for _, a := range run(256<<10, 64<<10, nil) {
		t.Fatalf("after restart: unexpected %+v", a)
	}

	// Departures.
	inet := synth.NewHost("02:00:00:00:00:01", "93.184.216.34")
	evil := synth.NewHost("02:00:00:00:00:99", "10.9.9.9")
	got = run(256<<10, 64<<10, func(w *synth.Writer) {
		// A new peer on the usual protocol: the CT stores to an unknown host.
		c := w.Dial(ct, evil, 45000, 104)
		c.Send(true, synth.AssociateRQ("X", "CT1", []synth.PresentationContext{{ID: 1, AbstractSyntax: "1.2.840.10008.1.1", TransferSyntaxes: []string{synth.ImplicitLE}}}, "1", "X"), 0)
		c.Close()
		// A new protocol and port: telnet to the gateway.
		k := w.Dial(ct, gw, 45001, 23)
		k.Send(false, []byte{0xff, 0xfd, 0x18}, 0)
		k.Close()
		// An internet destination over TLS.
		_ = inet
		s := w.Dial(ct, inet, 45002, 443)
		s.Send(true, clientHello("updates.example.org"), 0)
		s.Close()
	})
	kinds := map[string]int{}
	for _, a := range got {
		if a.Device != ct.IP.String() {
			t.Errorf("anomaly on %s: %+v", a.Device, a)
			continue
		}
		kinds[a.Kind+" "+a.Peer]++
	}
	for _, k := range []string{
		"new_peer 10.9.9.9", "new_peer 10.1.0.1", "new_peer 93.184.216.34",
		"new_protocol 10.1.0.1", "new_port 10.1.0.1", "new_port 93.184.216.34",
		"new_internet_destination 93.184.216.34", "new_protocol 93.184.216.34",
	} {
		if kinds[k] != 1 {
			t.Errorf("%s reported %d times (all: %v)", k, kinds[k], kinds)
		}
	}
	for _, a := range got {
		if a.Kind == baseline.NewInternet && a.Detail != "first connection to internet destination updates.example.org" {
			t.Errorf("internet destination detail %q", a.Detail)
		}
		ev := a.Event()
		if ev.Str("event.kind") != "alert" || ev.Str("source.ip") != ct.IP.String() {
			t.Errorf("event %v", ev)
		}
	}
	// The same departures again are known now.
	for _, a := range run(256<<10, 64<<10, nil) {
		t.Errorf("repeat: unexpected %+v", a)
	}
	// A volume spike: the CT sends 32 times its usual study volume.
	got = run(8<<20, 64<<10, nil)
	got = append(got, run(256<<10, 64<<10, nil)...) // closes the spiking window
	// Both ends of the study see it: the CT (sender) and the PACS (receiver).
	spikes := map[string]int{}
	for _, a := range got {
		if a.Kind == baseline.VolumeSpike {
			spikes[a.Device]++
			if a.Severity != 4 {
				t.Errorf("spike severity %+v", a)
			}
		}
	}
	if len(got) != 2 || spikes[ct.IP.String()] != 1 || spikes[pacs.IP.String()] != 1 {
		t.Errorf("volume spikes %v, anomalies %+v", spikes, got)
	}
}

// clientHello is a minimal TLS 1.2 ClientHello record with an SNI.
func clientHello(sni string) []byte {
	ext := []byte{0, 0}
	list := append([]byte{0}, byte(len(sni)>>8), byte(len(sni)))
	list = append(list, sni...)
	sn := append([]byte{byte(len(list) >> 8), byte(len(list))}, list...)
	ext = append(ext, byte(len(sn)>>8), byte(len(sn)))
	ext = append(ext, sn...)
	body := []byte{3, 3}
	body = append(body, make([]byte, 32)...)
	body = append(body, 0, 0, 2, 0xc0, 0x2f, 1, 0)
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	hs := append([]byte{1, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{22, 3, 1, byte(len(hs) >> 8), byte(len(hs))}, hs...)
}
