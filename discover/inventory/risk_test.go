package inventory

import (
	"math"
	"testing"
)

// TestRiskMonotone walks every combination of the score's inputs and checks
// that raising any one of them never lowers the score: FDA class, life
// support, PHI, disruption, CVSS and network exposure.
func TestRiskMonotone(t *testing.T) {
	phis := []string{"", "limited", "large"}
	disr := []string{"", "care", "critical"}
	expo := [][]string{nil, {"cleartext"}, {"default-credential"}, {"internet-exposure"}}
	cvss := []float64{0, 3.1, 5, 7.5, 9.8, 10}
	type in = RiskInput
	var all []in
	for _, med := range []bool{false, true} {
		for class := 0; class <= 3; class++ {
			for _, life := range []bool{false, true} {
				for _, p := range phis {
					for _, d := range disr {
						for _, e := range expo {
							for _, c := range cvss {
								all = append(all, in{Medical: med, FDAClass: class, LifeSupporting: life, PHI: p, Disruption: d, NetworkRisks: e, CVSS: c})
							}
						}
					}
				}
			}
		}
	}
	idx := func(list []string, v string) int {
		for i, x := range list {
			if x == v {
				return i
			}
		}
		return -1
	}
	// a ≤ b component-wise (safety by its level, not the class number,
	// since an unknown class of a medical device counts as class II).
	safety := func(x in) float64 {
		switch {
		case x.LifeSupporting || x.FDAClass >= 3:
			return 3
		case x.FDAClass == 2 || x.Medical && x.FDAClass == 0:
			return 2
		case x.FDAClass == 1:
			return 1
		}
		return 0
	}
	expoIdx := func(x in) int {
		if x.NetworkRisks == nil {
			return 0
		}
		for i, e := range expo {
			if len(e) > 0 && e[0] == x.NetworkRisks[0] {
				return i
			}
		}
		return -1
	}
	leq := func(a, b in) bool {
		return safety(a) <= safety(b) && idx(phis, a.PHI) <= idx(phis, b.PHI) && idx(disr, a.Disruption) <= idx(disr, b.Disruption) &&
			expoIdx(a) <= expoIdx(b) && a.CVSS <= b.CVSS
	}
	checked := 0
	for i := range all {
		for j := range all {
			if i == j || !leq(all[i], all[j]) {
				continue
			}
			a, b := Score(all[i], 40).Score, Score(all[j], 40).Score
			if a > b {
				t.Fatalf("score fell from %.1f to %.1f going from %+v to %+v", a, b, all[i], all[j])
			}
			checked++
		}
	}
	if checked < 100000 {
		t.Fatalf("only %d ordered pairs checked", checked)
	}
}

func TestRiskScore(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         RiskInput
		score      float64
		safety     string
		above      bool
		likelihood float64
	}{
		{"workstation with a critical CVE has no clinical risk", RiskInput{CVSS: 9.8, Findings: 1}, 0, "none", false, 0.98},
		{"pump, nothing known against it", RiskInput{Medical: true, FDAClass: 2, LifeSupporting: true, PHI: "large", Disruption: "critical"}, 25, "high", false, 0},
		{"pump polled with the default community", RiskInput{Medical: true, FDAClass: 2, LifeSupporting: true, PHI: "large", Disruption: "critical",
			NetworkRisks: []string{"weak-auth", "default-credential"}}, 70, "high", true, 0.6},
		{"CT with DICOM in clear", RiskInput{Medical: true, FDAClass: 2, PHI: "large", Disruption: "care", NetworkRisks: []string{"phi-cleartext"}}, 38.5, "medium", false, 0.4},
		{"CT with a critical CVE", RiskInput{Medical: true, FDAClass: 2, PHI: "large", Disruption: "care", CVSS: 9.8}, 68.95, "medium", true, 0.98},
		{"class I device of unknown impact", RiskInput{Medical: true, FDAClass: 1}, 0.15 * 25, "low", false, 0},
		{"medical device of unknown class counts as class II", RiskInput{Medical: true}, 7.5, "medium", false, 0},
		{"class III, everything at worst", RiskInput{FDAClass: 3, PHI: "large", Disruption: "critical", CVSS: 10}, 100, "high", true, 1},
	} {
		r := Score(tc.in, 40)
		if math.Abs(r.Score-math.Round(tc.score*10)/10) > 0.051 || r.Safety != tc.safety || r.Above != tc.above || math.Abs(r.Likelihood-tc.likelihood) > 1e-9 {
			t.Errorf("%s: %+v, want score %.1f, safety %s, above %v, likelihood %.2f", tc.name, r, tc.score, tc.safety, tc.above, tc.likelihood)
		}
	}
}
