package detect

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"bianque/detect/sigma"
	"bianque/event"
	"bianque/internal/testutil"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// secEvent is a raw Windows Security event at t0+offset.
func secEvent(offset time.Duration, eid string, fields map[string]string) *event.Event {
	data := map[string]any{}
	for k, v := range fields {
		data[k] = v
	}
	sys := map[string]any{"Channel": "Security", "EventID": eid, "Computer": "dc1"}
	if offset >= 0 {
		sys["TimeCreated"] = map[string]any{"SystemTime": t0.Add(offset).Format(time.RFC3339Nano)}
	}
	return event.FromMap(map[string]any{"Event": map[string]any{"System": sys, "EventData": data}})
}

// baseRules are the detection rules the correlations below refer to.
const baseRules = `title: Failed logon
id: aaaaaaaa-0000-0000-0000-000000000001
name: failed_logon
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4625}
    condition: sel
level: low
---
title: Successful logon
id: aaaaaaaa-0000-0000-0000-000000000002
name: logon
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4624}
    condition: sel
level: low
---
title: Share access
id: aaaaaaaa-0000-0000-0000-000000000003
name: share
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 5140}
    condition: sel
level: low
---
title: Network traffic
id: aaaaaaaa-0000-0000-0000-000000000004
name: traffic
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 5156}
    condition: sel
level: low
`

// stream is one event of a hand-written stream.
type stream struct {
	at     time.Duration
	eid    string
	fields map[string]string
}

// runStream compiles the base rules plus corr and feeds the events in
// order; it returns the firings as "seq list" strings, e.g. "[0 1 2]@2".
func runStream(t *testing.T, corr string, evs []stream) []string {
	t.Helper()
	rules, errs := sigma.Parse("c.yml", []byte(baseRules+"---\n"+corr))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e := New(Options{})
	rs := e.Load(rules)
	if len(rs.Errors) > 0 {
		t.Fatal(rs.Errors)
	}
	c := NewCorrelator(testutil.NewFakeClock(t0))
	var out []string
	var ms []Match
	var cms []CorrelationMatch
	for i, s := range evs {
		ms = e.Match(secEvent(s.at, s.eid, s.fields), ms[:0])
		cms = c.Feed(int64(i), ms, cms[:0])
		for _, cm := range cms {
			out = append(out, describe(cm))
		}
	}
	for _, cm := range c.Flush(nil) {
		out = append(out, describe(cm))
	}
	return out
}

func describe(cm CorrelationMatch) string {
	var seqs []int64
	for _, r := range cm.Events {
		seqs = append(seqs, r.Seq)
	}
	g := ""
	if len(cm.Group) > 0 {
		var kv []string
		for k, v := range cm.Group {
			kv = append(kv, k+"="+v)
		}
		slices.Sort(kv)
		g = "{" + strings.Join(kv, ",") + "}"
	}
	return fmt.Sprintf("%v@%d%s=%g", seqs, cm.Seq, g, cm.Value)
}

func corrRule(typ, rules, groupBy, span, cond string) string {
	return fmt.Sprintf(`title: C
id: cccccccc-0000-0000-0000-000000000001
correlation:
    type: %s
    rules: [%s]
    group-by: [%s]
    timespan: %s
%s
level: high
`, typ, rules, groupBy, span, cond)
}

