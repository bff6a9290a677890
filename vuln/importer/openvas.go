package importer

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"bianque"
)

// OpenVAS / Greenbone reports (GMP XML report export and CSV results export).
// Counting: one finding per result; results repeating the same NVT with the
// same severity on the same host and port (OpenVAS lists each detected
// installation separately) are one finding whose count is the number of
// results.
func init() {
	register(&Format{
		Name: "openvas-xml", Scanner: "openvas",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "report" && (bytes.Contains(head, []byte("<results")) || bytes.Contains(head, []byte("format_id=")) || bytes.Contains(head, []byte("<gmp"))) {
				return 90
			}
			if xmlRoot(head) == "get_reports_response" {
				return 90
			}
			return 0
		},
		Parse: parseOpenVASXML,
	})
	register(&Format{
		Name: "openvas-csv", Scanner: "openvas",
		Detect: func(head []byte, name string) int {
			first, _, _ := bytes.Cut(head, []byte("\n"))
			if hasAll(bytes.ToLower(first), "nvt name", "nvt oid") {
				return 90
			}
			return 0
		},
		Parse: parseOpenVASCSV,
	})
}

type openvasResult struct {
	Name string `xml:"name"`
	Host struct {
		IP       string `xml:",chardata"`
		Hostname string `xml:"hostname"`
	} `xml:"host"`
	Port string `xml:"port"`
	NVT  struct {
		OID      string `xml:"oid,attr"`
		Name     string `xml:"name"`
		CVSSBase string `xml:"cvss_base"`
		Tags     string `xml:"tags"`
		Solution string `xml:"solution"`
		Refs     []struct {
			Type string `xml:"type,attr"`
			ID   string `xml:"id,attr"`
		} `xml:"refs>ref"`
		Severities []struct {
			Score string `xml:"score,attr"`
			Value string `xml:"value"`
		} `xml:"severities>severity"`
		EPSS struct {
			Max struct {
				Score string `xml:"score"`
			} `xml:"max_severity"`
		} `xml:"epss"`
	} `xml:"nvt"`
	Threat      string `xml:"threat"`
	Severity    string `xml:"severity"`
	QoD         string `xml:"qod>value"`
	Description string `xml:"description"`
}

// findResults walks to the <results> of a report, whether the document is a
// bare <report>, a <report> wrapping a <report>, or a get_reports_response.
func findResults(data []byte) ([]openvasResult, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	var out []openvasResult
	depthResults := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return out, nil
			}
			return nil, fmt.Errorf("decode OpenVAS XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "results":
				depthResults++
			case t.Name.Local == "result" && depthResults > 0:
				var r openvasResult
				if err := dec.DecodeElement(&r, &t); err != nil {
					return nil, fmt.Errorf("decode OpenVAS result %d: %w", len(out)+1, err)
				}
				out = append(out, r)
			}
		case xml.EndElement:
			if t.Name.Local == "results" && depthResults > 0 {
				depthResults--
			}
		}
	}
}

// nvtTags splits the NVT tag string "summary=…|impact=…|solution=…".
func nvtTags(s string) map[string]string {
	tags := map[string]string{}
	for _, part := range strings.Split(strings.TrimSpace(s), "|") {
		k, v, ok := strings.Cut(part, "=")
		if ok && v != "" {
			tags[k] = v
		}
	}
	return tags
}

