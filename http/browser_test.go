package http_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"bianque"
	"bianque/auth"
	"bianque/detect"
	"bianque/detect/detector"
	"bianque/detect/ruleset"
	"bianque/event"
	bqhttp "bianque/http"
	"bianque/internal/testutil"
	"bianque/service"
	"bianque/sqlite"
	"bianque/storetest"
)

// chromiumPath finds the browser; without one the test is skipped, except in
// CI (CI set), where it must run.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("BIANQUE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	testutil.Missing(t, "chromium not installed (apt-get install chromium fonts-noto-cjk)")
	return ""
}

// The acceptance walk of the portal in real headless Chromium, in Chinese
// and in English: sign in with a password, enrol TOTP from the page's key
// (computing the code here, as a phone would), see the dashboard with its
// charts, open a ticket from the list, acknowledge it and close it.
func TestPortalInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/portal.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opts := service.Options{Argon2: cheap}
	svc := service.New(st, opts)
	findings := service.NewFindingService(svc, nil, nil)
	scans := service.NewScanService(svc, findings)
	alerts, rules, iocs, det := browserDetection(t, st, svc)
	disc, err := service.NewDiscoveryService(svc, service.NewAlertService(svc))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := bqhttp.New(bqhttp.Config{Services: bqhttp.Services{Auth: svc.Auth, Tenants: svc.Tenants, Users: svc.Users,
		Tickets: svc.Tickets, Assets: svc.Assets, Audit: svc.Audit, Dashboard: svc.Dashboard, Findings: findings, Scans: scans,
		Discovery: disc, Alerts: alerts, Rules: rules, Indicators: iocs, Events: service.NewEventService(svc)}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	if _, _, err := service.Bootstrap(ctx, st, opts, "root"); err != nil {
		t.Fatal(err)
	}
	root, _ := st.UserByUsername(ctx, "root")
	rctx := bianque.NewContextWithPrincipal(ctx, root.Principal())
	tn := &bianque.Tenant{Code: "portal-h", Name: "示例医院 Portal"}
	if err := svc.Tenants.CreateTenant(rctx, tn); err != nil {
		t.Fatal(err)
	}

	mgr := &bianque.User{Username: "scan-manager", DisplayName: "scan manager", Role: bianque.RoleServiceManager, Tenants: []string{tn.ID}}
	if err := svc.Users.CreateUser(rctx, mgr, pw); err != nil {
		t.Fatal(err)
	}
	if err := scans.CreateScope(bianque.NewContextWithPrincipal(ctx, mgr.Principal()), &bianque.ScanScope{TenantID: tn.ID, Name: "门诊楼 outpatient",
		Include: []string{"10.20.0.0/16"}, Exclude: []string{"10.20.9.0/24"}, Windows: []bianque.ScanWindow{{Weekdays: []time.Weekday{time.Saturday}, Start: "22:00", End: "06:00"}}}); err != nil {
		t.Fatal(err)
	}

	// Discovered devices: the sample hospital network through a sensor.
	ingestSample(t, disc, bianque.NewContextWithPrincipal(ctx, mgr.Principal()), tn.ID)
	// Stored events: FortiGate traffic of the last hour.
	if _, err := st.AppendEvents(ctx, tn.ID, storetest.FortiGateEvents(t, tn.ID, time.Now().Add(-time.Hour), 120)); err != nil {
		t.Fatal(err)
	}

	alloc, cancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true))...)
	defer cancel()

	for _, lang := range []struct {
		code                                         string
		dashboard, stateNew, stateTriaged, stateDone string
		findingOpen, findingFixing                   string
		devices, pump                                string
		alertOpen, alertAcknowledged, alertsTitle    string
		eventsTitle                                  string
	}{
		{"zh-CN", "总览", "新建", "研判中", "已关闭", "未修复", "修复中", "设备清单", "输液泵", "待处理", "已受理", "告警", "事件检索"},
		{"en", "Dashboard", "New", "Triaged", "Closed", "Open", "Fixing", "Device inventory", "Infusion pump", "Open", "Acknowledged", "Alerts", "Events"},
	} {
		t.Run(lang.code, func(t *testing.T) {
			name := "analyst-" + strings.ToLower(lang.code)
			u := &bianque.User{Username: name, DisplayName: name, Role: bianque.RoleAnalyst, Tenants: []string{tn.ID}}
			if err := svc.Users.CreateUser(rctx, u, pw); err != nil {
				t.Fatal(err)
			}
			tk := &bianque.Ticket{TenantID: tn.ID, Type: bianque.TicketThreat, Severity: bianque.SeverityMajor, Title: "勒索软件横向扫描 " + lang.code}
			if err := svc.Tickets.CreateTicket(bianque.NewContextWithPrincipal(ctx, u.Principal()), tk); err != nil {
				t.Fatal(err)
			}

			var mu sync.Mutex
			var jsErrors []string
			listen := func(ev any) {
				mu.Lock()
				defer mu.Unlock()
				switch ev := ev.(type) {
				case *runtime.EventExceptionThrown:
					jsErrors = append(jsErrors, "exception: "+ev.ExceptionDetails.Text)
				case *runtime.EventConsoleAPICalled:
					if ev.Type == runtime.ConsoleAPICalledTypeError {
						jsErrors = append(jsErrors, "console.error")
					}
				}
			}
			bctx, cancel := chromedp.NewContext(alloc, chromedp.WithListener(listen))
			defer cancel()
			bctx, cancel = context.WithTimeout(bctx, 90*time.Second)
			defer cancel()
			fail := func(step string, err error) {
				t.Helper()
				html, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("main")))
				t.Fatalf("%s: %v\npage: %.1500s", step, err, html)
			}
			do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(bctx, actions...); err != nil {
					fail(step, err)
				}
			}
			text := func(step string, a chromedp.Action[string]) string {
				t.Helper()
				v, err := chromedp.Run(bctx, a)
				if err != nil {
					fail(step, err)
				}
				return strings.TrimSpace(v)
			}

			do("sign in with the password",
				chromedp.Navigate(ts.URL+"/lang?set="+lang.code+"&next=/login"),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), name),
				chromedp.SendKeys(chromedp.ID("password"), pw),
				chromedp.Click(chromedp.ID("login-submit")),
				chromedp.WaitVisible(chromedp.ID("totp-secret")),
			)
			secret := text("read the enrolment key", chromedp.Text(chromedp.ID("totp-secret")))
			raw, err := auth.ParseTOTPSecret(secret)
			if err != nil {
				t.Fatalf("secret on the enrolment page %q: %v", secret, err)
			}
			qr, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll(".qr svg path").length`))
			if err != nil || qr != 1 {
				t.Fatalf("no QR code on the enrolment page: %v", err)
			}
			do("enrol with a code",
				chromedp.SendKeys(chromedp.ID("code"), auth.TOTP{Secret: raw}.Code(time.Now())),
				chromedp.Click(chromedp.ID("mfa-submit")),
				chromedp.WaitVisible(chromedp.ID("open-total")),
				chromedp.WaitReady(chromedp.CSS("body[data-charts]")),
			)
			dashTitle := text("dashboard title", chromedp.Text(chromedp.CSS("main h1")))
			charts, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS("body"), "data-charts"))
			if err != nil || dashTitle != lang.dashboard || charts.Value != "4" {
				t.Fatalf("dashboard: title %q, %q charts, %v", dashTitle, charts.Value, err)
			}
			screenshot(t, bctx, "dashboard-"+lang.code)
			link := chromedp.CSS(`a.ticket-link[data-number="` + itoa(tk.Number) + `"]`)
			do("open the ticket from the list",
				chromedp.Navigate(ts.URL+"/tickets"),
				chromedp.WaitVisible(link),
			)
			screenshot(t, bctx, "tickets-"+lang.code)
			do("open the ticket",
				chromedp.Click(link),
				chromedp.WaitVisible(chromedp.ID("ticket-state")),
			)
			if state := text("state", chromedp.Text(chromedp.ID("ticket-state"))); state != lang.stateNew {
				t.Fatalf("state shown %q, want %q", state, lang.stateNew)
			}
			do("acknowledge",
				chromedp.Click(chromedp.ID("action-acknowledge")),
				chromedp.WaitVisible(chromedp.CSS(`#ticket-state[data-state="triaged"]`)),
				chromedp.WaitVisible(chromedp.ID("done")),
			)
			if state := text("state", chromedp.Text(chromedp.ID("ticket-state"))); state != lang.stateTriaged {
				t.Fatalf("after acknowledging: %q, want %q", state, lang.stateTriaged)
			}
			do("close with a note",
				chromedp.SendKeys(chromedp.CSS(`form[data-action="close"] textarea`), "已处置 / handled"),
				chromedp.Click(chromedp.ID("action-close")),
				chromedp.WaitVisible(chromedp.CSS(`#ticket-state[data-state="closed"]`)),
			)
			screenshot(t, bctx, "ticket-"+lang.code)
			state, notice := text("state", chromedp.Text(chromedp.ID("ticket-state"))), text("notice", chromedp.Text(chromedp.ID("done")))
			if state != lang.stateDone || notice == "" {
				t.Fatalf("after closing: %q (%q), want %q", state, notice, lang.stateDone)
			}
			got, err := st.Ticket(ctx, tn.ID, tk.ID)
			if err != nil || got.State != bianque.StateClosed || got.Resolution != "已处置 / handled" || got.AcknowledgedAt == nil {
				t.Fatalf("stored ticket: %+v %v", got, err)
			}
			tl, _ := st.Timeline(ctx, tn.ID, tk.ID)
			if len(tl) != 3 || tl[1].ActorName != name || tl[2].Action != bianque.ActionClose {
				t.Fatalf("timeline: %d entries", len(tl))
			}

			// Findings: the list with its filters, the detail page with
			// evidence, SLA due date and history, a lifecycle step.
			if _, err := findings.Ingest(bianque.NewContextWithPrincipal(ctx, u.Principal()), tn.ID, []*bianque.Finding{{
				Title: "Redis 未授权访问 " + lang.code, Severity: bianque.VulnCritical, Scanner: "bianque", PluginID: "noauth-redis-" + lang.code,
				Host: "10.20.3.7", Port: 6379, Protocol: "tcp", Evidence: "+PONG redis_version:7.0.15", CVEs: []string{}, Count: 1}}); err != nil {
				t.Fatal(err)
			}
			list, _, err := findings.Findings(bianque.NewContextWithPrincipal(ctx, u.Principal()), bianque.FindingFilter{TenantIDs: []string{tn.ID}, Query: lang.code})
			if err != nil || len(list) != 1 {
				t.Fatalf("finding fixture: %v %v", list, err)
			}
			fd := list[0]
			flink := chromedp.CSS(`tr[data-finding="` + fd.ID + `"] a.finding-link`)
			do("the findings list",
				chromedp.Navigate(ts.URL+"/findings?severity=critical"),
				chromedp.WaitVisible(flink),
			)
			screenshot(t, bctx, "findings-"+lang.code)
			do("open the finding",
				chromedp.Click(flink),
				chromedp.WaitVisible(chromedp.ID("finding-state")),
				chromedp.WaitVisible(chromedp.ID("evidence")),
			)
			if state := text("finding state", chromedp.Text(chromedp.ID("finding-state"))); state != lang.findingOpen {
				t.Fatalf("finding state %q, want %q", state, lang.findingOpen)
			}
			if due := text("due date", chromedp.Text(chromedp.ID("finding-due"))); !strings.Contains(due, fd.DueAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")) {
				t.Fatalf("due date shown %q, want %s", due, fd.DueAt)
			}
			do("start fixing",
				chromedp.Click(chromedp.ID("action-start_fix")),
				chromedp.WaitVisible(chromedp.CSS(`#finding-state[data-state="fixing"]`)),
			)
			screenshot(t, bctx, "finding-"+lang.code)
			if state := text("finding state", chromedp.Text(chromedp.ID("finding-state"))); state != lang.findingFixing {
				t.Fatalf("after start_fix: %q, want %q", state, lang.findingFixing)
			}
			if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#timeline li").length`)); err != nil || n < 2 {
				t.Fatalf("history shows %d entries: %v", n, err)
			}
			// Alerts: the list, an alert with its trend chart, events and
			// reason, acknowledged from its page (its ticket with it).
			al := raiseBrowserAlert(t, det, st, tn.ID, lang.code)
			alink := chromedp.CSS(`tr[data-alert="` + al.ID + `"] a.alert-link`)
			do("the alerts list",
				chromedp.Navigate(ts.URL+"/alerts"),
				chromedp.WaitVisible(alink),
			)
			if h := text("alerts title", chromedp.Text(chromedp.CSS("main h1"))); h != lang.alertsTitle {
				t.Fatalf("alerts page title %q, want %q", h, lang.alertsTitle)
			}
			screenshot(t, bctx, "alerts-"+lang.code)
			do("open the alert",
				chromedp.Click(alink),
				chromedp.WaitVisible(chromedp.ID("alert-status")),
				chromedp.WaitReady(chromedp.CSS("body[data-charts]")),
				chromedp.WaitVisible(chromedp.CSS("#chart-trend canvas")),
				chromedp.WaitVisible(chromedp.CSS(`#alert-events details[data-event="0"] pre`)),
			)
			if st := text("alert status", chromedp.Text(chromedp.ID("alert-status"))); st != lang.alertOpen {
				t.Fatalf("alert status shown %q, want %q", st, lang.alertOpen)
			}
			if att := text("attacker", chromedp.Text(chromedp.ID("alert-attacker"))); !strings.Contains(att, "203.0.113.7") {
				t.Fatalf("attacker shown %q", att)
			}
			screenshot(t, bctx, "alert-"+lang.code)
			do("acknowledge the alert",
				chromedp.Click(chromedp.ID("action-acknowledge")),
				chromedp.WaitVisible(chromedp.CSS(`#alert-status[data-status="acknowledged"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#triage tr[data-action="acknowledge"]`)),
			)
			if st := text("alert status", chromedp.Text(chromedp.ID("alert-status"))); st != lang.alertAcknowledged {
				t.Fatalf("after acknowledging: %q, want %q", st, lang.alertAcknowledged)
			}
			if got, _ := st.Ticket(ctx, tn.ID, al.TicketID); got == nil || got.State != bianque.StateTriaged {
				t.Fatalf("the alert's ticket was not acknowledged with it: %+v", got)
			}
			// Events: filter and text, the next page through htmx, one event.
			evLink := chromedp.CSS(`#event-rows tr[data-event] a.event-link`)
			do("the event search",
				chromedp.Navigate(ts.URL+"/events?filters=event.action%3Daccept&q=FGT60F"),
				chromedp.WaitVisible(evLink),
			)
			if h := text("events title", chromedp.Text(chromedp.CSS("main h1"))); h != lang.eventsTitle {
				t.Fatalf("events page title %q, want %q", h, lang.eventsTitle)
			}
			eventRows := func() int {
				n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#event-rows tr[data-event]").length`))
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := eventRows(); n != 50 {
				t.Fatalf("first page of events: %d rows", n)
			}
			do("more events",
				chromedp.Click(chromedp.CSS("#more-row a")),
				chromedp.WaitVisible(chromedp.CSS(`#event-rows tr[data-event]:nth-of-type(51)`)),
			)
			if n := eventRows(); n != 100 {
				t.Fatalf("after more: %d rows", n)
			}
			screenshot(t, bctx, "events-"+lang.code)
			do("open an event",
				chromedp.Click(evLink),
				chromedp.WaitVisible(chromedp.CSS(`#event-fields tr[data-field="event.action"]`)),
			)
			do("rules and coverage pages",
				chromedp.Navigate(ts.URL+"/rules"),
				chromedp.WaitVisible(chromedp.ID("rule-rows")),
				chromedp.Navigate(ts.URL+"/rules/coverage"),
				chromedp.WaitReady(chromedp.CSS("body[data-charts]")),
				chromedp.WaitVisible(chromedp.CSS("#chart-coverage canvas")),
				chromedp.WaitVisible(chromedp.CSS(`#coverage-matrix a.tech.covered[data-technique="T1110.001"]`)),
			)
			screenshot(t, bctx, "coverage-"+lang.code)
			do("indicators page",
				chromedp.Navigate(ts.URL+"/indicators"),
				chromedp.WaitVisible(chromedp.ID("feeds")),
			)

			// Scopes and scans, and the exposure view, render for a reader.
			do("scans page",
				chromedp.Navigate(ts.URL+"/scans"),
				chromedp.WaitVisible(chromedp.CSS(`#scopes tr[data-scope]`)),
				chromedp.WaitVisible(chromedp.ID("jobs-table")),
				chromedp.Navigate(ts.URL+"/exposure"),
				chromedp.WaitVisible(chromedp.ID("exposure")),
			)

			// Devices: the inventory (above-threshold devices first), then a
			// pump's page with its identity evidence and the peers graph
			// drawn by ECharts.
			pumpLink := chromedp.CSS(`tr[data-device="10.60.3.20"] a.device-link`)
			do("the device inventory",
				chromedp.Navigate(ts.URL+"/devices?tenant="+tn.ID),
				chromedp.WaitVisible(pumpLink),
			)
			if h := text("inventory title", chromedp.Text(chromedp.CSS("main h1"))); h != lang.devices {
				t.Fatalf("inventory title %q, want %q", h, lang.devices)
			}
			above, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.querySelector("#device-rows tr[data-device]").classList.contains("high-risk")`))
			if err != nil || !above {
				t.Fatalf("the first device is not above the acceptable risk: %v", err)
			}
			screenshot(t, bctx, "devices-"+lang.code)
			do("open the pump",
				chromedp.Click(pumpLink),
				chromedp.WaitVisible(chromedp.ID("device-type")),
				chromedp.WaitVisible(chromedp.CSS(`#evidence .protocol[data-protocol="hl7"] tr.conclusion`)),
				chromedp.WaitReady(chromedp.CSS(`body[data-peers-graph="rendered"]`)),
				chromedp.WaitVisible(chromedp.CSS("#peers-chart canvas")),
			)
			if typ := text("device type", chromedp.Text(chromedp.ID("device-type"))); !strings.HasPrefix(typ, lang.pump) {
				t.Fatalf("device type shown %q, want %q", typ, lang.pump)
			}
			edges, err := chromedp.Run(bctx, chromedp.Evaluate[int](`echarts.getInstanceByDom(document.getElementById("peers-chart")).getOption().series[0].links.length`))
			rows, err2 := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#peers-table tbody tr").length`))
			if err != nil || err2 != nil || edges < 2 || edges != rows {
				t.Fatalf("the peers graph draws %d flows, the table lists %d: %v %v", edges, rows, err, err2)
			}
			screenshot(t, bctx, "device-"+lang.code)

			mu.Lock()
			defer mu.Unlock()
			if len(jsErrors) > 0 {
				t.Fatalf("script errors in the page (CSP or code): %v", jsErrors)
			}
		})
	}
}

