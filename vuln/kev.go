package vuln

import (
	"encoding/json"
	"fmt"
	"strings"
)

// KEVEntry is one entry of CISA's Known Exploited Vulnerabilities catalog.
type KEVEntry struct {
	CVE             string   `json:"cveID"`
	Vendor          string   `json:"vendorProject"`
	Product         string   `json:"product"`
	Name            string   `json:"vulnerabilityName"`
	DateAdded       string   `json:"dateAdded"`
	Description     string   `json:"shortDescription"`
	RequiredAction  string   `json:"requiredAction"`
	DueDate         string   `json:"dueDate"`
	KnownRansomware string   `json:"knownRansomwareCampaignUse"`
	Notes           string   `json:"notes"`
	CWEs            []string `json:"cwes"`
}

// Ransomware reports whether CISA knows the CVE to be used in ransomware campaigns.
func (e *KEVEntry) Ransomware() bool { return strings.EqualFold(e.KnownRansomware, "Known") }

// KEV is the catalog, indexed by CVE.
type KEV struct {
	Title          string               `json:"title"`
	CatalogVersion string               `json:"catalogVersion"`
	DateReleased   string               `json:"dateReleased"`
	Count          int                  `json:"count"`
	Entries        []KEVEntry           `json:"vulnerabilities"`
	byCVE          map[string]*KEVEntry `json:"-"`
}

// ParseKEV reads the catalog's JSON feed (known_exploited_vulnerabilities.json).
func ParseKEV(data []byte) (*KEV, error) {
	var k KEV
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("decode KEV catalog: %w", err)
	}
	if k.CatalogVersion == "" && len(k.Entries) == 0 {
		return nil, fmt.Errorf("not a KEV catalog (no catalogVersion, no vulnerabilities)")
	}
	k.byCVE = make(map[string]*KEVEntry, len(k.Entries))
	for i := range k.Entries {
		e := &k.Entries[i]
		if e.CVE == "" {
			return nil, fmt.Errorf("KEV entry %d has no cveID", i+1)
		}
		k.byCVE[strings.ToUpper(e.CVE)] = e
	}
	return &k, nil
}

// Lookup returns the catalog entry of a CVE.
func (k *KEV) Lookup(cve string) (*KEVEntry, bool) {
	if k == nil {
		return nil, false
	}
	e, ok := k.byCVE[strings.ToUpper(strings.TrimSpace(cve))]
	return e, ok
}

// RansomwareCount counts the entries with known ransomware use.
func (k *KEV) RansomwareCount() int {
	n := 0
	for i := range k.Entries {
		if k.Entries[i].Ransomware() {
			n++
		}
	}
	return n
}
