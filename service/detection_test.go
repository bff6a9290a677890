package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"bianque"
	"bianque/detect/alert"
	"bianque/detect/detector"
	"bianque/detect/ruleset"
	"bianque/event"
	"bianque/service"
	"bianque/sqlite"
)

const svcRules = `title: Failed logon
id: 40000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
level: high
tags: [attack.credential-access, attack.t1110.001]
---
title: Whoami
id: 40000000-0000-0000-0000-000000000002
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\whoami.exe'}
    condition: selection
level: medium
tags: [attack.discovery, attack.t1033]
`

const svcCustom = `title: HIS export
id: 40000000-0000-0000-0000-0000000000c1
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\hisexport.exe'}
    condition: selection
level: high
tags: [attack.exfiltration, attack.t1048]
`

// detectFixture is the fixture with this node's detection running over its
// store, and the three detection services.
type detectFixture struct {
	*fixture
	det    *detector.Detector
	alerts *service.AlertService
	rules  *service.RuleService
	iocs   *service.IndicatorService
}

func newDetectFixture(t *testing.T) *detectFixture {
	t.Helper()
	f := newFixture(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(svcRules), 0o644); err != nil {
		t.Fatal(err)
	}
	df := &detectFixture{fixture: f, alerts: service.NewAlertService(f.svc)}
	det, err := detector.New(detector.Config{Sources: []ruleset.Source{{Path: dir}}, Store: f.st.(*sqlite.DB), Tickets: df.alerts,
		Clock: f.clk, Alerts: alert.Config{Window: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if err := det.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	df.det = det
	df.alerts.Detection = det
	df.rules = service.NewRuleService(f.svc, det)
	df.iocs = service.NewIndicatorService(f.svc, det)
	return df
}

func (f *detectFixture) raise(t *testing.T, tenant, ip string) *bianque.Alert {
	t.Helper()
	if err := f.det.Detect(context.Background(), tenant, []*event.Event{logonFailure(tenant, ip, f.clk.Now())}); err != nil {
		t.Fatal(err)
	}
	list, _, err := f.alerts.Alerts(f.as("analyst"), bianque.AlertFilter{TenantIDs: []string{tenant}, AttackerIP: ip})
	if err != nil || len(list) == 0 {
		t.Fatalf("no alert from %s: %v", ip, err)
	}
	return list[0]
}

// Analysts' steps on alerts, with their effect on the threat ticket and
// the record of who decided what.
func TestTriageAlert(t *testing.T) {
	f := newDetectFixture(t)
	analyst := f.as("analyst")
	a := f.raise(t, f.a.ID, "203.0.113.7")
	if a.TicketID == "" || a.Status != bianque.AlertOpen {
		t.Fatalf("raised alert %+v", a)
	}
	// Who may: a viewer reads, does not triage; B's staff do not see it.
	_, err := f.alerts.TriageAlert(f.as("hospital_viewer"), f.a.ID, a.ID, bianque.AlertTriageInput{Action: bianque.AlertActAcknowledge})
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = f.alerts.TriageAlert(f.as("b-admin"), f.a.ID, a.ID, bianque.AlertTriageInput{Action: bianque.AlertActAcknowledge})
	wantCode(t, err, bianque.ENOTFOUND)
	_, err = f.alerts.TriageAlert(analyst, f.a.ID, a.ID, bianque.AlertTriageInput{Action: bianque.AlertActAcknowledge, Version: a.Version + 5})
	wantCode(t, err, bianque.ECONFLICT)
	_, err = f.alerts.TriageAlert(analyst, f.a.ID, a.ID, bianque.AlertTriageInput{Action: "escalate"})
	wantCode(t, err, bianque.EINVALID)

	// Acknowledge: the ticket is acknowledged with it.
	a, err = f.alerts.TriageAlert(analyst, f.a.ID, a.ID, bianque.AlertTriageInput{Action: bianque.AlertActAcknowledge, Version: a.Version, Note: "looking"})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := f.st.Ticket(context.Background(), f.a.ID, a.TicketID)
	if a.Status != bianque.AlertAcknowledged || tk.State != bianque.StateTriaged || tk.AcknowledgedAt == nil {
		t.Fatalf("after acknowledge: alert %s, ticket %s", a.Status, tk.State)
	}
	_, err = f.alerts.TriageAlert(analyst, f.a.ID, a.ID, bianque.AlertTriageInput{Action: bianque.AlertActAcknowledge})
	wantCode(t, err, bianque.ECONFLICT) // already acknowledged

	// A responder may not confirm (confirming confirms the ticket).
	_, err = f.alerts.TriageAlert(f.as("responder"), f.a.ID, a.ID, bianque.AlertTriageInput{Action: bianque.AlertActConfirm})
	wantCode(t, err, bianque.EFORBIDDEN)
	// The expert confirms: the ticket is confirmed, the record says who and why.
	a, err = f.alerts.TriageAlert(f.as("expert"), f.a.ID, a.ID, bianque.AlertTriageInput{Action: bianque.AlertActConfirm, Note: "password spraying from Kali"})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ = f.st.Ticket(context.Background(), f.a.ID, a.TicketID)
	if a.Status != bianque.AlertConfirmed || tk.State != bianque.StateConfirmed {
		t.Fatalf("after confirm: alert %s, ticket %s", a.Status, tk.State)
	}
	if len(a.Triage) != 2 || a.Triage[1].Username != "expert" || a.Triage[1].Role != bianque.RoleExpert ||
		a.Triage[1].Note != "password spraying from Kali" || a.Triage[1].From != bianque.AlertAcknowledged || a.Triage[1].TicketID != tk.ID {
		t.Fatalf("confirmation record %+v", a.Triage)
	}
	tl, _ := f.st.Timeline(context.Background(), f.a.ID, tk.ID)
	if !strings.Contains(tl[len(tl)-1].Note, "password spraying from Kali") || tl[len(tl)-1].ActorName != "expert" {
		t.Fatalf("ticket timeline does not carry the confirmation: %+v", tl[len(tl)-1])
	}

	// Confirming an alert below the ticket level opens its ticket.
	if err := f.det.Detect(context.Background(), f.a.ID, []*event.Event{sysmonProcess(f.a.ID, `C:\Windows\System32\whoami.exe`, f.clk.Now())}); err != nil {
		t.Fatal(err)
	}
	list, _, _ := f.alerts.Alerts(analyst, bianque.AlertFilter{TenantIDs: []string{f.a.ID}, Level: bianque.LevelMedium})
	if len(list) != 1 || list[0].TicketID != "" {
		t.Fatalf("medium alert %+v", list)
	}
	m, err := f.alerts.TriageAlert(analyst, f.a.ID, list[0].ID, bianque.AlertTriageInput{Action: bianque.AlertActConfirm, Note: "admin recon"})
	if err != nil {
		t.Fatal(err)
	}
	if tk, err := f.st.Ticket(context.Background(), f.a.ID, m.TicketID); err != nil || tk.State != bianque.StateConfirmed || tk.Source != "alert:"+m.ID {
		t.Fatalf("ticket opened by confirming: %+v %v", tk, err)
	}

	// False positive: closed, its ticket closed as a false positive, and the
	// scanner suppressed on this node at once.
	b := f.raise(t, f.a.ID, "198.51.100.20")
	_, err = f.alerts.TriageAlert(analyst, f.a.ID, b.ID, bianque.AlertTriageInput{Action: bianque.AlertActFalsePositive,
		Fields: []string{"attacker.ip"}, For: bianque.Duration(7 * 24 * time.Hour)})
	wantCode(t, err, bianque.EINVALID) // a reason is required
	b, err = f.alerts.TriageAlert(analyst, f.a.ID, b.ID, bianque.AlertTriageInput{Action: bianque.AlertActFalsePositive, Note: "vulnerability scanner",
		Fields: []string{"attacker.ip"}, For: bianque.Duration(7 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ = f.st.Ticket(context.Background(), f.a.ID, b.TicketID)
	last := b.Triage[len(b.Triage)-1]
	if b.Status != bianque.AlertFalsePositive || tk.State != bianque.StateFalsePositive || last.SuppressionID == "" {
		t.Fatalf("false positive: alert %s ticket %s record %+v", b.Status, tk.State, last)
	}
	sps, _ := f.alerts.Suppressions(analyst, f.a.ID)
	if len(sps) != 1 || sps[0].Match["attacker.ip"] != "198.51.100.20" || sps[0].CreatedBy != "analyst" {
		t.Fatalf("suppressions %+v", sps)
	}
	before := f.det.Stats().Suppressed
	if err := f.det.Detect(context.Background(), f.a.ID, []*event.Event{logonFailure(f.a.ID, "198.51.100.20", f.clk.Now())}); err != nil {
		t.Fatal(err)
	}
	if f.det.Stats().Suppressed != before+1 {
		t.Fatalf("the suppression did not reach detection")
	}
	// Deleting the suppression (early end) lets the scanner through again.
	if err := f.alerts.DeleteSuppression(f.as("responder"), f.a.ID, sps[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.det.Detect(context.Background(), f.a.ID, []*event.Event{logonFailure(f.a.ID, "198.51.100.20", f.clk.Now())}); err != nil {
		t.Fatal(err)
	}
	if f.det.Stats().Suppressed != before+1 {
		t.Fatalf("a deleted suppression still applies")
	}
	// Reopen, close.
	b, err = f.alerts.TriageAlert(analyst, f.a.ID, b.ID, bianque.AlertTriageInput{Action: bianque.AlertActReopen, Note: "not the scanner after all"})
	if err != nil || b.Status != bianque.AlertOpen {
		t.Fatalf("reopen: %v %v", b, err)
	}
	var actions []string
	for _, e := range f.auditEntries(f.a.ID) {
		if e.Action == "alert.triage" {
			actions = append(actions, e.Action)
		}
	}
	if len(actions) != 5 {
		t.Fatalf("%d triage audit entries, want 5", len(actions))
	}
}

func sysmonProcess(tenant, image string, at time.Time) *event.Event {
	return event.FromMap(map[string]any{
		"organization": map[string]any{"id": tenant},
		"Event": map[string]any{
			"System": map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "1", "Computer": "ward-pc",
				"TimeCreated": map[string]any{"SystemTime": at.UTC().Format(time.RFC3339Nano)}},
			"EventData": map[string]any{"Image": image},
		},
	})
}

// The rule service: the tenant's rule list and settings, custom rules
// compiled before they are stored, protection periods, coverage, reloads.
func TestRuleService(t *testing.T) {
	f := newDetectFixture(t)
	ctx := f.as("analyst")
	list, next, err := f.rules.Rules(ctx, f.a.ID, bianque.RuleFilter{Page: bianque.Page{Limit: 1}})
	if err != nil || len(list) != 1 || next == "" {
		t.Fatalf("first page %v %q %v", list, next, err)
	}
	rest, next2, err := f.rules.Rules(ctx, f.a.ID, bianque.RuleFilter{Page: bianque.Page{Limit: 1, Cursor: next}})
	if err != nil || len(rest) != 1 || next2 != "" || rest[0].ID == list[0].ID {
		t.Fatalf("second page %v %q %v", rest, next2, err)
	}
	if got, _, _ := f.rules.Rules(ctx, f.a.ID, bianque.RuleFilter{Technique: "T1110"}); len(got) != 1 || got[0].Title != "Failed logon" {
		t.Fatalf("technique filter %v", got)
	}
	if got, _, _ := f.rules.Rules(ctx, f.a.ID, bianque.RuleFilter{Query: "WHOAMI"}); len(got) != 1 {
		t.Fatalf("text filter %v", got)
	}
	_, _, err = f.rules.Rules(f.as("b-admin"), f.a.ID, bianque.RuleFilter{})
	wantCode(t, err, bianque.ENOTFOUND)
	if _, _, err := f.rules.Rules(f.as("hospital_viewer"), f.a.ID, bianque.RuleFilter{}); err != nil {
		t.Fatalf("a hospital viewer reads the rules: %v", err)
	}

	// Settings: only rule.manage; applied to detection at once.
	off := false
	_, err = f.rules.SetRule(ctx, f.a.ID, "40000000-0000-0000-0000-000000000001", bianque.RuleSetting{Enabled: &off})
	wantCode(t, err, bianque.EFORBIDDEN)
	v, err := f.rules.SetRule(f.as("expert"), f.a.ID, "40000000-0000-0000-0000-000000000001", bianque.RuleSetting{Enabled: &off})
	if err != nil || v.Enabled || v.Setting != "disabled" {
		t.Fatalf("disable: %+v %v", v, err)
	}
	_, err = f.rules.SetRule(f.as("expert"), f.a.ID, "no-such-rule", bianque.RuleSetting{Enabled: &off})
	wantCode(t, err, bianque.ENOTFOUND)
	if err := f.det.Detect(context.Background(), f.a.ID, []*event.Event{logonFailure(f.a.ID, "203.0.113.9", f.clk.Now())}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := f.alerts.Alerts(ctx, bianque.AlertFilter{TenantIDs: []string{f.a.ID}}); len(got) != 0 {
		t.Fatalf("a disabled rule raised %d alerts", len(got))
	}
	v, err = f.rules.SetRule(f.as("expert"), f.a.ID, "40000000-0000-0000-0000-000000000002", bianque.RuleSetting{Level: bianque.LevelCritical})
	if err != nil || v.EffectiveLevel != bianque.LevelCritical || v.LevelOverride != bianque.LevelCritical || !v.Enabled {
		t.Fatalf("level override: %+v %v", v, err)
	}
	v, err = f.rules.SetRule(f.as("expert"), f.a.ID, "40000000-0000-0000-0000-000000000001", bianque.RuleSetting{})
	if err != nil || !v.Enabled || v.Setting != "default" {
		t.Fatalf("back to default: %+v %v", v, err)
	}
	cov, err := f.rules.Coverage(f.as("hospital_viewer"), f.a.ID)
	if err != nil || cov.Rules != 2 || cov.Covered != 2 {
		t.Fatalf("coverage %+v %v", cov, err)
	}

	// Custom rules: a broken file is not stored and says why.
	broken := &bianque.CustomRule{TenantID: f.a.ID, Name: "broken.yml", Content: "title: Broken\nid: 40000000-0000-0000-0000-0000000000c9\n" +
		"logsource: {product: windows}\ndetection:\n    selection: {Image: x}\n    condition: selection and missing\n"}
	chk, err := f.rules.SaveCustomRule(f.as("expert"), broken)
	wantCode(t, err, bianque.EINVALID)
	if chk == nil || chk.OK || len(chk.Problems) == 0 || !strings.Contains(chk.Problems[0].Reason, "missing") || !strings.Contains(err.Error(), "broken.yml") {
		t.Fatalf("check of a broken file %+v / %v", chk, err)
	}
	if stored, _ := f.rules.CustomRules(ctx, f.a.ID); len(stored) != 0 {
		t.Fatalf("a broken file was stored")
	}
	chk, err = f.rules.CheckCustomRule(f.as("expert"), &bianque.CustomRule{TenantID: f.a.ID, Name: "his.yml", Content: svcCustom})
	if err != nil || !chk.OK || len(chk.Rules) != 1 || chk.Saved != nil {
		t.Fatalf("check %+v %v", chk, err)
	}
	_, err = f.rules.SaveCustomRule(ctx, &bianque.CustomRule{TenantID: f.a.ID, Name: "his.yml", Content: svcCustom})
	wantCode(t, err, bianque.EFORBIDDEN)
	chk, err = f.rules.SaveCustomRule(f.as("expert"), &bianque.CustomRule{TenantID: f.a.ID, Name: "his.yml", Content: svcCustom})
	if err != nil || chk.Saved == nil || !slices.Equal(chk.Saved.RuleIDs, []string{"40000000-0000-0000-0000-0000000000c1"}) {
		t.Fatalf("save %+v %v", chk, err)
	}
	if got, _, _ := f.rules.Rules(ctx, f.a.ID, bianque.RuleFilter{Custom: ptr(true)}); len(got) != 1 || got[0].Source != "custom/his.yml" {
		t.Fatalf("custom rule in A's list: %+v", got)
	}
	if got, _, _ := f.rules.Rules(f.as("b-admin"), f.b.ID, bianque.RuleFilter{Custom: ptr(true)}); len(got) != 0 {
		t.Fatalf("A's custom rule in B's list")
	}
	// B may not reuse A's rule ID.
	f.create(f.as("root"), &bianque.User{Username: "b-expert", Role: bianque.RoleExpert, Tenants: []string{f.b.ID}})
	_, err = f.rules.SaveCustomRule(f.as("b-expert"), &bianque.CustomRule{TenantID: f.b.ID, Name: "copy.yml", Content: svcCustom})
	wantCode(t, err, bianque.EINVALID)
	if err := f.rules.DeleteCustomRule(f.as("b-expert"), f.b.ID, chk.Saved.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("B deletes A's custom rule: %v", err)
	}
	if err := f.rules.DeleteCustomRule(f.as("expert"), f.a.ID, chk.Saved.ID); err != nil {
		t.Fatal(err)
	}

	// Protection periods.
	now := f.clk.Now()
	p := &bianque.ProtectionPeriod{TenantID: f.a.ID, Name: "全国两会", PreparationStart: now.Add(-time.Hour), LiveStart: now,
		ClosingStart: now.Add(48 * time.Hour), End: now.Add(72 * time.Hour), ExtraRules: []string{"no-such-rule"}}
	_, err = f.rules.SaveProtectionPeriod(f.as("expert"), p)
	wantCode(t, err, bianque.EINVALID)
	p.ExtraRules = []string{"40000000-0000-0000-0000-000000000002"}
	p.LevelRaise = map[bianque.ProtectionPhase]int{bianque.PhaseLive: 1}
	if _, err := f.rules.SaveProtectionPeriod(f.as("expert"), p); err != nil {
		t.Fatal(err)
	}
	ps, err := f.rules.ProtectionPeriods(f.as("hospital_viewer"), f.a.ID)
	if err != nil || len(ps) != 1 || ps[0].Name != "全国两会" {
		t.Fatalf("periods %+v %v", ps, err)
	}
	if v, _ := f.rules.Rule(ctx, f.a.ID, "40000000-0000-0000-0000-000000000001"); v.EffectiveLevel != bianque.LevelCritical {
		t.Fatalf("live phase raise: %s", v.EffectiveLevel)
	}
	if err := f.rules.DeleteProtectionPeriod(f.as("b-admin"), f.a.ID, p.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("B deletes A's period: %v", err)
	}
	if err := f.rules.DeleteProtectionPeriod(f.as("expert"), f.a.ID, p.ID); err != nil {
		t.Fatal(err)
	}

	// Status and reload: provider staff with rule.manage only.
	_, err = f.rules.RuleStatus(f.as("hospital_admin"))
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = f.rules.ReloadRules(f.as("analyst"))
	wantCode(t, err, bianque.EFORBIDDEN)
	st, err := f.rules.ReloadRules(f.as("service_manager"))
	if err != nil || st.Rules != 2 || len(st.Sources) != 1 || st.Sources[0].Rules != 2 {
		t.Fatalf("reload %+v %v", st, err)
	}
	var saw bool
	for _, e := range f.auditEntries("") {
		saw = saw || e.Action == "rule.reload"
	}
	if !saw {
		t.Fatalf("reload not audited")
	}
}

func ptr[T any](v T) *T { return &v }

// A minimal TAXII 2.1 collection serving the STIX bundle of intel's tests
// to a basic-authenticated client, honouring added_after.
func taxiiServer(t *testing.T, polls *atomic.Int32) *httptest.Server {
	data, err := os.ReadFile("../intel/testdata/bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	added := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "bq" || p != "feed-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/api1/collections/col-1/objects/" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		polls.Add(1)
		w.Header().Set("Content-Type", "application/taxii+json;version=2.1")
		objs := b.Objects
		if a := r.URL.Query().Get("added_after"); a != "" {
			if after, err := time.Parse(time.RFC3339Nano, a); err == nil && !added.After(after) {
				objs = nil
			}
		}
		env := map[string]any{"objects": objs}
		if len(objs) > 0 {
			w.Header().Set("X-TAXII-Date-Added-First", added.Format(time.RFC3339Nano))
			w.Header().Set("X-TAXII-Date-Added-Last", added.Format(time.RFC3339Nano))
		}
		json.NewEncoder(w).Encode(env)
	}))
}

// Indicators: imports of the three file formats, tenant and platform
// scopes, a TAXII feed polled by the job, expiry, and detection reloading
// its matcher from the store.
func TestIndicatorService(t *testing.T) {
	f := newDetectFixture(t)
	expert, analyst := f.as("expert"), f.as("analyst")
	csv, err := os.ReadFile("../intel/testdata/indicators.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.iocs.ImportIndicators(analyst, f.a.ID, bianque.IndicatorImport{Format: bianque.FormatCSV, Data: csv})
	wantCode(t, err, bianque.EFORBIDDEN)
	res, err := f.iocs.ImportIndicators(expert, f.a.ID, bianque.IndicatorImport{Format: bianque.FormatCSV, Data: csv, Source: "hospital blocklist"})
	if err != nil || res.Read == 0 || res.New != res.Read {
		t.Fatalf("CSV import %+v %v", res, err)
	}
	again, err := f.iocs.ImportIndicators(expert, f.a.ID, bianque.IndicatorImport{Format: bianque.FormatCSV, Data: csv, Source: "hospital blocklist"})
	if err != nil || again.New != 0 || again.Updated != res.Read {
		t.Fatalf("second import %+v %v", again, err)
	}
	_, err = f.iocs.ImportIndicators(expert, f.a.ID, bianque.IndicatorImport{Format: "xml", Data: csv})
	wantCode(t, err, bianque.EINVALID)
	_, err = f.iocs.ImportIndicators(expert, f.a.ID, bianque.IndicatorImport{Format: bianque.FormatSTIX, Data: []byte("{not json")})
	wantCode(t, err, bianque.EINVALID)
	misp, _ := os.ReadFile("../intel/testdata/misp_event.json")
	if r, err := f.iocs.ImportIndicators(expert, f.a.ID, bianque.IndicatorImport{Format: bianque.FormatMISP, Data: misp}); err != nil || r.Read == 0 {
		t.Fatalf("MISP import %+v %v", r, err)
	}
	// Platform-wide: provider staff with rule.manage; hospital staff neither read nor import.
	_, err = f.iocs.ImportIndicators(f.as("hospital_admin"), "", bianque.IndicatorImport{Format: bianque.FormatCSV, Data: csv})
	wantCode(t, err, bianque.EFORBIDDEN)
	_, _, err = f.iocs.Indicators(f.as("hospital_viewer"), bianque.IndicatorFilter{})
	wantCode(t, err, bianque.EFORBIDDEN)
	stix, _ := os.ReadFile("../intel/testdata/bundle.json")
	pr, err := f.iocs.ImportIndicators(f.as("service_manager"), "", bianque.IndicatorImport{Format: bianque.FormatSTIX, Data: stix, TTL: bianque.Duration(48 * time.Hour)})
	if err != nil || pr.Read == 0 {
		t.Fatalf("platform STIX import %+v %v", pr, err)
	}
	plat, _, err := f.iocs.Indicators(analyst, bianque.IndicatorFilter{Page: bianque.Page{Limit: 1000}})
	if err != nil || len(plat) != pr.Read {
		t.Fatalf("platform list: %d of %d, %v", len(plat), pr.Read, err)
	}
	if _, _, err := f.iocs.Indicators(f.as("b-admin"), bianque.IndicatorFilter{TenantID: f.a.ID}); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("B lists A's indicators: %v", err)
	}
	ofA, _, err := f.iocs.Indicators(f.as("hospital_viewer"), bianque.IndicatorFilter{TenantID: f.a.ID, Query: "203.0.113.50"})
	if err != nil || len(ofA) != 1 || ofA[0].Source != "hospital blocklist" {
		t.Fatalf("search %+v %v", ofA, err)
	}
	// Detection matches A's blocklisted scanner for A only.
	unexpired := 0
	for _, in := range append(mustList(t, f, f.a.ID), plat...) {
		if in.ValidUntil.IsZero() || in.ValidUntil.After(f.clk.Now()) {
			unexpired++
		}
	}
	if got := f.det.Status().Indicators; got != unexpired || got == 0 {
		t.Fatalf("the matcher holds %d indicators, the store %d unexpired", got, unexpired)
	}
	conn := func(tenant, dst string) *event.Event {
		return event.FromMap(map[string]any{"organization": map[string]any{"id": tenant}, "@timestamp": f.clk.Now().Format(time.RFC3339),
			"source": map[string]any{"ip": "10.20.1.5"}, "destination": map[string]any{"ip": dst}})
	}
	if err := f.det.Detect(context.Background(), f.a.ID, []*event.Event{conn(f.a.ID, "203.0.113.50")}); err != nil {
		t.Fatal(err)
	}
	if err := f.det.Detect(context.Background(), f.b.ID, []*event.Event{conn(f.b.ID, "203.0.113.50")}); err != nil {
		t.Fatal(err)
	}
	ia, _, _ := f.alerts.Alerts(analyst, bianque.AlertFilter{TenantIDs: []string{f.a.ID}, Kind: bianque.AlertIndicator})
	ib, _, _ := f.alerts.Alerts(f.as("b-admin"), bianque.AlertFilter{TenantIDs: []string{f.b.ID}, Kind: bianque.AlertIndicator})
	if len(ia) != 1 || len(ib) != 0 {
		t.Fatalf("indicator alerts: A %d, B %d", len(ia), len(ib))
	}
	if err := f.iocs.DeleteIndicator(f.as("b-admin"), f.a.ID, ofA[0].ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("B deletes A's indicator: %v", err)
	}
	if err := f.iocs.DeleteIndicator(expert, f.a.ID, ofA[0].ID); err != nil {
		t.Fatal(err)
	}

	// A TAXII feed of A, polled by the job with its password; the second
	// poll asks only for what was added since.
	var polls atomic.Int32
	srv := taxiiServer(t, &polls)
	defer srv.Close()
	f.iocs.HTTP = srv.Client()
	feed, err := f.iocs.CreateIntelFeed(expert, &bianque.IntelFeed{TenantID: f.a.ID, Name: "ISAC", Kind: bianque.FeedTAXII,
		URL: srv.URL + "/api1/", Collection: "col-1", Username: "bq", Password: "feed-secret", Every: bianque.Duration(time.Hour)})
	if err != nil || feed.Password != "" || !feed.HasPassword {
		t.Fatalf("create feed %+v %v", feed, err)
	}
	_, err = f.iocs.CreateIntelFeed(analyst, &bianque.IntelFeed{TenantID: f.a.ID, Name: "x", Kind: bianque.FeedMISP, URL: srv.URL})
	wantCode(t, err, bianque.EFORBIDDEN)
	status, err := f.iocs.PollFeeds(context.Background(), f.clk.Now())
	if err != nil || polls.Load() != 1 || !strings.Contains(status, "polled 1 feeds (0 failed)") {
		t.Fatalf("first poll: %q %v (%d requests)", status, err, polls.Load())
	}
	feeds, _ := f.iocs.IntelFeeds(analyst, f.a.ID)
	if len(feeds) != 1 || feeds[0].LastCount == 0 || feeds[0].Cursor.IsZero() || !strings.HasPrefix(feeds[0].LastStatus, "read ") {
		t.Fatalf("feed after poll %+v", feeds[0])
	}
	// Not due again before its period; "poll now" makes it due.
	if status, _ := f.iocs.PollFeeds(context.Background(), f.clk.Now().Add(time.Minute)); !strings.Contains(status, "polled 0") {
		t.Fatalf("polled before its period: %s", status)
	}
	if _, err := f.iocs.PollIntelFeed(expert, f.a.ID, feed.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := f.iocs.PollFeeds(context.Background(), f.clk.Now()); !strings.Contains(status, "0 new indicators") || polls.Load() != 2 {
		t.Fatalf("incremental poll: %s", status)
	}
	// Expiry: the platform's STIX indicators had a 48-hour TTL where the bundle gave no end.
	f.clk.Advance(72 * time.Hour)
	status, err = f.iocs.ExpireDetection(context.Background(), f.clk.Now())
	if err != nil || !strings.HasPrefix(status, "expired ") || strings.HasPrefix(status, "expired 0 ") {
		t.Fatalf("expiry job: %q %v", status, err)
	}
	if err := f.iocs.DeleteIntelFeed(expert, f.a.ID, feed.ID); err != nil {
		t.Fatal(err)
	}
}

func mustList(t *testing.T, f *detectFixture, tenant string) []*bianque.Indicator {
	t.Helper()
	l, _, err := f.iocs.Indicators(f.as("analyst"), bianque.IndicatorFilter{TenantID: tenant, Page: bianque.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return l
}
