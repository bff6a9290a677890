package attack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianque/detect"
	"bianque/internal/testutil"
)

func loadMatrix(t *testing.T) *Matrix {
	t.Helper()
	f, err := os.Open(filepath.Join(testutil.Corpora(t), "attack", "enterprise-techniques.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMatrix(t *testing.T) {
	m := loadMatrix(t)
	// SOURCE.md: 216 active techniques, 475 active sub-techniques; T1086 was revoked by T1059.001.
	c := m.Coverage(nil)
	if c.Techniques != 216 || c.SubTechniques != 475 || c.Covered != 0 {
		t.Errorf("empty coverage %d/%d techniques, %d sub-techniques", c.Covered, c.Techniques, c.SubTechniques)
	}
	if len(c.ByTactic) != 14 || c.ByTactic[0].Tactic != "reconnaissance" || c.ByTactic[13].Tactic != "impact" {
		t.Errorf("tactics %+v", c.ByTactic)
	}
	if tt, ok := m.Technique("t1086"); !ok || tt.ID != "T1059.001" {
		t.Errorf("revoked T1086 resolves to %+v", tt)
	}
}

func TestCoverage(t *testing.T) {
	m := loadMatrix(t)
	c := m.Coverage([]RuleTags{
		{ID: "r1", Techniques: []string{"T1059.001"}},          // sub-technique: covers T1059
		{ID: "r2", Techniques: []string{"T1059", "T1003.001"}}, // parent and another sub
		{ID: "r3", Techniques: []string{"T1086"}},              // revoked -> T1059.001
		{ID: "r4", Techniques: []string{"T9999"}},              // unknown
	})
	if c.Covered != 2 || c.SubCovered != 2 {
		t.Errorf("covered %d techniques, %d sub-techniques; want 2 and 2", c.Covered, c.SubCovered)
	}
	if strings.Join(c.Unknown, ",") != "T9999" || strings.Join(c.Outdated, ",") != "T1086" {
		t.Errorf("unknown %v outdated %v", c.Unknown, c.Outdated)
	}
	for _, tc := range c.ByTactic {
		for _, it := range tc.Items {
			if it.ID == "T1059" && strings.Join(it.Rules, ",") != "r1,r2,r3" {
				t.Errorf("T1059 rules %v", it.Rules)
			}
		}
		if tc.Tactic == "execution" && tc.Covered != 1 {
			t.Errorf("execution covered %d", tc.Covered)
		}
		if tc.Tactic == "credential-access" && tc.Covered != 1 {
			t.Errorf("credential-access covered %d", tc.Covered)
		}
	}
}

// TestCorpusCoverage computes the coverage of every SigmaHQ rule of the corpus.
func TestCorpusCoverage(t *testing.T) {
	m := loadMatrix(t)
	base := filepath.Join(testutil.Corpora(t), "sigma")
	var paths []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting"} {
		paths = append(paths, filepath.Join(base, d))
	}
	rules, _, err := detect.ReadRules(paths...)
	if err != nil {
		t.Fatal(err)
	}
	e := detect.New(detect.Options{})
	rs := e.Compile(rules)
	var tags []RuleTags
	for _, r := range rs.Rules() {
		tags = append(tags, RuleTags{ID: r.ID, Techniques: r.Techniques})
	}
	c := m.Coverage(tags)
	if c.Covered < 150 || c.Covered > c.Techniques {
		t.Errorf("corpus covers %d of %d techniques", c.Covered, c.Techniques)
	}
	t.Logf("SigmaHQ corpus: %d/%d techniques (%.0f%%), %d/%d sub-techniques, %d unknown IDs, %d outdated",
		c.Covered, c.Techniques, 100*c.Ratio(), c.SubCovered, c.SubTechniques, len(c.Unknown), len(c.Outdated))
	for _, tc := range c.ByTactic {
		t.Logf("  %-22s %3d/%3d", tc.Tactic, tc.Covered, tc.Techniques)
	}
}
