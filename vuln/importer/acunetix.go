package importer

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"

	"bianque"
)

// Acunetix reports.
//
// Acunetix XML export (ScanGroup/Scan/ReportItems): one finding per report
// item name over the scan; each affected path on the scan's host is a
// location and the count is the number of items.
//
// Acunetix 360 (Netsparker) JSON: one finding per vulnerability entry, its URL
// the location.
func init() {
	register(&Format{
		Name: "acunetix-xml", Scanner: "acunetix",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "ScanGroup" && bytes.Contains(head, []byte("<ReportItem")) || xmlRoot(head) == "ScanGroup" && bytes.Contains(head, []byte("<StartURL")) {
				return 90
			}
			return 0
		},
		Parse: parseAcunetixXML,
	})
	register(&Format{
		Name: "acunetix-json", Scanner: "acunetix",
		Detect: func(head []byte, name string) int {
			if firstJSONByte(head) == '{' && hasAll(head, `"Vulnerabilities"`, `"Target"`) && (bytes.Contains(head, []byte(`"Classification"`)) || bytes.Contains(head, []byte(`"LookupId"`)) || bytes.Contains(head, []byte(`"Generated"`))) {
				return 90
			}
			return 0
		},
		Parse: parseAcunetixJSON,
	})
}

func parseAcunetixXML(data []byte) (*Result, error) {
	var doc struct {
		Scans []struct {
			StartURL string `xml:"StartURL"`
			Items    []struct {
				Name           string `xml:"Name"`
				Affects        string `xml:"Affects"`
				Parameter      string `xml:"Parameter"`
				Severity       string `xml:"Severity"`
				Type           string `xml:"Type"`
				Impact         string `xml:"Impact"`
				Detailed       string `xml:"DetailedInformation"`
				Recommendation string `xml:"Recommendation"`
				Description    string `xml:"Description"`
				Details        string `xml:"Details"`
				IsFalsePos     string `xml:"IsFalsePositive"`
				CWEs           []struct {
					ID string `xml:"id,attr"`
				} `xml:"CWEList>CWE"`
				CVSS3 struct {
					Descriptor string `xml:"Descriptor"`
					Score      string `xml:"Score"`
				} `xml:"CVSS3"`
				CVEs       []string `xml:"CVEList>CVE"`
				References []struct {
					URL string `xml:"URL"`
				} `xml:"References>Reference"`
			} `xml:"ReportItems>ReportItem"`
		} `xml:"Scan"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode Acunetix XML: %w", err)
	}
	res := &Result{}
	for _, sc := range doc.Scans {
		start := locationFromURL(strings.TrimSpace(sc.StartURL))
		start.Path, start.Query, start.Fragment = "", "", ""
		byName := map[string]*bianque.Finding{}
		for _, it := range sc.Items {
			name := text(it.Name)
			f, ok := byName[name]
			if !ok {
				f = &bianque.Finding{
					Title: name, Severity: severityOrInfo(it.Severity), PluginID: text(it.Type),
					Description: strings.TrimSpace(plain(it.Description) + "\n\n" + plain(it.Impact)),
					Solution:    plain(it.Recommendation), CVSSVector: text(it.CVSS3.Descriptor), CVSSScore: atof(it.CVSS3.Score),
				}
				for _, c := range it.CWEs {
					if n := atoi(c.ID); n > 0 {
						f.CWEs = append(f.CWEs, n)
					}
				}
				for _, c := range it.CVEs {
					f.CVEs = appendUnique(f.CVEs, cves(c)...)
				}
				for _, r := range it.References {
					f.References = appendUnique(f.References, text(r.URL))
				}
				byName[name] = f
				res.Findings = append(res.Findings, f)
			}
			f.Count++
			if d := plain(it.Details); d != "" && len(f.Evidence) < 2000 {
				f.Evidence = strings.TrimSpace(f.Evidence + "\n" + text(it.Affects) + ": " + d)
			}
			loc := start
			loc.Path = strings.TrimPrefix(text(it.Affects), "/")
			f.Locations = append(f.Locations, loc)
		}
	}
	return res, nil
}

func parseAcunetixJSON(data []byte) (*Result, error) {
	var doc struct {
		Vulnerabilities []struct {
			Name           string `json:"Name"`
			Severity       string `json:"Severity"`
			Type           string `json:"Type"`
			URL            string `json:"Url"`
			LookupID       string `json:"LookupId"`
			State          string `json:"State"`
			Certainty      any    `json:"Certainty"`
			Description    string `json:"Description"`
			Impact         string `json:"Impact"`
			RemedialAction string `json:"RemedialActions"`
			Remedy         string `json:"RemedyReferences"`
			Classification *struct {
				Cwe  string `json:"Cwe"`
				Cvss *struct {
					Vector    string `json:"Vector"`
					BaseScore *struct {
						Value string `json:"Value"`
					} `json:"BaseScore"`
				} `json:"Cvss"`
			} `json:"Classification"`
		} `json:"Vulnerabilities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode Acunetix 360 JSON: %w", err)
	}
	res := &Result{}
	for _, v := range doc.Vulnerabilities {
		sev := bianque.VulnInfo
		switch strings.ToLower(v.Severity) {
		case "bestpractice", "information":
		default:
			sev = severityOrInfo(v.Severity)
		}
		f := &bianque.Finding{
			Title: text(v.Name), Severity: sev, PluginID: v.Type, ToolID: v.LookupID,
			Description: strings.TrimSpace(plain(v.Description) + "\n\n" + plain(v.Impact)),
			Solution:    plain(v.RemedialAction), Confidence: fmt.Sprint(v.Certainty),
			Locations: []bianque.Location{locationFromURL(v.URL)},
		}
		if v.LookupID != "" {
			f.References = []string{"https://online.acunetix360.com/issues/detail/" + v.LookupID}
		}
		if c := v.Classification; c != nil {
			for _, p := range strings.Split(c.Cwe, ",") {
				if n := atoi(p); n > 0 {
					f.CWEs = append(f.CWEs, n)
				}
			}
			if c.Cvss != nil {
				f.CVSSVector = c.Cvss.Vector
				if c.Cvss.BaseScore != nil {
					f.CVSSScore = atof(c.Cvss.BaseScore.Value)
				}
			}
		}
		if strings.EqualFold(v.State, "FalsePositive") || strings.Contains(v.State, "FalsePositive") {
			f.State = bianque.FindingFalsePositive
			f.StateReason = "marked false positive in Acunetix 360"
		}
		res.Findings = append(res.Findings, f)
	}
	return res, nil
}
