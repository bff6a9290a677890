package vuln

import (
	"fmt"
	"sort"
	"strings"
)

// Target is an asset fingerprint to match: CPEs (a firmware and the hardware
// it runs on, an application and its OS ...) and/or a product name with
// version (and vendor when known), as scanners and the ledger record them.
type Target struct {
	Name    string `json:"name,omitempty"`
	Vendor  string `json:"vendor,omitempty"`
	Product string `json:"product,omitempty"`
	Version string `json:"version,omitempty"`
	CPEs    []CPE  `json:"-"`
}

// ParseTarget reads "product=openssh,version=7.4,vendor=openbsd,cpe=cpe:2.3:…"
// (any order; cpe may repeat).
func ParseTarget(spec string) (Target, error) {
	var t Target
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return t, fmt.Errorf("asset %q: %q is not key=value", spec, kv)
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "product":
			t.Product = v
		case "version":
			t.Version = v
		case "vendor":
			t.Vendor = v
		case "name":
			t.Name = v
		case "cpe":
			c, err := ParseCPE(v)
			if err != nil {
				return t, fmt.Errorf("asset %q: %w", spec, err)
			}
			t.CPEs = append(t.CPEs, c)
		default:
			return t, fmt.Errorf("asset %q: unknown key %q (product, version, vendor, name, cpe)", spec, k)
		}
	}
	if t.Product == "" && len(t.CPEs) == 0 {
		return t, fmt.Errorf("asset %q names neither a product nor a CPE", spec)
	}
	return t, nil
}

// cpes returns the target's CPEs, with one built from product/version/vendor.
func (t Target) cpes() []CPE {
	out := append([]CPE(nil), t.CPEs...)
	if t.Product != "" {
		c := CPE{Part: "*", Vendor: "*", Product: normName(t.Product), Version: "*", Update: "*", Edition: "*",
			Language: "*", SwEdition: "*", TargetSW: "*", TargetHW: "*", Other: "*"}
		if t.Vendor != "" {
			c.Vendor = normName(t.Vendor)
		}
		if t.Version != "" {
			c.Version = strings.ToLower(t.Version)
		}
		out = append(out, c)
	}
	return out
}

// normName turns a product or vendor name into CPE form: lower case, spaces as underscores.
func normName(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "_")
}

// Match is one vulnerability found to apply to a target, with why.
type Match struct {
	CVE        string   `json:"cve"`
	Source     string   `json:"source"` // nvd or the advisory's tracking ID
	Reason     string   `json:"reason"`
	CVSSScore  float64  `json:"cvss_score,omitempty"`
	CVSSVector string   `json:"cvss_vector,omitempty"`
	Severity   string   `json:"severity,omitempty"`
	KEV        bool     `json:"kev"`
	Ransomware bool     `json:"ransomware,omitempty"`
	KEVDue     string   `json:"kev_due_date,omitempty"`
	Title      string   `json:"title,omitempty"`
	References []string `json:"references,omitempty"`
}

// critMatch matches one criterion against one target CPE and explains it.
func critMatch(m CPEMatch, t CPE) (bool, string) {
	c, err := ParseCPE(m.Criteria)
	if err != nil {
		return false, ""
	}
	if t.Part != "*" && c.Part != "*" && t.Part != c.Part {
		return false, ""
	}
	if !attrMatch(c.Product, t.Product) {
		return false, ""
	}
	vendorNote := ""
	if t.Vendor == "*" {
		vendorNote = " (vendor not known, matched by product name)"
	} else if !attrMatch(c.Vendor, t.Vendor) {
		return false, ""
	}
	var why string
	switch {
	case m.HasRange():
		if t.Version == "*" || t.Version == "-" {
			return false, ""
		}
		if !m.InRange(t.Version) {
			return false, ""
		}
		why = fmt.Sprintf("version %s within %s", t.Version, m.RangeText())
	case c.Version == "*":
		why = "all versions"
	case c.Version == "-":
		// NA: the hardware itself, or a product without versions.
		why = "product without version"
	default:
		if t.Version == "*" {
			return false, ""
		}
		if !(attrMatch(c.Version, t.Version) || CompareVersions(c.Version, t.Version) == 0 && !strings.ContainsAny(c.Version, "*?")) {
			return false, ""
		}
		why = "version " + t.Version + " listed"
	}
	// Update: a specific update (p7) needs the target's; "-" (the base release) accepts an unknown one.
	if c.Update != "*" && c.Update != "-" && !attrMatch(c.Update, t.Update) {
		return false, ""
	}
	if c.Update == "-" && t.Update != "*" && t.Update != "-" {
		return false, ""
	}
	for _, p := range [][2]string{{c.Edition, t.Edition}, {c.Language, t.Language}, {c.SwEdition, t.SwEdition}, {c.TargetSW, t.TargetSW}, {c.TargetHW, t.TargetHW}, {c.Other, t.Other}} {
		if p[0] != "*" && p[1] != "*" && !attrMatch(p[0], p[1]) {
			return false, ""
		}
	}
	return true, m.Criteria + ": " + why + vendorNote
}

