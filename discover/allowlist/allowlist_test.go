package allowlist_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/allowlist"
	"bianque/discover/internal/synth"
	"bianque/discover/pipeline"
	"bianque/internal/testutil"
)

var (
	ct      = synth.NewHost("02:00:00:00:00:10", "10.1.0.10")
	pacs    = synth.NewHost("02:00:00:00:00:50", "10.1.0.50")
	ris     = synth.NewHost("02:00:00:00:00:51", "10.1.0.51")
	pump    = synth.NewHost("02:00:00:00:00:20", "10.2.0.20")
	engine  = synth.NewHost("02:00:00:00:00:05", "10.2.0.5")
	dns     = synth.NewHost("02:00:00:00:00:53", "10.0.0.53")
	ws      = synth.NewHost("02:00:00:00:00:70", "10.3.0.70")
	printer = synth.NewHost("02:00:00:00:00:71", "10.3.0.71")
	vendor  = synth.NewHost("02:00:00:00:00:01", "198.51.99.10")
	other   = synth.NewHost("02:00:00:00:00:01", "93.184.216.34")
)

func clientHello(sni string) []byte {
	list := append([]byte{0, byte(len(sni) >> 8), byte(len(sni))}, sni...)
	sn := append([]byte{byte(len(list) >> 8), byte(len(list))}, list...)
	ext := append([]byte{0, 0, byte(len(sn) >> 8), byte(len(sn))}, sn...)
	body := append([]byte{3, 3}, make([]byte, 32)...)
	body = append(body, 0, 0, 2, 0xc0, 0x2f, 1, 0, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	hs := append([]byte{1, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{22, 3, 1, byte(len(hs) >> 8), byte(len(hs))}, hs...)
}

// hospital writes the learning traffic: DICOM store and worklist, HL7 from
// an infusion pump, DNS, printing, the CT's vendor remote service and an
// internet destination that is not the vendor's.
func hospital(t *testing.T, start time.Time, extra func(w *synth.Writer)) []byte {
	var buf bytes.Buffer
	w, err := synth.New(&buf, start)
	if err != nil {
		t.Fatal(err)
	}
	sop := "1.2.840.10008.5.1.4.1.1.2"
	pcs := []synth.PresentationContext{{ID: 1, AbstractSyntax: sop, TransferSyntaxes: []string{synth.ExplicitLE}}}
	c := w.Dial(ct, pacs, 40001, 104)
	c.Send(true, synth.AssociateRQ("PACS", "CT1", pcs, "1.2.3", "CT"), 0)
	c.Send(false, synth.AssociateAC("PACS", "CT1", pcs, "1.2.4", "PACS"), 0)
	c.Send(true, synth.PData(1, true, true, synth.Command(0x0001, sop, 1, true)), 0)
	c.Send(true, synth.PData(1, false, true, synth.Explicit(
		synth.Element{Tag: 0x00080060, VR: "CS", Value: []byte("CT")},
		synth.Element{Tag: 0x00080070, VR: "LO", Value: []byte("SIEMENS")})), 0)
	c.Send(false, synth.PData(1, true, true, synth.Command(0x8001, sop, 1, false)), 0)
	c.Close()
	mwl := "1.2.840.10008.5.1.4.31"
	m := w.Dial(ct, ris, 40002, 104)
	m.Send(true, synth.AssociateRQ("RIS", "CT1", []synth.PresentationContext{{ID: 1, AbstractSyntax: mwl, TransferSyntaxes: []string{synth.ImplicitLE}}}, "1.2.3", "CT"), 0)
	m.Close()
	h := w.Dial(pump, engine, 40003, 2575)
	h.Send(true, synth.MLLP("MSH|^~\\&|PUMP|ICU|DOR|HOSP|20260301||ORU^R01|1|P|2.6", "OBX|1||69985^MDC_DEV_PUMP_INFUS_MDS^MDC"), 0)
	h.Close()
	for _, src := range []synth.Host{ct, ws, pump} {
		w.UDP(src, dns, 50000, 53, []byte{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'p', 'a', 'c', 0, 0, 1, 0, 1})
		w.UDP(dns, src, 53, 50000, []byte{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'p', 'a', 'c', 0, 0, 1, 0, 1})
	}
	p := w.Dial(ws, printer, 40004, 9100)
	p.Send(true, []byte("%!PS"), 0)
	p.Close()
	v := w.Dial(ct, vendor, 40005, 443)
	v.Send(true, clientHello("remote.siemens-healthineers.com"), 0)
	v.Close()
	o := w.Dial(ct, other, 40006, 443)
	o.Send(true, clientHello("www.example.com"), 0)
	o.Close()
	if extra != nil {
		extra(w)
	}
	return buf.Bytes()
}

func report(t *testing.T, b []byte) *discover.Report {
	t.Helper()
	r, err := pipeline.Pcap(context.Background(), bytes.NewReader(b), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGenerateAndReplay(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	learn := report(t, hospital(t, t0, nil))
	pol := allowlist.Generate(learn, allowlist.Options{})

	for _, g := range []string{"ct", "pacs", "ris", "infusion_pump", "clinical_system"} {
		found := false
		for _, s := range pol.Segmented {
			found = found || s == g
		}
		if !found {
			t.Errorf("group %s not segmented: %v (groups %v)", g, pol.Segmented, pol.Groups)
		}
	}
	// The learning traffic breaks nothing but the excluded internet flow.
	breaks := pol.WhatWouldBreak(learn)
	if len(breaks) != 1 || breaks[0].Flow.Server != other.IP.String() || breaks[0].Clinical {
		t.Fatalf("learning traffic would break: %+v", breaks)
	}
	// Replaying the same traffic a day later drops nothing else either.
	replay := report(t, hospital(t, t0.Add(24*time.Hour), nil))
	for _, f := range replay.Flows {
		d := pol.Evaluate(f.Key())
		if !d.Allowed && f.Server != other.IP.String() {
			t.Errorf("replayed flow denied: %+v: %s", f.Key(), d.Reason)
		}
	}
	// The vendor's remote service stays allowed; clinical rules come first.
	if d := pol.Evaluate(discover.FlowKey{Client: ct.IP.String(), Server: vendor.IP.String(), Transport: "tcp", Port: 443}); !d.Allowed {
		t.Errorf("vendor endpoint denied: %s", d.Reason)
	}
	if !pol.Rules[0].Clinical {
		t.Errorf("first rule %+v is not clinical", pol.Rules[0])
	}
	// New peers, ports and internet destinations are denied.
	for _, k := range []discover.FlowKey{
		{Client: ct.IP.String(), Server: "10.9.9.9", Transport: "tcp", Port: 104},
		{Client: ct.IP.String(), Server: pacs.IP.String(), Transport: "tcp", Port: 22},
		{Client: "10.9.9.9", Server: pacs.IP.String(), Transport: "tcp", Port: 104},
		{Client: pump.IP.String(), Server: "8.8.8.8", Transport: "udp", Port: 53},
	} {
		if d := pol.Evaluate(k); d.Allowed || !d.Covered {
			t.Errorf("%+v allowed: %s", k, d.Reason)
		}
	}
	// Traffic between unsegmented devices is not the policy's business.
	if d := pol.Evaluate(discover.FlowKey{Client: ws.IP.String(), Server: printer.IP.String(), Transport: "tcp", Port: 9100}); !d.Allowed || d.Covered {
		t.Errorf("workstation to printer: %+v", d)
	}
	// A new peer in replayed traffic is caught by what-would-break.
	newPeer := report(t, hospital(t, t0.Add(48*time.Hour), func(w *synth.Writer) {
		c := w.Dial(ct, synth.NewHost("02:00:00:00:00:99", "10.9.9.9"), 41000, 104)
		c.Send(true, synth.AssociateRQ("X", "CT1", []synth.PresentationContext{{ID: 1, AbstractSyntax: "1.2.840.10008.1.1", TransferSyntaxes: []string{synth.ImplicitLE}}}, "1", "X"), 0)
		c.Close()
	}))
	found := false
	for _, b := range pol.WhatWouldBreak(newPeer) {
		if b.Flow.Server == "10.9.9.9" {
			found = b.Clinical
		}
	}
	if !found {
		t.Errorf("new DICOM peer not reported as a clinical flow the policy denies")
	}
}

func TestWhatWouldBreakProposedPolicy(t *testing.T) {
	learn := report(t, hospital(t, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), nil))
	pol := allowlist.Generate(learn, allowlist.Options{})
	// A proposal that forgot the HL7 rule must show the clinical flow it cuts, first.
	var kept []allowlist.Rule
	for _, r := range pol.Rules {
		if r.Port != 2575 {
			kept = append(kept, r)
		}
	}
	pol.Rules = kept
	br := pol.WhatWouldBreak(learn)
	if len(br) < 2 || !br[0].Clinical || br[0].Flow.Port != 2575 || br[0].Flow.Client != pump.IP.String() {
		t.Fatalf("breakage %+v", br)
	}
}

func TestExports(t *testing.T) {
	learn := report(t, hospital(t, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), nil))
	pol := allowlist.Generate(learn, allowlist.Options{})
	rows, err := csv.NewReader(strings.NewReader(pol.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(pol.Rules)+2*len(pol.Segmented) || rows[0][0] != "rule" {
		t.Fatalf("csv: %d rows for %d rules", len(rows), len(pol.Rules))
	}
	if !strings.Contains(rows[1][2], ct.IP.String()) && !strings.Contains(rows[1][3], ct.IP.String()) {
		t.Errorf("first rule row %v", rows[1])
	}
	tab := pol.Table()
	for _, s := range []string{"RULE", "ct:", pacs.IP.String(), "tcp/104", "dicom", "www.example.com"} {
		if !strings.Contains(tab, s) && !strings.Contains(tab, other.IP.String()) {
			t.Errorf("table lacks %q:\n%s", s, tab)
		}
	}
	nft := pol.Nftables()
	for _, s := range []string{"table inet bianque_seg", "set g_ct", "tcp dport 104 accept", "counter drop"} {
		if !strings.Contains(nft, s) {
			t.Errorf("nftables lacks %q:\n%s", s, nft)
		}
	}
}

// TestNftablesLoads loads the generated ruleset into a network namespace
// the test creates (root and nft needed), so the kernel parses it.
func TestNftablesLoads(t *testing.T) {
	if _, err := exec.LookPath("nft"); err != nil {
		testutil.Missing(t, "nft not installed (apt-get install nftables)")
	}
	learn := report(t, hospital(t, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), nil))
	pol := allowlist.Generate(learn, allowlist.Options{})
	file := filepath.Join(t.TempDir(), "seg.nft")
	if err := os.WriteFile(file, []byte(pol.Nftables()), 0o600); err != nil {
		t.Fatal(err)
	}
	ns := testutil.Netns(t, "bianque-nft-")
	for range 2 { // loading twice proves the file replaces its own table
		if out, err := exec.Command("ip", "netns", "exec", ns, "nft", "-f", file).CombinedOutput(); err != nil {
			t.Fatalf("nft -f: %v\n%s\n%s", err, out, pol.Nftables())
		}
	}
	out, err := exec.Command("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "bianque_seg").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v: %s", err, out)
	}
	for _, s := range []string{"set g_ct", ct.IP.String(), "tcp dport 104 accept", "drop"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("loaded ruleset lacks %q:\n%s", s, out)
		}
	}
}
