package std_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"bianque/internal/testutil"
	"bianque/parse"
)

// wazuhDecoders maps Wazuh decoder names to the vendor detection should
// pick for the same log line.
var wazuhDecoders = map[string]string{
	"cisco-asa": "cisco-asa", "cisco-ftd": "cisco-asa",
	"fortigate-firewall-v3": "fortinet-fortigate", "fortigate-firewall-v5": "fortinet-fortigate", "fortigate-firewall-v6": "fortinet-fortigate",
	"huawei-usg": "huawei-usg", "paloalto": "paloalto-ngfw", "sonicwall": "sonicwall", "checkpoint-smart1": "checkpoint",
	"junos-rt-flow": "juniper-srx", "sshd": "linux", "named": "bind", "sophos-fw": "sophos-firewall", "pf": "pf",
	"web-accesslog": "apache", "apache-errorlog": "apache", "nginx-errorlog": "nginx", "iptables": "netfilter", "squid": "squid",
}

// TestWazuhDetection runs the Wazuh ruleset test logs (expected decoder per
// line) through detection without a hint and checks the vendor for the
// decoders above. It is the only check for Huawei USG, which has no labelled
// ECS output; for the others it measures auto-detection.
func TestWazuhDetection(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "logs", "wazuh")
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no wazuh files in %s: %v", dir, err)
	}
	p := benchParser()
	type tally struct{ ok, n int }
	per := map[string]*tally{}
	var misses []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec struct {
				Log      string            `json:"log"`
				Expected map[string]string `json:"expected"`
			}
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue
			}
			want, ok := wazuhDecoders[rec.Expected["decoder"]]
			if !ok {
				continue
			}
			tl := per[want]
			if tl == nil {
				tl = &tally{}
				per[want] = tl
			}
			tl.n++
			_, v, err := p.Split([]byte(rec.Log), parse.Hint{})
			if err == nil && v != nil && (v.ID == want || (want == "apache" && v.ID == "nginx")) {
				tl.ok++
			} else {
				got := "none"
				if v != nil {
					got = v.ID
				}
				misses = append(misses, want+" <- "+got+": "+rec.Log)
			}
		}
		fh.Close()
	}
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	total, okAll := 0, 0
	for _, k := range keys {
		t.Logf("%-20s %d/%d detected", k, per[k].ok, per[k].n)
		total += per[k].n
		okAll += per[k].ok
	}
	for _, m := range misses {
		t.Logf("miss: %.200s", m)
	}
	if h := per["huawei-usg"]; h == nil || h.ok != h.n {
		t.Errorf("Huawei USG samples not all detected: %+v", h)
	}
	if okAll*100 < total*85 {
		t.Errorf("detection agrees with Wazuh's decoder on %d of %d lines, want at least 85%%", okAll, total)
	}
	_ = strings.TrimSpace
}
