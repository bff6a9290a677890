package cnvendors_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/cnvendors"
	"bianque/parse/internal/corpus"
	"bianque/parse/std"
	"bianque/parse/vendors"
)

// TestNoStealFromPackageVendors runs every message of the shared logs
// corpus (the one package vendors is scored on: Sekoia and Elastic cases,
// Wazuh and CrowdSec samples) through detection twice, with package vendors alone and
// with the full registry. A message package vendors recognises must keep
// its vendor; messages nobody recognised before and a Chinese-vendor
// normalizer now claims are listed for review and must be ones it reads
// correctly (Huawei USG samples, for one).
func TestNoStealFromPackageVendors(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "logs")
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatalf("logs corpus: %v", err)
	}
	var inputs []struct{ label, raw string }
	cases, err := corpus.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		inputs = append(inputs, struct{ label, raw string }{c.Source + "/" + c.Product, c.Input})
	}
	wz, _ := filepath.Glob(filepath.Join(dir, "wazuh", "*.jsonl"))
	for _, f := range wz {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			var l struct {
				Log string `json:"log"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Log != "" {
				inputs = append(inputs, struct{ label, raw string }{"wazuh/" + strings.TrimSuffix(filepath.Base(f), ".jsonl"), l.Log})
			}
		}
		fh.Close()
	}
	// CrowdSec's sample logs: one message per line.
	cs, _ := filepath.Glob(filepath.Join(dir, "crowdsec", "*", "*.log"))
	for _, f := range cs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(l) != "" {
				inputs = append(inputs, struct{ label, raw string }{"crowdsec/" + filepath.Base(filepath.Dir(f)), l})
			}
		}
	}
	if len(inputs) < 1000 {
		t.Fatalf("only %d corpus messages loaded", len(inputs))
	}

	base := parse.NewRegistry()
	vendors.Register(base)
	pBase := parse.NewParser(base, parse.Options{Clock: testutil.NewFakeClock(refTime)})
	pAll := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(refTime)})
	cn := map[string]bool{}
	for _, v := range cnvendors.Vendors() {
		cn[v.ID] = true
	}

	stolen, claimed := 0, map[string]int{}
	for _, in := range inputs {
		h := parse.Hint{ReceivedAt: refTime}
		_, vb, err1 := pBase.Split([]byte(in.raw), h)
		_, va, err2 := pAll.Split([]byte(in.raw), h)
		if err1 != nil || err2 != nil {
			continue
		}
		switch {
		case vb != nil && (va == nil || va.ID != vb.ID):
			stolen++
			got := "<none>"
			if va != nil {
				got = va.ID
			}
			t.Errorf("%s: detected as %s, package vendors says %s: %.120q", in.label, got, vb.ID, in.raw)
		case vb == nil && va != nil && cn[va.ID]:
			claimed[in.label+" → "+va.ID]++
		}
	}
	keys := make([]string, 0, len(claimed))
	for k := range claimed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("claimed (no package-vendors normalizer): %s ×%d", k, claimed[k])
	}
	t.Logf("%d messages, %d taken from package vendors, %d previously unclaimed now read here", len(inputs), stolen, len(keys))
	for _, k := range keys {
		if !allowedClaims[strings.Split(k, " → ")[0]] {
			t.Errorf("a Chinese-vendor normalizer claims %s: detection too broad", k)
		}
	}
}

// allowedClaims are corpus sources of vendors this package reads.
var allowedClaims = map[string]bool{
	"wazuh/huawei_usg": true,
}
