package importer

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"bianque"
)

// Nessus / Tenable.io / Tenable WAS reports.
//
// .nessus XML (NessusClientData_v2). Counting: one finding per plugin name and
// severity across the whole report; every host/port it was reported on is a
// location (so "SSL Certificate Expired" on 40 hosts is one finding with 40
// locations). Port 0 items ("general") are host-level locations.
//
// CSV (Nessus export, Tenable.sc export, Tenable.io export with asset.* and
// definition.* columns, Tenable WAS). Counting: one finding per row after
// dropping repeated rows of the same plugin, severity, host, port and synopsis.
func init() {
	register(&Format{
		Name: "nessus-xml", Scanner: "nessus",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "NessusClientData_v2" {
				return 100
			}
			return 0
		},
		Parse: parseNessusXML,
	})
	register(&Format{
		Name: "nessus-csv", Scanner: "nessus",
		Detect: func(head []byte, name string) int {
			first, _, _ := bytes.Cut(head, []byte("\n"))
			switch {
			case hasAll(first, "Plugin", "Synopsis", "Solution"), hasAll(first, "definition.", "asset."):
				return 80
			case hasAll(first, "Plugin ID", "Risk", "Name"):
				return 70
			}
			return 0
		},
		Parse: parseNessusCSV,
	})
}

type nessusItem struct {
	Port         string   `xml:"port,attr"`
	SvcName      string   `xml:"svc_name,attr"`
	Protocol     string   `xml:"protocol,attr"`
	Severity     string   `xml:"severity,attr"`
	PluginID     string   `xml:"pluginID,attr"`
	PluginName   string   `xml:"pluginName,attr"`
	Synopsis     string   `xml:"synopsis"`
	Description  string   `xml:"description"`
	Solution     string   `xml:"solution"`
	PluginOutput string   `xml:"plugin_output"`
	SeeAlso      []string `xml:"see_also"`
	Xref         []string `xml:"xref"`
	CVE          []string `xml:"cve"`
	CWE          []string `xml:"cwe"`
	CPE          []string `xml:"cpe"`
	CVSS3Vector  string   `xml:"cvss3_vector"`
	CVSS3Base    string   `xml:"cvss3_base_score"`
	CVSSv3       string   `xml:"cvssv3"`
	CVSSVector   string   `xml:"cvss_vector"`
	CVSSBase     string   `xml:"cvss_base_score"`
	CVSS         string   `xml:"cvss"`
	EPSS         string   `xml:"epss_score"`
	ExploitAvail string   `xml:"exploit_available"`
}