// cleanOpenVAS joins OpenVAS's hard-wrapped lines ("\n  ").
func cleanOpenVAS(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\n  ", " ")) }

func parseOpenVASXML(data []byte) (*Result, error) {
	results, err := findResults(data)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	agg := newOpenVASAgg(res)
	for _, r := range results {
		title := text(r.NVT.Name)
		if n := text(r.Name); n != "" {
			title = n
		}
		f := &bianque.Finding{Title: title, PluginID: r.NVT.OID, Severity: severityOrInfo(r.Threat)}
		tags := nvtTags(r.NVT.Tags)
		f.Description = cleanOpenVAS(tags["summary"])
		if ins := cleanOpenVAS(tags["insight"]); ins != "" {
			f.Description = strings.TrimSpace(f.Description + "\n\n" + ins)
		}
		if imp := cleanOpenVAS(tags["impact"]); imp != "" {
			f.Description = strings.TrimSpace(f.Description + "\n\nImpact: " + imp)
		}
		f.Solution = cleanOpenVAS(r.NVT.Solution)
		if f.Solution == "" {
			f.Solution = cleanOpenVAS(tags["solution"])
		}
		for _, ref := range r.NVT.Refs {
			switch strings.ToLower(ref.Type) {
			case "cve", "cve_id":
				f.CVEs = appendUnique(f.CVEs, strings.ToUpper(ref.ID))
			case "url":
				f.References = appendUnique(f.References, ref.ID)
			default:
				f.IDs = appendUnique(f.IDs, ref.ID)
			}
		}
		vector := tags["cvss_base_vector"]
		for _, s := range r.NVT.Severities {
			if strings.HasPrefix(s.Value, "CVSS:3") || strings.HasPrefix(s.Value, "CVSS:4") {
				vector = s.Value
				f.CVSSScore = atof(s.Score)
				break
			}
		}
		f.CVSSVector = vector
		if f.CVSSScore == 0 {
			f.CVSSScore = atof(r.Severity)
		}
		f.EPSS = atof(r.NVT.EPSS.Max.Score)
		f.Evidence = strings.TrimSpace(r.Description)
		loc := bianque.Location{Host: text(r.Host.IP)}
		if p, proto, ok := strings.Cut(text(r.Port), "/"); ok {
			loc.Protocol = proto
			loc.Port, _ = strconv.Atoi(p)
		}
		f.Locations = []bianque.Location{loc}
		agg.add(f)
	}
	return res, nil
}

// openvasAgg merges results of one NVT and severity on one endpoint.
type openvasAgg struct {
	res  *Result
	seen map[string]*bianque.Finding
}

func newOpenVASAgg(res *Result) *openvasAgg {
	return &openvasAgg{res: res, seen: map[string]*bianque.Finding{}}
}

func (a *openvasAgg) add(f *bianque.Finding) {
	key := strings.Join([]string{f.Locations[0].String(), f.Title, f.PluginID, string(f.Severity)}, "\x00")
	if old, ok := a.seen[key]; ok {
		old.Count++
		if f.Evidence != "" && f.Evidence != old.Evidence {
			old.Evidence = strings.TrimSpace(old.Evidence + "\n---\n" + f.Evidence)
		}
		return
	}
	f.Count = 1
	a.seen[key] = f
	a.res.Findings = append(a.res.Findings, f)
}

func parseOpenVASCSV(data []byte) (*Result, error) {
	h, names, rows, err := readCSV(data)
	if err != nil {
		return nil, err
	}
	lower := map[string]int{}
	for i, n := range names {
		if _, dup := lower[strings.ToLower(n)]; !dup {
			lower[strings.ToLower(n)] = i
		}
	}
	_ = h
	if _, ok := lower["nvt name"]; !ok {
		return nil, fmt.Errorf("no 'NVT Name' column: not an OpenVAS CSV export")
	}
	res := &Result{}
	agg := newOpenVASAgg(res)
	for _, rec := range rows {
		r := row{lower, rec}
		f := &bianque.Finding{
			Title:       r.get("nvt name"),
			PluginID:    r.get("nvt oid"),
			Severity:    severityOrInfo(r.get("severity")),
			Description: cleanOpenVAS(r.get("summary")),
			Solution:    cleanOpenVAS(r.get("solution")),
			Evidence:    r.get("specific result"),
			CVSSScore:   atof(r.get("cvss")),
			EPSS:        atof(r.get("max severity epss score")),
		}
		if ins := cleanOpenVAS(r.get("vulnerability insight")); ins != "" {
			f.Description = strings.TrimSpace(f.Description + "\n\n" + ins)
		}
		if n := atoi(r.get("cweid")); n > 0 {
			f.CWEs = []int{n}
		}
		f.CVEs = appendUnique(f.CVEs, cves(r.get("cves"))...)
		// CVE-based scan configs put the CVE in the NVT OID column.
		f.CVEs = appendUnique(f.CVEs, cves(r.get("nvt oid"))...)
		for _, ref := range strings.Split(r.get("other references"), ",") {
			f.References = appendUnique(f.References, ref)
		}
		host := r.get("hostname")
		if host == "" {
			host = r.get("ip")
		}
		f.Locations = []bianque.Location{{Host: host, Port: atoi(r.get("port")), Protocol: r.get("port protocol")}}
		agg.add(f)
	}
	return res, nil
}
