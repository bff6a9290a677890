package classify

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianque/internal/testutil"
)

// TestRuleExamples checks every rule against its own examples (must fire)
// and counter-examples (must not), and that the device types it concludes
// are declared.
func TestRuleExamples(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rules) < 60 {
		t.Fatalf("only %d rules loaded", len(rs.Rules))
	}
	for _, r := range rs.Rules {
		for i, ex := range r.Examples {
			then, ok := r.Conclusion(Facts(ex))
			if !ok {
				t.Errorf("rule %s: example %d does not fire: %v", r.ID, i+1, ex)
				continue
			}
			if r.Then.DeviceType != "" {
				if _, ok := rs.Types[then.DeviceType]; !ok {
					t.Errorf("rule %s: example %d concludes undeclared device type %q", r.ID, i+1, then.DeviceType)
				}
			}
			for name, v := range map[string]string{"vendor": then.Vendor, "model": then.Model, "os": then.OS, "software_version": then.SoftwareVersion} {
				if strings.ContainsAny(v, "${}") {
					t.Errorf("rule %s: example %d leaves an unfilled template in %s: %q", r.ID, i+1, name, v)
				}
			}
		}
		for i, ex := range r.Counter {
			if r.Fires(Facts(ex)) {
				t.Errorf("rule %s: counter-example %d fires: %v", r.ID, i+1, ex)
			}
		}
	}
}

func TestRuleLoadErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":   "rules:\n- id: x\n  whn: []\n",
		"no example":      "rules:\n- {id: x, description: d, when: [{field: a, exists: true}], then: {os: y}, confidence: 0.5, evidence: corpus}\n",
		"bad confidence":  "rules:\n- {id: x, when: [{field: a, exists: true}], then: {os: y}, confidence: 2, evidence: corpus, examples: [{a: [b]}]}\n",
		"bad evidence":    "rules:\n- {id: x, when: [{field: a, exists: true}], then: {os: y}, confidence: 0.5, evidence: guess, examples: [{a: [b]}]}\n",
		"two operators":   "rules:\n- {id: x, when: [{field: a, exists: true, equals: b}], then: {os: y}, confidence: 0.5, evidence: corpus, examples: [{a: [b]}]}\n",
		"bad regex":       "rules:\n- {id: x, when: [{field: a, regex: '('}], then: {os: y}, confidence: 0.5, evidence: corpus, examples: [{a: [b]}]}\n",
		"no conclusion":   "rules:\n- {id: x, when: [{field: a, exists: true}], then: {}, confidence: 0.5, evidence: corpus, examples: [{a: [b]}]}\n",
		"duplicate rules": "rules:\n- {id: x, when: [{field: a, exists: true}], then: {os: y}, confidence: 0.5, evidence: corpus, examples: [{a: [b]}]}\n- {id: x, when: [{field: a, exists: true}], then: {os: y}, confidence: 0.5, evidence: corpus, examples: [{a: [b]}]}\n",
	} {
		rs := NewRuleSet()
		if err := rs.Load(name, strings.NewReader(doc)); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
	}
}

// TestMedicalMakersAgainstCorpus compares the maker patterns with the
// corpus's medical OUI table (IEEE MA-L rows the corpus maintainers rated
// as clearly a medical maker).
func TestMedicalMakersAgainstCorpus(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(testutil.Corpora(t), "medical-ids", "oui-medical.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var total, found int
	for _, r := range rows[1:] {
		org, group, conf := r[3], r[4], r[5]
		if conf != "vendor" {
			continue
		}
		total++
		got := rs.MedicalMaker(org)
		if got != "" {
			found++
			continue
		}
		t.Logf("not matched: %s (%s)", org, group)
	}
	t.Logf("medical makers matched: %d/%d", found, total)
	if float64(found) < 0.9*float64(total) {
		t.Errorf("maker patterns match %d of %d medical OUI organisations", found, total)
	}
	for _, org := range []string{"Philips Lighting BV", "FUJIFILM Business Innovation Corp.", "OLYMPUS IMAGING CORP.", "Apple, Inc.", "Cisco Systems, Inc"} {
		if g := rs.MedicalMaker(org); g != "" {
			t.Errorf("%q matched medical maker %q", org, g)
		}
	}
}
