package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"bianque"
	"bianque/internal/testutil"
)

// The scanner-report corpus carries, per report, the finding count and the
// field assertions of DefectDojo's own parser tests, in DefectDojo notation
// (findings[i].title, locations(findings[i])[j].host, ...). This test runs our
// importer over every report of a supported format and evaluates those
// assertions against our findings through the field mapping below.

type corpusManifest struct {
	Files []struct {
		Scanner          string          `json:"scanner"`
		File             string          `json:"file"`
		Format           string          `json:"format"`
		ExpectedFindings json.RawMessage `json:"expected_findings"`
		Expectations     []struct {
			Test     string          `json:"defectdojo_test"`
			Expected json.RawMessage `json:"expected_findings"`
			Asserts  []struct {
				Expr     string `json:"expr"`
				Expected any    `json:"expected"`
				Check    string `json:"check"`
			} `json:"asserts"`
		} `json:"expectations"`
	} `json:"files"`
}

// notEvaluated are DefectDojo fields that belong to its own workflow or
// storage (dates of import, triage flags, request/response blobs, hash codes)
// and have no counterpart in a bianque.Finding; assertions on them are counted
// and reported, not evaluated. docs/vuln.md lists them.
var notEvaluated = []string{
	"date", "active", "verified", "false_p", "out_of_scope", "is_mitigated", "static_finding", "dynamic_finding",
	"unsaved_req_resp", "unsaved_request", "unsaved_response", "steps_to_reproduce", "compute_hash_code",
	"fix_available", "severity_justification", "cvssv4", "cvssv4_score", "get_unit_tests_scans_path",
	"read_text", "line.strip", "url",
}

func TestCorpusReports(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "vuln", "scanner-reports")
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m corpusManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var files, supported, evaluated, skipped, countChecked int
	skippedBy := map[string]int{}
	var unsupported []string
	for _, cf := range m.Files {
		files++
		ours, ok := corpusFormats[cf.Format]
		if !ok {
			unsupported = append(unsupported, cf.File)
			continue
		}
		supported++
		t.Run(cf.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, cf.File))
			if err != nil {
				t.Fatal(err)
			}
			format := ""
			if b := bytes.TrimSpace(data); len(b) == 0 || string(b) == "null" {
				// An empty file has no format to detect; it must be refused
				// when not named and read as no findings when named.
				if _, err := Detect(data, cf.File); err == nil {
					t.Errorf("detected a format in an empty file")
				}
				format = ours
			} else if det, err := Detect(data, cf.File); err != nil {
				t.Fatalf("detect: %v", err)
			} else if det.Name != ours {
				t.Errorf("detected format %s, want %s", det.Name, ours)
			}
			res, err := Parse(data, cf.File, format)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			for _, f := range res.Findings {
				if err := f.Validate(); err != nil {
					t.Errorf("finding %q invalid: %v", f.Title, err)
				}
			}
			for _, e := range cf.Expectations {
				var want int
				if json.Unmarshal(e.Expected, &want) == nil && e.Expected != nil && string(e.Expected) != "null" {
					countChecked++
					if diff, ok := countDifferences[cf.File]; ok {
						if len(res.Findings) != diff.ours {
							t.Errorf("%s: %d findings, want %d (documented difference: %s)", e.Test, len(res.Findings), diff.ours, diff.why)
						}
					} else if len(res.Findings) != want {
						t.Errorf("%s: %d findings, want %d", e.Test, len(res.Findings), want)
					}
				}
				fs := res.Findings
				if diff, ok := countDifferences[cf.File]; ok && diff.why == nexposeWhy {
					var exprs []string
					var wants []any
					for _, a := range e.Asserts {
						exprs, wants = append(exprs, a.Expr), append(wants, a.Expected)
					}
					n := want
					if n == 0 {
						n = len(res.Findings)
					}
					fs = remap(res.Findings, n, exprs, wants)
				}
				for _, a := range e.Asserts {
					expr := a.Expr
					if expr == "" {
						expr = a.Check
					}
					if field := notEvaluatedField(expr); field != "" {
						skipped++
						skippedBy[field]++
						continue
					}
					evaluated++
					want := a.Expected
					if d, ok := assertDifferences[cf.File+"|"+expr]; ok {
						want = d.ours
					}
					if err := evalAssert(fs, a.Expr, want, a.Check); errors.Is(err, errUnmapped) {
						evaluated--
						skipped++
						skippedBy["unmapped index"]++
					} else if err != nil {
						t.Errorf("%s: %s: %v", e.Test, expr, err)
					}
				}
			}
		})
	}
	keys := make([]string, 0, len(skippedBy))
	for k := range skippedBy {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sk []string
	for _, k := range keys {
		sk = append(sk, fmt.Sprintf("%s:%d", k, skippedBy[k]))
	}
	t.Logf("%d reports, %d of supported formats (%d count checks), %d assertions evaluated, %d on DefectDojo-only fields not evaluated (%s)", files, supported, countChecked, evaluated, skipped, strings.Join(sk, " "))
	t.Logf("unsupported formats: %v", unsupported)
}

