package vuln

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// CVE is one vulnerability record as the matcher needs it: identity, scores,
// text and the CPE applicability statements of NVD.
type CVE struct {
	ID             string          `json:"id"`
	Status         string          `json:"vuln_status,omitempty"`
	Published      string          `json:"published,omitempty"`
	Description    string          `json:"description,omitempty"`
	CVSSScore      float64         `json:"cvss_score,omitempty"`
	CVSSVector     string          `json:"cvss_vector,omitempty"`
	Severity       string          `json:"severity,omitempty"`
	CWEs           []string        `json:"cwes,omitempty"`
	References     []string        `json:"references,omitempty"`
	Configurations []Configuration `json:"configurations,omitempty"`
}

// Configuration is one NVD applicability statement: its nodes combined with
// Operator (OR by default; AND for "software on platform" and "firmware on
// hardware" statements).
type Configuration struct {
	Operator string `json:"operator,omitempty"`
	Negate   bool   `json:"negate,omitempty"`
	Nodes    []Node `json:"nodes"`
}

// Node is a set of CPE match criteria combined with Operator.
type Node struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate,omitempty"`
	CPEMatch []CPEMatch `json:"cpeMatch"`
}

// CPEMatch is one criterion: a CPE pattern with an optional version range.
// Vulnerable=false marks a platform the vulnerable software must run on.
type CPEMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	MatchCriteriaID       string `json:"matchCriteriaId,omitempty"`
	VersionStartIncluding string `json:"versionStartIncluding,omitempty"`
	VersionStartExcluding string `json:"versionStartExcluding,omitempty"`
	VersionEndIncluding   string `json:"versionEndIncluding,omitempty"`
	VersionEndExcluding   string `json:"versionEndExcluding,omitempty"`
}

// HasRange reports whether the criterion bounds the version.
func (m CPEMatch) HasRange() bool {
	return m.VersionStartIncluding != "" || m.VersionStartExcluding != "" || m.VersionEndIncluding != "" || m.VersionEndExcluding != ""
}

// RangeText renders the bounds for people: "≥ 1995, ≤ 2019b".
func (m CPEMatch) RangeText() string {
	var p []string
	if m.VersionStartIncluding != "" {
		p = append(p, "≥ "+m.VersionStartIncluding)
	}
	if m.VersionStartExcluding != "" {
		p = append(p, "> "+m.VersionStartExcluding)
	}
	if m.VersionEndIncluding != "" {
		p = append(p, "≤ "+m.VersionEndIncluding)
	}
	if m.VersionEndExcluding != "" {
		p = append(p, "< "+m.VersionEndExcluding)
	}
	return strings.Join(p, ", ")
}

// InRange reports whether version v lies within the criterion's bounds.
func (m CPEMatch) InRange(v string) bool {
	if m.VersionStartIncluding != "" && CompareVersions(v, m.VersionStartIncluding) < 0 {
		return false
	}
	if m.VersionStartExcluding != "" && CompareVersions(v, m.VersionStartExcluding) <= 0 {
		return false
	}
	if m.VersionEndIncluding != "" && CompareVersions(v, m.VersionEndIncluding) > 0 {
		return false
	}
	if m.VersionEndExcluding != "" && CompareVersions(v, m.VersionEndExcluding) >= 0 {
		return false
	}
	return true
}

type nvdCVE struct {
	ID           string `json:"id"`
	VulnStatus   string `json:"vulnStatus"`
	Published    string `json:"published"`
	Descriptions []struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
	} `json:"descriptions"`
	Metrics map[string][]struct {
		Source   string `json:"source"`
		Type     string `json:"type"`
		CVSSData struct {
			Version      string  `json:"version"`
			VectorString string  `json:"vectorString"`
			BaseScore    float64 `json:"baseScore"`
			BaseSeverity string  `json:"baseSeverity"`
		} `json:"cvssData"`
		BaseSeverity string `json:"baseSeverity"`
	} `json:"metrics"`
	Weaknesses []struct {
		Description []struct {
			Value string `json:"value"`
		} `json:"description"`
	} `json:"weaknesses"`
	Configurations []Configuration `json:"configurations"`
	References     []struct {
		URL string `json:"url"`
	} `json:"references"`
}

// ParseNVD reads NVD CVE API 2.0 JSON: a response page
// ({"vulnerabilities":[{"cve":{…}}]}), a single CVE record ({"id":…}), or a
// JSON array of records. Records without an ID are an error.
func ParseNVD(data []byte) ([]*CVE, error) {
	data = bytes.TrimSpace(data)
	var raws []nvdCVE
	switch {
	case len(data) == 0:
		return nil, fmt.Errorf("empty NVD document")
	case data[0] == '[':
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("decode NVD record list: %w", err)
		}
	default:
		var page struct {
			Vulnerabilities []struct {
				CVE nvdCVE `json:"cve"`
			} `json:"vulnerabilities"`
			ID string `json:"id"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return nil, fmt.Errorf("decode NVD JSON: %w", err)
		}
		if page.ID != "" {
			var one nvdCVE
			if err := json.Unmarshal(data, &one); err != nil {
				return nil, fmt.Errorf("decode NVD record: %w", err)
			}
			raws = []nvdCVE{one}
		} else if page.Vulnerabilities == nil {
			return nil, fmt.Errorf("not an NVD CVE API 2.0 document (no vulnerabilities, no id)")
		}
		for _, v := range page.Vulnerabilities {
			raws = append(raws, v.CVE)
		}
	}
	out := make([]*CVE, 0, len(raws))
	for i, r := range raws {
		if r.ID == "" {
			return nil, fmt.Errorf("NVD record %d has no id", i+1)
		}
		c := &CVE{ID: r.ID, Status: r.VulnStatus, Published: r.Published, Configurations: r.Configurations}
		for _, d := range r.Descriptions {
			if d.Lang == "en" {
				c.Description = d.Value
				break
			}
		}
		// Prefer the newest CVSS version, and NVD's own (Primary) score within it.
		for _, key := range []string{"cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"} {
			ms := r.Metrics[key]
			if len(ms) == 0 {
				continue
			}
			best := ms[0]
			for _, m := range ms {
				if m.Type == "Primary" {
					best = m
					break
				}
			}
			c.CVSSScore, c.CVSSVector = best.CVSSData.BaseScore, best.CVSSData.VectorString
			c.Severity = strings.ToLower(best.CVSSData.BaseSeverity)
			if c.Severity == "" {
				c.Severity = strings.ToLower(best.BaseSeverity)
			}
			break
		}
		for _, w := range r.Weaknesses {
			for _, d := range w.Description {
				if strings.HasPrefix(d.Value, "CWE-") && !contains(c.CWEs, d.Value) {
					c.CWEs = append(c.CWEs, d.Value)
				}
			}
		}
		for _, ref := range r.References {
			c.References = append(c.References, ref.URL)
		}
		out = append(out, c)
	}
	return out, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
