package detect

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"bianque/detect/sigma"
	"bianque/event"
	"bianque/internal/testutil"
)

// corpusDirs are the SigmaHQ directories every rule of which must compile
// (or be reported with a real defect).
var corpusDirs = []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "unsupported"}

var corpusOnce struct {
	sync.Once
	rules []*sigma.Rule
	bad   []RuleError
	err   error
}

func corpusRules(t testing.TB) ([]*sigma.Rule, []RuleError) {
	t.Helper()
	base := filepath.Join(testutil.Corpora(t), "sigma")
	corpusOnce.Do(func() {
		var paths []string
		for _, d := range corpusDirs {
			paths = append(paths, filepath.Join(base, d))
		}
		corpusOnce.rules, corpusOnce.bad, corpusOnce.err = ReadRules(paths...)
	})
	if corpusOnce.err != nil {
		t.Fatal(corpusOnce.err)
	}
	return corpusOnce.rules, corpusOnce.bad
}

// knownDefects are the corpus documents that are not valid Sigma, with why.
// Each is a defect of the rule itself (pseudo-syntax from before Sigma had
// correlations), not of the engine.
var knownDefects = map[string]string{
	"unsupported/network/net_dns_high_subdomain_rate.yml":                            "condition uses 'count() per ... per ...', which is not Sigma syntax",
	"unsupported/windows/sysmon_always_install_elevated_parent_child_correlated.yml": "condition is prose pseudo-code ('write ... to %list%; then if ... -> alert')",
	"unsupported/windows/win_dumping_ntdsdit_via_dcsync.yml":                         "condition is prose pseudo-code ('write ... to list %...%; then if ... -> alert')",
	"unsupported/windows/win_dumping_ntdsdit_via_netsync.yml":                        "condition is prose pseudo-code ('write ... to list %...%; then if ... -> alert')",
}

func TestCompileCorpus(t *testing.T) {
	rules, bad := corpusRules(t)
	base := filepath.Join(testutil.Corpora(t), "sigma")
	e := New(Options{})
	rs := e.Compile(rules)
	all := append(append([]RuleError(nil), bad...), rs.Errors...)
	failed := map[string]bool{}
	for _, re := range all {
		rel, _ := filepath.Rel(base, re.Source)
		failed[rel] = true
		if why, ok := knownDefects[rel]; ok {
			t.Logf("defect (expected): %s: %s [%s]", rel, re.Reason, why)
			continue
		}
		t.Errorf("rule did not compile: %s: %s", rel, re.Reason)
	}
	for rel := range knownDefects {
		if !failed[rel] {
			t.Errorf("%s is listed as a defect but compiled", rel)
		}
	}
	byDir := map[string]int{}
	for _, r := range rules {
		rel, _ := filepath.Rel(base, r.Source)
		byDir[strings.SplitN(rel, string(filepath.Separator), 2)[0]]++
	}
	t.Logf("documents parsed per directory: %v", byDir)
	t.Logf("compiled: %d detection rules (%d with a legacy aggregation or near, run as correlations), %d correlation rules, %d filters; %d defects; %d warnings",
		rs.Loaded[sigma.KindDetection], rs.Legacy, rs.Loaded[sigma.KindCorrelation], rs.Loaded[sigma.KindFilter], len(all), len(rs.Warnings))
	for _, w := range rs.Warnings {
		rel, _ := filepath.Rel(base, w.Source)
		t.Logf("warning: %s: %s", rel, w.Reason)
	}
}

type regressionCase struct {
	RuleID    string          `json:"rule_id"`
	RuleTitle string          `json:"rule_title"`
	RuleFile  string          `json:"rule_file"`
	LogSource sigma.LogSource `json:"logsource"`
	EventFile string          `json:"event_file"`
	NEvents   int             `json:"n_events"`
	Expected  struct {
		MustMatch    []string `json:"must_match"`
		MinMatches   int      `json:"min_matches"`
		ExactMatches *int     `json:"exact_matches"`
	} `json:"expected"`
}