// screenshot saves the page to $BIANQUE_SCREENSHOTS/<name>.png when set,
// for looking at the portal.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("BIANQUE_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(dir+"/"+name+".png", png, 0o644); err != nil {
		t.Log(err)
	}
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{digits[n%10]}, b...)
	}
	return string(b)
}

const browserRules = `title: Failed logon to the HIS database
id: 60000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
level: high
tags: [attack.credential-access, attack.t1110.001]
`

// browserDetection runs detection over the browser test's store.
func browserDetection(t *testing.T, st *sqlite.DB, svc *service.Services) (*service.AlertService, *service.RuleService, *service.IndicatorService, *detector.Detector) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(browserRules), 0o644); err != nil {
		t.Fatal(err)
	}
	alerts := service.NewAlertService(svc)
	det, err := detector.New(detector.Config{Sources: []ruleset.Source{{Path: dir}}, Store: st, Tickets: alerts})
	if err != nil {
		t.Fatal(err)
	}
	if err := det.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	alerts.Detection = det
	return alerts, service.NewRuleService(svc, det), service.NewIndicatorService(svc, det), det
}

// raiseBrowserAlert feeds failed logons of one attacker (a raw Windows
// event, as the pipeline stores it) and returns the alert they raised.
func raiseBrowserAlert(t *testing.T, det *detector.Detector, st *sqlite.DB, tenant, tag string) *bianque.Alert {
	t.Helper()
	now := time.Now().UTC()
	var evs []*event.Event
	for i := range 4 {
		ev, err := detect.ParseEvent([]byte(`{"Event":{"System":{"Channel":"Security","EventID":"4625","Computer":"his-db-` + tag + `",` +
			`"TimeCreated":{"SystemTime":"` + now.Add(time.Duration(i-4)*time.Minute).Format(time.RFC3339Nano) + `"}},` +
			`"EventData":{"IpAddress":"203.0.113.7","TargetUserName":"administrator","WorkstationName":"KALI"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if err := det.Detect(context.Background(), tenant, evs); err != nil {
		t.Fatal(err)
	}
	list, _, err := st.Alerts(context.Background(), bianque.AlertFilter{TenantIDs: []string{tenant}, Status: bianque.AlertOpen})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Victim.Host == "his-db-"+tag {
			if a.Count != 4 || a.TicketID == "" {
				t.Fatalf("raised alert: count %d, ticket %q", a.Count, a.TicketID)
			}
			return a
		}
	}
	t.Fatalf("no alert raised for %s", tag)
	return nil
}
