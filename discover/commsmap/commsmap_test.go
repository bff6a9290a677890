package commsmap_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/commsmap"
	"bianque/discover/internal/synth"
	"bianque/discover/pipeline"
	"bianque/internal/testutil"
)

func run(t *testing.T, b []byte) *discover.Report {
	t.Helper()
	r, err := pipeline.Pcap(context.Background(), bytes.NewReader(b), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func flow(t *testing.T, r *discover.Report, client, server string, port int) *discover.Flow {
	t.Helper()
	for i := range r.Flows {
		f := &r.Flows[i]
		if f.Client == client && f.Server == server && f.Port == port {
			return f
		}
	}
	t.Fatalf("no flow %s -> %s:%d in %+v", client, server, port, r.Flows)
	return nil
}

func risks(d *discover.Device) []string {
	var out []string
	for _, r := range d.Risks {
		out = append(out, r.Kind)
	}
	return out
}

func dev(t *testing.T, r *discover.Report, ip string) *discover.Device {
	t.Helper()
	for i := range r.Devices {
		if r.Devices[i].IP == ip {
			return &r.Devices[i]
		}
	}
	t.Fatalf("no device %s", ip)
	return nil
}

func TestRisksAndCategories(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.New(&buf, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	ws := synth.NewHost("02:00:00:00:00:70", "10.3.0.70")
	pump := synth.NewHost("02:00:00:00:00:20", "10.2.0.20")
	engine := synth.NewHost("02:00:00:00:00:05", "10.2.0.5")
	ct := synth.NewHost("02:00:00:00:00:10", "10.1.0.10")
	pacs := synth.NewHost("02:00:00:00:00:50", "10.1.0.50")
	cam := synth.NewHost("02:00:00:00:00:40", "10.4.0.40")
	inet := synth.NewHost("02:00:00:00:00:01", "203.0.114.9")

	tel := w.Dial(ws, pump, 40001, 23)
	tel.Send(false, []byte{0xff, 0xfb, 0x01}, 0)
	tel.Close()
	ftp := w.Dial(ws, pump, 40002, 21)
	ftp.Send(false, []byte("220 pump FTP ready\r\n"), 0)
	ftp.Send(true, []byte("USER service\r\n"), 0)
	ftp.Close()
	basic := w.Dial(ws, cam, 40003, 80)
	basic.Send(true, []byte("GET /cgi-bin/snapshot HTTP/1.1\r\nHost: 10.4.0.40\r\nAuthorization: Basic "+
		base64.StdEncoding.EncodeToString([]byte("admin:12345"))+"\r\n\r\n"), 0)
	basic.Send(false, []byte("HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: 0\r\n\r\n"), 0)
	basic.Close()
	hl7 := w.Dial(pump, engine, 40004, 2575)
	hl7.Send(true, synth.MLLP("MSH|^~\\&|PUMP|ICU|DOR|HOSP|20260301||ORU^R01|1|P|2.6"), 0)
	hl7.Close()
	d := w.Dial(ct, pacs, 40005, 104)
	d.Send(true, synth.AssociateRQ("PACS", "CT1", []synth.PresentationContext{{ID: 1, AbstractSyntax: "1.2.840.10008.1.1", TransferSyntaxes: []string{synth.ImplicitLE}}}, "1", "X"), 0)
	d.Close()
	// An internet client reaches the camera's web server.
	exp := w.Dial(inet, cam, 40006, 80)
	exp.Send(true, []byte("GET / HTTP/1.1\r\nHost: cam\r\n\r\n"), 0)
	exp.Send(false, []byte("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"), 0)
	exp.Close()
	// RDP from a workstation to the internet.
	rdp := w.Dial(ws, inet, 40007, 3389)
	rdp.Send(true, []byte{3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 0, 0}, 0)
	rdp.Close()

	r := run(t, buf.Bytes())
	for _, c := range []struct {
		client, server string
		port           int
		category       string
		risk           string
	}{
		{ws.IP.String(), pump.IP.String(), 23, discover.CategoryControl, "cleartext"},
		{ws.IP.String(), pump.IP.String(), 21, discover.CategoryOther, "cleartext-credentials"},
		{ws.IP.String(), cam.IP.String(), 80, discover.CategoryOther, "cleartext-credentials"},
		{pump.IP.String(), engine.IP.String(), 2575, discover.CategoryClinical, "phi-cleartext"},
		{ct.IP.String(), pacs.IP.String(), 104, discover.CategoryClinical, "phi-cleartext"},
		{inet.IP.String(), cam.IP.String(), 80, discover.CategoryOther, "internet-exposure"},
		{ws.IP.String(), inet.IP.String(), 3389, discover.CategoryControl, "internet-remote-access"},
	} {
		f := flow(t, r, c.client, c.server, c.port)
		if f.Category != c.category || !slices.Contains(f.Risks, c.risk) {
			t.Errorf("%s -> %s:%d: category %s risks %v, want %s and %s", c.client, c.server, c.port, f.Category, f.Risks, c.category, c.risk)
		}
	}
	if f := flow(t, r, pump.IP.String(), engine.IP.String(), 2575); !f.Clinical || !f.PHI {
		t.Errorf("HL7 flow not clinical/PHI: %+v", f)
	}
	if p := dev(t, r, pump.IP.String()); p.PHI != "large" || !slices.Contains(risks(p), "cleartext") {
		t.Errorf("pump PHI %q risks %v", p.PHI, risks(p))
	}
	if f := flow(t, r, ws.IP.String(), inet.IP.String(), 3389); !f.Internet {
		t.Errorf("internet flag missing: %+v", f)
	}
	m := commsmap.Build(r)
	wm := m.Devices[ws.IP.String()]
	if wm == nil || len(wm.Internet) != 1 || wm.Internet[0] != inet.IP.String() {
		t.Errorf("workstation internet destinations %+v", wm)
	}
	if pm := m.Devices[pump.IP.String()]; pm == nil || !pm.Clinical || len(pm.Peers) != 3 {
		t.Errorf("pump map %+v", pm)
	}
}

// TestDefaultCommunityCorpus: the SNMP corpus capture uses the default
// community "public" over SNMPv1.
func TestDefaultCommunityCorpus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.Corpora(t), "pcap", "zeek_snmp_snmpv1_get.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, b)
	f := flow(t, r, "172.31.19.54", "172.31.19.73", 161)
	if !slices.Contains(f.Risks, "default-credential") || !slices.Contains(f.Risks, "weak-auth") || f.Category != discover.CategoryControl {
		t.Errorf("snmp flow %+v", f)
	}
	if d := dev(t, r, "172.31.19.73"); !slices.Contains(risks(d), "default-credential") {
		t.Errorf("agent risks %v", risks(d))
	}
}

func TestVendorEndpoint(t *testing.T) {
	r := &discover.Report{
		Devices: []discover.Device{{IP: "10.1.0.10", Vendor: "Siemens Healthineers"}, {IP: "10.1.0.11", Vendor: "GE Healthcare"}},
		Flows: []discover.Flow{
			{Client: "10.1.0.10", Server: "198.51.99.1", Transport: "tcp", Port: 443, App: []string{"tls"}, Details: map[string][]string{"tls.sni": {"remote.siemens-healthineers.com"}}},
			{Client: "10.1.0.10", Server: "198.51.99.2", Transport: "tcp", Port: 443, App: []string{"tls"}, Details: map[string][]string{"tls.sni": {"www.example.com"}}},
			{Client: "10.1.0.11", Server: "198.51.99.3", Transport: "tcp", Port: 80, App: []string{"http"}, Details: map[string][]string{"http.host": {"update.gehealthcare.com:80"}}},
		},
	}
	commsmap.Enrich(r)
	want := []bool{true, false, true}
	for i, f := range r.Flows {
		if f.VendorEndpoint != want[i] || !f.Internet || f.ServerName == "" {
			t.Errorf("flow %d: %+v", i, f)
		}
	}
}
