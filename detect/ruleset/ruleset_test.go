package ruleset

import (
	"testing"
	"time"

	"bianque"
	"bianque/detect"
	"bianque/detect/sigma"
	"bianque/event"
	"bianque/internal/testutil"
)

const baseDocs = `title: Whoami
id: 10000000-0000-0000-0000-000000000001
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\whoami.exe'}
    condition: sel
level: medium
tags: [attack.discovery, attack.t1033]
---
title: Net user
id: 10000000-0000-0000-0000-000000000002
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\net.exe'}
    condition: sel
level: low
tags: [attack.t1087.001]
`

const huntingDoc = `title: Any cmd (hunting)
id: 10000000-0000-0000-0000-000000000003
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\cmd.exe'}
    condition: sel
level: informational
`

func proc(tenant, image string) *event.Event {
	return event.FromMap(map[string]any{
		"organization": map[string]any{"id": tenant},
		"Event": map[string]any{
			"System":    map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "1"},
			"EventData": map[string]any{"Image": image},
		},
	})
}

func setup(t *testing.T) (*Manager, *detect.Engine, *testutil.FakeClock) {
	t.Helper()
	base, errs := sigma.Parse("base.yml", []byte(baseDocs))
	hunting, errs2 := sigma.Parse("hunting.yml", []byte(huntingDoc))
	if len(errs)+len(errs2) > 0 {
		t.Fatal(errs, errs2)
	}
	clk := testutil.NewFakeClock(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	e := detect.New(detect.Options{Clock: clk})
	m := New(e, clk)
	if errs := m.SetBase(append(base, hunting...), []string{"10000000-0000-0000-0000-000000000003"}); len(errs) > 0 {
		t.Fatal(errs)
	}
	return m, e, clk
}

// decided returns rule ID -> level for the matches the tenant keeps.
func decided(m *Manager, e *detect.Engine, tenant, image string) map[string]bianque.AlertLevel {
	out := map[string]bianque.AlertLevel{}
	for _, mt := range e.Match(proc(tenant, image), nil) {
		if d := m.Decide(tenant, mt.Rule); d.Enabled {
			out[mt.Rule.ID[len(mt.Rule.ID)-1:]] = d.Level
		}
	}
	return out
}

func TestTenantConfig(t *testing.T) {
	m, e, _ := setup(t)
	if got := decided(m, e, "a", `C:\whoami.exe`); got["1"] != bianque.LevelMedium {
		t.Fatalf("default: %v", got)
	}
	if err := m.SetConfig(bianque.RuleConfig{TenantID: "a", Disabled: []string{"10000000-0000-0000-0000-000000000001"},
		Levels: map[string]bianque.AlertLevel{"10000000-0000-0000-0000-000000000002": bianque.LevelHigh}}); err != nil {
		t.Fatal(err)
	}
	if got := decided(m, e, "a", `C:\whoami.exe`); len(got) != 0 {
		t.Errorf("disabled rule still decided: %v", got)
	}
	if got := decided(m, e, "b", `C:\whoami.exe`); got["1"] != bianque.LevelMedium {
		t.Errorf("other tenant affected: %v", got)
	}
	if got := decided(m, e, "a", `C:\net.exe`); got["2"] != bianque.LevelHigh {
		t.Errorf("level override: %v", got)
	}
	// Reserved rules are off unless enabled.
	if got := decided(m, e, "a", `C:\cmd.exe`); len(got) != 0 {
		t.Errorf("reserved rule ran: %v", got)
	}
	m.SetConfig(bianque.RuleConfig{TenantID: "b", Enabled: []string{"10000000-0000-0000-0000-000000000003"}})
	if got := decided(m, e, "b", `C:\cmd.exe`); got["3"] != bianque.LevelInformational {
		t.Errorf("enabled reserved rule: %v", got)
	}
	if err := m.SetConfig(bianque.RuleConfig{TenantID: "c", Levels: map[string]bianque.AlertLevel{"x": "severe"}}); err == nil {
		t.Error("a bad level was accepted")
	}
}

func TestCustomRules(t *testing.T) {
	m, e, _ := setup(t)
	custom := `title: Hospital PACS tool misuse
id: 20000000-0000-0000-0000-000000000001
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\dcmsend.exe'}
    condition: sel
level: high
`
	infos, err := m.SetCustomRules("a", []byte(custom))
	if err != nil || len(infos) != 1 {
		t.Fatalf("SetCustomRules: %v %v", infos, err)
	}
	if got := decided(m, e, "a", `C:\dcmsend.exe`); got["1"] != bianque.LevelHigh {
		t.Errorf("custom rule for its tenant: %v", got)
	}
	if got := decided(m, e, "b", `C:\dcmsend.exe`); len(got) != 0 {
		t.Errorf("custom rule of a for b: %v", got)
	}
	if _, err := m.SetCustomRules("b", []byte(custom)); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Errorf("another tenant reusing the id: %v", err)
	}
	clash := "title: x\nid: 10000000-0000-0000-0000-000000000001\nlogsource: {product: windows}\ndetection: {s: {a: b}, condition: s}\n"
	if _, err := m.SetCustomRules("a", []byte(clash)); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Errorf("a built-in id: %v", err)
	}
	broken := "title: x\nid: 20000000-0000-0000-0000-000000000009\nlogsource: {product: windows}\ndetection: {s: {a|nope: b}, condition: s}\n"
	if _, err := m.SetCustomRules("a", []byte(broken)); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Errorf("a broken rule: %v", err)
	}
	// The failed change left the working custom rule in place.
	if got := decided(m, e, "a", `C:\dcmsend.exe`); got["1"] != bianque.LevelHigh {
		t.Errorf("after a rejected change: %v", got)
	}
	if _, err := m.SetCustomRules("a", nil); err != nil {
		t.Fatal(err)
	}
	if got := decided(m, e, "a", `C:\dcmsend.exe`); len(got) != 0 {
		t.Errorf("removed custom rule still matches: %v", got)
	}
}

