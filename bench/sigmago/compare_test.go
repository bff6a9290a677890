// Package sigmago compares the detection engine with
// github.com/bradleyjkemp/sigma-go on the same rules and events, in the same
// run. It is a separate module so that sigma-go never becomes a dependency
// of the product. Run from this directory:
//
//	go test -run '^$' -bench . -cpu 1 -benchtime 3s
//	go test -run TestRegression -v
package sigmago

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bianque/detect"
	bsigma "bianque/detect/sigma"
	"bianque/event"
	"bianque/internal/testutil"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
)

var dirs = []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder"}

type corpus struct {
	files  []string       // rule files on windows/process_creation
	ours   []*bsigma.Rule // parsed by bianque
	theirs []sigmago.Rule // parsed by sigma-go (those it accepts)
	failed int            // files sigma-go cannot parse
	events []*event.Event // process-creation events, bianque form
	flat   []map[string]interface{}
	cases  []regCase
}

type regCase struct {
	ruleID, ruleFile string
	min              int
	events           []int // indexes into events
}

var (
	once sync.Once
	data corpus
)

func load(tb testing.TB) *corpus {
	base := filepath.Join(testutil.Corpora(tb), "sigma")
	once.Do(func() {
		var paths []string
		for _, d := range dirs {
			paths = append(paths, filepath.Join(base, d))
		}
		rules, _, err := detect.ReadRules(paths...)
		if err != nil {
			tb.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range rules {
			if r.Kind != bsigma.KindDetection || r.LogSource.Product != "windows" || r.LogSource.Category != "process_creation" {
				continue
			}
			data.ours = append(data.ours, r)
			if seen[r.Source] {
				continue
			}
			seen[r.Source] = true
			data.files = append(data.files, r.Source)
			b, err := os.ReadFile(r.Source)
			if err != nil {
				tb.Fatal(err)
			}
			sr, err := sigmago.ParseRule(b)
			if err != nil {
				data.failed++
				continue
			}
			data.theirs = append(data.theirs, sr)
		}
		// Process-creation events of the regression cases.
		var manifest struct {
			Cases []struct {
				RuleID    string `json:"rule_id"`
				RuleFile  string `json:"rule_file"`
				EventFile string `json:"event_file"`
				LogSource struct {
					Category string `json:"category"`
				} `json:"logsource"`
				Expected struct {
					MinMatches int `json:"min_matches"`
				} `json:"expected"`
			} `json:"cases"`
		}
		b, err := os.ReadFile(filepath.Join(base, "cases.json"))
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(b, &manifest); err != nil {
			tb.Fatal(err)
		}
		for _, c := range manifest.Cases {
			if c.LogSource.Category != "process_creation" {
				continue
			}
			rc := regCase{ruleID: c.RuleID, ruleFile: c.RuleFile, min: c.Expected.MinMatches}
			f, err := os.Open(filepath.Join(base, c.EventFile))
			if err != nil {
				tb.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 16<<20)
			for sc.Scan() {
				ev, err := detect.ParseEvent(sc.Bytes())
				if err != nil {
					tb.Fatal(err)
				}
				if ev.Str("Event.System.EventID") != "1" {
					continue
				}
				rc.events = append(rc.events, len(data.events))
				data.events = append(data.events, ev)
				data.flat = append(data.flat, flatten(ev))
			}
			f.Close()
			data.cases = append(data.cases, rc)
		}
	})
	return &data
}

// flatten gives sigma-go the event the way it reads one: Sigma field names
// (EventData keys, and the System fields) as map keys.
func flatten(ev *event.Event) map[string]interface{} {
	m := map[string]interface{}{}
	ev.Range(func(k string, v any) bool {
		switch {
		case strings.HasPrefix(k, "Event.EventData."):
			m[strings.TrimPrefix(k, "Event.EventData.")] = v
		case k == "Event.System.EventID":
			m["EventID"] = v
		case k == "Event.System.Channel":
			m["Channel"] = v
		case k == "Event.System.Computer":
			m["Computer"] = v
		case k == "Event.System.Provider.Name":
			m["Provider_Name"] = v
		}
		return true
	})
	return m
}

func BenchmarkBianque(b *testing.B) {
	c := load(b)
	e := detect.New(detect.Options{})
	rs := e.Load(c.ours)
	var ms []detect.Match
	for _, ev := range c.events {
		ms = e.Match(ev, ms[:0])
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		ms = e.Match(c.events[i], ms[:0])
		if i++; i == len(c.events) {
			i = 0
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(rs.Len()), "rules")
}

// BenchmarkSigmaGo evaluates sigma-go's rules one by one, as its README shows.
func BenchmarkSigmaGo(b *testing.B) {
	c := load(b)
	var evs []*evaluator.RuleEvaluator
	for _, r := range c.theirs {
		evs = append(evs, evaluator.ForRule(r))
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		for _, ev := range evs {
			_, _ = ev.Matches(ctx, c.flat[i])
		}
		if i++; i == len(c.flat) {
			i = 0
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(evs)), "rules")
}

// BenchmarkSigmaGoBundle uses sigma-go's bundle, which shares an
// Aho-Corasick search across rules (its fastest mode).
func BenchmarkSigmaGoBundle(b *testing.B) {
	c := load(b)
	bundle := evaluator.ForRules(c.theirs)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		_, _ = bundle.Matches(ctx, c.flat[i])
		if i++; i == len(c.flat) {
			i = 0
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(c.theirs)), "rules")
}

// TestRegressionComparison runs the process-creation regression cases
// through both engines, every process-creation rule loaded, and logs how
// many each passes (and which ones sigma-go misses).
func TestRegressionComparison(t *testing.T) {
	c := load(t)
	e := detect.New(detect.Options{})
	e.Load(c.ours)
	byID := map[string]*evaluator.RuleEvaluator{}
	for _, r := range c.theirs {
		byID[r.ID] = evaluator.ForRule(r)
	}
	ctx := context.Background()
	oursPass, theirsPass := 0, 0
	for _, rc := range c.cases {
		ours, theirs := 0, 0
		ev := byID[rc.ruleID]
		for _, i := range rc.events {
			for _, m := range e.Match(c.events[i], nil) {
				if m.Rule.ID == rc.ruleID {
					ours++
				}
			}
			if ev != nil {
				if res, err := ev.Matches(ctx, c.flat[i]); err == nil && res.Match {
					theirs++
				}
			}
		}
		if ours >= rc.min {
			oursPass++
		} else {
			t.Errorf("bianque misses %s", rc.ruleFile)
		}
		if theirs >= rc.min {
			theirsPass++
		} else {
			why := "no match"
			if ev == nil {
				why = "rule not parsed"
			}
			t.Logf("sigma-go misses %s (%s)", rc.ruleFile, why)
		}
	}
	t.Logf("process_creation rule files: %d; sigma-go parses %d, rejects %d", len(c.files), len(c.theirs), c.failed)
	t.Logf("regression cases passed: bianque %d/%d, sigma-go %d/%d", oursPass, len(c.cases), theirsPass, len(c.cases))
}

// cpuTime returns the user+system CPU time of the process so far: on a
// shared machine it measures work better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "events/cpu-s")
	}
}
