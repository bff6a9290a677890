package vuln

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Advisory is a CISA CSAF 2.0 advisory (ICSMA: medical devices) reduced to
// what matching needs: the products (vendor, product, version expression) and
// the vulnerabilities with the products they affect.
type Advisory struct {
	TrackingID      string            `json:"tracking_id"`
	Title           string            `json:"title"`
	InitialRelease  string            `json:"initial_release_date"`
	CurrentRelease  string            `json:"current_release_date,omitempty"`
	TLP             string            `json:"tlp,omitempty"`
	Vendors         []string          `json:"vendors"`
	Products        []AdvisoryProduct `json:"products"`
	Vulnerabilities []AdvisoryVuln    `json:"vulnerabilities"`
}

// AdvisoryProduct is one leaf of the product tree.
type AdvisoryProduct struct {
	ID      string `json:"product_id"`
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	// Versions is the product_version or product_version_range text ("<= 4.2",
	// ">= 4.01 | <= 4.34", "vers:all/*", "F.0.G.0 | J.3").
	Versions string `json:"versions,omitempty"`
	Range    bool   `json:"range,omitempty"`
	FullName string `json:"full_name"`
}

// AdvisoryVuln is one vulnerability of an advisory.
type AdvisoryVuln struct {
	CVE         string   `json:"cve"`
	CWE         string   `json:"cwe,omitempty"`
	Title       string   `json:"title,omitempty"`
	CVSSScore   float64  `json:"cvss_score,omitempty"`
	CVSSVector  string   `json:"cvss_vector,omitempty"`
	Affected    []string `json:"known_affected"`
	Remediation string   `json:"remediation,omitempty"`
}

// MaxCVSS returns the highest CVSS v3 base score of the advisory.
func (a *Advisory) MaxCVSS() float64 {
	m := 0.0
	for _, v := range a.Vulnerabilities {
		m = max(m, v.CVSSScore)
	}
	return m
}

// CVEs lists the advisory's CVE IDs in document order.
func (a *Advisory) CVEs() []string {
	var out []string
	for _, v := range a.Vulnerabilities {
		if v.CVE != "" {
			out = append(out, v.CVE)
		}
	}
	return out
}

type csafBranch struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	Product  *struct {
		Name string `json:"name"`
		ID   string `json:"product_id"`
	} `json:"product"`
	Branches []csafBranch `json:"branches"`
}