// corpusFormats maps the manifest's format names to ours.
var corpusFormats = map[string]string{
	"nmap-xml":                    "nmap-xml",
	"nessus-xml":                  "nessus-xml",
	"nessus-csv":                  "nessus-csv",
	"nessus-was-xml":              "nessus-xml",
	"nessus-was-csv":              "nessus-csv",
	"openvas-xml":                 "openvas-xml",
	"openvas-csv":                 "openvas-csv",
	"nuclei-json-or-jsonl":        "nuclei-json",
	"masscan-json":                "masscan-json",
	"naabu-jsonl":                 "naabu-json",
	"hydra-json":                  "hydra-json",
	"nexpose-xml":                 "nexpose-xml",
	"acunetix-xml":                "acunetix-xml",
	"acunetix-json":               "acunetix-json",
	"qualys-xml":                  "qualys-xml",
	"qualys-csv":                  "qualys-csv",
	"qualys_vmdr-csv":             "qualys-vmdr-csv",
	"qualys_infrascan_webgui-xml": "qualys-webgui-xml",
	"trivy-json":                  "trivy-json",
	"zap-xml":                     "zap-xml",
	"burp-xml":                    "burp-xml",
}

// countDifferences lists reports where we count differently from DefectDojo on
// purpose, with the reason (also in docs/vuln.md).
var countDifferences = map[string]struct {
	ours int
	why  string
}{
	"nexpose/dns.xml":         {3, nexposeWhy},
	"nexpose/many_vulns.xml":  {17, nexposeWhy},
	"nexpose/report_auth.xml": {4, nexposeWhy},
	"tenable/issue_9612.csv":  {3, "the Tenable.sc export names hosts in 'IP Address'; DefectDojo's key reads only 'Host' and so merges the same plugin on 2.3.4.5:1433 and 1.2.3.4:1433; we keep one finding per host and port"},
}

const nexposeWhy = "DefectDojo adds informational findings besides the vulnerabilities (one per open service and more); we import the vulnerabilities (tests with a vulnerable-* status) and leave the service inventory to the asset ledger. Assertions on DefectDojo's finding i are evaluated against our finding with the title DefectDojo has at i."

// errUnmapped marks an assertion on a DefectDojo finding index we cannot map
// to one of ours (a report with a documented count difference whose
// assertions do not name that finding's title).
var errUnmapped = errors.New("finding index not mapped")

// remap returns, for a report we count differently, our findings arranged at
// the indices DefectDojo's assertions name by title (nil where unknown).
func remap(ours []*bianque.Finding, n int, asserts []string, wants []any) []*bianque.Finding {
	view := make([]*bianque.Finding, n)
	re := regexp.MustCompile(`^findings\[(\d+)\]\.title$`)
	for k, a := range asserts {
		m := re.FindStringSubmatch(a)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		title, _ := wants[k].(string)
		for _, f := range ours {
			if f.Title == title && i < n {
				view[i] = f
			}
		}
	}
	return view
}

// assertDifferences are asserted field values we differ from on purpose: file
// + expression → our value and the reason (also in docs/vuln.md).
var assertDifferences = map[string]struct {
	ours any
	why  string
}{
	"openvas/one_vuln.xml|findings[0].title":                  {"Mozilla Firefox Security Update (mfsa_2023-32_2023-36) - Windows", "DefectDojo's legacy OpenVAS XML parser appends _host_port to the title; its V2 parser and we keep the NVT name (host and port are the location)"},
	"qualys_vmdr/one_vuln_qid.csv|findings[0].component_name": {"", "DefectDojo stores the asset's name (TESTSERVER01) as the component; the asset is the location, the component is the vulnerable software"},
	"qualys_vmdr/one_vuln_qid.csv|findings[0].service":        {"", "DefectDojo stores the Qualys category (Internet Explorer) as the service; we keep it as a tag, the service is the network service"},
	"tenable/nessus/nessus_new.csv|findings[0].title":         {"Network daemons not managed by the package system", "Tenable.io exports: DefectDojo takes the title from asset.name (the host's name); we take the plugin name, definition.name"},
}

func notEvaluatedField(expr string) string {
	for _, f := range notEvaluated {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(f) + `\b`).MatchString(expr) {
			return f
		}
	}
	return ""
}

var (
	reField      = regexp.MustCompile(`^(len\()?findings\[(-?\d+|each\(\[[\d, ]+\]\))\]\.(\w+)(\[(\d+)\])?\)?$`)
	reEachField  = regexp.MustCompile(`^(len\()?each\(findings\)\.(\w+)\)?$`)
	reLocLen     = regexp.MustCompile(`^len\(locations\(findings\[(-?\d+|each\(\[[\d, ]+\]\))\]\)\)$`)
	reLoc        = regexp.MustCompile(`^(str\()?locations\(findings\[(-?\d+|each\(\[[\d, ]+\]\))\]\)\[(\d+)\](\.(\w+))?\)?$`)
	reLocSelf    = regexp.MustCompile(`^locations\(self\.parse\('[^']+'\)\[(\d+)\]\)\[(\d+)\]\.(\w+)$`)
	reByUID      = regexp.MustCompile(`^\{f\.unique_id_from_tool: f\.(\w+) for f in findings\}\['([^']+)'\]$`)
	reLocByUID   = regexp.MustCompile(`^(len\()?locations\(\[f for f in findings if f\.unique_id_from_tool == '([^']+)'\]\[0\]\)(\)|\[(\d+)\]\.(\w+))$`)
	reSetOf      = regexp.MustCompile(`^\{finding\.(\w+) for finding in findings\}$`)
	reSortedOf   = regexp.MustCompile(`^sorted\(\(finding\.(\w+) for finding in findings\)\)$`)
	reAllLocs    = regexp.MustCompile(`^len\(\[location for finding in findings for location in locations\(finding\)\]\)$`)
	reCheckIn    = regexp.MustCompile(`^assertIn\((['"])(.*)(['"]), (each\()?findings\[(\d+)\]\.(\w+)\)?\)$`)
	reCheckNone  = regexp.MustCompile(`^assert(IsNone|IsNotNone|False|True)\((each\()?findings\[(\d+|each\(\[[\d, ]+\]\))\]\.(\w+)\)?\)$`)
	reCheckEachN = regexp.MustCompile(`^assertIsNone\(each\(findings\)\.(\w+)\)$`)
	reCheckLoc   = regexp.MustCompile(`^assert(IsNone|False)\(locations\(findings\[(\d+)\]\)\[(\d+)\]\.(\w+)\)$`)
	reCheckInUID = regexp.MustCompile(`^assertIn\('([^']+)', \[e\.host for e in locations\(\[f for f in findings if f\.unique_id_from_tool == '([^']+)'\]\[0\]\)\]\)$`)
)

// indices resolves "3", "-1" or "each([0, 1, 2])".
func indices(s string, n int) ([]int, error) {
	if strings.HasPrefix(s, "each(") {
		var out []int
		for _, p := range strings.Split(strings.Trim(s, "each([])"), ",") {
			i, _ := strconv.Atoi(strings.TrimSpace(p))
			out = append(out, i)
		}
		for _, i := range out {
			if i >= n {
				return nil, fmt.Errorf("index %d out of range (%d findings)", i, n)
			}
		}
		return out, nil
	}
	i, _ := strconv.Atoi(s)
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("index %s out of range (%d findings)", s, n)
	}
	return []int{i}, nil
}

// field returns our value for a DefectDojo Finding field.
func field(f *bianque.Finding, name string) (any, error) {
	if f == nil {
		return nil, errUnmapped
	}
	switch name {
	case "title":
		return f.Title, nil
	case "severity":
		return ddSeverity(f.Severity), nil
	case "cwe":
		if len(f.CWEs) == 0 {
			return nil, nil
		}
		return f.CWEs[0], nil
	case "unsaved_cwes":
		return f.CWEs, nil
	case "vuln_id_from_tool":
		return f.PluginID, nil
	case "unique_id_from_tool":
		return f.ToolID, nil
	case "unsaved_vulnerability_ids":
		return append(slices.Clone(f.CVEs), f.IDs...), nil
	case "component_name":
		return f.Component, nil
	case "component_version":
		return f.ComponentVersion, nil
	case "cvssv3":
		return f.CVSSVector, nil
	case "cvssv3_score":
		if f.CVSSScore == 0 {
			return nil, nil
		}
		return f.CVSSScore, nil
	case "nb_occurences":
		return f.Count, nil
	case "file_path":
		return f.Path, nil
	case "service":
		return f.Service, nil
	case "description", "impact":
		return f.Description, nil
	case "mitigation":
		return f.Solution, nil
	case "references":
		return strings.Join(f.References, "\n"), nil
	case "epss_score":
		return f.EPSS, nil
	case "unsaved_tags":
		return f.Tags, nil
	case "scanner_confidence":
		return f.Confidence, nil
	}
	return nil, fmt.Errorf("field %q has no mapping", name)
}

func ddSeverity(s bianque.VulnSeverity) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

func locField(l bianque.Location, name string) (any, error) {
	switch name {
	case "host":
		return l.Host, nil
	case "port":
		if l.Port == 0 {
			return nil, nil
		}
		return l.Port, nil
	case "protocol":
		return l.Protocol, nil
	case "path":
		return l.Path, nil
	case "fragment":
		return l.Fragment, nil
	case "query":
		return l.Query, nil
	case "":
		return l.String(), nil
	}
	return nil, fmt.Errorf("location field %q has no mapping", name)
}

// equal compares our value with the manifest's JSON value.
func equal(got, want any) bool {
	switch w := want.(type) {
	case nil:
		switch g := got.(type) {
		case nil:
			return true
		case string:
			return g == ""
		case []string:
			return len(g) == 0
		case int:
			return g == 0
		}
		return false
	case float64:
		switch g := got.(type) {
		case int:
			return float64(g) == w
		case float64:
			return math.Abs(g-w) < 1e-6
		case string:
			f, err := strconv.ParseFloat(g, 64)
			return err == nil && math.Abs(f-w) < 1e-6
		case nil:
			return w == 0 // DefectDojo's cwe=0 means "none"
		}
	case string:
		switch g := got.(type) {
		case string:
			return g == w
		case float64:
			f, err := strconv.ParseFloat(w, 64)
			return err == nil && math.Abs(f-g) < 1e-6
		case int:
			return strconv.Itoa(g) == w
		}
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case []any:
		var gs []string
		switch g := got.(type) {
		case []string:
			gs = g
		case []int:
			for _, n := range g {
				gs = append(gs, strconv.Itoa(n))
			}
		default:
			return false
		}
		if len(gs) != len(w) {
			return false
		}
		for i := range w {
			if fmt.Sprint(w[i]) != gs[i] {
				return false
			}
		}
		return true
	}
	return false
}

func length(v any) int {
	switch x := v.(type) {
	case []string:
		return len(x)
	case []int:
		return len(x)
	case string:
		return len(x)
	}
	return 0
}

var reRefCount = regexp.MustCompile(`^findings\[(\d+)\]\.references\.count\('\\n'\)$`)

var reIndex = regexp.MustCompile(`findings\[(\d+)\]`)

func evalAssert(fs []*bianque.Finding, expr string, want any, check string) error {
	for _, m := range reIndex.FindAllStringSubmatch(expr+" "+check, -1) {
		if i, _ := strconv.Atoi(m[1]); i < len(fs) && fs[i] == nil {
			return errUnmapped
		}
	}
	if slices.Contains(fs, nil) && !reIndex.MatchString(expr+" "+check) {
		return errUnmapped
	}
	expr = strings.ReplaceAll(expr, "get_unsaved_locations(", "locations(")
	check = strings.ReplaceAll(check, "get_unsaved_locations(", "locations(")
	if m := reRefCount.FindStringSubmatch(expr); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i >= len(fs) {
			return fmt.Errorf("no finding %d", i)
		}
		n := max(0, len(fs[i].References)-1)
		if !equal(n, want) {
			return fmt.Errorf("%d references, want %v newlines between them", len(fs[i].References), want)
		}
		return nil
	}
	if check != "" {
		return evalCheck(fs, check)
	}
	switch expr {
	case "sorted((int(finding.title.split(': ')[1].split('/')[0]) for finding in findings))":
		var got []int
		for _, f := range fs {
			_, after, _ := strings.Cut(f.Title, ": ")
			p, _, _ := strings.Cut(after, "/")
			n, _ := strconv.Atoi(p)
			got = append(got, n)
		}
		sort.Ints(got)
		if !equal(got, want) {
			return fmt.Errorf("got %v, want %v", got, want)
		}
		return nil
	case "len(locations(each(findings)))":
		for i, f := range fs {
			if !equal(len(f.Locations), want) {
				return fmt.Errorf("finding %d has %d locations, want %v", i, len(f.Locations), want)
			}
		}
		return nil
	}
	mismatch := func(got any) error { return fmt.Errorf("got %#v, want %#v", got, want) }
	switch {
	case reField.MatchString(expr):
		m := reField.FindStringSubmatch(expr)
		idx, err := indices(m[2], len(fs))
		if err != nil {
			return err
		}
		for _, i := range idx {
			v, err := field(fs[i], m[3])
			if err != nil {
				return err
			}
			if m[5] != "" {
				k, _ := strconv.Atoi(m[5])
				var list []string
				switch x := v.(type) {
				case []string:
					list = x
				}
				if k >= len(list) {
					return fmt.Errorf("finding %d: %s has %d entries, want index %d", i, m[3], len(list), k)
				}
				v = list[k]
			}
			if m[1] != "" {
				v = length(v)
			}
			if w, ok := want.(string); ok && m[3] == "impact" {
				w = strings.TrimSpace(w)
				// DefectDojo keeps impact apart; we fold it into the description.
				if d, _ := v.(string); !strings.Contains(d, w) {
					return fmt.Errorf("finding %d: impact %q not in the description %.200q", i, w, d)
				}
				continue
			}
			if !equal(v, want) {
				return fmt.Errorf("finding %d: %w", i, mismatch(v))
			}
		}
		return nil
	case reEachField.MatchString(expr):
		m := reEachField.FindStringSubmatch(expr)
		var seen []any
		for _, f := range fs {
			v, err := field(f, m[2])
			if err != nil {
				return err
			}
			if m[1] != "" {
				v = length(v)
			}
			if equal(v, want) {
				return nil
			}
			seen = append(seen, v)
		}
		return fmt.Errorf("no finding has %#v (saw %v)", want, seen)
	case reLocLen.MatchString(expr):
		m := reLocLen.FindStringSubmatch(expr)
		idx, err := indices(m[1], len(fs))
		if err != nil {
			return err
		}
		for _, i := range idx {
			if !equal(len(fs[i].Locations), want) {
				return fmt.Errorf("finding %d: %w", i, mismatch(len(fs[i].Locations)))
			}
		}
		return nil
	case reLoc.MatchString(expr):
		m := reLoc.FindStringSubmatch(expr)
		idx, err := indices(m[2], len(fs))
		if err != nil {
			return err
		}
		j, _ := strconv.Atoi(m[3])
		for _, i := range idx {
			if j >= len(fs[i].Locations) {
				return fmt.Errorf("finding %d has %d locations", i, len(fs[i].Locations))
			}
			v, err := locField(fs[i].Locations[j], m[5])
			if err != nil {
				return err
			}
			if m[1] != "" && v == nil {
				v = "None"
			}
			if !equal(v, want) {
				return fmt.Errorf("finding %d location %d: %w", i, j, mismatch(v))
			}
		}
		return nil
	case reLocSelf.MatchString(expr):
		m := reLocSelf.FindStringSubmatch(expr)
		i, _ := strconv.Atoi(m[1])
		j, _ := strconv.Atoi(m[2])
		if i >= len(fs) || j >= len(fs[i].Locations) {
			return fmt.Errorf("no location %d of finding %d", j, i)
		}
		v, err := locField(fs[i].Locations[j], m[3])
		if err != nil {
			return err
		}
		if !equal(v, want) {
			return mismatch(v)
		}
		return nil
	case reByUID.MatchString(expr):
		m := reByUID.FindStringSubmatch(expr)
		for _, f := range fs {
			if f.ToolID == m[2] {
				v, err := field(f, m[1])
				if err != nil {
					return err
				}
				if !equal(v, want) {
					return mismatch(v)
				}
				return nil
			}
		}
		return fmt.Errorf("no finding with tool ID %s", m[2])
	case reLocByUID.MatchString(expr):
		m := reLocByUID.FindStringSubmatch(expr)
		for _, f := range fs {
			if f.ToolID != m[2] {
				continue
			}
			if m[1] != "" {
				if !equal(len(f.Locations), want) {
					return mismatch(len(f.Locations))
				}
				return nil
			}
			j, _ := strconv.Atoi(m[4])
			if j >= len(f.Locations) {
				return fmt.Errorf("finding %s has %d locations", m[2], len(f.Locations))
			}
			v, err := locField(f.Locations[j], m[5])
			if err != nil {
				return err
			}
			if !equal(v, want) {
				return mismatch(v)
			}
			return nil
		}
		return fmt.Errorf("no finding with tool ID %s", m[2])
	case reSetOf.MatchString(expr), reSortedOf.MatchString(expr):
		m := reSetOf.FindStringSubmatch(expr)
		sorted := m == nil
		if sorted {
			m = reSortedOf.FindStringSubmatch(expr)
		}
		set := map[string]bool{}
		var got []string
		for _, f := range fs {
			v, err := field(f, m[1])
			if err != nil {
				return err
			}
			s := fmt.Sprint(v)
			if sorted || !set[s] {
				got = append(got, s)
			}
			set[s] = true
		}
		sort.Strings(got)
		var ws []string
		if w, ok := want.([]any); ok {
			for _, x := range w {
				ws = append(ws, fmt.Sprint(x))
			}
		} else if w, ok := want.(string); ok {
			// a Python set literal: {'High', 'Low'}
			for _, p := range strings.Split(strings.Trim(w, "{}"), ",") {
				ws = append(ws, strings.Trim(strings.TrimSpace(p), `'"`))
			}
		}
		sort.Strings(ws)
		if !slices.Equal(got, ws) {
			return fmt.Errorf("got %v, want %v", got, ws)
		}
		return nil
	case reAllLocs.MatchString(expr):
		n := 0
		for _, f := range fs {
			n += len(f.Locations)
		}
		if !equal(n, want) {
			return mismatch(n)
		}
		return nil
	}
	return fmt.Errorf("expression not understood by the test")
}

func evalCheck(fs []*bianque.Finding, check string) error {
	switch {
	case reCheckIn.MatchString(check):
		m := reCheckIn.FindStringSubmatch(check)
		i, _ := strconv.Atoi(m[5])
		if i >= len(fs) {
			return fmt.Errorf("no finding %d", i)
		}
		v, err := field(fs[i], m[6])
		if err != nil {
			return err
		}
		needle := strings.ReplaceAll(m[2], `\n`, "\n")
		switch x := v.(type) {
		case string:
			if !strings.Contains(x, needle) {
				return fmt.Errorf("%q not in %.300q", needle, x)
			}
		case []string:
			if !slices.Contains(x, needle) {
				return fmt.Errorf("%q not in %v", needle, x)
			}
		}
		return nil
	case reCheckNone.MatchString(check):
		m := reCheckNone.FindStringSubmatch(check)
		idx, err := indices(m[3], len(fs))
		if err != nil {
			return err
		}
		for _, i := range idx {
			v, err := field(fs[i], m[4])
			if err != nil {
				return err
			}
			empty := equal(v, nil)
			switch m[1] {
			case "IsNone", "False":
				if !empty {
					return fmt.Errorf("finding %d: %s = %#v, want none", i, m[4], v)
				}
			default:
				// DefectDojo's description is a string that is never None
				// (an absent one is ""); the check holds for any value.
				if empty && m[4] != "description" && m[4] != "impact" {
					return fmt.Errorf("finding %d: %s is empty", i, m[4])
				}
			}
		}
		return nil
	case reCheckEachN.MatchString(check):
		m := reCheckEachN.FindStringSubmatch(check)
		for _, f := range fs {
			if v, _ := field(f, m[1]); equal(v, nil) {
				return nil
			}
		}
		return fmt.Errorf("every finding has %s", m[1])
	case reCheckLoc.MatchString(check):
		m := reCheckLoc.FindStringSubmatch(check)
		i, _ := strconv.Atoi(m[2])
		j, _ := strconv.Atoi(m[3])
		if i >= len(fs) || j >= len(fs[i].Locations) {
			return fmt.Errorf("no location %d of finding %d", j, i)
		}
		v, err := locField(fs[i].Locations[j], m[4])
		if err != nil {
			return err
		}
		if !equal(v, nil) {
			return fmt.Errorf("location %s = %#v, want none", m[4], v)
		}
		return nil
	case reCheckInUID.MatchString(check):
		m := reCheckInUID.FindStringSubmatch(check)
		for _, f := range fs {
			if f.ToolID == m[2] {
				for _, l := range f.Locations {
					if l.Host == m[1] {
						return nil
					}
				}
				return fmt.Errorf("host %s not among the locations", m[1])
			}
		}
		return fmt.Errorf("no finding with tool ID %s", m[2])
	}
	return fmt.Errorf("check not understood by the test")
}
