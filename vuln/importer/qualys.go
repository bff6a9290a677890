package importer

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"

	"bianque"
)

// Qualys reports.
//
//   - qualys-xml: the Scan/Asset Data Report XML (ASSET_DATA_REPORT): one finding
//     per detection (VULN_INFO) of a host, described by its QID in the glossary.
//   - qualys-csv: the scan report CSV (and the monthly PCI export): one finding
//     per row.
//   - qualys-vmdr-csv: VMDR "Asset Vuln Datalist" (QID or CVE based): one
//     finding per vulnerability row; the row's addresses are its locations.
//   - qualys-webgui-xml: the QualysGuard scan XML (SCAN/IP/VULNS): one finding
//     per vulnerability (VULN) of a host; information gathered (INFOS) and
//     services are not findings.
//
// Qualys severity 1–5 maps to info, low, medium, high, critical.
func init() {
	register(&Format{
		Name: "qualys-xml", Scanner: "qualys",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "ASSET_DATA_REPORT" {
				return 100
			}
			return 0
		},
		Parse: parseQualysXML,
	})
	register(&Format{
		Name: "qualys-webgui-xml", Scanner: "qualys",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "SCAN" && bytes.Contains(head, []byte("scan/")) {
				return 90
			}
			return 0
		},
		Parse: parseQualysWebGUI,
	})
	register(&Format{
		Name: "qualys-csv", Scanner: "qualys",
		Detect: func(head []byte, name string) int {
			first, _, _ := bytes.Cut(head, []byte("\n"))
			u := bytes.ToUpper(first)
			if hasAll(u, "QID", "SEVERITY") && (bytes.Contains(u, []byte("VULN TITLE")) || bytes.Contains(u, []byte(`"TITLE"`)) || bytes.Contains(u, []byte("VULN STATUS"))) {
				return 85
			}
			return 0
		},
		Parse: parseQualysCSV,
	})
	register(&Format{
		Name: "qualys-vmdr-csv", Scanner: "qualys",
		Detect: func(head []byte, name string) int {
			if bytes.Contains(head, []byte("Asset Vuln Datalist Report")) || bytes.Contains(head, []byte(`"Asset IPV4"`)) && bytes.Contains(head, []byte(`"QID"`)) {
				return 95
			}
			return 0
		},
		Parse: parseQualysVMDR,
	})
}

func qualysSeverity(s string) bianque.VulnSeverity {
	if n := atoi(s); n > 0 {
		return severityFromNumber(n - 1)
	}
	return severityOrInfo(s)
}

var parenVector = regexp.MustCompile(`^\s*([\d.]+)\s*\(([^)]*)\)`)

// qualysCVSS3 reads "9.0 (AV:N/AC:H/…)" into score and CVSS:3.0/ vector.
func qualysCVSS3(s string) (float64, string) {
	s = strings.TrimSpace(s)
	if m := parenVector.FindStringSubmatch(s); m != nil {
		return atof(m[1]), cvss3Vector(m[2])
	}
	if strings.HasPrefix(s, "CVSS:") || strings.HasPrefix(s, "AV:") {
		return 0, cvss3Vector(s)
	}
	return atof(s), ""
}

