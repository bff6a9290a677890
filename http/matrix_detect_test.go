package http_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/detect/alert"
	"bianque/detect/detector"
	"bianque/detect/ruleset"
	"bianque/internal/testutil"
	"bianque/service"
)

// The detection routes in the authorization matrix: alerts, suppressions,
// rules, custom rules, protection periods, indicators and feeds, of a
// hospital and of the platform.

const (
	matrixRule   = "50000000-0000-0000-0000-000000000001"
	matrixRules2 = `title: Failed logon
id: 50000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
level: high
tags: [attack.credential-access, attack.t1110.001]
---
title: Whoami
id: 50000000-0000-0000-0000-000000000002
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\whoami.exe'}
    condition: selection
level: medium
tags: [attack.discovery, attack.t1033]
`
)

// detectionServices runs detection over the store with a small rule directory.
func detectionServices(t testing.TB, st bianque.Store, svc *service.Services, clk *testutil.FakeClock) (*service.AlertService, *service.RuleService, *service.IndicatorService) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(matrixRules2), 0o644); err != nil {
		t.Fatal(err)
	}
	alerts := service.NewAlertService(svc)
	ds, ok := st.(detector.Store)
	if !ok {
		t.Fatalf("%T keeps no detection data", st)
	}
	det, err := detector.New(detector.Config{Sources: []ruleset.Source{{Path: dir}}, Store: ds, Tickets: alerts, Clock: clk,
		Alerts: alert.Config{Window: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if err := det.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	alerts.Detection = det
	return alerts, service.NewRuleService(svc, det), service.NewIndicatorService(svc, det)
}

func (e *matrixEnv) ds() detector.Store { return e.st.(detector.Store) }

// alertIn returns a fresh open alert of the tenant (B's carry the marker).
func (e *matrixEnv) alertIn(foreign bool) *bianque.Alert {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	now := e.clk.Now()
	a := &bianque.Alert{TenantID: tn.ID, Kind: bianque.AlertRule, RuleID: matrixRule, RuleTitle: e.title(foreign, "Failed logon"),
		Level: bianque.LevelHigh, Techniques: []string{"T1110.001"}, Attacker: bianque.Endpoint{IP: "203.0.113.7"},
		Victim: bianque.Endpoint{Host: "his-db01"}, Reason: []string{"selection"}, Count: 1, FirstSeen: now, LastSeen: now,
		DedupKey: e.uniq("k")}
	if err := e.ds().(bianque.AlertStore).CreateAlert(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *matrixEnv) suppressionIn(foreign bool) *bianque.Suppression {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	now := e.clk.Now()
	sp := &bianque.Suppression{TenantID: tn.ID, RuleID: matrixRule, Reason: e.title(foreign, "scanner"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.ds().(bianque.AlertStore).CreateSuppression(context.Background(), sp); err != nil {
		e.t.Fatal(err)
	}
	return sp
}

func (e *matrixEnv) customIn(foreign bool) *bianque.CustomRule {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	c := &bianque.CustomRule{TenantID: tn.ID, Name: e.uniq("f") + ".yml", Content: customDoc(e.uniq("custom"), e.title(foreign, "Custom"))}
	if err := e.ds().PutCustomRule(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func customDoc(id, title string) string {
	return "title: " + title + "\nid: " + id + "\nlogsource: {product: windows, category: process_creation}\n" +
		"detection:\n    selection: {Image|endswith: '\\hisexport.exe'}\n    condition: selection\nlevel: high\n"
}

func (e *matrixEnv) periodBody(foreign bool) map[string]any {
	now := e.clk.Now()
	return map[string]any{"name": e.title(foreign, "重保"), "preparation_start": now.Add(24 * time.Hour), "live_start": now.Add(48 * time.Hour),
		"closing_start": now.Add(72 * time.Hour), "end": now.Add(96 * time.Hour), "extra_rules": []string{matrixRule},
		"level_raise": map[string]int{"live": 1}}
}

func (e *matrixEnv) periodIn(foreign bool) *bianque.ProtectionPeriod {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	now := e.clk.Now()
	p := &bianque.ProtectionPeriod{TenantID: tn.ID, Name: e.title(foreign, "period"), PreparationStart: now, LiveStart: now.Add(time.Hour),
		ClosingStart: now.Add(2 * time.Hour), End: now.Add(3 * time.Hour)}
	if err := e.ds().PutProtectionPeriod(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// indicatorIn returns a fresh indicator of the tenant, or of the platform when platform is set.
func (e *matrixEnv) indicatorIn(foreign, platform bool) *bianque.Indicator {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	in := &bianque.Indicator{TenantID: tn.ID, Type: bianque.IndicatorDomain, Value: e.uniq("evil") + ".example", Source: e.title(foreign, "feed")}
	if platform {
		in.TenantID, in.Source = "", "provider"
	}
	if _, err := e.ds().(bianque.IndicatorStore).UpsertIndicators(context.Background(), []*bianque.Indicator{in}); err != nil {
		e.t.Fatal(err)
	}
	return in
}

func (e *matrixEnv) feedIn(foreign, platform bool) *bianque.IntelFeed {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	f := &bianque.IntelFeed{TenantID: tn.ID, Name: e.title(foreign, e.uniq("feed")), Kind: bianque.FeedMISP, URL: "https://misp.invalid/feed"}
	if platform {
		f.TenantID, f.Name = "", e.uniq("platform feed")
	}
	if err := e.ds().(bianque.IntelFeedStore).CreateIntelFeed(context.Background(), f); err != nil {
		e.t.Fatal(err)
	}
	return f
}

func feedBody(name string) map[string]any {
	return map[string]any{"name": name, "kind": "taxii", "url": "https://taxii.invalid/api1/", "collection": "c1", "username": "u", "password": "p", "every": "1h"}
}

func one(rq request) []request { return []request{rq} }

func init() {
	csv := "type,value,tags\nip,203.0.113.99,scanner\n"
	for id, c := range map[string]caseFunc{
		"alerts.search": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "GET", path: "/api/v1/alerts?level=high&tenant=" + tn.ID})
		},
		"alerts.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.alertIn(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/alerts?min_level=low&technique=T1110&attacker=203.0.113.7")})
		},
		"alerts.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			a := e.alertIn(foreign)
			return one(request{method: "GET", path: "/api/v1/tenants/" + a.TenantID + "/alerts/" + a.ID})
		},
		"alerts.triage": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			path := func() string {
				a := e.alertIn(foreign)
				return "/api/v1/tenants/" + a.TenantID + "/alerts/" + a.ID + "/actions"
			}
			return []request{
				{method: "POST", path: path(), body: map[string]any{"action": "acknowledge", "note": "looking"}},
				{method: "POST", path: path(), body: map[string]any{"action": "confirm", "note": "real"}, perm: bianque.PermTicketTriage},
				{method: "POST", path: path(), body: map[string]any{"action": "false_positive", "note": "scanner", "fields": []string{"attacker.ip"}, "for": "24h"}},
				{method: "POST", path: path(), body: map[string]any{"action": "close"}},
			}
		},
		"suppressions.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.suppressionIn(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/suppressions")})
		},
		"suppressions.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			sp := e.suppressionIn(foreign)
			return one(request{method: "DELETE", path: "/api/v1/tenants/" + sp.TenantID + "/suppressions/" + sp.ID})
		},
		"rules.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/rules?limit=5&enabled=true")})
		},
		"rules.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/rules/"+matrixRule)})
		},
		"rules.set": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "PUT", path: tenantPath(tn, "/rules/"+matrixRule), body: map[string]any{"enabled": e.n%2 == 0, "level": "critical"}})
		},
		"rules.coverage": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/coverage")})
		},
		"custom_rules.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.customIn(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/custom-rules")})
		},
		"custom_rules.check": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "POST", path: tenantPath(tn, "/custom-rules/check"),
				body: map[string]string{"name": e.uniq("check") + ".yml", "content": customDoc(e.uniq("chk"), "Check")}})
		},
		"custom_rules.save": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "POST", path: tenantPath(tn, "/custom-rules"),
				body: map[string]string{"name": e.uniq("save") + ".yml", "content": customDoc(e.uniq("saved"), "Saved")}})
		},
		"custom_rules.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			c := e.customIn(foreign)
			return one(request{method: "DELETE", path: "/api/v1/tenants/" + c.TenantID + "/custom-rules/" + c.ID})
		},
		"periods.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.periodIn(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/protection-periods")})
		},
		"periods.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "POST", path: tenantPath(tn, "/protection-periods"), body: e.periodBody(foreign)})
		},
		"periods.update": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			p := e.periodIn(foreign)
			return one(request{method: "PUT", path: "/api/v1/tenants/" + p.TenantID + "/protection-periods/" + p.ID, body: e.periodBody(foreign)})
		},
		"periods.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			p := e.periodIn(foreign)
			return one(request{method: "DELETE", path: "/api/v1/tenants/" + p.TenantID + "/protection-periods/" + p.ID})
		},
		"rules.status": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			return one(request{method: "GET", path: "/api/v1/rules/status"})
		},
		"rules.reload": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			return one(request{method: "POST", path: "/api/v1/rules/reload"})
		},
		"indicators.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.indicatorIn(foreign, false)
			return one(request{method: "GET", path: tenantPath(tn, "/indicators?type=domain")})
		},
		"indicators.import": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "POST", path: tenantPath(tn, "/indicators/import"), body: map[string]any{"format": "csv", "content": csv, "source": "matrix"}})
		},
		"indicators.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			in := e.indicatorIn(foreign, false)
			return one(request{method: "DELETE", path: "/api/v1/tenants/" + in.TenantID + "/indicators/" + in.ID})
		},
		"indicators.platform_list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			e.indicatorIn(foreign, true)
			return one(request{method: "GET", path: "/api/v1/indicators?q=evil"})
		},
		"indicators.platform_import": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			return one(request{method: "POST", path: "/api/v1/indicators/import", body: map[string]any{"format": "csv", "content": csv}})
		},
		"indicators.platform_delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			in := e.indicatorIn(foreign, true)
			return one(request{method: "DELETE", path: "/api/v1/indicators/" + in.ID})
		},
		"feeds.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.feedIn(foreign, false)
			return one(request{method: "GET", path: tenantPath(tn, "/intel-feeds")})
		},
		"feeds.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "POST", path: tenantPath(tn, "/intel-feeds"), body: feedBody(e.uniq("isac"))})
		},
		"feeds.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			f := e.feedIn(foreign, false)
			return one(request{method: "DELETE", path: "/api/v1/tenants/" + f.TenantID + "/intel-feeds/" + f.ID})
		},
		"feeds.poll": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			f := e.feedIn(foreign, false)
			return one(request{method: "POST", path: "/api/v1/tenants/" + f.TenantID + "/intel-feeds/" + f.ID + "/poll"})
		},
		"feeds.platform_list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			return one(request{method: "GET", path: "/api/v1/intel-feeds"})
		},
		"feeds.platform_create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			return one(request{method: "POST", path: "/api/v1/intel-feeds", body: feedBody(e.uniq("provider"))})
		},
		"feeds.platform_delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			return one(request{method: "DELETE", path: "/api/v1/intel-feeds/" + e.feedIn(foreign, true).ID})
		},
		"feeds.platform_poll": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			return one(request{method: "POST", path: "/api/v1/intel-feeds/" + e.feedIn(foreign, true).ID + "/poll"})
		},
	} {
		if matrixCases[id] != nil {
			panic("matrix case " + id + " twice")
		}
		matrixCases[id] = c
	}
}

