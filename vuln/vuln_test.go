package vuln

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
)

func readJSON(t *testing.T, path string, v any) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return b
}

func TestCSAFCorpusFacts(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "vuln", "icsma-csaf")
	var m struct {
		Files []struct {
			File             string   `json:"file"`
			TrackingID       string   `json:"tracking_id"`
			Title            string   `json:"title"`
			InitialRelease   string   `json:"initial_release_date"`
			TLP              string   `json:"tlp"`
			Vendors          []string `json:"vendors"`
			CVEs             []string `json:"cves"`
			VulnCount        int      `json:"vulnerability_count"`
			ProductLeafCount int      `json:"product_leaf_count"`
			MaxCVSS          float64  `json:"max_cvss_v3"`
		} `json:"files"`
	}
	readJSON(t, filepath.Join(dir, "manifest.json"), &m)
	if len(m.Files) == 0 {
		t.Fatal("manifest lists no advisories")
	}
	for _, f := range m.Files {
		a, err := ParseCSAF(readJSON(t, filepath.Join(dir, f.File), nil))
		if err != nil {
			t.Errorf("%s: %v", f.File, err)
			continue
		}
		switch {
		case a.TrackingID != f.TrackingID:
			t.Errorf("%s: tracking id %q, want %q", f.File, a.TrackingID, f.TrackingID)
		case a.Title != f.Title:
			t.Errorf("%s: title %q, want %q", f.File, a.Title, f.Title)
		case a.InitialRelease != f.InitialRelease:
			t.Errorf("%s: initial release %q, want %q", f.File, a.InitialRelease, f.InitialRelease)
		case a.TLP != f.TLP:
			t.Errorf("%s: TLP %q, want %q", f.File, a.TLP, f.TLP)
		case !slices.Equal(a.Vendors, f.Vendors):
			t.Errorf("%s: vendors %v, want %v", f.File, a.Vendors, f.Vendors)
		case !slices.Equal(a.CVEs(), f.CVEs):
			t.Errorf("%s: CVEs %v, want %v", f.File, a.CVEs(), f.CVEs)
		case len(a.Vulnerabilities) != f.VulnCount:
			t.Errorf("%s: %d vulnerabilities, want %d", f.File, len(a.Vulnerabilities), f.VulnCount)
		case len(a.Products) != f.ProductLeafCount:
			t.Errorf("%s: %d products, want %d", f.File, len(a.Products), f.ProductLeafCount)
		case a.MaxCVSS() != f.MaxCVSS:
			t.Errorf("%s: max CVSS %.1f, want %.1f", f.File, a.MaxCVSS(), f.MaxCVSS)
		}
	}
}

