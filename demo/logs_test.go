package demo_test

import (
	"slices"
	"testing"
	"time"

	"bianque/demo"
	"bianque/detect"
	"bianque/event"
	"bianque/parse"
	"bianque/parse/std"
)

// The demo's logs must go through the real parser without dead letters, and
// the demo's rules must raise exactly the scenario's alert on each attack
// and none on everyday traffic.
func TestDemoLogsParseAndDetect(t *testing.T) {
	rules, bad, err := detect.ReadRules("rules")
	if err != nil || len(bad) > 0 {
		t.Fatalf("demo rules: %v %v", err, bad)
	}
	eng := detect.New(detect.Options{})
	if rs := eng.Load(rules); len(rs.Errors) > 0 {
		t.Fatalf("demo rules do not compile: %v", rs.Errors)
	}
	p := std.NewParser(parse.Options{})
	now := time.Date(2026, 5, 6, 2, 30, 0, 0, time.UTC)
	logs := demo.NewTestLogs([]string{"t0", "t1"}, 1)

	// match parses lines and returns the titles of the alerts they raise,
	// correlations included.
	match := func(t *testing.T, lines []demo.LogLine) []string {
		t.Helper()
		corr := detect.NewCorrelator(nil)
		var titles []string
		var ms []detect.Match
		var cms []detect.CorrelationMatch
		for i, l := range lines {
			ev, err := p.Parse(l.Data, parse.Hint{ReceivedAt: now})
			if err != nil {
				t.Fatalf("parse %q: %v", l.Data, err)
			}
			if ts, ok := ev.Time(event.Timestamp); !ok || ts.Sub(now) > time.Minute || now.Sub(ts) > time.Hour {
				t.Errorf("%q: @timestamp %v, want near %v", l.Data, ts, now)
			}
			ms = eng.Match(ev, ms[:0])
			for _, m := range ms {
				if !m.Rule.Internal && m.Rule.Level != "low" && m.Rule.Level != "informational" {
					titles = append(titles, m.Rule.Title)
				}
			}
			cms = corr.Feed(int64(i), ms, cms)
		}
		cms = corr.Flush(cms)
		for _, cm := range cms {
			titles = append(titles, cm.Rule.Title)
		}
		slices.Sort(titles)
		return slices.Compact(titles)
	}

	if got := match(t, logs.Normal(now, 2000)); len(got) > 0 {
		t.Errorf("everyday traffic raised %v", got)
	}
	want := []string{
		"SSH 暴力破解 SSH brute force from one address",
		"SQL 注入扫描工具访问 HIS Web SQL injection tool against a web application",
		"防火墙拦截的外部攻击 Attack from the internet reported by the firewall",
		"异常 DICOM 访问 DICOM traffic to a modality from an unexpected host",
	}
	for kind := range demo.AttackKinds {
		for i := range 2 {
			got := match(t, logs.AttackOf(kind, i, now))
			if len(got) != 1 || got[0] != want[kind] {
				t.Errorf("scenario %d, hospital %d: alerts %v, want %q", kind, i, got, want[kind])
			}
		}
	}
}
