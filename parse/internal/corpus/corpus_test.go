package corpus_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/internal/corpus"
	"bianque/parse/std"
)

// TestCorpusScores parses every corpus case with an expected ECS document
// and compares the share of reproduced ECS fields per product with the
// recorded scores (testdata/scores.txt). A product that drops by more than
// 0.1 point fails the test; run with -update to record new scores after an
// intended change.
func TestCorpusScores(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "logs")
	cases, err := corpus.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 1000 {
		t.Fatalf("only %d cases loaded", len(cases))
	}
	p := std.NewParser(parse.Options{})
	res, all := corpus.Run(p, cases, nil)
	var out bytes.Buffer
	for _, k := range corpus.Keys(res) {
		r := res[k]
		fmt.Fprintf(&out, "%s %.1f %d/%d\n", strings.ReplaceAll(k, " ", "_"), r.Share(), r.Matched, r.Total)
	}
	fmt.Fprintf(&out, "all %.1f %d/%d\n", all.Share(), all.Matched, all.Total)
	t.Logf("overall %.1f%% of %d expected ECS fields in %d cases", all.Share(), all.Total, all.Cases)
	prev := readScores(t)
	if prev == nil {
		testutil.Golden(t, "scores.txt", out.Bytes())
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Fields(line)
		now, _ := strconv.ParseFloat(f[1], 64)
		if was, ok := prev[f[0]]; ok && now < was-0.1 {
			t.Errorf("%s: %.1f%% of expected ECS fields, down from %.1f%%", f[0], now, was)
		}
	}
	testutil.Golden(t, "scores.txt", out.Bytes())
}

func readScores(t *testing.T) map[string]float64 {
	f, err := os.Open(filepath.Join("testdata", "scores.txt"))
	if err != nil {
		return nil
	}
	defer f.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 {
			v, _ := strconv.ParseFloat(fs[1], 64)
			m[fs[0]] = v
		}
	}
	return m
}

// TestComparisonRules pins the comparison rules documented in docs/parse.md.
func TestComparisonRules(t *testing.T) {
	cases := []struct {
		field     string
		want, got any
		equal     bool
	}{
		{"@timestamp", "2022-11-15T15:03:54.891049Z", "2022-11-15T15:03:54.891048583Z", true},
		{"@timestamp", "2022-11-15T16:03:54.891049+01:00", "2022-11-15T15:03:54.891049Z", true},
		{"@timestamp", "2022-11-15T15:03:54Z", "2022-11-15T15:03:55Z", false},
		{"source.port", "443", int64(443), true},
		{"source.port", int64(443), "444", false},
		{"network.iana_number", int64(6), "6", true},
		{"related.ip", []any{"1.1.1.1", "2.2.2.2"}, []string{"2.2.2.2", "1.1.1.1"}, true},
		{"related.ip", []any{"1.1.1.1"}, []string{"1.1.1.1", "3.3.3.3"}, false},
		{"event.category", []any{"network"}, "network", true},
		{"process.args", []any{"a", "b"}, []string{"b", "a"}, true},
		{"process.args", []any{"a", "b"}, []string{"a"}, false},
		{"source.ip", "fe80::1", "fe80:0000:0000:0000:0000:0000:0000:0001", true},
		{"event.duration", 264000000.0, int64(264000000), true},
	}
	for _, c := range cases {
		if got := corpus.Equal(c.field, c.want, c.got); got != c.equal {
			t.Errorf("%s: Equal(%v, %v) = %v", c.field, c.want, c.got, got)
		}
	}
	for _, f := range []string{"fortinet.fortigate.vd", "action.name", "log.hostname", "ecs.version", "source.geo.city_name", "user_agent.name"} {
		if corpus.Counted(f) {
			t.Errorf("%s must not be scored", f)
		}
	}
	for _, f := range []string{"source.ip", "event.category", "message", "user_agent.original", "dns.answers"} {
		if !corpus.Counted(f) {
			t.Errorf("%s must be scored", f)
		}
	}
}

// TestDocsTable checks that docs/parse.md shows the current scores; run
// "go run ./parse/internal/corpusreport -docs docs/parse.md" to refresh it.
func TestDocsTable(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "logs")
	cases, err := corpus.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, all := corpus.Run(std.NewParser(parse.Options{}), cases, nil)
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "docs", "parse.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := corpus.TableStart + "\n" + corpus.MarkdownTable(res, all) + corpus.TableEnd
	if !strings.Contains(string(b), want) {
		t.Error("docs/parse.md corpus table is out of date: go run ./parse/internal/corpusreport -docs docs/parse.md")
	}
}