func TestKEVCorpusFacts(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "vuln", "kev")
	var m struct {
		CatalogVersion string          `json:"catalogVersion"`
		DateReleased   string          `json:"dateReleased"`
		Count          int             `json:"count"`
		Len            int             `json:"len_vulnerabilities"`
		Ransomware     int             `json:"knownRansomwareCampaignUse_Known"`
		SpotChecks     map[string]bool `json:"spot_checks"`
	}
	readJSON(t, filepath.Join(dir, "manifest.json"), &m)
	k, err := ParseKEV(readJSON(t, filepath.Join(dir, "known_exploited_vulnerabilities.json"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if k.CatalogVersion != m.CatalogVersion || k.DateReleased != m.DateReleased || k.Count != m.Count || len(k.Entries) != m.Len {
		t.Errorf("catalog %s %s count %d len %d, want %s %s %d %d", k.CatalogVersion, k.DateReleased, k.Count, len(k.Entries), m.CatalogVersion, m.DateReleased, m.Count, m.Len)
	}
	if got := k.RansomwareCount(); got != m.Ransomware {
		t.Errorf("ransomware entries %d, want %d", got, m.Ransomware)
	}
	for cve, want := range m.SpotChecks {
		if _, got := k.Lookup(cve); got != want {
			t.Errorf("KEV has %s = %v, want %v", cve, got, want)
		}
	}
}

func TestNVDCorpusFacts(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "vuln", "nvd")
	var m struct {
		Files []struct {
			File         string `json:"file"`
			TotalResults int    `json:"totalResults"`
			Records      []struct {
				ID              string   `json:"id"`
				VulnStatus      string   `json:"vulnStatus"`
				CPEMatchCount   int      `json:"cpe_match_count"`
				Vulnerable      []string `json:"vulnerable_criteria"`
				HasVersionRange bool     `json:"has_version_range"`
			} `json:"records"`
		} `json:"files"`
	}
	readJSON(t, filepath.Join(dir, "manifest.json"), &m)
	for _, f := range m.Files {
		cves, err := ParseNVD(readJSON(t, filepath.Join(dir, f.File), nil))
		if err != nil {
			t.Fatal(err)
		}
		if len(cves) != len(f.Records) {
			t.Fatalf("%s: %d records, want %d", f.File, len(cves), len(f.Records))
		}
		for i, want := range f.Records {
			c := cves[i]
			var n int
			var vulnerable []string
			hasRange := false
			for _, cfg := range c.Configurations {
				for _, nd := range cfg.Nodes {
					for _, cm := range nd.CPEMatch {
						n++
						hasRange = hasRange || cm.HasRange()
						if cm.Vulnerable && !slices.Contains(vulnerable, cm.Criteria) {
							vulnerable = append(vulnerable, cm.Criteria)
						}
					}
				}
			}
			slices.Sort(vulnerable)
			w := slices.Clone(want.Vulnerable)
			slices.Sort(w)
			if c.ID != want.ID || c.Status != want.VulnStatus || n != want.CPEMatchCount || !slices.Equal(vulnerable, w) || hasRange != want.HasVersionRange {
				t.Errorf("%s: got %s %s %d criteria range=%v %v; want %s %s %d range=%v %v", f.File, c.ID, c.Status, n, hasRange, vulnerable, want.ID, want.VulnStatus, want.CPEMatchCount, want.HasVersionRange, w)
			}
		}
	}
}

// TestCVEHospitalMatching runs the must-match / must-not-match CPEs of the
// cve-hospital corpus through the matcher (version ranges with NEMA editions,
// exact versions).
func TestCVEHospitalMatching(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "cve-hospital")
	var m struct {
		Records []struct {
			ID           string   `json:"id"`
			File         string   `json:"file"`
			MustMatch    []string `json:"must_match"`
			MustNotMatch []string `json:"must_not_match"`
		} `json:"records"`
	}
	readJSON(t, filepath.Join(dir, "manifest.json"), &m)
	for _, r := range m.Records {
		cves, err := ParseNVD(readJSON(t, filepath.Join(dir, r.File), nil))
		if err != nil || len(cves) != 1 {
			t.Fatalf("%s: %v (%d records)", r.File, err, len(cves))
		}
		for _, s := range r.MustMatch {
			tg, err := ParseTarget("cpe=" + s)
			if err != nil {
				t.Fatal(err)
			}
			if ok, why := MatchCVE(cves[0], tg); !ok {
				t.Errorf("%s should match %s", r.ID, s)
			} else if why == "" {
				t.Errorf("%s matched %s without a reason", r.ID, s)
			}
		}
		for _, s := range r.MustNotMatch {
			tg, _ := ParseTarget("cpe=" + s)
			if ok, why := MatchCVE(cves[0], tg); ok {
				t.Errorf("%s should not match %s (%s)", r.ID, s, why)
			}
		}
	}
}

