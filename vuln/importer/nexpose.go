package importer

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"

	"bianque"
)

// Rapid7 Nexpose / InsightVM XML Export 2.0. Counting: one finding per
// vulnerability definition (severity + title) over the whole report, for every
// test whose status says the asset is affected (vulnerable-exploited,
// vulnerable-version, vulnerable-potential); each affected host (host-level
// tests) or service (protocol://host:port#transport) is a location. Tests
// that found nothing (not-vulnerable, skipped-*, error) are not findings, and
// neither are the open services themselves: the scanner's service inventory
// goes to the asset ledger, not to the vulnerability list.
func init() {
	register(&Format{
		Name: "nexpose-xml", Scanner: "nexpose",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "NexposeReport" {
				return 100
			}
			return 0
		},
		Parse: parseNexpose,
	})
}

type nexposeTest struct {
	ID     string `xml:"id,attr"`
	Status string `xml:"status,attr"`
	Inner  string `xml:",innerxml"`
}

type nexposeReport struct {
	Nodes []struct {
		Address   string        `xml:"address,attr"`
		Names     []string      `xml:"names>name"`
		Tests     []nexposeTest `xml:"tests>test"`
		Endpoints []struct {
			Protocol string `xml:"protocol,attr"`
			Port     string `xml:"port,attr"`
			Status   string `xml:"status,attr"`
			Services []struct {
				Name  string        `xml:"name,attr"`
				Tests []nexposeTest `xml:"tests>test"`
			} `xml:"services>service"`
		} `xml:"endpoints>endpoint"`
	} `xml:"nodes>node"`
	Definitions []struct {
		ID          string `xml:"id,attr"`
		Title       string `xml:"title,attr"`
		Severity    string `xml:"severity,attr"`
		CVSSScore   string `xml:"cvssScore,attr"`
		CVSSVector  string `xml:"cvssVector,attr"`
		Description struct {
			Inner string `xml:",innerxml"`
		} `xml:"description"`
		Solution struct {
			Inner string `xml:",innerxml"`
		} `xml:"solution"`
		References []struct {
			Source string `xml:"source,attr"`
			Value  string `xml:",chardata"`
		} `xml:"references>reference"`
		Tags []string `xml:"tags>tag"`
	} `xml:"VulnerabilityDefinitions>vulnerability"`
}

// nexposeSeverity maps Rapid7's 1–10 risk: 1–4 low, 5–6 medium, 7–8 high, 9–10 critical.
func nexposeSeverity(s int) bianque.VulnSeverity {
	switch {
	case s >= 9:
		return bianque.VulnCritical
	case s >= 7:
		return bianque.VulnHigh
	case s >= 5:
		return bianque.VulnMedium
	case s >= 1:
		return bianque.VulnLow
	}
	return bianque.VulnInfo
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func nexposeRef(source, value string) string {
	value = strings.TrimSpace(value)
	switch strings.ToUpper(source) {
	case "BID":
		return "https://www.securityfocus.com/bid/" + value
	case "CERT-VN":
		return "https://www.kb.cert.org/vuls/id/" + value + ".html"
	case "CVE":
		return "https://cve.mitre.org/cgi-bin/cvename.cgi?name=" + value
	case "URL":
		return value
	}
	return source + ": " + value
}

func parseNexpose(data []byte) (*Result, error) {
	var rep nexposeReport
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("decode Nexpose XML: %w", err)
	}
	defs := map[string]int{}
	for i, d := range rep.Definitions {
		defs[strings.ToLower(d.ID)] = i
	}
	res := &Result{}
	byKey := map[string]*bianque.Finding{}
	add := func(t nexposeTest, loc bianque.Location, service string) {
		if !strings.HasPrefix(t.Status, "vulnerable") {
			return
		}
		i, ok := defs[strings.ToLower(t.ID)]
		if !ok {
			res.Skipped = append(res.Skipped, fmt.Sprintf("test %s has no vulnerability definition", t.ID))
			return
		}
		d := rep.Definitions[i]
		sev := nexposeSeverity(atoi(d.Severity))
		key := string(sev) + "\x00" + d.Title
		f, ok := byKey[key]
		if !ok {
			f = &bianque.Finding{
				Title: d.Title, Severity: sev, PluginID: d.ID,
				Description: plain(d.Description.Inner), Solution: plain(d.Solution.Inner),
				CVSSScore: atof(d.CVSSScore), CVSSVector: d.CVSSVector, Tags: d.Tags,
			}
			if strings.HasPrefix(d.CVSSVector, "(") {
				f.CVSSVector = strings.Trim(d.CVSSVector, "()")
			}
			for _, r := range d.References {
				f.References = appendUnique(f.References, nexposeRef(r.Source, r.Value))
				if strings.EqualFold(r.Source, "CVE") {
					f.CVEs = appendUnique(f.CVEs, strings.ToUpper(strings.TrimSpace(r.Value)))
				}
			}
			byKey[key] = f
			res.Findings = append(res.Findings, f)
		}
		if service != "" {
			f.Description = strings.TrimSpace(f.Description + "\n\nService: " + service)
			if len(f.Tags) == 0 {
				f.Tags = []string{strings.Trim(slugRE.ReplaceAllString(strings.ToLower(service), "-"), "-")}
			}
		}
		if ev := plain(t.Inner); ev != "" && !strings.Contains(f.Evidence, ev) {
			f.Evidence = strings.TrimSpace(f.Evidence + "\n" + loc.String() + ": " + ev)
		}
		f.Locations = append(f.Locations, loc)
	}
	for _, n := range rep.Nodes {
		for _, t := range n.Tests {
			add(t, bianque.Location{Host: n.Address}, "")
		}
		for _, ep := range n.Endpoints {
			for _, s := range ep.Services {
				proto := strings.ToLower(s.Name)
				if !urlSchemes[proto] {
					proto = ep.Protocol
				}
				loc := bianque.Location{Protocol: proto, Host: n.Address, Port: atoi(ep.Port), Fragment: ep.Protocol}
				if proto == ep.Protocol {
					loc.Fragment = ""
				}
				for _, t := range s.Tests {
					add(t, loc, s.Name)
				}
			}
		}
	}
	for _, f := range res.Findings {
		f.Count = len(f.Locations)
	}
	return res, nil
}
