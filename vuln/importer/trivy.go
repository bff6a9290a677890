package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"bianque"
)

// Trivy JSON (legacy list of targets, schema 2 with Results, and the
// Kubernetes cluster report). Counting: one finding per vulnerability per
// package per target (the same CVE in two workloads' images is two findings:
// each image is fixed separately), one per misconfiguration, secret and
// restricted licence.
func init() {
	register(&Format{
		Name: "trivy-json", Scanner: "trivy",
		Detect: func(head []byte, name string) int {
			c := firstJSONByte(head)
			switch {
			case c == '{' && bytes.Contains(head, []byte(`"SchemaVersion"`)) && (bytes.Contains(head, []byte(`"ArtifactName"`)) || bytes.Contains(head, []byte(`"Results"`))):
				return 95
			case c == '{' && bytes.Contains(head, []byte(`"ClusterName"`)):
				return 95
			case c == '[' && bytes.Contains(head, []byte(`"Target"`)) && (bytes.Contains(head, []byte(`"Vulnerabilities"`)) || bytes.Contains(head, []byte(`"Type"`))):
				return 85
			}
			return 0
		},
		Parse: parseTrivy,
	})
}

type trivyResult struct {
	Target          string `json:"Target"`
	Class           string `json:"Class"`
	Type            string `json:"Type"`
	Vulnerabilities []struct {
		VulnerabilityID  string   `json:"VulnerabilityID"`
		PkgName          string   `json:"PkgName"`
		PkgPath          string   `json:"PkgPath"`
		InstalledVersion string   `json:"InstalledVersion"`
		FixedVersion     string   `json:"FixedVersion"`
		Status           string   `json:"Status"`
		SeveritySource   string   `json:"SeveritySource"`
		PrimaryURL       string   `json:"PrimaryURL"`
		Title            string   `json:"Title"`
		Description      string   `json:"Description"`
		Severity         string   `json:"Severity"`
		CweIDs           []string `json:"CweIDs"`
		References       []string `json:"References"`
		CVSS             map[string]struct {
			V3Vector string  `json:"V3Vector"`
			V3Score  float64 `json:"V3Score"`
			V40Vec   string  `json:"V40Vector"`
			V40Score float64 `json:"V40Score"`
			V2Vector string  `json:"V2Vector"`
			V2Score  float64 `json:"V2Score"`
		} `json:"CVSS"`
	} `json:"Vulnerabilities"`
	Misconfigurations []struct {
		Type        string   `json:"Type"`
		ID          string   `json:"ID"`
		AVDID       string   `json:"AVDID"`
		Title       string   `json:"Title"`
		Description string   `json:"Description"`
		Message     string   `json:"Message"`
		Resolution  string   `json:"Resolution"`
		Severity    string   `json:"Severity"`
		PrimaryURL  string   `json:"PrimaryURL"`
		References  []string `json:"References"`
		Status      string   `json:"Status"`
	} `json:"Misconfigurations"`
	Secrets []struct {
		RuleID    string `json:"RuleID"`
		Category  string `json:"Category"`
		Title     string `json:"Title"`
		Severity  string `json:"Severity"`
		StartLine int    `json:"StartLine"`
		Match     string `json:"Match"`
	} `json:"Secrets"`
	Licenses []struct {
		Severity   string `json:"Severity"`
		Category   string `json:"Category"`
		PkgName    string `json:"PkgName"`
		FilePath   string `json:"FilePath"`
		Name       string `json:"Name"`
		Confidence any    `json:"Confidence"`
		Link       string `json:"Link"`
	} `json:"Licenses"`
}

type trivyWorkload struct {
	Namespace string        `json:"Namespace"`
	Kind      string        `json:"Kind"`
	Name      string        `json:"Name"`
	Results   []trivyResult `json:"Results"`
}

func parseTrivy(data []byte) (*Result, error) {
	t := bytes.TrimSpace(data)
	res := &Result{}
	if len(t) == 0 || string(t) == "null" {
		return res, nil
	}
	if t[0] == '[' {
		var results []trivyResult
		if err := json.Unmarshal(t, &results); err != nil {
			return nil, fmt.Errorf("decode legacy Trivy JSON: %w", err)
		}
		trivyResults(res, results, "")
		return res, nil
	}
	var doc struct {
		SchemaVersion     int             `json:"SchemaVersion"`
		ClusterName       string          `json:"ClusterName"`
		Results           []trivyResult   `json:"Results"`
		Vulnerabilities   []trivyWorkload `json:"Vulnerabilities"`
		Misconfigurations []trivyWorkload `json:"Misconfigurations"`
		Resources         []trivyWorkload `json:"Resources"`
	}
	if err := json.Unmarshal(t, &doc); err != nil {
		return nil, fmt.Errorf("decode Trivy JSON: %w", err)
	}
	switch {
	case doc.ClusterName != "":
		for _, group := range [][]trivyWorkload{doc.Vulnerabilities, doc.Misconfigurations, doc.Resources} {
			for _, w := range group {
				var parts []string
				for _, p := range []string{w.Namespace, w.Kind, w.Name} {
					if p != "" {
						parts = append(parts, p)
					}
				}
				trivyResults(res, w.Results, strings.Join(parts, " / "))
			}
		}
	case doc.SchemaVersion != 0 || doc.Results != nil:
		trivyResults(res, doc.Results, "")
	default:
		return nil, fmt.Errorf("neither a Trivy schema 2 report nor a cluster report")
	}
	return res, nil
}