// TestFirmwareOnHardware checks AND configurations: the vulnerable firmware
// counts only on the hardware it is named with.
func TestFirmwareOnHardware(t *testing.T) {
	cves, err := ParseNVD(readJSON(t, filepath.Join("testdata", "nvd-CVE-2019-10964.json"), nil))
	if err != nil {
		t.Fatal(err)
	}
	c := cves[0]
	cases := []struct {
		asset string
		want  bool
	}{
		{"cpe=cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.3a:*:*:*:*:*:*:*,cpe=cpe:2.3:h:medtronic:minimed_paradigm_523:-:*:*:*:*:*:*:*", true},
		{"cpe=cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.4a:*:*:*:*:*:*:*,cpe=cpe:2.3:h:medtronic:minimed_paradigm_523:-:*:*:*:*:*:*:*", true},
		{"cpe=cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.5a:*:*:*:*:*:*:*,cpe=cpe:2.3:h:medtronic:minimed_paradigm_523:-:*:*:*:*:*:*:*", false}, // fixed firmware
		{"cpe=cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.3a:*:*:*:*:*:*:*", false},                                                              // firmware alone: hardware unknown
		{"cpe=cpe:2.3:h:medtronic:minimed_paradigm_523:-:*:*:*:*:*:*:*", false},                                                                          // hardware alone is a platform, not vulnerable
		{"cpe=cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.3a:*:*:*:*:*:*:*,cpe=cpe:2.3:h:medtronic:minimed_paradigm_723:-:*:*:*:*:*:*:*", false}, // wrong pump
		{"cpe=cpe:2.3:o:medtronic:minimed_508_firmware:1.0:*:*:*:*:*:*:*,cpe=cpe:2.3:h:medtronic:minimed_508:-:*:*:*:*:*:*:*", true},                     // all versions
	}
	for _, tc := range cases {
		tg, err := ParseTarget(tc.asset)
		if err != nil {
			t.Fatal(err)
		}
		ok, why := MatchCVE(c, tg)
		if ok != tc.want {
			t.Errorf("%s: match %v (%s), want %v", tc.asset, ok, why, tc.want)
		}
		if ok && !strings.Contains(why, "running on cpe:2.3:h:medtronic") {
			t.Errorf("reason %q does not name the hardware", why)
		}
	}
}

func TestMatcherProductVersion(t *testing.T) {
	corp := testutil.Corpora(t)
	cves, err := ParseNVD(readJSON(t, filepath.Join(corp, "cve-hospital", "CVE-2021-41773.json"), nil))
	if err != nil {
		t.Fatal(err)
	}
	kev, err := ParseKEV(readJSON(t, filepath.Join(corp, "vuln", "kev", "known_exploited_vulnerabilities.json"), nil))
	if err != nil {
		t.Fatal(err)
	}
	var advs []*Advisory
	for _, f := range []string{"icsma-19-190-01.json", "icsma-18-123-01.json"} {
		a, err := ParseCSAF(readJSON(t, filepath.Join(corp, "vuln", "icsma-csaf", f), nil))
		if err != nil {
			t.Fatal(err)
		}
		advs = append(advs, a)
	}
	m := &Matcher{CVEs: cves, KEV: kev, Advisories: advs}
	got := m.Match(Target{Vendor: "apache", Product: "http_server", Version: "2.4.49"})
	if len(got) != 1 || got[0].CVE != "CVE-2021-41773" || !got[0].KEV {
		t.Fatalf("httpd 2.4.49: %+v", got)
	}
	if !strings.Contains(got[0].Reason, "2.4.49") || !strings.Contains(got[0].Reason, "KEV") {
		t.Errorf("reason %q", got[0].Reason)
	}
	if got := m.Match(Target{Product: "http_server", Version: "2.4.50"}); len(got) != 0 {
		t.Errorf("httpd 2.4.50 matched %+v", got)
	}
	// ICSMA-19-190-01 (GE Aestiva/Aespire anesthesia): product names with versions.
	got = m.Match(Target{Vendor: "GE", Product: "Aestiva", Version: "7100"})
	if len(got) == 0 || got[0].Source != "ICSMA-19-190-01" {
		t.Fatalf("GE Aestiva 7100: %+v", got)
	}
	if got := m.Match(Target{Vendor: "GE", Product: "Aestiva", Version: "9999"}); len(got) != 0 {
		t.Errorf("GE Aestiva 9999 matched %+v", got)
	}
}

