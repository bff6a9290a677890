package detector

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/detect"
	"bianque/detect/alert"
	"bianque/detect/attack"
	"bianque/detect/ruleset"
	"bianque/event"
	"bianque/internal/testutil"
	"bianque/sqlite"
	"bianque/storetest"
)

const (
	ruleFailedLogon = "30000000-0000-0000-0000-000000000001"
	ruleBurst       = "30000000-0000-0000-0000-000000000002"
	ruleHunting     = "30000000-0000-0000-0000-000000000003"
	ruleCustom      = "c0000000-0000-0000-0000-000000000001"
)

const baseRules = `title: Failed logon
id: 30000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
level: high
tags: [attack.credential-access, attack.t1110.001]
---
title: Burst of failed logons
id: 30000000-0000-0000-0000-000000000002
correlation:
    type: event_count
    rules: [30000000-0000-0000-0000-000000000001]
    group-by: [IpAddress]
    timespan: 5m
    condition: {gte: 20}
    generate: true
level: critical
tags: [attack.credential-access, attack.t1110]
`

const huntingRules = `title: Whoami (hunting)
id: 30000000-0000-0000-0000-000000000003
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\whoami.exe'}
    condition: selection
level: low
tags: [attack.discovery, attack.t1033]
`

const customRule = `title: HIS database dump
id: c0000000-0000-0000-0000-000000000001
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\hisdump.exe'}
    condition: selection
level: medium
tags: [attack.collection, attack.t1005]
`

var t0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func logonFailure(ip string, at time.Time) *event.Event {
	return event.FromMap(map[string]any{
		"Event": map[string]any{
			"System": map[string]any{"Channel": "Security", "EventID": "4625", "Computer": "his-db01.hospital.local",
				"TimeCreated": map[string]any{"SystemTime": at.Format(time.RFC3339Nano)}},
			"EventData": map[string]any{"IpAddress": ip, "IpPort": "51515", "TargetUserName": "administrator", "WorkstationName": "KALI"},
		},
	})
}

func process(image string, at time.Time) *event.Event {
	return event.FromMap(map[string]any{
		"Event": map[string]any{
			"System": map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "1", "Computer": "ward-pc7",
				"TimeCreated": map[string]any{"SystemTime": at.Format(time.RFC3339Nano)}},
			"EventData": map[string]any{"Image": image, "User": "WARD\\nurse"},
		},
	})
}

// tickets records the threat tickets a detector opens.
type tickets struct {
	mu     sync.Mutex
	alerts []string
}

func (k *tickets) OpenThreatTicket(_ context.Context, a *bianque.Alert) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.alerts = append(k.alerts, a.ID)
	return fmt.Sprintf("ticket-%d", len(k.alerts)), nil
}

func (k *tickets) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.alerts)
}

