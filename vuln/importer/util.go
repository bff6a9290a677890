package importer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"bianque"
	"bianque/vuln"
)

var cveRE = regexp.MustCompile(`(?i)CVE-\d{4}-\d{4,}`)

// cves returns the CVE identifiers in s, upper-cased, in order of appearance.
func cves(s string) []string {
	m := cveRE.FindAllString(s, -1)
	for i := range m {
		m[i] = strings.ToUpper(m[i])
	}
	return m
}

// appendUnique appends the values of add that are not in list yet.
func appendUnique(list []string, add ...string) []string {
	for _, a := range add {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		dup := false
		for _, l := range list {
			if l == a {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, a)
		}
	}
	return list
}

// splitIDs sorts advisory identifiers into CVEs and others.
func splitIDs(f *bianque.Finding, ids ...string) {
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if cveRE.MatchString(id) && len(id) == len(cveRE.FindString(id)) {
			f.CVEs = appendUnique(f.CVEs, strings.ToUpper(id))
		} else {
			f.IDs = appendUnique(f.IDs, id)
		}
	}
}

// severityOrInfo reads a severity word, falling back to info.
func severityOrInfo(s string) bianque.VulnSeverity {
	if v, ok := bianque.ParseVulnSeverity(s); ok {
		return v
	}
	return bianque.VulnInfo
}

// severityFromNumber maps the 0–4 scale most scanners use (0 info … 4 critical).
func severityFromNumber(n int) bianque.VulnSeverity {
	switch {
	case n >= 4:
		return bianque.VulnCritical
	case n == 3:
		return bianque.VulnHigh
	case n == 2:
		return bianque.VulnMedium
	case n == 1:
		return bianque.VulnLow
	}
	return bianque.VulnInfo
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f
}

// lines splits text into non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// cpeProduct returns the product and version named by a CPE, "" when s is not one.
func cpeProduct(s string) (product, version string) {
	c, err := vuln.ParseCPE(s)
	if err != nil {
		return "", ""
	}
	if c.Product != "*" {
		product = c.Product
	}
	if c.Version != "*" && c.Version != "-" {
		version = c.Version
	}
	return product, version
}

// locationFromURL parses a URL (or host[:port]) into a Location. The path is
// kept without its leading slash.
func locationFromURL(raw string) bianque.Location {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return bianque.Location{}
	}
	if !strings.Contains(raw, "://") {
		raw = "//" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bianque.Location{Host: raw}
	}
	l := bianque.Location{Protocol: strings.ToLower(u.Scheme), Host: u.Hostname(), Port: atoi(u.Port())}
	if l.Port == 0 {
		l.Port = schemePorts[l.Protocol]
	}
	l.Path = strings.TrimPrefix(u.EscapedPath(), "/")
	if p, err := url.PathUnescape(l.Path); err == nil {
		l.Path = p
	}
	l.Query = normalizeQuery(u.RawQuery)
	l.Fragment = u.Fragment
	return l
}

// normalizeQuery decodes percent-escapes of characters a query may carry
// literally (RFC 3986 unreserved and sub-delimiters other than & and +), so
// one URL written two ways compares equal; other escapes keep upper-case hex.
func normalizeQuery(q string) string {
	if !strings.Contains(q, "%") {
		return q
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '%' && i+2 < len(q) {
			if v, err := strconv.ParseUint(q[i+1:i+3], 16, 8); err == nil {
				c := byte(v)
				if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$'()*,;=:@/?", c) >= 0 {
					b.WriteByte(c)
				} else {
					b.WriteString("%" + strings.ToUpper(q[i+1:i+3]))
				}
				i += 2
				continue
			}
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// schemePorts are the default ports of URL schemes: a URL without a port
// names the scheme's default.
var schemePorts = map[string]int{"http": 80, "https": 443, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "ldap": 389, "ldaps": 636, "ws": 80, "wss": 443, "redis": 6379, "smb": 445, "vnc": 5900, "imap": 143, "pop": 110, "rtsp": 554, "nntp": 119, "snmp": 161, "sftp": 22}

// readCSV reads a whole CSV report: header names → column index, then rows.
// The delimiter is ';' when the header line has one and no ',', else ','.
func readCSV(data []byte) (header map[string]int, names []string, rows [][]string, err error) {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	names, err = r.Read()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read CSV header: %w", err)
	}
	header = map[string]int{}
	for i, n := range names {
		n = strings.TrimSpace(n)
		names[i] = n
		if _, dup := header[n]; !dup {
			header[n] = i
		}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		rows = append(rows, rec)
	}
	return header, names, rows, nil
}

// row gives named access to one CSV record.
type row struct {
	h   map[string]int
	rec []string
}

// get returns the first present column of names ("" when none is present).
func (r row) get(names ...string) string {
	for _, n := range names {
		if i, ok := r.h[n]; ok && i < len(r.rec) {
			return strings.TrimSpace(r.rec[i])
		}
	}
	return ""
}

// has reports whether any of the columns exists.
func (r row) has(names ...string) bool {
	for _, n := range names {
		if _, ok := r.h[n]; ok {
			return true
		}
	}
	return false
}

// firstJSONByte returns the first non-space byte of head.
func firstJSONByte(head []byte) byte {
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// jsonLines decodes a JSON array, a single object, or JSON lines into raw messages.
func jsonLines(data []byte) ([]json.RawMessage, error) {
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, nil
	}
	if t[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(t, &arr); err != nil {
			return nil, fmt.Errorf("decode JSON array: %w", err)
		}
		return arr, nil
	}
	var out []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(t))
	for {
		var m json.RawMessage
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decode JSON line %d: %w", len(out)+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// xmlRoot returns the name of the first element of an XML document's head.
func xmlRoot(head []byte) string {
	i := 0
	for {
		j := bytes.IndexByte(head[i:], '<')
		if j < 0 {
			return ""
		}
		i += j + 1
		if i >= len(head) {
			return ""
		}
		switch head[i] {
		case '?', '!':
			continue
		}
		end := i
		for end < len(head) && !strings.ContainsRune(" \t\r\n>/", rune(head[end])) {
			end++
		}
		name := string(head[i:end])
		if k := strings.IndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		return name
	}
}

// hasAll reports whether head contains every needle.
func hasAll(head []byte, needles ...string) bool {
	for _, n := range needles {
		if !bytes.Contains(head, []byte(n)) {
			return false
		}
	}
	return true
}

// text trims XML character data.
func text(s string) string { return strings.TrimSpace(s) }
