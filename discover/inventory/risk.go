package inventory

import (
	"math"
	"slices"
)

// Clinical risk of one device (R9.3, after 004 phase II step 3).
//
// Three impact components, each on a scale of the requirement:
//
//	patient safety  S: FDA class I → low (1/3), II → medium (2/3), III → high (1);
//	                   a life-supporting device is high whatever its class; a
//	                   medical device of unknown class counts as class II (the
//	                   most common class) until the hospital says otherwise;
//	                   other devices none (0)
//	privacy         P: no PHI 0, limited 0.5, large 1
//	disruption      D: none 0, may affect care 0.5, disrupts critical treatment 1
//
// make the impact I = 0.45·S + 0.25·P + 0.30·D (0–1). The likelihood
// L = max(CVSS/10, N) takes the highest CVSS base score of the device's
// active findings and N, what its own traffic exposes: 0.7 for an internet
// exposure or remote access from the internet, 0.6 for credentials or
// default communities sent in clear, 0.4 for cleartext or weak-auth
// protocols (PHI in clear, Telnet, FTP, SNMPv1/v2c), 0 otherwise. The score
// is
//
//	score = 100 · I · (0.25 + 0.75 · L)          (0–100, one decimal)
//
// A device without clinical impact scores 0 however vulnerable it is (its
// risk is the vulnerability's own priority, not a clinical one); a device
// of full impact with nothing known against it scores 25; every component
// only ever raises the score (TestRiskMonotone walks every combination).
const (
	weightSafety     = 0.45
	weightPrivacy    = 0.25
	weightDisruption = 0.30
	likelihoodFloor  = 0.25
)

// Exposure weights of network-level risks seen in a device's traffic.
var exposureWeight = map[string]float64{
	"internet-exposure":      0.7,
	"internet-remote-access": 0.7,
	"default-credential":     0.6,
	"cleartext-credentials":  0.6,
	"weak-auth":              0.4,
	"cleartext":              0.4,
	"phi-cleartext":          0.4,
}

// RiskInput is what the score is computed from.
type RiskInput struct {
	// Medical is set for a medical device (its kind, or a clinical profile).
	Medical bool
	// FDAClass is 1–3, 0 when unknown.
	FDAClass       int
	LifeSupporting bool
	// PHI is "none", "limited", "large" or "" (none).
	PHI string
	// Disruption is "none", "care", "critical" or "" (none).
	Disruption string
	// CVSS is the highest CVSS base score of the device's active findings.
	CVSS float64
	// Findings counts them.
	Findings int
	// NetworkRisks are the kinds of network-level risks in its traffic.
	NetworkRisks []string
}

// Risk is a device's clinical risk with its components.
type Risk struct {
	Score      float64 `json:"score"`
	Safety     string  `json:"safety"`     // none, low, medium, high
	Privacy    string  `json:"privacy"`    // none, limited, large
	Disruption string  `json:"disruption"` // none, care, critical
	CVSS       float64 `json:"cvss"`
	Findings   int     `json:"findings"`
	// Exposure is the network-level likelihood N and the risks behind it.
	Exposure      float64  `json:"exposure"`
	ExposureRisks []string `json:"exposure_risks,omitempty"`
	Impact        float64  `json:"impact"`
	Likelihood    float64  `json:"likelihood"`
	// Threshold is the hospital's acceptable risk; Above is Score > Threshold.
	Threshold float64 `json:"threshold"`
	Above     bool    `json:"above_threshold"`
}

// Score computes the clinical risk of a device; threshold is the
// hospital's acceptable score.
func Score(in RiskInput, threshold float64) Risk {
	r := Risk{CVSS: math.Max(0, math.Min(10, in.CVSS)), Findings: in.Findings, Threshold: threshold}
	var s float64
	switch {
	case in.LifeSupporting || in.FDAClass >= 3:
		s, r.Safety = 1, "high"
	case in.FDAClass == 2 || in.Medical && in.FDAClass == 0:
		s, r.Safety = 2.0/3, "medium"
	case in.FDAClass == 1:
		s, r.Safety = 1.0/3, "low"
	default:
		r.Safety = "none"
	}
	var p float64
	switch in.PHI {
	case "large":
		p, r.Privacy = 1, "large"
	case "limited":
		p, r.Privacy = 0.5, "limited"
	default:
		r.Privacy = "none"
	}
	var d float64
	switch in.Disruption {
	case "critical":
		d, r.Disruption = 1, "critical"
	case "care":
		d, r.Disruption = 0.5, "care"
	default:
		r.Disruption = "none"
	}
	for _, k := range in.NetworkRisks {
		if w, ok := exposureWeight[k]; ok {
			r.Exposure = math.Max(r.Exposure, w)
			if !slices.Contains(r.ExposureRisks, k) {
				r.ExposureRisks = append(r.ExposureRisks, k)
			}
		}
	}
	slices.Sort(r.ExposureRisks)
	r.Impact = weightSafety*s + weightPrivacy*p + weightDisruption*d
	r.Likelihood = math.Max(r.CVSS/10, r.Exposure)
	r.Score = math.Round(1000*r.Impact*(likelihoodFloor+(1-likelihoodFloor)*r.Likelihood)) / 10
	r.Impact = math.Round(r.Impact*1000) / 1000
	r.Above = r.Score > threshold
	return r
}