// nodeMatch evaluates a node over the target's CPEs; it returns the reasons of
// the vulnerable criteria that matched and whether the node holds.
func nodeMatch(n Node, cpes []CPE) (bool, []string, []string) {
	var vulnWhy, platWhy []string
	hits := 0
	for _, m := range n.CPEMatch {
		hit := false
		for _, t := range cpes {
			if ok, why := critMatch(m, t); ok {
				hit = true
				if m.Vulnerable {
					vulnWhy = append(vulnWhy, why)
				} else {
					platWhy = append(platWhy, why)
				}
				break
			}
		}
		if hit {
			hits++
		}
	}
	ok := hits > 0
	if strings.EqualFold(n.Operator, "AND") {
		ok = hits == len(n.CPEMatch) && hits > 0
	}
	if n.Negate {
		ok = !ok
	}
	return ok, vulnWhy, platWhy
}

// MatchCVE reports whether the CVE applies to the target, with a reason. A
// configuration applies when its nodes hold (all of them for AND, one for OR)
// and a vulnerable criterion matched; a platform criterion alone (the
// hardware, the OS) is never enough.
func MatchCVE(c *CVE, t Target) (bool, string) {
	cpes := t.cpes()
	for _, cfg := range c.Configurations {
		and := strings.EqualFold(cfg.Operator, "AND")
		holds := and
		var vulnWhy, platWhy []string
		for _, n := range cfg.Nodes {
			ok, vw, pw := nodeMatch(n, cpes)
			if and {
				holds = holds && ok
			} else if ok && len(vw) > 0 {
				holds = true
			}
			vulnWhy = append(vulnWhy, vw...)
			platWhy = append(platWhy, pw...)
		}
		if cfg.Negate {
			holds = !holds
		}
		if holds && len(vulnWhy) > 0 {
			why := vulnWhy[0]
			if and && len(platWhy) > 0 {
				why += "; running on " + strings.Join(platWhy, ", ")
			}
			return true, why
		}
	}
	return false, ""
}

// MatchAdvisory returns the advisory's vulnerabilities that affect the target:
// a product whose vendor and name agree with the target and whose version
// expression contains the target's version.
func MatchAdvisory(a *Advisory, t Target) []Match {
	var products []AdvisoryProduct
	for _, p := range a.Products {
		if productAgrees(p, t) && ParseVersions(p.Versions).Contains(t.Version) {
			products = append(products, p)
		}
	}
	var out []Match
	for _, v := range a.Vulnerabilities {
		for _, p := range products {
			if !contains(v.Affected, p.ID) {
				continue
			}
			ver := p.Versions
			if ver == "" {
				ver = "all versions"
			}
			out = append(out, Match{
				CVE: v.CVE, Source: a.TrackingID, Title: a.Title, CVSSScore: v.CVSSScore, CVSSVector: v.CVSSVector,
				Reason: fmt.Sprintf("%s lists %s %s (%s) as known affected; asset version %q", a.TrackingID, p.Vendor, p.Product, ver, t.Version),
			})
			break
		}
	}
	return out
}

// productAgrees compares an advisory product with the target by name: the
// target's product must be the advisory's product name (or a CPE product of
// it), with the vendor prefix advisories often repeat ("GE Aespire") ignored.
func productAgrees(p AdvisoryProduct, t Target) bool {
	names := []string{}
	if t.Product != "" {
		names = append(names, normName(t.Product))
	}
	for _, c := range t.CPEs {
		names = append(names, c.Product)
	}
	cand := normName(p.Product)
	full := normName(p.FullName)
	for _, n := range names {
		if n == "" {
			continue
		}
		if n == cand || strings.HasSuffix(cand, "_"+n) || strings.HasPrefix(full, n) || n == full {
			if t.Vendor == "" || vendorAgrees(p.Vendor, t.Vendor) {
				return true
			}
		}
	}
	return false
}

func vendorAgrees(a, b string) bool {
	a, b = normName(a), normName(b)
	return a == b || strings.Contains(a, b) || strings.Contains(b, a)
}

// Matcher matches targets against an NVD set, the KEV catalog and advisories.
type Matcher struct {
	CVEs       []*CVE
	KEV        *KEV
	Advisories []*Advisory
}

// Match returns every vulnerability that applies to t, most severe first,
// KEV entries flagged. A CVE found by both NVD and an advisory is listed once,
// with both reasons.
func (m *Matcher) Match(t Target) []Match {
	byCVE := map[string]*Match{}
	var order []string
	add := func(x Match) {
		if old, ok := byCVE[x.CVE]; ok {
			old.Reason += " | " + x.Reason
			if old.Source != x.Source {
				old.Source += "," + x.Source
			}
			return
		}
		mm := x
		byCVE[x.CVE] = &mm
		order = append(order, x.CVE)
	}
	for _, c := range m.CVEs {
		if ok, why := MatchCVE(c, t); ok {
			add(Match{CVE: c.ID, Source: "nvd", Reason: why, CVSSScore: c.CVSSScore, CVSSVector: c.CVSSVector, Severity: c.Severity, References: c.References})
		}
	}
	for _, a := range m.Advisories {
		for _, x := range MatchAdvisory(a, t) {
			add(x)
		}
	}
	out := make([]Match, 0, len(order))
	for _, id := range order {
		x := byCVE[id]
		if e, ok := m.KEV.Lookup(id); ok {
			x.KEV, x.Ransomware, x.KEVDue = true, e.Ransomware(), e.DueDate
			x.Reason += fmt.Sprintf(" | CISA KEV: exploited in the wild (added %s)", e.DateAdded)
		}
		out = append(out, *x)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].KEV != out[j].KEV {
			return out[i].KEV
		}
		return out[i].CVSSScore > out[j].CVSSScore
	})
	return out
}
