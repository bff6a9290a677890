package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"bianque/auth"
	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/decode"
	"bianque/discover/pipeline"
	"bianque/internal/testutil"
)

// readdressCapture rewrites a corpus capture taken on the loopback so that
// the client and the server of serverPort get Ethernet and IPv4 addresses of
// their own (loopback addresses are not hospital devices), and writes it to
// dir. The corpus file itself is only read.
func readdressCapture(t *testing.T, dir, name string, serverPort uint16, client, server string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(testutil.Corpora(t), "pcap", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := capture.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, strings.TrimSuffix(name, ".pcap")+"-readdressed.pcap")
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	w, err := capture.NewPcapWriter(o, decode.LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	type host struct {
		mac [6]byte
		ip  [4]byte
	}
	mk := func(ip string, last byte) host {
		a, err := netipParse(ip)
		if err != nil {
			t.Fatal(err)
		}
		return host{mac: [6]byte{0x02, 0, 0, 0, 1, last}, ip: a}
	}
	c, s := mk(client, 1), mk(server, 2)
	var p decode.Packet
	for {
		fr, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b := bytes.Clone(fr.Data)
		if fr.Link == decode.LinkEthernet && p.Decode(fr.Link, b) == nil && p.Proto == decode.ProtoTCP && len(b) >= 34 {
			from, to := c, s
			if p.SrcPort == serverPort {
				from, to = s, c
			}
			copy(b[0:6], to.mac[:])
			copy(b[6:12], from.mac[:])
			copy(b[26:30], from.ip[:])
			copy(b[30:34], to.ip[:])
		}
		if err := w.WritePacket(fr.Time, b); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func netipParse(s string) ([4]byte, error) {
	ip := net.ParseIP(s).To4()
	if ip == nil {
		return [4]byte{}, fmt.Errorf("bad IPv4 %q", s)
	}
	return [4]byte(ip), nil
}

// platformProc is bianque serve --demo running in the test process.
type platformProc struct {
	base, ingestAddr, fingerprint string
	out, log                      *syncBuffer
	cancel                        context.CancelFunc
	done                          chan error
}

func startPlatform(t *testing.T, data, ingestAddr string) *platformProc {
	t.Helper()
	pp := &platformProc{out: &syncBuffer{}, log: &syncBuffer{}, done: make(chan error, 1)}
	env := &cmdEnv{Stdout: pp.out, Stderr: pp.log, Getenv: func(k string) string {
		return map[string]string{"BIANQUE_DATA": data, "BIANQUE_DEMO_INTERVAL": "1h"}[k]
	}}
	cfg, err := parseServe(env, commands["serve"], []string{"--demo", "--ingest-addr", ingestAddr})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pp.cancel = cancel
	go func() { pp.done <- serve(ctx, env, cfg, slog.New(slog.NewTextHandler(pp.log, nil)), ln, nil, nil) }()
	pp.base = "http://" + ln.Addr().String()
	waitHealthy(t, pp.base)
	re := regexp.MustCompile(`collector endpoint" addr=(\S+) ca_fingerprint=(\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(pp.log.String()); m != nil {
			pp.ingestAddr, pp.fingerprint = m[1], m[2]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no collector endpoint in the log:\n%s", pp.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(pp.stop)
	return pp
}

func (pp *platformProc) stop() {
	if pp.cancel == nil {
		return
	}
	pp.cancel()
	pp.cancel = nil
	select {
	case <-pp.done:
	case <-time.After(30 * time.Second):
	}
}

// collectorProc is bianque collect running in the test process.
type collectorProc struct {
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func startCollector(t *testing.T, args ...string) *collectorProc {
	t.Helper()
	cp := &collectorProc{log: &syncBuffer{}, done: make(chan error, 1)}
	env := &cmdEnv{Stdout: cp.log, Stderr: cp.log, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	cp.cancel = cancel
	go func() { cp.done <- runCollect(ctx, env, args) }()
	t.Cleanup(cp.stop)
	return cp
}

func (cp *collectorProc) stop() {
	if cp.cancel == nil {
		return
	}
	cp.cancel()
	cp.cancel = nil
	select {
	case <-cp.done:
	case <-time.After(30 * time.Second):
	}
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool, logs ...*syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, l := range logs {
				s := l.String()
				if len(s) > 4000 {
					s = s[len(s)-4000:]
				}
				b.WriteString(s)
				b.WriteString("\n---\n")
			}
			t.Fatalf("timed out waiting for %s\n%s", what, b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type deviceItem struct {
	Key        string `json:"key"`
	DeviceType string `json:"device_type"`
	Kind       string `json:"kind"`
	PHI        string `json:"phi"`
}

type deviceDetail struct {
	Record discover.Device `json:"record"`
	Asset  *struct {
		Sources []string `json:"sources"`
	} `json:"asset"`
}

type peerGraph struct {
	Edges []struct {
		Source, Target string
		Transport      string
		Port           int
		Apps           []string
		Packets, Bytes int64
	}
}

// offlineFlows returns the flow totals bianque discover reports for a capture.
func offlineFlows(t *testing.T, path string) map[discover.FlowKey]discover.Flow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := pipeline.Pcap(context.Background(), f, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[discover.FlowKey]discover.Flow{}
	for _, fl := range rep.Flows {
		out[fl.Key()] = fl
	}
	return out
}

// TestCollectDiscoveryEndToEnd runs the platform (bianque serve --demo on
// SQLite) and a collector (bianque collect --pcap) in this process. The
// collector enrols for the second demo hospital; its administrator approves
// it through the API; the DICOM capture of the corpus (re-addressed off the
// loopback) is replayed at the collector, and the CT and the PACS appear in
// that hospital's device inventory with their DICOM identities, as passive
// assets, and not in the other hospital's. Then the platform is stopped, the
// collector replays the HL7 capture into its spool, and the platform comes
// back on the same address: the HL7 sender and receiver arrive, and every
// flow's packet and byte counts equal bianque discover's on the same
// capture — nothing lost, nothing counted twice.
func TestCollectDiscoveryEndToEnd(t *testing.T) {
	passwordCost = cheap
	defer func() { passwordCost = auth.DefaultArgon2 }()
	dir := t.TempDir()
	dicom := readdressCapture(t, dir, "dicom_echo_store.pcap", 11112, "10.1.0.10", "10.1.0.50")
	hl7 := readdressCapture(t, dir, "hl7_mllp_oru_adt.pcap", 2575, "10.1.0.20", "10.1.0.60")
	want := offlineFlows(t, dicom)
	for k, v := range offlineFlows(t, hl7) {
		want[k] = v
	}

	data := filepath.Join(dir, "platform")
	pp := startPlatform(t, data, "127.0.0.1:0")
	admin := signInDemo(t, pp.base, pp.out.String(), "tcm-admin")
	var tenants struct{ Items []struct{ ID, Code string } }
	admin.do("GET", "/api/v1/tenants?code=demo-tcm", nil, 200, &tenants)
	if len(tenants.Items) != 1 {
		t.Fatalf("tenant demo-tcm: %+v", tenants)
	}
	tid := tenants.Items[0].ID
	collectArgs := func(pcap string) []string {
		return []string{"--platform", "https://" + pp.ingestAddr, "--tenant", "demo-tcm", "--ca-pin", pp.fingerprint,
			"--data-dir", filepath.Join(dir, "collector"), "--name", "imaging-edge", "--pcap", pcap,
			"--enrol-poll", "50ms", "--sensor-interval", "200ms", "--sync", "none"}
	}
	ml, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ml.Addr().String()
	ml.Close()
	cp := startCollector(t, append(collectArgs(dicom), "--metrics", metricsAddr)...)

	// The hospital administrator approves the pending collector.
	var comps struct {
		Items []struct{ ID, Name, State string }
	}
	waitUntil(t, "a pending collector", 30*time.Second, func() bool {
		admin.do("GET", "/api/v1/tenants/"+tid+"/components?state=pending", nil, 200, &comps)
		return len(comps.Items) == 1
	}, cp.log, pp.log)
	if comps.Items[0].Name != "imaging-edge" {
		t.Fatalf("pending component %+v", comps.Items[0])
	}
	admin.do("POST", "/api/v1/tenants/"+tid+"/components/"+comps.Items[0].ID+"/approve", nil, 200, nil)

	devices := func() map[string]deviceItem {
		var inv struct{ Items []deviceItem }
		admin.do("GET", "/api/v1/tenants/"+tid+"/devices?limit=200", nil, 200, &inv)
		m := map[string]deviceItem{}
		for _, it := range inv.Items {
			m[it.Key] = it
		}
		return m
	}
	waitUntil(t, "the CT and the PACS in the inventory", 60*time.Second, func() bool {
		d := devices()
		return d["10.1.0.10"].DeviceType == "ct" && d["10.1.0.50"].DeviceType == "pacs"
	}, cp.log, pp.log)
	var ct deviceDetail
	admin.do("GET", "/api/v1/tenants/"+tid+"/devices/10.1.0.10", nil, 200, &ct)
	if !slices.Contains(ct.Record.Identities.Get("dicom", "calling_ae"), "CT01_CONSOLE") ||
		len(ct.Record.Identities.Get("dicom", "impl_class_uid")) == 0 {
		t.Fatalf("CT identities: %+v", ct.Record.Identities)
	}
	if ct.Asset == nil || !slices.Contains(ct.Asset.Sources, "passive") {
		t.Fatalf("CT asset: %+v", ct.Asset)
	}
	// The collector's metrics show the sensor's work.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`bianque_collector_sensor_frames_total 48`, `bianque_collector_sensor_sightings_total [1-9]\d*`,
		`bianque_collector_sensor_flow_summaries_total [1-9]\d*`, `bianque_collector_sensor_batches_total [1-9]\d*`,
		`bianque_collector_sensor_hosts_evicted_total 0`, `bianque_collector_sensor_lost_total 0`} {
		if !regexp.MustCompile(`(?m)^` + m + `$`).Match(body) {
			t.Errorf("collector metrics lack %q:\n%s", m, body)
		}
	}
	// A new device opens a confirmation ticket for the hospital, as for a
	// sensor on the platform.
	var tickets struct {
		Items []struct{ Source, Category string }
	}
	admin.do("GET", "/api/v1/tickets?limit=1000", nil, 200, &tickets)
	confirm := false
	for _, tk := range tickets.Items {
		confirm = confirm || (tk.Source == "discover:10.1.0.10" && tk.Category == "asset_change")
	}
	if !confirm {
		t.Fatalf("no confirmation ticket for the CT among %d tickets: %+v\n%s", len(tickets.Items), tickets.Items, pp.log.String())
	}
	// Tenant isolation: the first demo hospital does not see them.
	manager := signInDemo(t, pp.base, pp.out.String(), "manager")
	var all struct{ Items []struct{ ID, Code string } }
	manager.do("GET", "/api/v1/tenants?code=demo-szph", nil, 200, &all)
	manager.do("GET", "/api/v1/tenants/"+all.Items[0].ID+"/devices/10.1.0.10", nil, 404, nil)
	cp.stop()
	if strings.Contains(pp.log.String(), "discovery batch") {
		t.Fatalf("the platform refused or dropped discovery batches:\n%s", pp.log.String())
	}

	// The platform goes down; the collector replays the HL7 capture into
	// its spool; the platform comes back on the same address.
	addr := pp.ingestAddr
	pp.stop()
	cp = startCollector(t, collectArgs(hl7)...)
	waitUntil(t, "the HL7 capture spooled", 30*time.Second, func() bool {
		return strings.Contains(cp.log.String(), "passive discovery input finished")
	}, cp.log)
	time.Sleep(300 * time.Millisecond) // a forward attempt fails meanwhile
	pp = startPlatform(t, data, addr)
	admin = signInDemo(t, pp.base, pp.out.String(), "tcm-admin")
	waitUntil(t, "the HL7 systems in the inventory", 60*time.Second, func() bool {
		d := devices()
		return d["10.1.0.20"].Key != "" && d["10.1.0.60"].Key != ""
	}, cp.log, pp.log)
	var lis deviceDetail
	admin.do("GET", "/api/v1/tenants/"+tid+"/devices/10.1.0.20", nil, 200, &lis)
	if apps := lis.Record.Identities.Get("hl7", "sending_app"); !slices.Contains(apps, "GHH LAB") {
		t.Fatalf("HL7 sender identities: %+v", lis.Record.Identities)
	}
	// Every flow reaches the counts of the offline report, and stays there
	// (a re-sent batch would push them over).
	mismatch := func() string {
		got := map[discover.FlowKey][2]int64{}
		for _, dev := range []string{"10.1.0.10", "10.1.0.20"} {
			var g peerGraph
			admin.do("GET", "/api/v1/tenants/"+tid+"/devices/"+dev+"/peers", nil, 200, &g)
			for _, e := range g.Edges {
				got[discover.FlowKey{Client: e.Source, Server: e.Target, Transport: e.Transport, Port: e.Port}] = [2]int64{e.Packets, e.Bytes}
			}
		}
		for k, w := range want {
			if k.Client != "10.1.0.10" && k.Client != "10.1.0.20" {
				continue
			}
			if g := got[k]; g[0] != int64(w.Packets) || g[1] != int64(w.Bytes) {
				return fmt.Sprintf("flow %+v: platform has %d packets %d bytes, bianque discover %d/%d", k, g[0], g[1], w.Packets, w.Bytes)
			}
		}
		return ""
	}
	waitUntil(t, "the flow counts of the offline report", 30*time.Second, func() bool { return mismatch() == "" }, cp.log, pp.log)
	time.Sleep(time.Second)
	if m := mismatch(); m != "" {
		t.Fatal(m)
	}
	compared := 0
	for k, w := range want {
		if k.Client == "10.1.0.10" || k.Client == "10.1.0.20" {
			compared++
			t.Logf("flow %s → %s %s/%d: %d packets, %d bytes on the platform as offline", k.Client, k.Server, k.Transport, k.Port, w.Packets, w.Bytes)
		}
	}
	if strings.Contains(pp.log.String(), "discovery batch") {
		t.Fatalf("the platform refused or dropped discovery batches:\n%s", pp.log.String())
	}
	if compared < 2 {
		t.Fatalf("only %d flows compared: %+v", compared, want)
	}
}

// getDevice reads a device page; false while the device is not there yet.
func getDevice(a *apiClient, tenantID, key string, out *deviceDetail) bool {
	resp, err := a.c.Get(a.base + "/api/v1/tenants/" + tenantID + "/devices/" + key)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(out) == nil
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