func loadCases(t testing.TB) (string, []regressionCase) {
	t.Helper()
	base := filepath.Join(testutil.Corpora(t), "sigma")
	data, err := os.ReadFile(filepath.Join(base, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Cases []regressionCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	return base, manifest.Cases
}

func readEvents(t testing.TB, path string) []*event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []*event.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		ev, err := ParseEvent(sc.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		evs = append(evs, ev)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// staleExactCounts are cases whose exact_matches (SigmaHQ's info.yml
// match_count) is lower than the number of events that satisfy the rule as
// written; every listed event was checked by hand against the rule.
var staleExactCounts = map[string]string{
	// Three files created: procdump64.exe, procdump64a.exe and procdump.exe; the
	// rule lists all three suffixes.
	"8fbf3271-1ef6-4e94-8210-03c2317947f6": "3 events end with a listed suffix",
	// Three ZoneMap\Domains values set to DWORD 2 (http, https, *); none is filtered.
	"45e112d0-7759-4c2a-aa36-9f8fb79d3393": "3 events set ZoneMap Domains values to DWORD 2",
	// AutoShareServer and AutoShareWks both set to 0; the rule lists both.
	"c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e": "2 events set AutoShare* to 0",
}

// TestRegressionCases runs every case of cases.json with the whole corpus
// loaded: each must_match rule must match at least min_matches events, and
// exactly exact_matches when given (but for the stale counts above).
func TestRegressionCases(t *testing.T) {
	rules, _ := corpusRules(t)
	base, cases := loadCases(t)
	e := New(Options{})
	e.Load(rules)
	passed := 0
	for _, c := range cases {
		evs := readEvents(t, filepath.Join(base, c.EventFile))
		counts := map[string]int{}
		var ms []Match
		for _, ev := range evs {
			ms = e.Match(ev, ms[:0])
			for _, m := range ms {
				counts[m.Rule.ID]++
			}
		}
		ok := true
		for _, id := range c.Expected.MustMatch {
			n := counts[id]
			switch {
			case n < c.Expected.MinMatches:
				t.Errorf("%s (%s): %d matches, want at least %d", c.RuleFile, id, n, c.Expected.MinMatches)
				ok = false
			case c.Expected.ExactMatches != nil && n != *c.Expected.ExactMatches:
				if why, stale := staleExactCounts[id]; stale {
					t.Logf("%s: %d matches, info.yml says %d (stale: %s)", c.RuleFile, n, *c.Expected.ExactMatches, why)
					break
				}
				t.Errorf("%s (%s): %d matches, want exactly %d", c.RuleFile, id, n, *c.Expected.ExactMatches)
				ok = false
			}
		}
		if ok {
			passed++
		}
	}
	t.Logf("%d/%d regression cases pass", passed, len(cases))
}

// TestRegressionCasesRuleAlone loads only the case's rule, so that the
// result does not depend on other rules (and filters) being present.
func TestRegressionCasesRuleAlone(t *testing.T) {
	base, cases := loadCases(t)
	for _, c := range cases {
		rules, bad, err := ReadRules(filepath.Join(base, c.RuleFile))
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %v", c.RuleFile, err, bad)
		}
		e := New(Options{})
		rs := e.Load(rules)
		if len(rs.Errors) > 0 {
			t.Errorf("%s: %v", c.RuleFile, rs.Errors)
			continue
		}
		n := 0
		var ms []Match
		for _, ev := range readEvents(t, filepath.Join(base, c.EventFile)) {
			ms = e.Match(ev, ms[:0])
			n += len(ms)
		}
		if n < c.Expected.MinMatches {
			t.Errorf("%s: %d matches, want at least %d", c.RuleFile, n, c.Expected.MinMatches)
		}
	}
}

// TestPrefilterIsConservative matches every corpus event with and without
// the prefilter, all rules loaded: the results must be identical, or the
// prefilter has dropped a rule that matches.
func TestPrefilterIsConservative(t *testing.T) {
	rules, _ := corpusRules(t)
	base, cases := loadCases(t)
	fast, slow := New(Options{}), New(Options{DisablePrefilter: true})
	fast.Load(rules)
	slow.Load(rules)
	n := 0
	var a, b []Match
	for _, c := range cases {
		for _, ev := range readEvents(t, filepath.Join(base, c.EventFile)) {
			a, b = fast.Match(ev, a[:0]), slow.Match(ev, b[:0])
			if got, want := matchIDs(a), matchIDs(b); got != want {
				t.Errorf("%s: prefilter gives %s, full evaluation %s", c.EventFile, got, want)
			}
			n += len(b)
		}
	}
	t.Logf("%d matches compared", n)
}

func matchIDs(ms []Match) string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Rule.ID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// TestPrefilterOnMutatedEvents compares prefiltered and full evaluation on
// variants of the corpus events: values swapped between events, case
// changed, fragments of rule needles spliced in, so that rules are near
// misses as often as matches.
func TestPrefilterOnMutatedEvents(t *testing.T) {
	rules, _ := corpusRules(t)
	fast, slow := New(Options{}), New(Options{DisablePrefilter: true})
	fast.Load(rules)
	slow.Load(rules)
	evs := corpusEvents(t, false)
	// Pool of values seen per field, and fragments to splice.
	pool := map[string][]string{}
	for _, ev := range evs {
		ev.Range(func(k string, v any) bool {
			if s, ok := v.(string); ok && strings.HasPrefix(k, "Event.EventData.") {
				pool[k] = append(pool[k], s)
			}
			return true
		})
	}
	frags := []string{"\\", ".exe", " -enc ", "/c ", "\u2013", "ÄÖ", "%", "*", "powershell", "\\AppData\\", "HKLM\\", "\x00", "::", "IEX"}
	r := rand.New(rand.NewPCG(11, 12))
	compared, matched := 0, 0
	var a, b []Match
	for round := 0; round < 6; round++ {
		for _, base := range evs {
			ev := base.Clone()
			keys := ev.Keys()
			for n := 0; n < 3; n++ {
				k := keys[r.IntN(len(keys))]
				if !strings.HasPrefix(k, "Event.EventData.") {
					continue
				}
				s := ev.Str(k)
				switch r.IntN(4) {
				case 0:
					if p := pool[k]; len(p) > 0 {
						s = p[r.IntN(len(p))]
					}
				case 1:
					s = strings.ToUpper(s)
				case 2:
					i := r.IntN(len(s) + 1)
					s = s[:i] + frags[r.IntN(len(frags))] + s[i:]
				case 3:
					if len(s) > 1 {
						i := r.IntN(len(s))
						s = s[:i] + s[i+1:]
					}
				}
				ev.Set(k, s)
			}
			a, b = fast.Match(ev, a[:0]), slow.Match(ev, b[:0])
			if got, want := matchIDs(a), matchIDs(b); got != want {
				t.Fatalf("prefilter gives %q, full evaluation %q on %v", got, want, ev)
			}
			compared++
			matched += len(b)
		}
	}
	t.Logf("%d mutated events compared, %d matches", compared, matched)
}