func parseQualysXML(data []byte) (*Result, error) {
	var doc struct {
		Hosts []struct {
			IP    string `xml:"IP"`
			DNS   string `xml:"DNS"`
			OS    string `xml:"OPERATING_SYSTEM"`
			Vulns []struct {
				QID        string `xml:"QID"`
				Type       string `xml:"TYPE"`
				Port       string `xml:"PORT"`
				Protocol   string `xml:"PROTOCOL"`
				Service    string `xml:"SERVICE"`
				FQDN       string `xml:"FQDN"`
				Result     string `xml:"RESULT"`
				CVSS3Final string `xml:"CVSS3_FINAL"`
				Status     string `xml:"VULN_STATUS"`
			} `xml:"VULN_INFO_LIST>VULN_INFO"`
		} `xml:"HOST_LIST>HOST"`
		Details []struct {
			ID       string   `xml:"id,attr"`
			QID      string   `xml:"QID"`
			Title    string   `xml:"TITLE"`
			Severity string   `xml:"SEVERITY"`
			Category string   `xml:"CATEGORY"`
			Threat   string   `xml:"THREAT"`
			Impact   string   `xml:"IMPACT"`
			Solution string   `xml:"SOLUTION"`
			CVEs     []string `xml:"CVE_ID_LIST>CVE_ID>ID"`
			CVSS3    string   `xml:"CVSS3_SCORE>CVSS3_BASE"`
			Vendor   []string `xml:"VENDOR_REFERENCE_LIST>VENDOR_REFERENCE>ID"`
			Exploits []string `xml:"CORRELATION>EXPLOITABILITY>EXPLT_SRC>EXPLT_LIST>EXPLT>REF"`
		} `xml:"GLOSSARY>VULN_DETAILS_LIST>VULN_DETAILS"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode Qualys XML: %w", err)
	}
	det := map[string]int{}
	for i, d := range doc.Details {
		det[text(d.QID)] = i
	}
	res := &Result{}
	for _, h := range doc.Hosts {
		host := text(h.DNS)
		if host == "" {
			host = text(h.IP)
		}
		for _, v := range h.Vulns {
			i, ok := det[text(v.QID)]
			if !ok {
				res.Skipped = append(res.Skipped, fmt.Sprintf("QID %s has no glossary entry", text(v.QID)))
				continue
			}
			d := doc.Details[i]
			sev := qualysSeverity(d.Severity)
			if strings.EqualFold(text(v.Type), "Ig") {
				sev = bianque.VulnInfo // information gathered, not a vulnerability
			}
			f := &bianque.Finding{
				Title: "QID-" + text(d.QID) + " | " + text(d.Title), Severity: sev, PluginID: text(d.QID),
				Description: strings.TrimSpace(plain(d.Threat) + "\n\n" + plain(d.Impact)), Solution: plain(d.Solution),
				Evidence: text(v.Result), Service: strings.ToLower(text(v.Service)), Tags: appendUnique(nil, text(d.Category)),
				PublicExploit: len(d.Exploits) > 0, References: appendUnique(nil, d.Vendor...),
			}
			for _, c := range d.CVEs {
				f.CVEs = appendUnique(f.CVEs, cves(c)...)
			}
			base, vec := qualysCVSS3(d.CVSS3)
			f.CVSSScore, f.CVSSVector = base, vec
			if s, _ := qualysCVSS3(v.CVSS3Final); s > 0 {
				f.CVSSScore = s // the score Qualys computed for this detection
			}
			loc := bianque.Location{Host: host, Protocol: strings.ToLower(text(v.Protocol)), Port: atoi(v.Port)}
			f.Locations = []bianque.Location{loc}
			res.Findings = append(res.Findings, f)
		}
	}
	return res, nil
}

func parseQualysWebGUI(data []byte) (*Result, error) {
	type vuln struct {
		Number    string `xml:"number,attr"`
		Severity  string `xml:"severity,attr"`
		Title     string `xml:"TITLE"`
		Diagnosis string `xml:"DIAGNOSIS"`
		Impact    string `xml:"CONSEQUENCE"`
		Solution  string `xml:"SOLUTION"`
		Result    string `xml:"RESULT"`
		CVEs      []struct {
			ID string `xml:"ID"`
		} `xml:"CVE_ID_LIST>CVE_ID"`
	}
	var doc struct {
		IPs []struct {
			Value string `xml:"value,attr"`
			Name  string `xml:"name,attr"`
			Cats  []struct {
				Port     string `xml:"port,attr"`
				Protocol string `xml:"protocol,attr"`
				Vulns    []vuln `xml:"VULN"`
			} `xml:"VULNS>CAT"`
		} `xml:"IP"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode Qualys scan XML: %w", err)
	}
	res := &Result{}
	for _, ip := range doc.IPs {
		host := ip.Value
		for _, c := range ip.Cats {
			for _, v := range c.Vulns {
				f := &bianque.Finding{
					Title: text(v.Title), Severity: qualysSeverity(v.Severity), PluginID: v.Number,
					Description: strings.TrimSpace(plain(v.Diagnosis) + "\n\n" + plain(v.Impact)), Solution: plain(v.Solution),
					Evidence:  text(v.Result),
					Locations: []bianque.Location{{Host: host, Protocol: strings.ToLower(c.Protocol), Port: atoi(c.Port)}},
				}
				for _, x := range v.CVEs {
					f.CVEs = appendUnique(f.CVEs, cves(x.ID)...)
				}
				res.Findings = append(res.Findings, f)
			}
		}
	}
	return res, nil
}