type env struct {
	st      *sqlite.DB
	clk     *testutil.FakeClock
	dir     string
	tickets *tickets
	a, b    *bianque.Tenant
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := testutil.NewFakeClock(t0)
	e := &env{st: storetest.NewSQLite(t, sqlite.WithClock(clk)), clk: clk, dir: t.TempDir(), tickets: &tickets{}}
	for _, d := range []string{"base", "hunting"} {
		if err := os.MkdirAll(filepath.Join(e.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(e.dir, "base", "logon.yml"), baseRules)
	write(t, filepath.Join(e.dir, "hunting", "whoami.yml"), huntingRules)
	for i, code := range []string{"hosp-a", "hosp-b"} {
		now := clk.Now()
		tn := &bianque.Tenant{ID: bianque.NewIDAt(now), Code: code, Name: code, Contract: bianque.DefaultContract(), CreatedAt: now, UpdatedAt: now}
		if err := e.st.CreateTenant(context.Background(), tn); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.a = tn
		} else {
			e.b = tn
		}
	}
	return e
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (e *env) detector(t *testing.T, matrix *attack.Matrix) *Detector {
	t.Helper()
	d, err := New(Config{
		Sources: []ruleset.Source{{Path: filepath.Join(e.dir, "base")}, {Path: filepath.Join(e.dir, "hunting"), Reserved: true}},
		Store:   e.st, Tickets: e.tickets, Clock: e.clk, Matrix: matrix, Node: "test",
		Alerts: alert.Config{Window: 10 * time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

func (e *env) alerts(t *testing.T, tenant string) []*bianque.Alert {
	t.Helper()
	list, _, err := e.st.Alerts(context.Background(), bianque.AlertFilter{TenantIDs: []string{tenant}, Page: bianque.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func byRule(list []*bianque.Alert, rule string) []*bianque.Alert {
	var out []*bianque.Alert
	for _, a := range list {
		if a.RuleID == rule {
			out = append(out, a)
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The pipeline's view: batches of one tenant's events become alerts in the
// store, repeats fold into one alert with a count and a trend, a high
// alert opens one threat ticket, a correlation fires on the burst, and
// another tenant's events and alerts stay apart.
func TestDetectBatches(t *testing.T) {
	e := newEnv(t)
	d := e.detector(t, nil)
	ctx := context.Background()
	var batch []*event.Event
	for i := range 12 {
		batch = append(batch, logonFailure("203.0.113.7", t0.Add(time.Duration(i)*10*time.Second)))
	}
	must(t, d.Detect(ctx, e.a.ID, batch[:6]))
	must(t, d.Detect(ctx, e.a.ID, batch[6:]))
	must(t, d.Detect(ctx, e.b.ID, []*event.Event{logonFailure("198.51.100.1", t0)}))

	as := byRule(e.alerts(t, e.a.ID), ruleFailedLogon)
	if len(as) != 1 {
		t.Fatalf("A has %d failed-logon alerts, want 1 (folded)", len(as))
	}
	a := as[0]
	if a.Count != 12 || a.Attacker.IP != "203.0.113.7" || a.Victim.Host != "his-db01.hospital.local" || a.Level != bianque.LevelHigh ||
		!slices.Contains(a.Techniques, "T1110.001") || a.Category != "brute_force" || len(a.Reason) == 0 || len(a.Trend) != 2 {
		t.Fatalf("alert %+v", a)
	}
	if a.TicketID != "ticket-1" || e.tickets.count() != 2 { // A's alert and B's
		t.Fatalf("ticket %q, %d tickets opened", a.TicketID, e.tickets.count())
	}
	if bs := e.alerts(t, e.b.ID); len(bs) != 1 || bs[0].Attacker.IP != "198.51.100.1" {
		t.Fatalf("B's alerts %+v", bs)
	}
	// The burst: 20 failures within 5 minutes fire the correlation.
	var more []*event.Event
	for i := 12; i < 20; i++ {
		more = append(more, logonFailure("203.0.113.7", t0.Add(time.Duration(i)*10*time.Second)))
	}
	must(t, d.Detect(ctx, e.a.ID, more))
	burst := byRule(e.alerts(t, e.a.ID), ruleBurst)
	if len(burst) != 1 || burst[0].Kind != bianque.AlertCorrelation || burst[0].Level != bianque.LevelCritical || len(burst[0].Events) == 0 {
		t.Fatalf("burst alerts %+v", burst)
	}
	st := d.Stats()
	if st.Events != 21 || st.Alerts != 3 || st.Folded < 2 {
		t.Fatalf("stats %+v", st)
	}
	// The reserved hunting rule does not run by default.
	must(t, d.Detect(ctx, e.a.ID, []*event.Event{process(`C:\Windows\System32\whoami.exe`, t0)}))
	if n := len(byRule(e.alerts(t, e.a.ID), ruleHunting)); n != 0 {
		t.Fatalf("a reserved rule raised %d alerts", n)
	}
}

// Settings made in the store (on any node) apply after a sync: disabling,
// level overrides, a protection period with its extra rules and raise,
// custom rules for their tenant only, indicators, suppressions.
func TestStoreChangesApply(t *testing.T) {
	e := newEnv(t)
	d := e.detector(t, nil)
	ctx := context.Background()
	rs := e.st

	// Level override, then disable.
	_, err := rs.UpdateRuleConfig(ctx, e.a.ID, func(c *bianque.RuleConfig) error {
		c.Levels = map[string]bianque.AlertLevel{ruleFailedLogon: bianque.LevelLow}
		return nil
	})
	must(t, err)
	must(t, d.Refresh(ctx))
	must(t, d.Detect(ctx, e.a.ID, []*event.Event{logonFailure("203.0.113.7", t0)}))
	if as := byRule(e.alerts(t, e.a.ID), ruleFailedLogon); len(as) != 1 || as[0].Level != bianque.LevelLow || as[0].TicketID != "" {
		t.Fatalf("overridden level: %+v", as)
	}
	_, err = rs.UpdateRuleConfig(ctx, e.a.ID, func(c *bianque.RuleConfig) error {
		c.Disabled = []string{ruleFailedLogon}
		return nil
	})
	must(t, err)
	must(t, d.Refresh(ctx))
	must(t, d.Detect(ctx, e.a.ID, []*event.Event{logonFailure("203.0.113.8", t0)}))
	if as := byRule(e.alerts(t, e.a.ID), ruleFailedLogon); len(as) != 1 {
		t.Fatalf("a disabled rule raised an alert: %d", len(as))
	}

	// A protection period in its live phase: the reserved rule runs, two steps up.
	p := &bianque.ProtectionPeriod{TenantID: e.a.ID, Name: "重保", PreparationStart: t0.Add(-2 * time.Hour), LiveStart: t0.Add(-time.Hour),
		ClosingStart: t0.Add(24 * time.Hour), End: t0.Add(48 * time.Hour), ExtraRules: []string{ruleHunting},
		LevelRaise: map[bianque.ProtectionPhase]int{bianque.PhaseLive: 2}}
	must(t, rs.PutProtectionPeriod(ctx, p))
	must(t, d.Refresh(ctx))
	must(t, d.Detect(ctx, e.a.ID, []*event.Event{process(`C:\Windows\System32\whoami.exe`, t0)}))
	must(t, d.Detect(ctx, e.b.ID, []*event.Event{process(`C:\Windows\System32\whoami.exe`, t0)}))
	h := byRule(e.alerts(t, e.a.ID), ruleHunting)
	if len(h) != 1 || h[0].Level != bianque.LevelHigh || h[0].ProtectionPeriodID != p.ID {
		t.Fatalf("protection period alert %+v", h)
	}
	if n := len(byRule(e.alerts(t, e.b.ID), ruleHunting)); n != 0 {
		t.Fatalf("A's protection period ran for B")
	}

	// A custom rule of A.
	must(t, rs.PutCustomRule(ctx, &bianque.CustomRule{TenantID: e.a.ID, Name: "his.yml", Content: customRule}))
	must(t, d.Refresh(ctx))
	must(t, d.Detect(ctx, e.a.ID, []*event.Event{process(`D:\tools\hisdump.exe`, t0)}))
	must(t, d.Detect(ctx, e.b.ID, []*event.Event{process(`D:\tools\hisdump.exe`, t0)}))
	if len(byRule(e.alerts(t, e.a.ID), ruleCustom)) != 1 || len(byRule(e.alerts(t, e.b.ID), ruleCustom)) != 0 {
		t.Fatalf("custom rule: A %d, B %d", len(byRule(e.alerts(t, e.a.ID), ruleCustom)), len(byRule(e.alerts(t, e.b.ID), ruleCustom)))
	}

	// Indicators: the platform's reach every tenant, B's own only B.
	_, err = rs.UpsertIndicators(ctx, []*bianque.Indicator{
		{Type: bianque.IndicatorIP, Value: "203.0.113.66", Confidence: 90, Source: "provider", Tags: []string{"apt-x"}},
		{TenantID: e.b.ID, Type: bianque.IndicatorIP, Value: "203.0.113.77", Confidence: 90, Source: "b-isac"},
	})
	must(t, err)
	must(t, d.Refresh(ctx))
	if d.Status().Indicators != 2 {
		t.Fatalf("indicators loaded: %d", d.Status().Indicators)
	}
	conn := func(dst string) *event.Event {
		return event.FromMap(map[string]any{"@timestamp": t0.Format(time.RFC3339), "event": map[string]any{"category": "network"},
			"source": map[string]any{"ip": "10.1.2.3"}, "destination": map[string]any{"ip": dst, "port": 443}})
	}
	must(t, d.Detect(ctx, e.a.ID, []*event.Event{conn("203.0.113.66"), conn("203.0.113.77")}))
	var ioc []*bianque.Alert
	for _, a := range e.alerts(t, e.a.ID) {
		if a.Kind == bianque.AlertIndicator {
			ioc = append(ioc, a)
		}
	}
	if len(ioc) != 1 || ioc[0].RuleID != "ioc:ip:203.0.113.66" || ioc[0].Level != bianque.LevelHigh || !slices.Contains(ioc[0].Tags, "apt-x") {
		t.Fatalf("indicator alerts of A %+v", ioc)
	}

	// A suppression silences the next occurrence.
	_, err = rs.UpdateRuleConfig(ctx, e.a.ID, func(c *bianque.RuleConfig) error { c.Disabled = nil; c.Levels = nil; return nil })
	must(t, err)
	must(t, rs.CreateSuppression(ctx, &bianque.Suppression{TenantID: e.a.ID, RuleID: ruleFailedLogon, Match: map[string]string{"attacker.ip": "192.0.2.0/24"},
		Reason: "vulnerability scanner", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}))
	must(t, d.Refresh(ctx))
	before := d.Stats().Suppressed
	must(t, d.Detect(ctx, e.a.ID, []*event.Event{logonFailure("192.0.2.10", t0.Add(time.Minute))}))
	if d.Stats().Suppressed != before+1 {
		t.Fatalf("suppression not applied: %+v", d.Stats())
	}
	for _, a := range byRule(e.alerts(t, e.a.ID), ruleFailedLogon) {
		if a.Attacker.IP == "192.0.2.10" {
			t.Fatalf("a suppressed occurrence raised an alert")
		}
	}
}

// Two nodes over one store: repeats seen by either fold into one alert,
// one ticket is opened, and a reload asked of one node reaches the other.
func TestTwoNodes(t *testing.T) {
	e := newEnv(t)
	n1, n2 := e.detector(t, nil), e.detector(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, n := range []*Detector{n1, n2} {
		wg.Go(func() {
			for j := range 5 {
				at := t0.Add(time.Duration(i*5+j) * 5 * time.Second)
				if err := n.Detect(ctx, e.a.ID, []*event.Event{logonFailure("203.0.113.7", at)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	as := byRule(e.alerts(t, e.a.ID), ruleFailedLogon)
	if len(as) != 1 || as[0].Count != 10 || e.tickets.count() != 1 {
		t.Fatalf("two nodes: %d alerts, count %d, %d tickets", len(as), as[0].Count, e.tickets.count())
	}
	// A new rule file, reloaded on node 1, reaches node 2 through the store.
	write(t, filepath.Join(e.dir, "base", "new.yml"), strings.ReplaceAll(strings.ReplaceAll(huntingRules, ruleHunting, "30000000-0000-0000-0000-000000000009"),
		"whoami.exe", "certutil.exe"))
	if _, err := n1.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	before := n2.Status().Rules
	must(t, n2.Sync(ctx, false))
	if got := n2.Status().Rules; got != before+1 {
		t.Fatalf("node 2 has %d rules after the reload, had %d", got, before)
	}
	must(t, n2.Detect(ctx, e.a.ID, []*event.Event{process(`C:\Windows\System32\certutil.exe`, t0)}))
	if n := len(byRule(e.alerts(t, e.a.ID), "30000000-0000-0000-0000-000000000009")); n != 1 {
		t.Fatalf("the reloaded rule raised %d alerts on node 2", n)
	}
}

// The tenant's rule list and coverage follow its settings; a custom rule
// check reports problems per file and installs nothing.
func TestViewsCoverageAndCheck(t *testing.T) {
	e := newEnv(t)
	matrix := loadMatrix(t)
	d := e.detector(t, matrix)
	ctx := context.Background()
	views := func(tenant string) map[string]*bianque.RuleView {
		m := map[string]*bianque.RuleView{}
		for _, v := range d.RuleViews(tenant) {
			m[v.ID] = v
		}
		return m
	}
	v := views(e.a.ID)
	if len(v) != 3 || !v[ruleFailedLogon].Enabled || v[ruleHunting].Enabled || !v[ruleHunting].Reserved || !v[ruleBurst].Correlation ||
		v[ruleFailedLogon].Source != "base/logon.yml" || v[ruleFailedLogon].Setting != "default" {
		t.Fatalf("views %+v", v[ruleFailedLogon])
	}
	_, err := e.st.UpdateRuleConfig(ctx, e.a.ID, func(c *bianque.RuleConfig) error {
		c.Enabled = []string{ruleHunting}
		c.Disabled = []string{ruleFailedLogon}
		c.Levels = map[string]bianque.AlertLevel{ruleBurst: bianque.LevelMedium}
		return nil
	})
	must(t, err)
	must(t, e.st.PutCustomRule(ctx, &bianque.CustomRule{TenantID: e.b.ID, Name: "b.yml", Content: customRule}))
	must(t, d.Refresh(ctx))
	v = views(e.a.ID)
	if !v[ruleHunting].Enabled || v[ruleHunting].Setting != "enabled" || v[ruleFailedLogon].Enabled || v[ruleFailedLogon].Setting != "disabled" ||
		v[ruleBurst].EffectiveLevel != bianque.LevelMedium || v[ruleBurst].LevelOverride != bianque.LevelMedium || v[ruleCustom] != nil {
		t.Fatalf("A's views after settings: hunting %+v", v[ruleHunting])
	}
	if vb := views(e.b.ID); vb[ruleCustom] == nil || !vb[ruleCustom].Custom || vb[ruleCustom].Source != "custom/b.yml" {
		t.Fatalf("B's custom rule in its view: %+v", vb[ruleCustom])
	}

	cov := d.Coverage(e.a.ID)
	covered := map[string][]string{}
	for _, tc := range cov.ByTactic {
		for _, it := range tc.Items {
			if len(it.Rules) > 0 {
				covered[it.ID] = it.Rules
			}
		}
	}
	// A: the hunting rule (T1033) and the burst (T1110); the failed-logon rule is disabled.
	if cov.Rules != 2 || cov.Covered != 2 || !slices.Equal(covered["T1033"], []string{ruleHunting}) || !slices.Equal(covered["T1110"], []string{ruleBurst}) {
		t.Fatalf("coverage of A: %d rules, %d covered, %v", cov.Rules, cov.Covered, covered)
	}
	if matrix != nil && (cov.Version == "" || cov.Techniques < 200) {
		t.Fatalf("coverage against the matrix: version %q, %d techniques", cov.Version, cov.Techniques)
	}
	if matrix == nil && (cov.Techniques != 0 || len(cov.ByTactic) != 2) {
		t.Fatalf("coverage without a matrix: %+v", cov)
	}

	good := &bianque.CustomRule{Name: "his.yml", Content: strings.ReplaceAll(customRule, ruleCustom, "c0000000-0000-0000-0000-00000000000a")}
	chk := d.CheckCustomRules(e.a.ID, []*bianque.CustomRule{good})
	if !chk.OK || len(chk.Rules) != 1 || chk.Rules[0].Title != "HIS database dump" {
		t.Fatalf("check %+v", chk)
	}
	bad := &bianque.CustomRule{Name: "bad.yml", Content: "title: Bad\nid: c0000000-0000-0000-0000-00000000000b\nlogsource: {product: windows}\n" +
		"detection:\n    selection: {Image|nosuchmodifier: x}\n    condition: selection\n"}
	chk = d.CheckCustomRules(e.a.ID, []*bianque.CustomRule{good, bad})
	if chk.OK || len(chk.Problems) == 0 || chk.Problems[0].Source != "bad.yml" || !strings.Contains(chk.Problems[0].Reason, "nosuchmodifier") {
		t.Fatalf("check of a broken file %+v", chk)
	}
	clash := &bianque.CustomRule{Name: "clash.yml", Content: customRule} // B owns this ID
	if chk := d.CheckCustomRules(e.a.ID, []*bianque.CustomRule{clash}); chk.OK {
		t.Fatalf("a check allowed B's rule ID for A")
	}
}

// A raw Windows event of SigmaHQ's regression samples, read in place,
// raises the case's rule as an alert through the loaded SigmaHQ
// process-creation rules.
func TestSigmaHQCorpusAlert(t *testing.T) {
	corp := testutil.Corpora(t)
	var cases struct {
		Cases []struct {
			RuleID    string `json:"rule_id"`
			RuleFile  string `json:"rule_file"`
			EventFile string `json:"event_file"`
		} `json:"cases"`
	}
	data, err := os.ReadFile(filepath.Join(corp, "sigma", "cases.json"))
	must(t, err)
	must(t, json.Unmarshal(data, &cases))
	e := newEnv(t)
	d, err := New(Config{Sources: []ruleset.Source{{Path: filepath.Join(corp, "sigma", "rules", "windows", "process_creation")}},
		Store: e.st, Tickets: e.tickets, Clock: e.clk})
	must(t, err)
	must(t, d.Start(context.Background()))
	if d.Status().Rules < 1000 {
		t.Fatalf("%d rules loaded", d.Status().Rules)
	}
	tested := 0
	for _, c := range cases.Cases {
		if !strings.HasPrefix(c.RuleFile, "rules/windows/process_creation/") || tested == 5 {
			continue
		}
		f, err := os.Open(filepath.Join(corp, "sigma", c.EventFile))
		must(t, err)
		var evs []*event.Event
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			ev, err := detect.ParseEvent(sc.Bytes())
			must(t, err)
			evs = append(evs, ev)
		}
		f.Close()
		must(t, d.Detect(context.Background(), e.a.ID, evs))
		if len(byRule(e.alerts(t, e.a.ID), c.RuleID)) != 1 {
			t.Errorf("case %s: no alert of its rule", c.RuleID)
		}
		tested++
	}
	if tested != 5 {
		t.Fatalf("only %d process-creation cases", tested)
	}
}

// loadMatrix reads the ATT&CK table of the corpora when they are present
// (the coverage test checks both ways).
func loadMatrix(t *testing.T) *attack.Matrix {
	t.Helper()
	dir := os.Getenv("BIANQUE_CORPORA")
	if dir == "" {
		dir = filepath.Join(testutil.RepoRoot(), "..", "shared", "corpora")
	}
	f, err := os.Open(filepath.Join(dir, "attack", "enterprise-techniques.json"))
	if err != nil {
		return nil
	}
	defer f.Close()
	m, err := attack.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Reloads while batches are matched: every event is matched by one whole
// rule set or the other, none is lost (the counts of the folded alerts add
// up to the events sent).
func TestReloadDropsNoEvent(t *testing.T) {
	e := newEnv(t)
	d := e.detector(t, nil)
	ctx := context.Background()
	const workers, batches, per = 2, 40, 25
	stop := make(chan struct{})
	reloaded := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				reloaded <- n
				return
			default:
			}
			if _, err := d.LoadRules(); err != nil {
				t.Error(err)
			}
			n++
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				var evs []*event.Event
				for i := range per {
					// One attacker per batch: a new alert per batch, folded per event.
					ip := fmt.Sprintf("198.51.%d.%d", w, b)
					evs = append(evs, logonFailure(ip, t0.Add(time.Duration(i)*time.Second)))
				}
				if err := d.Detect(ctx, e.a.ID, evs); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	if n := <-reloaded; n < 2 {
		t.Fatalf("only %d reloads happened during matching", n)
	}
	total := 0
	for _, a := range byRule(e.alerts(t, e.a.ID), ruleFailedLogon) {
		total += a.Count
	}
	if total != workers*batches*per {
		t.Fatalf("alerts count %d occurrences, %d events were sent", total, workers*batches*per)
	}
}

// BenchmarkDetectBatch: the pipeline's detection stage over SQLite, all
// SigmaHQ process-creation rules loaded, batches of 2,000 events (the
// pipeline's batch), alerts folded into the store. "all-match" loops the
// regression samples' process events (each matches ~1.4 rules: the worst
// case for alerting); "1pct-match" dilutes them 1:99 with the same events
// rewritten to a hospital application's process. Reports events per
// wall-second and per CPU-second (the machine may be shared).
func BenchmarkDetectBatch(b *testing.B) {
	corp := testutil.Corpora(b)
	var samples []*event.Event
	files, _ := filepath.Glob(filepath.Join(corp, "sigma", "cases", "*.jsonl"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if !strings.Contains(line, `"EventID":"1"`) {
				continue
			}
			ev, err := detect.ParseEvent([]byte(line))
			if err != nil {
				b.Fatal(err)
			}
			samples = append(samples, ev)
		}
	}
	benign := func(ev *event.Event) *event.Event {
		c := ev.Clone()
		for k, v := range map[string]string{"Image": `C:\Program Files\HIS\his-client.exe`, "OriginalFileName": "his-client.exe",
			"CommandLine": `"C:\Program Files\HIS\his-client.exe" --ward 7`, "ParentImage": `C:\Windows\explorer.exe`,
			"ParentCommandLine": `C:\Windows\explorer.exe`, "Description": "HIS client", "Product": "HIS", "Company": "Hospital"} {
			c.Set("Event.EventData."+k, v)
		}
		return c
	}
	for _, mix := range []struct {
		name  string
		every int // one sample event in every
	}{{"all-match", 1}, {"1pct-match", 100}} {
		b.Run(mix.name, func(b *testing.B) {
			clk := testutil.NewFakeClock(t0)
			st := storetest.NewSQLite(b, sqlite.WithClock(clk))
			now := clk.Now()
			tn := &bianque.Tenant{ID: bianque.NewIDAt(now), Code: "bench", Name: "bench", Contract: bianque.DefaultContract(), CreatedAt: now, UpdatedAt: now}
			if err := st.CreateTenant(context.Background(), tn); err != nil {
				b.Fatal(err)
			}
			d, err := New(Config{Sources: []ruleset.Source{{Path: filepath.Join(corp, "sigma", "rules", "windows", "process_creation")}}, Store: st, Clock: clk})
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			batch := make([]*event.Event, 2000)
			for i := range batch {
				ev := samples[i%len(samples)]
				if i%mix.every != 0 {
					ev = benign(ev)
				}
				batch[i] = ev.Clone()
			}
			b.ResetTimer()
			cpu := testutil.CPUTime()
			for range b.N {
				if err := d.Detect(context.Background(), tn.ID, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N*len(batch))/(testutil.CPUTime()-cpu).Seconds(), "events/cpu-s")
			st2 := d.Stats()
			b.ReportMetric(float64(st2.Matches)/float64(st2.Events), "matches/event")
		})
	}
}