// ParseCSAF reads one CSAF 2.0 advisory.
func ParseCSAF(data []byte) (*Advisory, error) {
	var doc struct {
		Document *struct {
			Title        string `json:"title"`
			Distribution struct {
				TLP struct {
					Label string `json:"label"`
				} `json:"tlp"`
			} `json:"distribution"`
			Tracking struct {
				ID             string `json:"id"`
				InitialRelease string `json:"initial_release_date"`
				CurrentRelease string `json:"current_release_date"`
			} `json:"tracking"`
		} `json:"document"`
		ProductTree struct {
			Branches []csafBranch `json:"branches"`
		} `json:"product_tree"`
		Vulnerabilities []struct {
			CVE   string `json:"cve"`
			Title string `json:"title"`
			CWE   *struct {
				ID string `json:"id"`
			} `json:"cwe"`
			ProductStatus struct {
				KnownAffected []string `json:"known_affected"`
			} `json:"product_status"`
			Scores []struct {
				CVSSv3 *struct {
					BaseScore    float64 `json:"baseScore"`
					VectorString string  `json:"vectorString"`
				} `json:"cvss_v3"`
			} `json:"scores"`
			Remediations []struct {
				Category string `json:"category"`
				Details  string `json:"details"`
			} `json:"remediations"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode CSAF: %w", err)
	}
	if doc.Document == nil || doc.Document.Tracking.ID == "" {
		return nil, fmt.Errorf("not a CSAF advisory (no document.tracking.id)")
	}
	a := &Advisory{
		TrackingID: doc.Document.Tracking.ID, Title: doc.Document.Title,
		InitialRelease: doc.Document.Tracking.InitialRelease, CurrentRelease: doc.Document.Tracking.CurrentRelease,
		TLP: doc.Document.Distribution.TLP.Label,
	}
	var walk func(bs []csafBranch, vendor, product string)
	walk = func(bs []csafBranch, vendor, product string) {
		for _, b := range bs {
			v, p := vendor, product
			switch b.Category {
			case "vendor":
				v = b.Name
			case "product_name", "product_family":
				p = b.Name
			}
			if b.Product != nil {
				ap := AdvisoryProduct{ID: b.Product.ID, Vendor: v, Product: p, FullName: b.Product.Name}
				switch b.Category {
				case "product_version":
					ap.Versions = b.Name
				case "product_version_range":
					ap.Versions, ap.Range = b.Name, true
				case "product_name":
					ap.Product = b.Name
				}
				a.Products = append(a.Products, ap)
			}
			walk(b.Branches, v, p)
		}
	}
	for _, b := range doc.ProductTree.Branches {
		if b.Category == "vendor" {
			a.Vendors = append(a.Vendors, b.Name)
		}
	}
	walk(doc.ProductTree.Branches, "", "")
	for _, v := range doc.Vulnerabilities {
		av := AdvisoryVuln{CVE: v.CVE, Title: v.Title, Affected: v.ProductStatus.KnownAffected}
		if v.CWE != nil {
			av.CWE = v.CWE.ID
		}
		for _, s := range v.Scores {
			if s.CVSSv3 != nil && s.CVSSv3.BaseScore >= av.CVSSScore {
				av.CVSSScore, av.CVSSVector = s.CVSSv3.BaseScore, s.CVSSv3.VectorString
			}
		}
		var rem []string
		for _, r := range v.Remediations {
			if d := strings.TrimSpace(r.Details); d != "" && len(rem) < 3 {
				rem = append(rem, d)
			}
		}
		av.Remediation = strings.Join(rem, "\n")
		a.Vulnerabilities = append(a.Vulnerabilities, av)
	}
	return a, nil
}

// VersionSet is a parsed CSAF version expression.
type VersionSet struct {
	All    bool
	Exact  []string
	Bounds []bound
	Text   string
}

type bound struct {
	op, v string
}

// ParseVersions reads a CSAF product_version / product_version_range text:
// "vers:all/*", "<= 4.2", ">= 4.01 | <= 4.34", "vers:generic/>=1.0|<2.0",
// "F.0.G.0 | J.3" (a list of exact versions) or "All versions".
func ParseVersions(s string) VersionSet {
	vs := VersionSet{Text: s}
	t := strings.TrimSpace(s)
	low := strings.ToLower(t)
	if low == "" || low == "vers:all/*" || low == "*" || strings.HasPrefix(low, "all versions") || low == "all" {
		vs.All = true
		return vs
	}
	if strings.HasPrefix(low, "vers:") {
		if i := strings.IndexByte(t, '/'); i >= 0 {
			t = t[i+1:]
		}
	}
	for _, part := range strings.Split(t, "|") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		matched := false
		for _, op := range []string{"<=", ">=", "<", ">", "="} {
			if strings.HasPrefix(part, op) {
				v := strings.TrimSpace(part[len(op):])
				if op == "=" {
					vs.Exact = append(vs.Exact, v)
				} else {
					vs.Bounds = append(vs.Bounds, bound{op, v})
				}
				matched = true
				break
			}
		}
		if !matched {
			p := strings.ToLower(part)
			switch {
			case strings.HasPrefix(p, "prior to "):
				vs.Bounds = append(vs.Bounds, bound{"<", strings.TrimSpace(part[len("prior to "):])})
			case strings.HasPrefix(p, "before "):
				vs.Bounds = append(vs.Bounds, bound{"<", strings.TrimSpace(part[len("before "):])})
			default:
				vs.Exact = append(vs.Exact, part)
			}
		}
	}
	return vs
}

// Contains reports whether version v is in the set. An unknown v is in the set
// only when the set is every version.
func (vs VersionSet) Contains(v string) bool {
	if vs.All {
		return true
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	for _, e := range vs.Exact {
		if strings.EqualFold(e, v) || CompareVersions(e, v) == 0 && hasDigit(e) {
			return true
		}
	}
	if len(vs.Bounds) == 0 {
		return false
	}
	for _, b := range vs.Bounds {
		c := CompareVersions(v, b.v)
		switch b.op {
		case "<":
			if c >= 0 {
				return false
			}
		case "<=":
			if c > 0 {
				return false
			}
		case ">":
			if c <= 0 {
				return false
			}
		case ">=":
			if c < 0 {
				return false
			}
		}
	}
	return true
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }
