package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"bianque"
)

// summary renders indicators as "type value [tags] conf" lines, sorted.
func summary(inds []*bianque.Indicator) []string {
	var out []string
	for _, in := range inds {
		s := fmt.Sprintf("%s %s %v %d", in.Type, in.Value, in.Tags, in.Confidence)
		if !in.ValidUntil.IsZero() {
			s += " until " + in.ValidUntil.Format("2006-01-02")
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func reasons(sk []Skip) []string {
	var out []string
	for _, s := range sk {
		out = append(out, s.Reason)
	}
	sort.Strings(out)
	return out
}

func TestParseSTIX(t *testing.T) {
	f, err := os.Open("testdata/bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ParseSTIX(f, Options{Source: "isac", Confidence: 50})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cidr 203.0.113.0/24 [] 50",
		"domain update.pacs-viewer.example [c2 apt-hospital] 50",
		"ip 198.51.100.23 [c2 apt-hospital] 50",
		"ip 198.51.100.99 [] 50",
		"md5 cead3f77f6cda6ec00f57d76c9a6879f [ransomlab tlp:amber] 85 until 2026-07-02",
		"registry_key hklm\\software\\ransomlab [] 50",
		"sha256 ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c [ransomlab tlp:amber] 85 until 2026-07-02",
		"url http://update.pacs-viewer.example/dl.php?id=7 [c2 apt-hospital] 50",
	}
	if got := summary(res.Indicators); !slices.Equal(got, want) {
		t.Errorf("indicators:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, in := range res.Indicators {
		if in.Type == bianque.IndicatorSHA256 && (in.Source != "Regional Health ISAC" || in.ExternalID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f") {
			t.Errorf("sha256 indicator source %q id %q", in.Source, in.ExternalID)
		}
	}
	wantSkips := []string{
		"operator MATCHES on file:name is not an exact indicator",
		`pattern type "snort" is not stix`,
		"revoked",
		"unsupported property email-addr:value",
	}
	if got := reasons(res.Skipped); !slices.Equal(got, wantSkips) {
		t.Errorf("skipped %q, want %q", got, wantSkips)
	}
}

func TestParseSTIXPattern(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    string
		err     bool
	}{
		{`[ipv4-addr:value = '1.2.3.4']`, "ipv4-addr:value = [1.2.3.4]", false},
		{`[file:hashes.'SHA-256' = 'ab' AND file:name = 'x\'y.exe']`, "file:hashes.SHA-256 = [ab]; file:name = [x'y.exe]", false},
		{`[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port = 443]`, "network-traffic:dst_ref.value = [10.0.0.1]; network-traffic:dst_port = [443]", false},
		{`[domain-name:value IN ('a.example', 'b.example')]`, "domain-name:value IN [a.example b.example]", false},
		{`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`, "file:extensions.windows-pebinary-ext.sections.entropy > [7.0]", false},
		{`[url:value != 'x']`, "!url:value = [x]", false},
		{`[a:b = 'x'] REPEATS 5 TIMES WITHIN 10 SECONDS`, "a:b = [x]", false},
		{`[ipv4-addr:value = '1.2.3.4'`, "", true},
		{`[ipv4-addr:value = 'unterminated]`, "", true},
		{`ipv4-addr:value = '1.2.3.4'`, "", true},
		{`[ipv4-addr:value ~ '1']`, "", true},
	} {
		comps, err := ParseSTIXPattern(c.pattern)
		if (err != nil) != c.err {
			t.Errorf("%s: error %v", c.pattern, err)
			continue
		}
		var parts []string
		for _, cp := range comps {
			s := cp.Object + ":" + strings.Join(cp.Path, ".") + " " + cp.Op + " " + fmt.Sprint(cp.Values)
			if cp.Not {
				s = "!" + s
			}
			parts = append(parts, s)
		}
		if got := strings.Join(parts, "; "); !c.err && got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.pattern, got, c.want)
		}
	}
}

func TestParseMISPEvent(t *testing.T) {
	f, err := os.Open("testdata/misp_event.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	res, err := ParseMISPEvent(f, Options{Source: "misp", Confidence: 70, TTL: 90 * 24 * time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	tags := "[tlp:green apt-hospital ransomlab]"
	want := []string{
		"domain mail.radiology-update.example " + tags + " 70 until 2026-05-02",
		"file_path c:\\users\\public\\dicomview.exe " + tags + " 70 until 2026-05-02",
		"ip 198.51.100.77 " + tags + " 70 until 2026-05-02",
		"ip 198.51.100.78 " + tags + " 70 until 2026-05-02",
		"registry_key hkcu\\software\\microsoft\\windows\\currentversion\\run\\dicomview " + tags + " 70 until 2026-05-02",
		"sha1 4e1243bd22c66e76c2ba9eddc1f91394e57f9f83 [tlp:green apt-hospital ransomlab kill-chain:delivery] 70 until 2026-05-02",
		"sha256 0f343b0931126a20f133d67c2b018a3b3e9f5e0d6c3c2a7b7c8d4e5f6a7b8c9d " + tags + " 70 until 2026-05-02",
		"url https://radiology-update.example/login " + tags + " 70 until 2026-05-02",
	}
	if got := summary(res.Indicators); !slices.Equal(got, want) {
		t.Errorf("indicators:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := reasons(res.Skipped); len(got) != 2 || !strings.Contains(got[0], "email-src") || !strings.Contains(got[1], "md5 hash") {
		t.Errorf("skipped %q", got)
	}
	// With non-IDS attributes, the sinkhole address is imported too.
	f.Seek(0, 0)
	res, _ = ParseMISPEvent(f, Options{IncludeNonIDS: true})
	if len(res.Indicators) != 9 {
		t.Errorf("with non-IDS: %d indicators, want 9", len(res.Indicators))
	}
}

func TestParseCSV(t *testing.T) {
	f, err := os.Open("testdata/indicators.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ParseCSV(f, Options{Source: "blocklist", Tags: []string{"hospital-a"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cidr 10.66.0.0/16 [hospital-a] 40",
		"domain bad-update.example [phishing apt-hospital hospital-a] 90",
		"file_path c:\\windows\\temp\\payload.dll [hospital-a] 70",
		"ip 203.0.113.50 [scanner internal-blocklist hospital-a] 60 until 2026-12-31",
		"md5 d41d8cd98f00b204e9800998ecf8427e [hospital-a] 0",
	}
	if got := summary(res.Indicators); !slices.Equal(got, want) {
		t.Errorf("indicators:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Skipped) != 3 {
		t.Errorf("skipped %v, want 3 (bad hash, unknown type, bad date)", res.Skipped)
	}
	for _, s := range res.Skipped {
		if !strings.HasPrefix(s.Ref, "line ") {
			t.Errorf("skip without a line: %+v", s)
		}
	}
	if _, err := ParseCSV(strings.NewReader("a,b\n1,2\n"), Options{}); err == nil {
		t.Error("a CSV without a value column was accepted")
	}
}

func TestGuessType(t *testing.T) {
	for v, want := range map[string]bianque.IndicatorType{
		"1.2.3.4": bianque.IndicatorIP, "2001:db8::1": bianque.IndicatorIP, "10.0.0.0/8": bianque.IndicatorCIDR,
		"evil.example.com": bianque.IndicatorDomain, "https://x.example/a": bianque.IndicatorURL,
		"d41d8cd98f00b204e9800998ecf8427e":         bianque.IndicatorMD5,
		"da39a3ee5e6b4b0d3255bfef95601890afd80709": bianque.IndicatorSHA1,
		`HKLM\Software\X`:                          bianque.IndicatorRegistryKey,
		`C:\x\y.exe`:                               bianque.IndicatorFilePath, "/tmp/x": bianque.IndicatorFilePath,
		"not an indicator": "", "": "",
	} {
		if got := GuessType(v); got != want {
			t.Errorf("GuessType(%q) = %q, want %q", v, got, want)
		}
	}
}

// taxiiServer is a TAXII 2.1 server for tests, following the
// specification's endpoints, media types, pagination and authentication.
type taxiiServer struct {
	objects  []json.RawMessage
	added    []time.Time
	useNext  bool // page with "next"; otherwise by added_after only
	pageSize int
	requests int
}

func (s *taxiiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests++
	fail := func(code int, title string) {
		w.Header().Set("Content-Type", TAXIIMediaType)
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]string{"title": title})
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "analyst" || p != "secret" {
		w.Header().Set("WWW-Authenticate", `Basic realm="taxii"`)
		fail(http.StatusUnauthorized, "authentication required")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/taxii+json") {
		fail(http.StatusNotAcceptable, "accept application/taxii+json;version=2.1")
		return
	}
	reply := func(v any) {
		w.Header().Set("Content-Type", TAXIIMediaType)
		json.NewEncoder(w).Encode(v)
	}
	host := "http://" + r.Host
	switch r.URL.Path {
	case "/taxii2/":
		reply(Discovery{Title: "test", Default: host + "/api1/", APIRoots: []string{host + "/api1/"}})
	case "/api1/collections/":
		reply(map[string]any{"collections": []Collection{
			{ID: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", Title: "Hospital indicators", CanRead: true, MediaTypes: []string{"application/stix+json;version=2.1"}},
		}})
	case "/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/":
		q := r.URL.Query()
		var after time.Time
		if a := q.Get("added_after"); a != "" {
			var err error
			if after, err = time.Parse(time.RFC3339Nano, a); err != nil {
				fail(http.StatusBadRequest, "bad added_after")
				return
			}
		}
		start := 0
		if n := q.Get("next"); n != "" {
			start, _ = strconv.Atoi(n)
		}
		limit := s.pageSize
		if l, err := strconv.Atoi(q.Get("limit")); err == nil && l < limit {
			limit = l
		}
		var idx []int
		for i := range s.objects {
			if s.added[i].After(after) {
				idx = append(idx, i)
			}
		}
		if start > len(idx) {
			start = len(idx)
		}
		end := min(start+limit, len(idx))
		env := map[string]any{"objects": []json.RawMessage{}}
		var page []json.RawMessage
		for _, i := range idx[start:end] {
			page = append(page, s.objects[i])
		}
		if len(page) > 0 {
			env["objects"] = page
			w.Header().Set("X-TAXII-Date-Added-First", s.added[idx[start]].Format(time.RFC3339Nano))
			w.Header().Set("X-TAXII-Date-Added-Last", s.added[idx[end-1]].Format(time.RFC3339Nano))
		}
		if end < len(idx) {
			env["more"] = true
			if s.useNext {
				env["next"] = strconv.Itoa(end)
			}
		}
		reply(env)
	default:
		fail(http.StatusNotFound, "no such resource")
	}
}

func loadBundleObjects(t *testing.T) []json.RawMessage {
	data, err := os.ReadFile("testdata/bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	return b.Objects
}

func TestTAXII(t *testing.T) {
	objs := loadBundleObjects(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, useNext := range []bool{true, false} {
		t.Run(fmt.Sprintf("next=%v", useNext), func(t *testing.T) {
			srv := &taxiiServer{objects: objs, useNext: useNext, pageSize: 3}
			for i := range objs {
				srv.added = append(srv.added, base.Add(time.Duration(i)*time.Minute))
			}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			ctx := context.Background()

			anon := &TAXIIClient{HTTP: hs.Client()}
			if _, err := anon.Discover(ctx, hs.URL+"/taxii2/"); err == nil || !strings.Contains(err.Error(), "401") {
				t.Fatalf("unauthenticated discovery: %v", err)
			}
			c := &TAXIIClient{HTTP: hs.Client(), Username: "analyst", Password: "secret", PageSize: 2}
			d, err := c.Discover(ctx, hs.URL+"/taxii2/")
			if err != nil {
				t.Fatal(err)
			}
			cols, err := c.Collections(ctx, d.APIRoots[0])
			if err != nil || len(cols) != 1 || !cols[0].CanRead {
				t.Fatalf("collections %+v %v", cols, err)
			}
			res, last, err := c.Poll(ctx, d.APIRoots[0], cols[0].ID, time.Time{}, Options{Source: "taxii"})
			if err != nil {
				t.Fatal(err)
			}
			// Same result as the bundle read whole: relationships on other
			// pages still attribute the indicators.
			whole := ParseSTIXObjects(objs, Options{Source: "taxii"})
			if !slices.Equal(summary(res.Indicators), summary(whole.Indicators)) {
				t.Errorf("paged poll differs from the bundle:\n%v\n%v", summary(res.Indicators), summary(whole.Indicators))
			}
			if !last.Equal(srv.added[len(objs)-1]) {
				t.Errorf("last added %v, want %v", last, srv.added[len(objs)-1])
			}
			if srv.requests < 1+1+len(objs)/2 {
				t.Errorf("%d requests: the client did not page", srv.requests)
			}
			// Polling again from last returns nothing new.
			res2, last2, err := c.Poll(ctx, d.APIRoots[0], cols[0].ID, last, Options{})
			if err != nil || len(res2.Indicators) != 0 || !last2.Equal(last) {
				t.Errorf("incremental poll: %d indicators, last %v, %v", len(res2.Indicators), last2, err)
			}
			if _, _, err := c.Poll(ctx, d.APIRoots[0], "no-such-collection", time.Time{}, Options{}); err == nil || !strings.Contains(err.Error(), "404") {
				t.Errorf("unknown collection: %v", err)
			}
		})
	}
}

func TestFetchMISPFeed(t *testing.T) {
	event, err := os.ReadFile("testdata/misp_event.json")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/feed/manifest.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"5f4b8c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b": {"info": "Phishing", "timestamp": "1769904000"},
		                "6f4b8c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5c": {"info": "old", "timestamp": "1600000000"}}`)
	})
	mux.HandleFunc("/feed/5f4b8c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b.json", func(w http.ResponseWriter, r *http.Request) { w.Write(event) })
	hs := httptest.NewServer(mux)
	defer hs.Close()
	since := time.Unix(1700000000, 0)
	res, newest, err := FetchMISPFeed(context.Background(), hs.Client(), hs.URL+"/feed/", since, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Indicators) != 8 || !newest.Equal(time.Unix(1769904000, 0).UTC()) {
		t.Errorf("%d indicators, newest %v", len(res.Indicators), newest)
	}
	// The old event is before since and not fetched (it would 404 and be skipped).
	for _, s := range res.Skipped {
		if strings.Contains(s.Ref, "6f4b8c1e") {
			t.Errorf("old event fetched: %+v", s)
		}
	}
}