// detectionSnapshotB captures B's detection records for the matrix.
func (e *matrixEnv) detectionSnapshotB() string {
	ctx := context.Background()
	ds := e.ds()
	var b strings.Builder
	as, _, _ := ds.(bianque.AlertStore).Alerts(ctx, bianque.AlertFilter{TenantIDs: []string{e.b.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, a := range as {
		fmt.Fprintf(&b, "|al %s %d %s", a.ID, a.Version, a.Status)
	}
	sps, _ := ds.Suppressions(ctx, e.b.ID, e.clk.Now())
	for _, sp := range sps {
		fmt.Fprintf(&b, "|sp %s", sp.ID)
	}
	c, _ := ds.RuleConfig(ctx, e.b.ID)
	fmt.Fprintf(&b, "|rc %v %v %v", c.Disabled, c.Enabled, c.Levels)
	crs, _ := ds.CustomRules(ctx, e.b.ID)
	for _, cr := range crs {
		fmt.Fprintf(&b, "|cr %s %s", cr.ID, cr.UpdatedAt)
	}
	ps, _ := ds.ProtectionPeriods(ctx, e.b.ID)
	for _, p := range ps {
		fmt.Fprintf(&b, "|pp %s %s %s", p.ID, p.Name, p.End)
	}
	ins, _, _ := ds.(bianque.IndicatorStore).Indicators(ctx, bianque.IndicatorFilter{TenantID: e.b.ID, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, in := range ins {
		fmt.Fprintf(&b, "|in %s %s", in.ID, in.UpdatedAt)
	}
	fs, _ := ds.(bianque.IntelFeedStore).IntelFeeds(ctx, e.b.ID)
	for _, f := range fs {
		fmt.Fprintf(&b, "|fd %s %s", f.ID, f.NextPollAt)
	}
	return b.String()
}