func trivySeverity(s string) bianque.VulnSeverity {
	if strings.EqualFold(s, "unknown") {
		return bianque.VulnInfo
	}
	return severityOrInfo(s)
}

func trivyResults(res *Result, results []trivyResult, service string) {
	for _, r := range results {
		var tags []string
		for _, tg := range []string{r.Type, r.Class} {
			if tg != "" {
				tags = append(tags, tg)
			}
		}
		for _, v := range r.Vulnerabilities {
			if v.PkgName == "" || v.Severity == "" {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s: vulnerability %s without package or severity", r.Target, v.VulnerabilityID))
				continue
			}
			f := &bianque.Finding{
				Title:    strings.TrimSpace(strings.Join([]string{v.VulnerabilityID, v.PkgName, v.InstalledVersion}, " ")),
				Severity: trivySeverity(v.Severity), PluginID: v.VulnerabilityID,
				Component: v.PkgName, ComponentVersion: v.InstalledVersion,
				Path: r.Target, Service: service, Tags: tags,
				Description: strings.TrimSpace(v.Title + "\n\n" + v.Description),
				References:  appendUnique(nil, v.References...),
			}
			if v.FixedVersion != "" {
				f.Solution = v.FixedVersion
			}
			splitIDs(f, v.VulnerabilityID)
			if len(v.CweIDs) > 0 {
				if n := atoi(strings.TrimPrefix(strings.ToUpper(v.CweIDs[0]), "CWE-")); n > 0 {
					f.CWEs = []int{n}
				}
			}
			// The score of the source Trivy took the severity from, else NVD's.
			for _, src := range []string{v.SeveritySource, "nvd", "ghsa", "redhat"} {
				c, ok := v.CVSS[src]
				if !ok {
					continue
				}
				switch {
				case c.V3Vector != "":
					f.CVSSVector, f.CVSSScore = c.V3Vector, c.V3Score
				case c.V40Vec != "":
					f.CVSSVector, f.CVSSScore = c.V40Vec, c.V40Score
				default:
					continue
				}
				break
			}
			res.Findings = append(res.Findings, f)
		}
		for _, m := range r.Misconfigurations {
			if m.Status == "PASS" {
				continue
			}
			refs := appendUnique(nil, m.PrimaryURL)
			refs = appendUnique(refs, m.References...)
			f := &bianque.Finding{
				Title:    m.ID + " - " + m.Title,
				Severity: trivySeverity(m.Severity), PluginID: m.ID,
				Path: r.Target, Service: service, Tags: tags,
				Description: strings.TrimSpace(m.Description + "\n" + m.Message),
				Solution:    m.Resolution, References: refs,
			}
			splitIDs(f, m.ID)
			res.Findings = append(res.Findings, f)
		}
		for _, s := range r.Secrets {
			f := &bianque.Finding{
				Title:    fmt.Sprintf("Secret detected in %s - %s", r.Target, s.Title),
				Severity: trivySeverity(s.Severity), PluginID: s.RuleID,
				Path: r.Target, Service: service, Tags: appendUnique(nil, r.Class),
				Description: fmt.Sprintf("%s\nCategory: %s\nLine %d", s.Title, s.Category, s.StartLine),
				Evidence:    s.Match, CWEs: []int{798},
				Solution: "Remove the secret from the artifact and rotate it.",
			}
			res.Findings = append(res.Findings, f)
		}
		for _, l := range r.Licenses {
			comp := l.PkgName
			title := fmt.Sprintf("License %s (%s) in %s", l.Name, l.Category, comp)
			if comp == "" {
				title = fmt.Sprintf("License %s (%s) in %s", l.Name, l.Category, l.FilePath)
			}
			f := &bianque.Finding{
				Title: title, Severity: trivySeverity(l.Severity), PluginID: "license:" + l.Name,
				Component: comp, Path: l.FilePath, Service: service, Tags: appendUnique(nil, r.Class),
				Confidence:  fmt.Sprint(l.Confidence),
				Description: fmt.Sprintf("Package or file under the %s licence %s.", l.Category, l.Name),
				References:  appendUnique(nil, l.Link),
			}
			res.Findings = append(res.Findings, f)
		}
	}
}
