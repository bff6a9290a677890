package main

import (
	"encoding/json"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"bianque/internal/testutil"
)

func TestVulnImportCommand(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "vuln", "scanner-reports")
	code, out, errOut := runCmd(t, nil, "vuln", "import", filepath.Join(dir, "nmap", "nmap_script_vulners.xml"), filepath.Join(dir, "tenable", "nessus", "nessus_many_vuln.xml"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3+6 {
		t.Fatalf("%d findings, want 9", len(lines))
	}
	var f map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &f); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"title", "severity", "cves", "cvss_score", "cvss_vector", "host", "port", "protocol", "component", "component_version", "scanner", "plugin_id", "description", "solution", "references", "count"} {
		if _, ok := f[k]; !ok {
			t.Errorf("key %s missing from %s", k, lines[0])
		}
	}
	if code, _, errOut := runCmd(t, nil, "vuln", "import", "--format", "nope", filepath.Join(dir, "nmap", "nmap_1port.xml")); code != 1 || !strings.Contains(errOut, "unknown report format") {
		t.Fatalf("unknown format: exit %d %s", code, errOut)
	}
}

func TestVulnMatchCommand(t *testing.T) {
	c := testutil.Corpora(t)
	code, out, errOut := runCmd(t, nil, "vuln", "match", "--nvd", filepath.Join(c, "cve-hospital", "CVE-2021-41773.json"),
		"--kev", filepath.Join(c, "vuln", "kev", "known_exploited_vulnerabilities.json"), "--csaf", filepath.Join(c, "vuln", "icsma-csaf"),
		"--asset", "product=http_server,version=2.4.49", "--asset", "vendor=GE,product=Aestiva,version=7100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"cve":"CVE-2021-41773"`) || !strings.Contains(out, `"kev":true`) || !strings.Contains(out, "ICSMA-19-190-01") {
		t.Fatalf("output: %s", out)
	}
}

func TestScanCommandRefusesOutOfScope(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "scan", "--targets", "10.9.8.7")
	if code != 1 || out != "" || !strings.Contains(errOut, "outside the authorised scope") {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
			c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	code, out, errOut = runCmd(t, nil, "scan", "--targets", "127.0.0.1", "--ports", port, "--banner-wait", "300ms")
	if code != 0 || !strings.Contains(out, `"product":"OpenSSH"`) || !strings.Contains(errOut, `"phase":"ports"`) {
		t.Fatalf("exit %d out %s err %s", code, out, errOut)
	}
}
