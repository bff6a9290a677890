package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"bianque"
)

// Nuclei JSON (array, -json-export) and JSON lines (-jsonl). Counting: one
// finding per template, matcher, type and host; the same template matching
// several URLs of one host is one finding with several locations.
func init() {
	register(&Format{
		Name: "nuclei-json", Scanner: "nuclei",
		Detect: func(head []byte, name string) int {
			c := firstJSONByte(head)
			if c == 0 && strings.Contains(name, "nuclei") {
				return 50
			}
			if (c == '{' || c == '[') && (bytes.Contains(head, []byte(`"template-id"`)) || bytes.Contains(head, []byte(`"templateID"`))) {
				return 95
			}
			return 0
		},
		Parse: parseNuclei,
	})
}

// strList decodes a JSON string, array of strings, or null.
type strList []string

func (s *strList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '[' {
		var l []any
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		for _, v := range l {
			if v != nil {
				*s = append(*s, fmt.Sprint(v))
			}
		}
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if str, ok := v.(string); ok {
		for _, p := range strings.Split(str, ",") {
			if p = strings.TrimSpace(p); p != "" {
				*s = append(*s, p)
			}
		}
	} else if v != nil {
		*s = append(*s, fmt.Sprint(v))
	}
	return nil
}

type nucleiItem struct {
	TemplateID  string `json:"template-id"`
	TemplateID2 string `json:"templateID"`
	Info        struct {
		Name           string  `json:"name"`
		Severity       string  `json:"severity"`
		Description    string  `json:"description"`
		Remediation    string  `json:"remediation"`
		Tags           strList `json:"tags"`
		Reference      strList `json:"reference"`
		Classification *struct {
			CVE   strList         `json:"cve-id"`
			CWE   strList         `json:"cwe-id"`
			CVSS  string          `json:"cvss-metrics"`
			Score json.RawMessage `json:"cvss-score"`
			EPSS  json.RawMessage `json:"epss-score"`
			CPE   string          `json:"cpe"`
		} `json:"classification"`
	} `json:"info"`
	Type        string   `json:"type"`
	Host        string   `json:"host"`
	Matched     string   `json:"matched"`
	MatchedAt   string   `json:"matched-at"`
	MatcherName string   `json:"matcher-name"`
	MatcherOld  string   `json:"matcher_name"`
	Extracted   []string `json:"extracted-results"`
	IP          string   `json:"ip"`
}

func parseNuclei(data []byte) (*Result, error) {
	items, err := jsonLines(data)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	seen := map[string]*bianque.Finding{}
	for i, raw := range items {
		var it nucleiItem
		if err := json.Unmarshal(raw, &it); err != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("item %d: %v", i+1, err))
			continue
		}
		id := it.TemplateID
		if id == "" {
			id = it.TemplateID2
		}
		if id == "" && it.Info.Name == "" {
			res.Skipped = append(res.Skipped, fmt.Sprintf("item %d: no template id or name", i+1))
			continue
		}
		sev, ok := bianque.ParseVulnSeverity(it.Info.Severity)
		if !ok {
			sev = bianque.VulnLow // nuclei's "unknown"
		}
		matched := it.Matched
		if matched == "" {
			matched = it.MatchedAt
		}
		loc := locationFromURL(matched)
		matcher := it.MatcherName
		if matcher == "" {
			matcher = it.MatcherOld
		}
		key := id + "\x00" + it.Type + "\x00" + matcher + "\x00" + loc.Host
		if f, dup := seen[key]; dup {
			f.Count++
			if !containsLoc(f.Locations, loc) {
				f.Locations = append(f.Locations, loc)
			}
			continue
		}
		f := &bianque.Finding{
			Title: it.Info.Name, Severity: sev, PluginID: id, Component: matcher,
			Description: it.Info.Description, Solution: it.Info.Remediation,
			Tags: it.Info.Tags, References: it.Info.Reference, Count: 1,
			Evidence: strings.Join(it.Extracted, "\n"), Locations: []bianque.Location{loc},
		}
		if c := it.Info.Classification; c != nil {
			for _, id := range c.CVE {
				f.CVEs = appendUnique(f.CVEs, strings.ToUpper(id))
			}
			if len(c.CWE) > 0 {
				if n := atoi(strings.TrimPrefix(strings.ToLower(c.CWE[0]), "cwe-")); n > 0 {
					f.CWEs = []int{n}
				}
			}
			f.CVSSVector = strings.TrimSpace(c.CVSS)
			f.CVSSScore = atof(strings.Trim(string(c.Score), `"`))
			f.EPSS = atof(strings.Trim(string(c.EPSS), `"`))
			if c.CPE != "" && f.Component == "" {
				f.Component, f.ComponentVersion = cpeProduct(c.CPE)
			}
		}
		seen[key] = f
		res.Findings = append(res.Findings, f)
	}
	return res, nil
}

func containsLoc(ls []bianque.Location, l bianque.Location) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}