func TestProtectionPeriod(t *testing.T) {
	m, e, clk := setup(t)
	start := clk.Now().Add(24 * time.Hour)
	p := bianque.ProtectionPeriod{
		ID: "p1", TenantID: "a", Name: "National exam week",
		PreparationStart: start, LiveStart: start.Add(48 * time.Hour), ClosingStart: start.Add(96 * time.Hour), End: start.Add(120 * time.Hour),
		ExtraRules: []string{"10000000-0000-0000-0000-000000000003"},
		LevelRaise: map[bianque.ProtectionPhase]int{bianque.PhaseLive: 1},
		MinLevel:   bianque.LevelMedium,
	}
	if err := m.SetProtectionPeriod(p); err != nil {
		t.Fatal(err)
	}
	bad := p
	bad.ID, bad.End = "p2", bad.LiveStart
	if err := m.SetProtectionPeriod(bad); err == nil {
		t.Error("a period ending before its closing phase was accepted")
	}
	check := func(when string, image string, want map[string]bianque.AlertLevel) {
		t.Helper()
		got := decided(m, e, "a", image)
		if len(got) != len(want) {
			t.Errorf("%s %s: %v, want %v", when, image, got, want)
			return
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: %v, want %v", when, image, got, want)
			}
		}
	}
	check("before", `C:\cmd.exe`, nil)
	check("before", `C:\whoami.exe`, map[string]bianque.AlertLevel{"1": bianque.LevelMedium})
	clk.Set(start.Add(time.Hour)) // preparation
	check("preparation", `C:\cmd.exe`, map[string]bianque.AlertLevel{"3": bianque.LevelInformational})
	check("preparation", `C:\whoami.exe`, map[string]bianque.AlertLevel{"1": bianque.LevelMedium})
	clk.Set(start.Add(50 * time.Hour)) // live: +1 level, at least medium
	check("live", `C:\whoami.exe`, map[string]bianque.AlertLevel{"1": bianque.LevelHigh})
	check("live", `C:\net.exe`, map[string]bianque.AlertLevel{"2": bianque.LevelMedium})
	check("live", `C:\cmd.exe`, map[string]bianque.AlertLevel{"3": bianque.LevelMedium})
	if d := m.Decide("a", e.Rules().Rules()[0]); d.Phase != bianque.PhaseLive || d.Period.ID != "p1" {
		t.Errorf("decision %+v", d)
	}
	if got := decided(m, e, "b", `C:\whoami.exe`); got["1"] != bianque.LevelMedium {
		t.Errorf("other tenant raised: %v", got)
	}
	clk.Set(start.Add(100 * time.Hour)) // closing
	check("closing", `C:\whoami.exe`, map[string]bianque.AlertLevel{"1": bianque.LevelMedium})
	clk.Set(start.Add(121 * time.Hour)) // after
	check("after", `C:\cmd.exe`, nil)
	if n := len(m.Effective("a")); n != 2 {
		t.Errorf("effective rules after the period: %d, want 2", n)
	}
	clk.Set(start.Add(time.Hour))
	if n := len(m.Effective("a")); n != 3 {
		t.Errorf("effective rules during the period: %d, want 3", n)
	}
}