func TestCorrelationTypes(t *testing.T) {
	ip := func(a string) map[string]string { return map[string]string{"IpAddress": a} }
	user := func(a, u string) map[string]string { return map[string]string{"IpAddress": a, "TargetUserName": u} }
	bytes := func(a, n string) map[string]string { return map[string]string{"SourceAddress": a, "Bytes": n} }
	cases := []struct {
		name string
		corr string
		evs  []stream
		want []string
	}{
		{
			"event_count fires at the threshold, per group",
			corrRule("event_count", "failed_logon", "IpAddress", "5m", "    condition: {gte: 3}"),
			[]stream{{0, "4625", ip("1.1.1.1")}, {time.Minute, "4625", ip("2.2.2.2")}, {2 * time.Minute, "4625", ip("1.1.1.1")},
				{3 * time.Minute, "4624", ip("1.1.1.1")}, {4 * time.Minute, "4625", ip("1.1.1.1")}, {5 * time.Minute, "4625", ip("2.2.2.2")}},
			[]string{"[0 2 4]@4{IpAddress=1.1.1.1}=3"},
		},
		{
			"event_count window slides: old events fall out",
			corrRule("event_count", "failed_logon", "IpAddress", "5m", "    condition: {gte: 3}"),
			[]stream{{0, "4625", ip("1.1.1.1")}, {3 * time.Minute, "4625", ip("1.1.1.1")}, {6 * time.Minute, "4625", ip("1.1.1.1")},
				{7 * time.Minute, "4625", ip("1.1.1.1")}},
			[]string{"[1 2 3]@3{IpAddress=1.1.1.1}=3"},
		},
		{
			"event_count value differs: no match",
			corrRule("event_count", "failed_logon", "IpAddress", "5m", "    condition: {gte: 3}"),
			[]stream{{0, "4625", ip("1.1.1.1")}, {time.Minute, "4625", ip("1.1.1.2")}, {2 * time.Minute, "4625", ip("1.1.1.3")}},
			nil,
		},
		{
			"event_count lt is decided when the window closes",
			corrRule("event_count", "failed_logon", "IpAddress", "5m", "    condition: {lt: 2}"),
			[]stream{{0, "4625", ip("1.1.1.1")}, {time.Minute, "4625", ip("2.2.2.2")}, {2 * time.Minute, "4625", ip("2.2.2.2")},
				{10 * time.Minute, "4624", ip("9.9.9.9")}},
			[]string{"[0]@-1{IpAddress=1.1.1.1}=1"},
		},
		{
			"event_count without group-by",
			corrRule("event_count", "failed_logon, logon", "", "1m", "    condition: {gte: 2}"),
			[]stream{{0, "4625", ip("1.1.1.1")}, {30 * time.Second, "4624", ip("2.2.2.2")}},
			[]string{"[0 1]@1=2"},
		},
		{
			"value_count counts distinct values",
			corrRule("value_count", "failed_logon", "IpAddress", "10m", "    condition: {field: TargetUserName, gte: 3}"),
			[]stream{{0, "4625", user("1.1.1.1", "a")}, {time.Minute, "4625", user("1.1.1.1", "A")}, {2 * time.Minute, "4625", user("1.1.1.1", "b")},
				{3 * time.Minute, "4625", user("2.2.2.2", "c")}, {4 * time.Minute, "4625", user("1.1.1.1", "c")}},
			[]string{"[0 1 2 4]@4{IpAddress=1.1.1.1}=3"},
		},
		{
			"value_sum",
			corrRule("value_sum", "traffic", "SourceAddress", "1h", "    condition: {field: Bytes, gt: 1000}"),
			[]stream{{0, "5156", bytes("10.0.0.1", "400")}, {time.Minute, "5156", bytes("10.0.0.2", "900")}, {2 * time.Minute, "5156", bytes("10.0.0.1", "500")},
				{3 * time.Minute, "5156", bytes("10.0.0.1", "200")}},
			[]string{"[0 2 3]@3{SourceAddress=10.0.0.1}=1100"},
		},
		{
			"value_avg",
			corrRule("value_avg", "traffic", "SourceAddress", "1h", "    condition: {field: Bytes, gte: 500}"),
			[]stream{{0, "5156", bytes("10.0.0.1", "100")}, {time.Minute, "5156", bytes("10.0.0.1", "800")}, {2 * time.Minute, "5156", bytes("10.0.0.1", "700")}},
			[]string{"[0 1 2]@2{SourceAddress=10.0.0.1}=533.3333333333334"},
		},
		{
			"value_percentile",
			corrRule("value_percentile", "traffic", "SourceAddress", "1h", "    condition: {field: Bytes, percentile: 75, gte: 900}"),
			// Nearest rank: p75 of [100 200] is 200, of [100 200 950] is 950.
			[]stream{{0, "5156", bytes("a", "100")}, {time.Minute, "5156", bytes("a", "200")}, {2 * time.Minute, "5156", bytes("a", "950")}},
			[]string{"[0 1 2]@2{SourceAddress=a}=950"},
		},
		{
			"value_median",
			corrRule("value_median", "traffic", "SourceAddress", "1h", "    condition: {field: Bytes, gte: 300}"),
			[]stream{{0, "5156", bytes("a", "100")}, {time.Minute, "5156", bytes("a", "1000")}, {2 * time.Minute, "5156", bytes("a", "200")},
				{3 * time.Minute, "5156", bytes("a", "300")}, {4 * time.Minute, "5156", bytes("a", "400")}},
			[]string{"[0 1 2 3 4]@4{SourceAddress=a}=300"},
		},
		{
			"temporal: all rules in any order within the window",
			corrRule("temporal", "failed_logon, logon, share", "IpAddress", "5m", ""),
			[]stream{{0, "5140", ip("1.1.1.1")}, {time.Minute, "4625", ip("1.1.1.1")}, {2 * time.Minute, "4624", ip("2.2.2.2")},
				{3 * time.Minute, "4624", ip("1.1.1.1")}},
			[]string{"[0 1 3]@3{IpAddress=1.1.1.1}=3"},
		},
		{
			"temporal: too far apart",
			corrRule("temporal", "failed_logon, logon", "IpAddress", "5m", ""),
			[]stream{{0, "4625", ip("1.1.1.1")}, {6 * time.Minute, "4624", ip("1.1.1.1")}},
			nil,
		},
		{
			"temporal extended condition",
			corrRule("temporal", "failed_logon, logon, share", "IpAddress", "5m", "    condition: 'failed_logon and (logon or share)'"),
			[]stream{{0, "4625", ip("1.1.1.1")}, {time.Minute, "5140", ip("1.1.1.1")}},
			[]string{"[0 1]@1{IpAddress=1.1.1.1}=2"},
		},
		{
			"temporal_ordered in order",
			corrRule("temporal_ordered", "failed_logon, logon", "IpAddress", "5m", ""),
			[]stream{{0, "4625", ip("1.1.1.1")}, {time.Minute, "4625", ip("1.1.1.1")}, {2 * time.Minute, "4624", ip("1.1.1.1")}},
			[]string{"[1 2]@2{IpAddress=1.1.1.1}=2"},
		},
		{
			"temporal_ordered out of order: no match",
			corrRule("temporal_ordered", "failed_logon, logon", "IpAddress", "5m", ""),
			[]stream{{0, "4624", ip("1.1.1.1")}, {time.Minute, "4625", ip("1.1.1.1")}},
			nil,
		},
		{
			"aliases group different fields",
			`title: C
id: cccccccc-0000-0000-0000-000000000002
correlation:
    type: temporal
    rules: [failed_logon, traffic]
    group-by: [peer]
    timespan: 5m
    aliases:
        peer:
            failed_logon: IpAddress
            traffic: DestAddress
level: high
`,
			[]stream{{0, "4625", ip("1.1.1.1")}, {time.Minute, "5156", map[string]string{"DestAddress": "9.9.9.9"}},
				{2 * time.Minute, "5156", map[string]string{"DestAddress": "1.1.1.1"}}},
			[]string{"[0 2]@2{peer=1.1.1.1}=2"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runStream(t, c.corr, c.evs)
			if !slices.Equal(got, c.want) {
				t.Errorf("firings %q, want %q", got, c.want)
			}
		})
	}
}

