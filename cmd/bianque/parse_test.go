package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runParseCmd(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &cmdEnv{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
	code := run(context.Background(), e, args)
	return code, out.String(), errOut.String()
}

func TestParseCommand(t *testing.T) {
	in := strings.Join([]string{
		`<189>date=2024-05-02 time=10:51:55 devname="FGT1" devid="FG100F" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.1.2.3 srcport=51234 dstip=172.16.5.9 dstport=443 proto=6 action="accept"`,
		``,
		`Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-302014: Teardown TCP connection 11749 for outside:192.168.211.242/80 to inside:172.31.98.44/1758 duration 0:01:07 bytes 38110 TCP Reset-I`,
	}, "\n")
	code, out, errOut := runParseCmd(t, in, nil, "parse")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d output lines, want 2:\n%s", len(lines), out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	src := first["source"].(map[string]any)
	if src["ip"] != "10.1.2.3" || src["port"] != float64(51234) {
		t.Errorf("source = %v", src)
	}
	if !strings.Contains(lines[1], `"code":"302014"`) || !strings.Contains(lines[1], `"vendor":"Cisco"`) {
		t.Errorf("ASA line: %s", lines[1])
	}
}

func TestParseCommandVendorAndErrors(t *testing.T) {
	code, _, errOut := runParseCmd(t, "x\n", nil, "parse", "--vendor", "no-such-vendor")
	if code != 1 || !strings.Contains(errOut, "unknown vendor") {
		t.Errorf("unknown vendor: exit %d %q", code, errOut)
	}
	code, out, _ := runParseCmd(t, "", nil, "parse", "--list-vendors")
	if code != 0 || !strings.Contains(out, "fortinet-fortigate") || !strings.Contains(out, "cisco_asa") {
		t.Errorf("--list-vendors: exit %d\n%s", code, out)
	}
	// Aliases of the same vendor are accepted.
	for _, v := range []string{"fortigate", "paloalto-ngfw", "panos", "cisco_asa", "cisco-secure-firewall"} {
		if code, _, errOut := runParseCmd(t, "a=1 b=2 c=3\n", nil, "parse", "--vendor", v); code != 0 {
			t.Errorf("--vendor %s: exit %d %s", v, code, errOut)
		}
	}
	code, _, _ = runParseCmd(t, "x\n", nil, "parse", "--format", "yaml")
	if code != 1 {
		t.Errorf("bad format accepted")
	}
}

func TestParseCommandMask(t *testing.T) {
	env := map[string]string{"BIANQUE_MASK_KEY": "0123456789abcdef0123"}
	code, out, errOut := runParseCmd(t, "<14>Jan  1 00:00:00 his app: call 13800138000 about 11010519491231002X\n", env, "parse", "--mask")
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if strings.Contains(out, "13800138000") || strings.Contains(out, "11010519491231002X") || !strings.Contains(out, "[mobile:") {
		t.Errorf("not masked: %s", out)
	}
	if code, _, _ := runParseCmd(t, "x\n", nil, "parse", "--mask"); code != 1 {
		t.Error("--mask without a key accepted")
	}
}