func customDoc(id, title, image string) string {
	return "title: " + title + "\nid: " + id + "\nlogsource: {product: windows, category: process_creation}\n" +
		"detection:\n    sel: {Image|endswith: '" + image + "'}\n    condition: sel\nlevel: high\n"
}

// Custom rule files: a check reports every problem with its file and line
// and installs nothing; a clean set installs for its tenant only; loading
// every tenant's files at once keeps a broken tenant's previous rules.
func TestCustomRuleFiles(t *testing.T) {
	m, e, _ := setup(t)
	good := CustomFile{Name: "his.yml", Content: customDoc("c0000000-0000-0000-0000-000000000001", "HIS dump", `\hisdump.exe`)}
	infos, problems := m.CheckCustomRules("t1", []CustomFile{good})
	if len(problems) != 0 || len(infos) != 1 || infos[0].Title != "HIS dump" {
		t.Fatalf("check of a good file: %v %v", infos, problems)
	}
	if got := decided(m, e, "t1", `C:\x\hisdump.exe`); len(got) != 0 {
		t.Fatalf("a check installed rules: %v", got)
	}
	broken := CustomFile{Name: "broken.yml", Content: "title: Broken\nid: c0000000-0000-0000-0000-000000000002\nlogsource: {product: windows}\n" +
		"detection:\n    sel: {Image|bogus: x}\n    condition: sel and other\n"}
	clash := CustomFile{Name: "clash.yml", Content: customDoc("10000000-0000-0000-0000-000000000001", "Clash", `\x.exe`)}
	_, problems = m.CheckCustomRules("t1", []CustomFile{good, broken, clash})
	if len(problems) < 2 {
		t.Fatalf("problems %v", problems)
	}
	var sawBroken, sawClash bool
	for _, p := range problems {
		sawBroken = sawBroken || (p.File == "broken.yml" && p.Reason != "")
		sawClash = sawClash || (p.File == "clash.yml" && p.Rule == "10000000-0000-0000-0000-000000000001")
	}
	if !sawBroken || !sawClash {
		t.Fatalf("problems do not name the files: %v", problems)
	}
	if _, err := m.SetCustomRuleFiles("t1", []CustomFile{good, clash}); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("installing a clash: %v", err)
	}
	if _, err := m.SetCustomRuleFiles("t1", []CustomFile{good}); err != nil {
		t.Fatal(err)
	}
	if got := decided(m, e, "t1", `C:\x\hisdump.exe`); got["1"] != bianque.LevelHigh {
		t.Fatalf("t1's custom rule: %v", got)
	}
	if got := decided(m, e, "t2", `C:\x\hisdump.exe`); len(got) != 0 {
		t.Fatalf("t2 runs t1's custom rule: %v", got)
	}
	if m.Owner("c0000000-0000-0000-0000-000000000001") != "t1" || m.CustomCount() != 1 {
		t.Fatalf("owner %q count %d", m.Owner("c0000000-0000-0000-0000-000000000001"), m.CustomCount())
	}
	// Another tenant may not take the ID.
	if _, problems := m.CheckCustomRules("t2", []CustomFile{good}); len(problems) != 1 || problems[0].Rule != "c0000000-0000-0000-0000-000000000001" {
		t.Fatalf("t2 reusing t1's id: %v", problems)
	}
	// All at once: t2 gets a rule, t1's broken set keeps its old rules, t3 (absent) loses nothing it had.
	t2 := CustomFile{Name: "t2.yml", Content: customDoc("c0000000-0000-0000-0000-000000000009", "T2 tool", `\t2tool.exe`)}
	failed := m.SetAllCustomRules(map[string][]CustomFile{"t1": {broken}, "t2": {t2}})
	if len(failed) != 1 || failed["t1"] == nil {
		t.Fatalf("failed %v", failed)
	}
	if got := decided(m, e, "t1", `C:\x\hisdump.exe`); got["1"] != bianque.LevelHigh {
		t.Fatalf("t1 lost its rules to a broken update: %v", got)
	}
	if got := decided(m, e, "t2", `C:\x\t2tool.exe`); got["9"] != bianque.LevelHigh {
		t.Fatalf("t2's rule: %v", got)
	}
	failed = m.SetAllCustomRules(map[string][]CustomFile{"t2": {t2}})
	if len(failed) != 0 || m.Owner("c0000000-0000-0000-0000-000000000001") != "" {
		t.Fatalf("t1 absent: its rules should be gone (%v)", failed)
	}
}