type nessusReport struct {
	Reports []struct {
		Hosts []struct {
			Name  string `xml:"name,attr"`
			Props []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:",chardata"`
			} `xml:"HostProperties>tag"`
			Items []nessusItem `xml:"ReportItem"`
		} `xml:"ReportHost"`
	} `xml:"Report"`
}

// urlSchemes are the service names that are URL schemes; other Nessus service
// names (e.g. "fw1-topology-download") become the transport protocol.
var urlSchemes = map[string]bool{}

func init() {
	for _, s := range strings.Fields("acap afp dict dns file ftp git gopher http https imap ipp ipps irc ircs ldap ldaps mms msrp msrps mtqp nfs nntp nntps pop prospero redis rsync rtsp rtsps rtspu sftp smb snmp ssh steam svn telnet ventrilo vnc wais ws wss xmpp") {
		urlSchemes[s] = true
	}
}

var nonSchemeRE = regexp.MustCompile(`[^A-Za-z0-9\-+]+`)

func parseNessusXML(data []byte) (*Result, error) {
	var rep nessusReport
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("decode .nessus XML: %w", err)
	}
	res := &Result{}
	byKey := map[string]*bianque.Finding{}
	for _, r := range rep.Reports {
		for _, h := range r.Hosts {
			ip, fqdn := h.Name, ""
			for _, p := range h.Props {
				switch p.Name {
				case "host-fqdn":
					fqdn = text(p.Value)
				case "host-ip":
					ip = text(p.Value)
				}
			}
			for _, it := range h.Items {
				port := int(atof(it.Port))
				proto := nonSchemeRE.ReplaceAllString(it.SvcName, "")
				if proto == "www" {
					proto = "http"
				}
				if proto != "" && !urlSchemes[proto] {
					proto = nonSchemeRE.ReplaceAllString(it.Protocol, "")
				}
				sev := severityFromNumber(atoi(it.Severity))
				score, vector := 0.0, ""
				switch {
				case text(it.CVSS3Base) != "" || text(it.CVSSv3) != "":
					score = cvssScore(it.CVSS3Base)
					if score == 0 {
						score = cvssScore(it.CVSSv3)
					}
					vector = cvss3Vector(it.CVSS3Vector)
					sev = bianque.SeverityFromCVSS(score)
				case text(it.CVSSBase) != "":
					score, vector = cvssScore(it.CVSSBase), text(it.CVSSVector)
				}
				key := string(sev) + "\x00" + it.PluginName
				f, ok := byKey[key]
				if !ok {
					f = &bianque.Finding{
						Title: it.PluginName, Severity: sev, PluginID: it.PluginID,
						CVSSScore: score, CVSSVector: vector,
						Description: text(it.Synopsis), Solution: text(it.Solution),
						EPSS: epss(it.EPSS), PublicExploit: it.ExploitAvail == "true",
					}
					if d := text(it.Description); d != "" {
						f.Description = strings.TrimSpace(f.Description + "\n\n" + d)
					}
					for _, s := range it.SeeAlso {
						f.References = appendUnique(f.References, strings.Fields(s)...)
					}
					f.References = appendUnique(f.References, it.Xref...)
					for _, c := range it.CWE {
						if n := atoi(c); n > 0 {
							f.CWEs = append(f.CWEs, n)
						}
					}
					for _, c := range it.CPE {
						if p, v := cpeProduct(text(c)); p != "" {
							f.Component, f.ComponentVersion = p, v
							break
						}
					}
					byKey[key] = f
					res.Findings = append(res.Findings, f)
				} else {
					f.Count++
				}
				for _, c := range it.CVE {
					f.CVEs = appendUnique(f.CVEs, cves(c)...)
				}
				if out := text(it.PluginOutput); out != "" {
					where := ip
					if port > 0 {
						where += ":" + strconv.Itoa(port)
					}
					f.Evidence = strings.TrimSpace(f.Evidence + "\n\n" + where + "\n" + out)
				}
				host := ip
				if fqdn != "" {
					host = fqdn
				}
				var loc bianque.Location
				switch {
				case strings.Contains(fqdn, "://"):
					loc = locationFromURL(fqdn)
				case proto == "general":
					loc = bianque.Location{Host: host}
				default:
					loc = bianque.Location{Protocol: proto, Host: host}
					if port > 0 {
						loc.Port = port
					}
				}
				f.Locations = append(f.Locations, loc)
			}
		}
	}
	for _, f := range res.Findings {
		f.Count = len(f.Locations)
	}
	return res, nil
}

// cvssScore reads a CVSS base score; some exports drop the decimal point (75 = 7.5).
func cvssScore(s string) float64 {
	v := atof(s)
	if v > 10 && v <= 100 {
		v /= 10
	}
	if v < 0 || v > 10 {
		return 0
	}
	return v
}

// cvss3Vector adds the CVSS:3.0/ prefix Nessus leaves out.
func cvss3Vector(v string) string {
	v = text(v)
	if v == "" || strings.HasPrefix(v, "CVSS:") {
		return v
	}
	return "CVSS:3.0/" + v
}

// epss reads an EPSS probability; Tenable exports give it in basis points (3833 = 0.3833).
func epss(s string) float64 {
	v := atof(s)
	for v > 1 {
		v /= 10000
	}
	return v
}

var cpe22RE = regexp.MustCompile(`cpe:/[^\s]+|cpe:2\.3:[^\s]+`)

func parseNessusCSV(data []byte) (*Result, error) {
	h, _, rows, err := readCSV(data)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	seen := map[string]*bianque.Finding{}
	for i, rec := range rows {
		r := row{h, rec}
		title := r.get("Name", "Plugin Name", "definition.name")
		if title == "" {
			res.Skipped = append(res.Skipped, fmt.Sprintf("row %d: no plugin name", i+2))
			continue
		}
		rawSev := r.get("Risk")
		if rawSev == "" {
			rawSev = r.get("severity", "Severity", "Risk Factor")
		}
		var sev bianque.VulnSeverity
		if n, err := strconv.Atoi(rawSev); err == nil {
			sev = severityFromNumber(n)
		} else {
			sev = severityOrInfo(rawSev)
		}
		host := r.get("Host", "asset.host_name")
		if host == "" {
			host = r.get("DNS Name", "asset.display_fqdn")
		}
		if host == "" {
			host = r.get("IP Address", "asset.display_ipv4_address")
		}
		portStr := r.get("Port", "port", "asset.port")
		synopsis := r.get("Synopsis", "definition.synopsis")
		key := strings.Join([]string{string(sev), title, host, portStr, synopsis}, "\x00")
		f, dup := seen[key]
		if !dup {
			f = &bianque.Finding{
				Title: title, Severity: sev, PluginID: r.get("Plugin ID", "Plugin", "definition.id"),
				Description: synopsis, Solution: r.get("Solution", "definition.solution"),
				References: lines(r.get("See Also", "definition.see_also")),
			}
			if d := r.get("Description", "definition.description"); d != "" {
				f.Description = strings.TrimSpace(f.Description + "\n\n" + d)
			}
			if v := r.get("CVSS V3 Vector", "definition.cvss3.base_vector"); v != "" {
				f.CVSSVector = cvss3Vector(v)
			}
			if s := r.get("CVSSv3", "CVSS v3.0 Base Score", "CVSS V3 Base Score", "definition.cvss3.base_score"); s != "" {
				f.CVSSScore = cvssScore(s)
			}
			f.EPSS = epss(r.get("EPSS Score"))
			f.PublicExploit = strings.EqualFold(r.get("Exploit?"), "yes")
			if m := cpe22RE.FindString(r.get("CPE", "definition.cpe")); m != "" {
				f.Component, f.ComponentVersion = cpeProduct(m)
			}
			seen[key] = f
			res.Findings = append(res.Findings, f)
		} else {
			f.Count++
		}
		if out := r.get("Plugin Output", "Plugin Text", "output"); out != "" {
			f.Evidence = strings.TrimSpace(f.Evidence + "\n\n" + out)
		}
		f.CVEs = appendUnique(f.CVEs, cves(r.get("CVE", "definition.cve"))...)
		proto := strings.ToLower(r.get("Protocol", "protocol"))
		var loc bianque.Location
		if strings.Contains(host, "://") {
			loc = locationFromURL(host)
		} else {
			if host == "" {
				host = "localhost"
			}
			loc = bianque.Location{Protocol: proto, Host: host, Port: atoi(portStr)}
		}
		f.Locations = append(f.Locations, loc)
	}
	return res, nil
}