func TestVersionSets(t *testing.T) {
	cases := []struct {
		expr, v string
		want    bool
	}{
		{"vers:all/*", "", true},
		{"<= 4.2", "4.2", true},
		{"<= 4.2", "4.2.1", false},
		{">= 4.01 | <= 4.34", "4.10", true},
		{">= 4.01 | <= 4.34", "4.35", false},
		{"F.0.G.0 | J.3", "J.3", true},
		{"F.0.G.0 | J.3", "J.4", false},
		{"vers:generic/>=1.0|<2.0", "1.9", true},
		{"prior to 3.1", "3.0.9", true},
		{"< 1.003", "1.003", false},
	}
	for _, c := range cases {
		if got := ParseVersions(c.expr).Contains(c.v); got != c.want {
			t.Errorf("%q contains %q = %v, want %v", c.expr, c.v, got, c.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"2.4.49", "2.4.50", -1}, {"2019b", "2019c", -1}, {"1993", "1995", -1}, {"1.0", "1.0.0", 0},
		{"1.0.2k", "1.0.2", 1}, {"2.0rc1", "2.0", -1}, {"9.10.1", "9.9.1", 1}, {"2.4a", "2.3a", 1},
	}
	for _, c := range cases {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareVersions(c.b, c.a); got != -c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestPriority(t *testing.T) {
	server := &bianque.Asset{Importance: 3}
	critical := &bianque.Asset{Importance: 5}
	cases := []struct {
		f     bianque.Finding
		a     *bianque.Asset
		score float64
		level string
	}{
		{bianque.Finding{Severity: bianque.VulnCritical, CVSSScore: 9.8}, server, 9.8, "P2"},
		{bianque.Finding{Severity: bianque.VulnCritical, CVSSScore: 9.8, KEV: true}, server, 15.7, "P1"},
		{bianque.Finding{Severity: bianque.VulnMedium, CVSSScore: 5.3}, critical, 7.4, "P3"},
		{bianque.Finding{Severity: bianque.VulnLow}, server, 2.5, "P4"},
		{bianque.Finding{Severity: bianque.VulnInfo}, critical, 0, "P4"},
		{bianque.Finding{Severity: bianque.VulnHigh, CVSSScore: 7.5, KEV: true, Ransomware: true}, critical, 18.9, "P1"},
	}
	for _, c := range cases {
		s, l := Priority(&c.f, c.a)
		if s != c.score || l != c.level {
			t.Errorf("%+v on importance %d: %.1f %s, want %.1f %s", c.f, c.a.Importance, s, l, c.score, c.level)
		}
	}
	f := &bianque.Finding{Priority: "P1"}
	found := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	c := bianque.DefaultContract()
	if got := DueDate(f, &c, found); !got.Equal(found.Add(15 * 24 * time.Hour)) {
		t.Errorf("P1 due %v", got)
	}
	f.Priority = "P3"
	if got := DueDate(f, &c, found); !got.Equal(found.Add(30 * 24 * time.Hour)) {
		t.Errorf("P3 due %v", got)
	}
}

func FuzzParseCPE(f *testing.F) {
	for _, s := range []string{"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", "cpe:/a:openbsd:openssh:7.4", "cpe:/o:apple:mac_os_x:10.0", `cpe:2.3:a:vendor\:x:prod:1.0`, "cpe:/a:v:p:1~~~wordpress~~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCPE(s)
		if err != nil {
			return
		}
		if _, err := ParseCPE(c.String()); err != nil {
			t.Fatalf("%q → %q does not parse: %v", s, c.String(), err)
		}
	})
}

func FuzzParseNVD(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "nvd-CVE-2019-10964.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"vulnerabilities":[{"cve":{"id":"CVE-1-1","configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*","versionEndExcluding":"2"}]}]}]}}]}`))
	tg, _ := ParseTarget("product=y,version=1.5,cpe=cpe:2.3:a:x:y:1.5:*:*:*:*:*:*:*")
	f.Fuzz(func(t *testing.T, b []byte) {
		cves, err := ParseNVD(b)
		if err != nil {
			return
		}
		for _, c := range cves {
			MatchCVE(c, tg)
		}
	})
}

func FuzzParseCSAF(f *testing.F) {
	f.Add([]byte(`{"document":{"title":"t","tracking":{"id":"ICSMA-1"}},"product_tree":{"branches":[{"category":"vendor","name":"v","branches":[{"category":"product_name","name":"p","branches":[{"category":"product_version_range","name":"<= 4.2","product":{"name":"v p","product_id":"CSAFPID-1"}}]}]}]},"vulnerabilities":[{"cve":"CVE-1-1","product_status":{"known_affected":["CSAFPID-1"]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseCSAF(b)
		if err != nil {
			return
		}
		MatchAdvisory(a, Target{Vendor: "v", Product: "p", Version: "4.1"})
	})
}

func FuzzVersions(f *testing.F) {
	f.Add(">= 4.01 | <= 4.34", "4.10")
	f.Add("vers:generic/>=1.0|<2.0", "1.9rc1")
	f.Fuzz(func(t *testing.T, expr, v string) {
		ParseVersions(expr).Contains(v)
		if CompareVersions(v, v) != 0 {
			t.Fatalf("%q != itself", v)
		}
	})
}