func TestCorrelationGenerate(t *testing.T) {
	for _, generate := range []bool{false, true} {
		corr := corrRule("event_count", "failed_logon", "IpAddress", "5m", fmt.Sprintf("    condition: {gte: 2}\n    generate: %v", generate))
		rules, errs := sigma.Parse("c.yml", []byte(baseRules+"---\n"+corr))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		e := New(Options{})
		e.Load(rules)
		ms := e.Match(secEvent(0, "4625", map[string]string{"IpAddress": "1.1.1.1"}), nil)
		if len(ms) != 1 || ms[0].Rule.Internal == generate {
			t.Errorf("generate %v: base rule internal = %v", generate, len(ms) == 1 && ms[0].Rule.Internal)
		}
	}
}

func TestCorrelationChain(t *testing.T) {
	corr := `title: Many failures
id: cccccccc-0000-0000-0000-000000000010
name: many_failures
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [IpAddress]
    timespan: 10m
    condition: {gte: 2}
---
title: Failures then success
id: cccccccc-0000-0000-0000-000000000011
correlation:
    type: temporal_ordered
    rules: [many_failures, logon]
    group-by: [IpAddress]
    timespan: 10m
level: critical
`
	got := runStream(t, corr, []stream{
		{0, "4625", map[string]string{"IpAddress": "1.1.1.1"}},
		{time.Minute, "4625", map[string]string{"IpAddress": "1.1.1.1"}},
		{2 * time.Minute, "4624", map[string]string{"IpAddress": "1.1.1.1"}},
	})
	// The inner correlation is internal (referenced without generate): only
	// the outer one reports, with every event of the chain.
	want := []string{"[0 1 2]@2{IpAddress=1.1.1.1}=2"}
	if !slices.Equal(got, want) {
		t.Errorf("firings %q, want %q", got, want)
	}
}

