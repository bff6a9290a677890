package importer

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"regexp"
	"strings"

	"bianque"
)

// Web application scanners.
//
// OWASP ZAP XML report: one finding per alert of a site (ZAP already groups
// instances under an alert); each instance URI is a location, the count is
// ZAP's <count>.
//
// Burp Suite XML issues export: one finding per issue type (Burp lists each
// affected URL as its own issue); the first issue of the type gives title,
// severity and serial number, every distinct URL is a location.
func init() {
	register(&Format{
		Name: "zap-xml", Scanner: "zap",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "OWASPZAPReport" {
				return 100
			}
			return 0
		},
		Parse: parseZAP,
	})
	register(&Format{
		Name: "burp-xml", Scanner: "burp",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "issues" && (bytes.Contains(head, []byte("burpVersion")) || bytes.Contains(head, []byte("<serialNumber>"))) {
				return 100
			}
			return 0
		},
		Parse: parseBurp,
	})
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// plain turns the HTML fragments web scanners embed into text.
func plain(s string) string {
	s = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p>", "\n", "<li>", "\n- ").Replace(s)
	s = tagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var cweRE = regexp.MustCompile(`CWE-(\d+)`)

func cweList(s string) []int {
	var out []int
	for _, m := range cweRE.FindAllStringSubmatch(s, -1) {
		n := atoi(m[1])
		dup := false
		for _, o := range out {
			dup = dup || o == n
		}
		if n > 0 && !dup {
			out = append(out, n)
		}
	}
	return out
}

var urlRE = regexp.MustCompile(`https?://[^\s"'<>]+`)

func parseZAP(data []byte) (*Result, error) {
	var rep struct {
		Sites []struct {
			Name   string `xml:"name,attr"`
			Host   string `xml:"host,attr"`
			Port   string `xml:"port,attr"`
			Alerts []struct {
				PluginID  string `xml:"pluginid"`
				Alert     string `xml:"alert"`
				Name      string `xml:"name"`
				RiskCode  string `xml:"riskcode"`
				Conf      string `xml:"confidence"`
				Desc      string `xml:"desc"`
				Solution  string `xml:"solution"`
				OtherInfo string `xml:"otherinfo"`
				Reference string `xml:"reference"`
				CWE       string `xml:"cweid"`
				WASC      string `xml:"wascid"`
				Count     string `xml:"count"`
				Instances []struct {
					URI      string `xml:"uri"`
					Method   string `xml:"method"`
					Param    string `xml:"param"`
					Evidence string `xml:"evidence"`
				} `xml:"instances>instance"`
			} `xml:"alerts>alertitem"`
		} `xml:"site"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("decode ZAP XML: %w", err)
	}
	res := &Result{}
	for _, s := range rep.Sites {
		for _, a := range s.Alerts {
			title := text(a.Alert)
			if title == "" {
				title = text(a.Name)
			}
			f := &bianque.Finding{
				Title: title, PluginID: text(a.PluginID), Severity: severityFromNumber(atoi(a.RiskCode)),
				Description: plain(a.Desc), Solution: plain(a.Solution),
				References: urlRE.FindAllString(a.Reference, -1), Count: atoi(a.Count),
			}
			switch atoi(a.Conf) {
			case 3, 4:
				f.Confidence = "high"
			case 2:
				f.Confidence = "medium"
			case 1:
				f.Confidence = "low"
			}
			if n := atoi(a.CWE); n > 0 {
				f.CWEs = []int{n}
			}
			if n := atoi(a.WASC); n > 0 {
				f.IDs = []string{fmt.Sprintf("WASC-%d", n)}
			}
			var ev []string
			for _, in := range a.Instances {
				f.Locations = append(f.Locations, locationFromURL(text(in.URI)))
				if e := text(in.Evidence); e != "" && len(ev) < 5 {
					ev = append(ev, e)
				}
			}
			if len(f.Locations) == 0 {
				f.Locations = []bianque.Location{locationFromURL(s.Name)}
			}
			f.Evidence = strings.Join(ev, "\n")
			res.Findings = append(res.Findings, f)
		}
	}
	return res, nil
}

func parseBurp(data []byte) (*Result, error) {
	var rep struct {
		Issues []struct {
			SerialNumber string `xml:"serialNumber"`
			Type         string `xml:"type"`
			Name         string `xml:"name"`
			Host         struct {
				IP  string `xml:"ip,attr"`
				URL string `xml:",chardata"`
			} `xml:"host"`
			Path                  string `xml:"path"`
			Location              string `xml:"location"`
			Severity              string `xml:"severity"`
			Confidence            string `xml:"confidence"`
			IssueBackground       string `xml:"issueBackground"`
			RemediationBackground string `xml:"remediationBackground"`
			References            string `xml:"references"`
			Classifications       string `xml:"vulnerabilityClassifications"`
			IssueDetail           string `xml:"issueDetail"`
			RemediationDetail     string `xml:"remediationDetail"`
		} `xml:"issue"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("decode Burp XML: %w", err)
	}
	res := &Result{}
	byType := map[string]*bianque.Finding{}
	for _, is := range rep.Issues {
		key := text(is.Type)
		if key == "" {
			key = text(is.Name)
		}
		loc := locationFromURL(text(is.Host.URL) + text(is.Path))
		f, ok := byType[key]
		if !ok {
			f = &bianque.Finding{
				Title: text(is.Name), PluginID: text(is.Type), ToolID: text(is.SerialNumber),
				Severity: severityOrInfo(is.Severity), Confidence: strings.ToLower(text(is.Confidence)),
				Description: plain(is.IssueBackground), Solution: plain(strings.TrimSpace(is.RemediationDetail + "\n" + is.RemediationBackground)),
				References: urlRE.FindAllString(is.References, -1), CWEs: cweList(is.Classifications),
			}
			if d := plain(is.IssueDetail); d != "" {
				f.Evidence = d
			}
			byType[key] = f
			res.Findings = append(res.Findings, f)
		} else {
			f.Count++
		}
		if !containsLoc(f.Locations, loc) {
			f.Locations = append(f.Locations, loc)
		}
	}
	for _, f := range res.Findings {
		f.Count = 0 // finish() sets it from the locations
	}
	return res, nil
}
