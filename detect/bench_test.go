package detect

import (
	"os"
	"path/filepath"
	"testing"

	"bianque/detect/sigma"
	"bianque/event"
)

// Benchmarks over the corpus. Run on one core:
//
//	go test ./detect -run '^$' -bench . -cpu 1
//
// events/s is what matters; ns/op is per event.

// processCreationRules returns the corpus rules on windows/process_creation.
func processCreationRules(tb testing.TB) []*sigma.Rule {
	rules, _ := corpusRules(tb)
	var out []*sigma.Rule
	for _, r := range rules {
		if r.Kind == sigma.KindDetection && r.LogSource.Product == "windows" && r.LogSource.Category == "process_creation" {
			out = append(out, r)
		}
	}
	return out
}

// corpusEvents returns the events of every regression case; with
// processOnly, only process-creation events (Sysmon 1, Security 4688).
func corpusEvents(tb testing.TB, processOnly bool) []*event.Event {
	base, cases := loadCases(tb)
	var out []*event.Event
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.EventFile] {
			continue
		}
		seen[c.EventFile] = true
		for _, ev := range readEvents(tb, filepath.Join(base, c.EventFile)) {
			eid := ev.Str("Event.System.EventID")
			ch := ev.Str("Event.System.Channel")
			if processOnly && !(eid == "1" && ch == "Microsoft-Windows-Sysmon/Operational" || eid == "4688" && ch == "Security") {
				continue
			}
			out = append(out, ev)
		}
	}
	return out
}

func benchMatch(b *testing.B, rules []*sigma.Rule, evs []*event.Event, opts Options) {
	e := New(opts)
	rs := e.Load(rules)
	if len(rs.Errors) > 0 {
		b.Fatalf("%d rules failed", len(rs.Errors))
	}
	var ms []Match
	for _, ev := range evs { // build the class plans outside the timer
		ms = e.Match(ev, ms[:0])
	}
	matches := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		ms = e.Match(evs[i], ms[:0])
		matches += len(ms)
		if i++; i == len(evs) {
			i = 0
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(rs.Len()), "rules")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
}

func BenchmarkProcessCreationRules(b *testing.B) {
	benchMatch(b, processCreationRules(b), corpusEvents(b, true), Options{})
}

func BenchmarkAllRulesProcessEvents(b *testing.B) {
	rules, _ := corpusRules(b)
	benchMatch(b, rules, corpusEvents(b, true), Options{})
}

func BenchmarkAllRulesAllEvents(b *testing.B) {
	rules, _ := corpusRules(b)
	benchMatch(b, rules, corpusEvents(b, false), Options{})
}

// BenchmarkProcessCreationRulesNoPrefilter shows what the prefilter saves.
func BenchmarkProcessCreationRulesNoPrefilter(b *testing.B) {
	benchMatch(b, processCreationRules(b), corpusEvents(b, true), Options{DisablePrefilter: true})
}

// BenchmarkParseAndMatch includes decoding the JSON line.
func BenchmarkParseAndMatch(b *testing.B) {
	base, cases := loadCases(b)
	var lines [][]byte
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join(base, c.EventFile))
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range splitLines(data) {
			if ev, err := ParseEvent(l); err == nil && ev.Str("Event.System.EventID") == "1" {
				lines = append(lines, l)
			}
		}
	}
	e := New(Options{})
	e.Load(processCreationRules(b))
	var ms []Match
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		ev, err := ParseEvent(lines[i])
		if err != nil {
			b.Fatal(err)
		}
		ms = e.Match(ev, ms[:0])
		if i++; i == len(lines) {
			i = 0
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func splitLines(data []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range data {
		if c == '\n' {
			if i > start {
				out = append(out, data[start:i])
			}
			start = i + 1
		}
	}
	if start < len(data) {
		out = append(out, data[start:])
	}
	return out
}