func parseQualysCSV(data []byte) (*Result, error) {
	h, names, rows, err := readCSV(data)
	if err != nil {
		return nil, err
	}
	upper := map[string]int{}
	for i, n := range names {
		if _, dup := upper[strings.ToUpper(n)]; !dup {
			upper[strings.ToUpper(n)] = i
		}
	}
	_ = h
	res := &Result{}
	byQID := map[string]*bianque.Finding{}
	for i, rec := range rows {
		r := row{upper, rec}
		qid, title := r.get("QID"), r.get("TITLE", "VULN TITLE")
		if qid == "" && title == "" {
			res.Skipped = append(res.Skipped, fmt.Sprintf("row %d: no QID or title", i+2))
			continue
		}
		host := r.get("DNS", "HOSTNAME", "FQDN")
		if host == "" {
			host = r.get("IP")
		}
		loc := bianque.Location{Host: host, Protocol: strings.ToLower(r.get("PROTOCOL")), Port: atoi(r.get("PORT"))}
		key := qid + "\x00" + r.get("SEVERITY") + "\x00" + title
		if f, ok := byQID[key]; ok {
			f.Locations = append(f.Locations, loc)
			continue
		}
		f := &bianque.Finding{
			Title: "QID-" + qid + " | " + title, Severity: qualysSeverity(r.get("SEVERITY")), PluginID: qid,
			Description: strings.TrimSpace(plain(r.get("THREAT")) + "\n\n" + plain(r.get("IMPACT"))), Solution: plain(r.get("SOLUTION")),
			Evidence: r.get("RESULTS", "RESULT"), Tags: appendUnique(nil, r.get("CATEGORY")),
			Locations: []bianque.Location{loc},
		}
		if qs := r.get("Q_SEVERITY"); qs != "" {
			f.Severity = qualysSeverity(qs)
		}
		f.CVEs = cves(r.get("CVE ID", "CVEID"))
		if s, v := qualysCVSS3(r.get("CVSS3")); v != "" || s > 0 {
			f.CVSSScore, f.CVSSVector = s, v
		}
		if base, vec := qualysCVSS3(r.get("CVSS3 BASE")); vec != "" || base > 0 {
			f.CVSSScore, f.CVSSVector = base, vec
			if m := parenVector.FindStringSubmatch(r.get("CVSS3 TEMPORAL")); m != nil && vec != "" {
				f.CVSSVector = vec + "/" + m[2]
			}
		}
		if f.CVSSScore == 0 {
			f.CVSSScore = atof(r.get("CVSS_BASE", "CVSS BASE"))
		}
		byQID[key] = f
		res.Findings = append(res.Findings, f)
	}
	return res, nil
}

func parseQualysVMDR(data []byte) (*Result, error) {
	// A few lines of report metadata come before the header row, which is
	// the first row starting with "QID" or "CVE".
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	all, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read Qualys VMDR CSV: %w", err)
	}
	start := -1
	for i, rec := range all {
		if len(rec) > 3 && (rec[0] == "QID" || rec[0] == "CVE") {
			start = i
			break
		}
	}
	res := &Result{}
	if start < 0 {
		return res, nil
	}
	h := map[string]int{}
	for i, n := range all[start] {
		if _, dup := h[n]; !dup {
			h[n] = i
		}
	}
	for _, rec := range all[start+1:] {
		x := row{h, rec}
		qid := x.get("QID")
		if qid == "" && x.get("CVE") == "" {
			continue
		}
		f := &bianque.Finding{
			Title: x.get("Title"), Severity: qualysSeverity(x.get("Severity")), PluginID: qid, ToolID: qid,
			Description: strings.TrimSpace(fmt.Sprintf("**QID:** %s\n%s\n\n%s", qid, plain(x.get("Threat")), plain(x.get("Impact")))),
			Solution:    plain(x.get("Solution")), Evidence: x.get("Results"),
			Tags: appendUnique(nil, strings.Split(x.get("Asset Tags"), ",")...),
		}
		if c := x.get("CVE"); c != "" {
			f.PluginID = c
			f.CVEs = cves(c)
			f.CVSSScore = atof(x.get("CVSSv3.1 Base (nvd)"))
		}
		switch strings.ToUpper(x.get("Status")) {
		case "FIXED":
			f.State = bianque.FindingClosed
			f.StateReason = "fixed according to Qualys"
		}
		proto := strings.ToLower(strings.Trim(x.get("Protocol"), "'-"))
		port := atoi(x.get("Port"))
		var hosts []string
		for _, ip := range strings.Split(x.get("Asset IPV4"), ",") {
			hosts = appendUnique(hosts, ip)
		}
		if len(hosts) == 0 {
			for _, ip := range strings.Split(x.get("Asset IPV6"), ",") {
				hosts = appendUnique(hosts, ip)
			}
		}
		if len(hosts) == 0 {
			hosts = []string{x.get("Asset Name")}
		}
		for _, hst := range hosts {
			f.Locations = append(f.Locations, bianque.Location{Host: hst, Protocol: proto, Port: port})
		}
		res.Findings = append(res.Findings, f)
	}
	return res, nil
}