func TestLegacyAggregations(t *testing.T) {
	legacy := `title: Legacy count
id: dddddddd-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4625
    timeframe: 5m
    condition: selection | count(TargetUserName) by IpAddress > 2
level: medium
---
title: Legacy near
id: dddddddd-0000-0000-0000-000000000002
logsource: {product: windows, service: security}
detection:
    logon:
        EventID: 4624
    share:
        EventID: 5140
    timeframe: 1m
    condition: logon | near share
level: medium
`
	rules, errs := sigma.Parse("l.yml", []byte(legacy))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e := New(Options{})
	rs := e.Load(rules)
	if len(rs.Errors) > 0 || rs.Legacy != 2 {
		t.Fatalf("errors %v legacy %d", rs.Errors, rs.Legacy)
	}
	c := NewCorrelator(nil)
	var got []string
	evs := []*event.Event{
		secEvent(0, "4625", map[string]string{"IpAddress": "1.1.1.1", "TargetUserName": "a"}),
		secEvent(time.Minute, "4625", map[string]string{"IpAddress": "1.1.1.1", "TargetUserName": "b"}),
		secEvent(2*time.Minute, "4624", map[string]string{"IpAddress": "1.1.1.1"}),
		secEvent(2*time.Minute+10*time.Second, "5140", map[string]string{"IpAddress": "1.1.1.1"}),
		secEvent(3*time.Minute, "4625", map[string]string{"IpAddress": "1.1.1.1", "TargetUserName": "c"}),
	}
	for i, ev := range evs {
		ms := e.Match(ev, nil)
		for _, m := range ms {
			if !m.Rule.Internal {
				t.Errorf("legacy base rule %s reported a match of its own", m.Rule.Title)
			}
		}
		for _, cm := range c.Feed(int64(i), ms, nil) {
			got = append(got, cm.Rule.Title+" "+describe(cm))
		}
	}
	want := []string{"Legacy near [2 3]@3=2", "Legacy count [0 1 4]@4{IpAddress=1.1.1.1}=3"}
	if !slices.Equal(got, want) {
		t.Errorf("firings %q, want %q", got, want)
	}
}

// TestCorrelationClock dates events without timestamps by the clock and
// closes windows when the clock is advanced.
func TestCorrelationClock(t *testing.T) {
	corr := corrRule("event_count", "failed_logon", "IpAddress", "5m", "    condition: {lte: 1}")
	rules, _ := sigma.Parse("c.yml", []byte(baseRules+"---\n"+corr))
	clk := testutil.NewFakeClock(t0)
	e := New(Options{Clock: clk})
	e.Load(rules)
	c := NewCorrelator(clk)
	ms := e.Match(secEvent(-1, "4625", map[string]string{"IpAddress": "1.1.1.1"}), nil)
	if len(ms) != 1 || !ms[0].Time.Equal(t0) {
		t.Fatalf("match %+v", ms)
	}
	if got := c.Feed(0, ms, nil); len(got) != 0 {
		t.Fatalf("decided before the window closed: %v", got)
	}
	if got := c.Advance(clk.Advance(4*time.Minute), nil); len(got) != 0 {
		t.Fatalf("decided before the window closed: %v", got)
	}
	got := c.Advance(clk.Advance(2*time.Minute), nil)
	if len(got) != 1 || got[0].Value != 1 || got[0].Seq != -1 {
		t.Fatalf("window close: %+v", got)
	}
}

// TestCorrelationSurvivesReload keeps the window of an unchanged
// correlation across a rule set swap.
func TestCorrelationSurvivesReload(t *testing.T) {
	corr := corrRule("event_count", "failed_logon", "IpAddress", "5m", "    condition: {gte: 2}")
	rules, _ := sigma.Parse("c.yml", []byte(baseRules+"---\n"+corr))
	e := New(Options{})
	e.Load(rules)
	c := NewCorrelator(nil)
	ev := func(at time.Duration) *event.Event {
		return secEvent(at, "4625", map[string]string{"IpAddress": "1.1.1.1"})
	}
	if got := c.Feed(0, e.Match(ev(0), nil), nil); len(got) != 0 {
		t.Fatal(got)
	}
	rules2, _ := sigma.Parse("c.yml", []byte(baseRules+"---\n"+corr))
	e.Load(rules2)
	if got := c.Feed(1, e.Match(ev(time.Minute), nil), nil); len(got) != 1 {
		t.Fatalf("window lost across reload: %v", got)
	}
}

// TestCorrelationTenantsDoNotMix keeps the windows of two hospitals apart
// even when the grouped values are equal.
func TestCorrelationTenantsDoNotMix(t *testing.T) {
	corr := corrRule("event_count", "failed_logon", "IpAddress", "5m", "    condition: {gte: 2}")
	rules, _ := sigma.Parse("c.yml", []byte(baseRules+"---\n"+corr))
	e := New(Options{})
	e.Load(rules)
	c := NewCorrelator(nil)
	ev := func(tenant string, at time.Duration) *event.Event {
		x := secEvent(at, "4625", map[string]string{"IpAddress": "10.0.0.1"})
		x.Set(event.OrganizationID, tenant)
		return x
	}
	var got []CorrelationMatch
	got = c.Feed(0, e.Match(ev("hospital-a", 0), nil), got)
	got = c.Feed(1, e.Match(ev("hospital-b", time.Minute), nil), got)
	if len(got) != 0 {
		t.Fatalf("tenants mixed: %+v", got)
	}
	got = c.Feed(2, e.Match(ev("hospital-b", 2*time.Minute), nil), got)
	if len(got) != 1 || got[0].Tenant != "hospital-b" || describe(got[0]) != "[1 2]@2{IpAddress=10.0.0.1}=2" {
		t.Fatalf("firing %+v", got)
	}
}