// Replacing configurations and periods from the store: tenants absent go
// back to defaults, invalid entries are reported and skipped.
func TestReplaceConfigsAndPeriods(t *testing.T) {
	m, e, clk := setup(t)
	errs := m.ReplaceConfigs([]*bianque.RuleConfig{
		{TenantID: "t1", Disabled: []string{"10000000-0000-0000-0000-000000000001"}},
		{TenantID: "t2", Levels: map[string]bianque.AlertLevel{"x": "bogus"}},
	})
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	if got := decided(m, e, "t1", `C:\w\whoami.exe`); len(got) != 0 {
		t.Fatalf("disabled rule runs: %v", got)
	}
	now := clk.Now()
	errs = m.ReplaceProtectionPeriods([]*bianque.ProtectionPeriod{
		{ID: "p1", TenantID: "t3", Name: "live", PreparationStart: now.Add(-time.Hour), LiveStart: now.Add(-time.Minute),
			ClosingStart: now.Add(time.Hour), End: now.Add(2 * time.Hour), ExtraRules: []string{"10000000-0000-0000-0000-000000000003"},
			LevelRaise: map[bianque.ProtectionPhase]int{bianque.PhaseLive: 2}},
		{ID: "bad", TenantID: "t3", Name: "bad"},
	})
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	if got := decided(m, e, "t3", `C:\w\cmd.exe`); got["3"] != bianque.LevelMedium {
		t.Fatalf("period's extra rule with two steps up: %v", got)
	}
	m.ReplaceConfigs(nil)
	m.ReplaceProtectionPeriods(nil)
	if got := decided(m, e, "t1", `C:\w\whoami.exe`); got["1"] != bianque.LevelMedium {
		t.Fatalf("after replacing with nothing: %v", got)
	}
	if got := decided(m, e, "t3", `C:\w\cmd.exe`); len(got) != 0 {
		t.Fatalf("the period outlived its removal: %v", got)
	}
}
