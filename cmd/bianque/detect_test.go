package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianque/internal/testutil"
)

func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cmdEnv{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = run(context.Background(), env, args)
	return out.String(), errb.String(), code
}

func TestDetectCLI(t *testing.T) {
	out, stderr, code := runCLI(t, "", "detect", "--rules", "testdata/detect/rules", "testdata/detect/events.jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "line 6:") || !strings.Contains(stderr, "1 lines could not be parsed") {
		t.Errorf("the bad line is not reported: %q", stderr)
	}
	testutil.Golden(t, "detect/events.out", []byte(out))

	// The same input on standard input gives the same output.
	data, err := os.ReadFile("testdata/detect/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	out2, _, _ := runCLI(t, string(data), "detect", "--rules", "testdata/detect/rules")
	if out2 != out {
		t.Errorf("stdin output differs:\n%s\nvs\n%s", out2, out)
	}
}

func TestDetectCheck(t *testing.T) {
	out, stderr, code := runCLI(t, "", "detect", "--rules", "testdata/detect/broken,testdata/detect/rules", "--check")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	for _, want := range []string{
		`bad.yml: line 8: condition "selection and missing_identifier": condition syntax: unknown search identifier "missing_identifier"`,
		`bad_modifier.yml: line 7: selection: unknown modifier "endswitch"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--check output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("--check reports %d rules, want 2:\n%s", n, out)
	}
	out, _, code = runCLI(t, "", "detect", "--rules", "testdata/detect/rules", "--check")
	if code != 0 || out != "" {
		t.Errorf("clean rules: exit %d, output %q", code, out)
	}
}

// TestDetectCorpusContract drives the command as external suites do: every
// regression case of the corpus, all rule directories loaded, one run.
func TestDetectCorpusContract(t *testing.T) {
	base := filepath.Join(testutil.Corpora(t), "sigma")
	var manifest struct {
		Cases []struct {
			RuleID    string `json:"rule_id"`
			EventFile string `json:"event_file"`
			Expected  struct {
				MustMatch  []string `json:"must_match"`
				MinMatches int      `json:"min_matches"`
			} `json:"expected"`
		} `json:"cases"`
	}
	data, err := os.ReadFile(filepath.Join(base, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	// One events file: every case's events, remembering which lines are whose.
	var events bytes.Buffer
	lineCase := []int{}
	for ci, c := range manifest.Cases {
		b, err := os.ReadFile(filepath.Join(base, c.EventFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			events.Write(l)
			events.WriteByte('\n')
			lineCase = append(lineCase, ci)
		}
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, events.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "unsupported"} {
		dirs = append(dirs, filepath.Join(base, d))
	}
	out, stderr, code := runCLI(t, "", "detect", "--rules", strings.Join(dirs, ","), path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := map[[2]any]int{} // (case, rule id) -> matches
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m struct {
			Event  int    `json:"event"`
			RuleID string `json:"rule_id"`
			Title  string `json:"rule_title"`
			Level  string `json:"level"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("bad output line %q: %v", sc.Text(), err)
		}
		if m.RuleID == "" || m.Title == "" || m.Level == "" || m.Event < 0 || m.Event >= len(lineCase) {
			t.Fatalf("incomplete output line %q", sc.Text())
		}
		got[[2]any{lineCase[m.Event], m.RuleID}]++
	}
	for ci, c := range manifest.Cases {
		for _, id := range c.Expected.MustMatch {
			if n := got[[2]any{ci, id}]; n < c.Expected.MinMatches {
				t.Errorf("%s: rule %s matched %d events, want >= %d", c.EventFile, id, n, c.Expected.MinMatches)
			}
		}
	}
}
