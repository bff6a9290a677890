package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianque/internal/testutil"
)

func runDiscoverArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cmdEnv{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := run(context.Background(), env, append([]string{"discover"}, args...))
	return code, out.String(), errb.String()
}

// TestDiscoverContract checks the JSON document external suites read:
// {"devices":[{"ip","macs","vendor","names","os","device_type","confidence",
// "identities"}],"flows":[{"client","server","transport","port","app"}]}.
func TestDiscoverContract(t *testing.T) {
	pcap := filepath.Join(testutil.Corpora(t), "pcap", "dicom_echo_store.pcap")
	code, out, errs := runDiscoverArgs(t, "--pcap", pcap)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Devices []map[string]any `json:"devices"`
		Flows   []map[string]any `json:"flows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not one JSON document: %v", err)
	}
	if len(doc.Devices) == 0 || len(doc.Flows) == 0 {
		t.Fatalf("empty report: %s", out)
	}
	for _, d := range doc.Devices {
		for _, k := range []string{"ip", "macs", "vendor", "names", "os", "device_type", "confidence", "identities"} {
			if _, ok := d[k]; !ok {
				t.Errorf("device lacks %q: %v", k, d)
			}
		}
	}
	for _, f := range doc.Flows {
		for _, k := range []string{"client", "server", "transport", "port", "app"} {
			if _, ok := f[k]; !ok {
				t.Errorf("flow lacks %q: %v", k, f)
			}
		}
	}
	for _, s := range []string{`"calling_ae":["CT01_CONSOLE"]`, `"called_ae":["PACS_ARCHIVE"]`, `"impl_version":["OFFIS_DCMTK_367"]`} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %s", s)
		}
	}
	testutil.Golden(t, "discover_dicom_echo_store.json", []byte(out))
}

func TestDiscoverFlowsAndAllowlist(t *testing.T) {
	dir := t.TempDir()
	conn := filepath.Join(dir, "conn.log")
	log := "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
		"1772352000.1\tC1\t10.1.0.10\t40001\t10.1.0.50\t104\ttcp\t-\t2.5\t100\t200\tSF\t-\t-\t0\tShADadFf\t10\t1200\t8\t900\t-\n"
	if err := os.WriteFile(conn, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runDiscoverArgs(t, "--flows", conn)
	if code != 0 || !strings.Contains(out, `"client":"10.1.0.10","server":"10.1.0.50","transport":"tcp","port":104,"app":["dicom"]`) {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	pcap := filepath.Join(testutil.Corpora(t), "pcap", "ndpi_iphone.pcap")
	code, out, errs = runDiscoverArgs(t, "--pcap", pcap, "--allowlist", "table")
	if code != 0 || !strings.Contains(out, "Groups:") {
		t.Fatalf("allowlist exit %d: %s %s", code, out, errs)
	}
}

func TestDiscoverBadInput(t *testing.T) {
	if code, _, _ := runDiscoverArgs(t); code != 2 {
		t.Errorf("no input: exit %d, want 2", code)
	}
	if code, _, _ := runDiscoverArgs(t, "--pcap", "a", "--flows", "b"); code != 2 {
		t.Errorf("two inputs: exit %d, want 2", code)
	}
	if code, _, errs := runDiscoverArgs(t, "--pcap", filepath.Join(t.TempDir(), "missing.pcap")); code != 1 || !strings.Contains(errs, "open capture") {
		t.Errorf("missing file: exit %d: %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.pcap")
	os.WriteFile(bad, []byte("this is not a capture"), 0o600)
	if code, _, errs := runDiscoverArgs(t, "--pcap", bad); code != 1 || !strings.Contains(errs, "not a pcap") {
		t.Errorf("bad capture: exit %d: %s", code, errs)
	}
	// A capture cut in the middle: the report of what was read, and exit 1.
	src, err := os.ReadFile(filepath.Join(testutil.Corpora(t), "pcap", "ndpi_iphone.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	os.WriteFile(cut, src[:len(src)/2], 0o600)
	code, out, errs := runDiscoverArgs(t, "--pcap", cut)
	if code != 1 || !strings.Contains(errs, "read capture") || !strings.Contains(out, `"devices"`) {
		t.Errorf("truncated capture: exit %d: %s", code, errs)
	}
}
