package service_test

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bianque"
	"bianque/service"
)

// fakeService listens on addr and answers like a server: a greeting (SSH),
// or +PONG and INFO to a Redis PING. It counts connections.
type fakeService struct {
	ln     net.Listener
	greet  atomic.Value // string; "" = speak only when spoken to
	conns  atomic.Int64
	closed sync.WaitGroup
}

func startFake(t *testing.T, addr, greeting string) *fakeService {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeService{ln: ln}
	f.greet.Store(greeting)
	f.closed.Add(1)
	go func() {
		defer f.closed.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.conns.Add(1)
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				if g := f.greet.Load().(string); g != "" {
					io.WriteString(c, g)
					io.Copy(io.Discard, c)
					return
				}
				buf := make([]byte, 512)
				n, _ := c.Read(buf)
				if strings.HasPrefix(string(buf[:n]), "PING") {
					io.WriteString(c, "+PONG\r\n$38\r\n# Server\r\nredis_version:7.0.15\r\n\r\n")
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); f.closed.Wait() })
	return f
}

func (f *fakeService) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func newScanService(f *fixture) (*service.ScanService, *service.FindingService) {
	fsvc := service.NewFindingService(f.svc, nil, nil)
	ss := service.NewScanService(f.svc, fsvc)
	ss.BannerWait, ss.DialTimeout, ss.PollInterval = 200*time.Millisecond, time.Second, 20*time.Millisecond
	return ss, fsvc
}

func waitJob(t *testing.T, ss *service.ScanService, ctx context.Context, tenant, id string) *bianque.ScanJob {
	t.Helper()
	ss.Wait()
	j, err := ss.Job(ctx, tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestScanJobsFromThePlatform(t *testing.T) {
	f := newFixture(t)
	ss, fsvc := newScanService(f)
	ctx := context.Background()
	sshd := startFake(t, "127.0.0.1:0", "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n")
	redis := startFake(t, "127.0.0.1:0", "")
	host := &bianque.Asset{TenantID: f.a.ID, Name: "his-db", Kind: bianque.AssetServer, Importance: 4, IPs: []string{"127.0.0.1"}}
	if err := f.st.CreateAsset(ctx, host); err != nil {
		t.Fatal(err)
	}
	// Scopes: scan.run manages them, finding.read reads them.
	scope := &bianque.ScanScope{TenantID: f.a.ID, Name: "lab", Include: []string{"127.0.0.1/32"}}
	wantCode(t, ss.CreateScope(f.as("analyst"), scope), bianque.EFORBIDDEN)
	wantCode(t, ss.CreateScope(f.as("b-admin"), scope), bianque.ENOTFOUND)
	if err := ss.CreateScope(f.as("expert"), scope); err != nil {
		t.Fatal(err)
	}
	if scope.AuthorizedBy != "expert" || scope.Vantage != bianque.VantageInternal {
		t.Fatalf("scope %+v", scope)
	}
	if l, err := ss.Scopes(f.as("hospital_viewer"), f.a.ID); err != nil || len(l) != 1 {
		t.Fatalf("viewer reads scopes: %v %v", l, err)
	}
	ports := strconv.Itoa(sshd.port()) + "," + strconv.Itoa(redis.port())
	// A target outside the scope refuses the whole request; nothing is queued.
	outside := startFake(t, "127.0.0.2:0", "SSH-2.0-x\r\n")
	_, err := ss.StartScan(f.as("expert"), f.a.ID, bianque.ScanJobSpec{ScopeID: scope.ID, Targets: "127.0.0.1,127.0.0.2", Ports: ports})
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = ss.StartScan(f.as("analyst"), f.a.ID, bianque.ScanJobSpec{ScopeID: scope.ID, Ports: ports})
	wantCode(t, err, bianque.EFORBIDDEN)
	if jobs, _, _ := ss.Jobs(f.as("expert"), bianque.ScanJobFilter{TenantIDs: []string{f.a.ID}}); len(jobs) != 0 {
		t.Fatalf("refused scans left jobs: %+v", jobs)
	}
	// First scan: services recorded, findings ingested with tickets, no change ticket.
	j, err := ss.StartScan(f.as("responder"), f.a.ID, bianque.ScanJobSpec{ScopeID: scope.ID, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	if j.State != bianque.ScanQueued {
		t.Fatalf("new job %+v", j)
	}
	j = waitJob(t, ss, f.as("responder"), f.a.ID, j.ID)
	if j.State != bianque.ScanDone || j.Summary.Services != 2 || j.Summary.Findings < 1 || j.Summary.Created < 1 || j.Summary.ChangeTickets != 0 || j.Progress.Phase != "done" {
		t.Fatalf("first scan %+v", j)
	}
	if outside.conns.Load() != 0 {
		t.Fatalf("the out-of-scope listener got %d connections", outside.conns.Load())
	}
	a, _ := f.st.Asset(ctx, f.a.ID, host.ID)
	if len(a.Services) != 2 || a.Services[0].Product == "" && a.Services[1].Product == "" {
		t.Fatalf("ledger services %+v", a.Services)
	}
	list, _, err := fsvc.Findings(f.as("analyst"), bianque.FindingFilter{TenantIDs: []string{f.a.ID}})
	if err != nil || len(list) == 0 {
		t.Fatalf("findings %v %v", list, err)
	}
	var noauth *bianque.Finding
	for _, x := range list {
		if x.PluginID == "noauth-redis" {
			noauth = x
		}
	}
	if noauth == nil || noauth.TicketID == "" || noauth.AssetID != host.ID {
		t.Fatalf("no-auth Redis finding %+v", list)
	}
	// The SSH server is upgraded: the second scan opens a change ticket (R6.3).
	sshd.greet.Store("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
	j2, err := ss.StartScan(f.as("expert"), f.a.ID, bianque.ScanJobSpec{ScopeID: scope.ID, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	j2 = waitJob(t, ss, f.as("expert"), f.a.ID, j2.ID)
	if j2.State != bianque.ScanDone || j2.Summary.ChangeTickets != 1 || j2.Summary.Created != 0 {
		t.Fatalf("second scan %+v", j2)
	}
	tks, _, _ := f.st.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{f.a.ID}, Page: bianque.Page{Limit: 100}})
	change := 0
	for _, tk := range tks {
		if tk.Source == "scan:asset-change:"+host.ID && strings.Contains(tk.Title, "7.4p1 → OpenSSH 9.2p1") {
			change++
		}
	}
	if change != 1 {
		t.Fatalf("%d change tickets among %d tickets", change, len(tks))
	}
	// History of a finding: its ticket's timeline.
	hist, err := fsvc.History(f.as("hospital_viewer"), f.a.ID, noauth.ID)
	if err != nil || len(hist) == 0 {
		t.Fatalf("history %v %v", hist, err)
	}

	// Cancel: a full-range scan at 100 attempts/s would take minutes.
	slow, err := ss.StartScan(f.as("expert"), f.a.ID, bianque.ScanJobSpec{ScopeID: scope.ID, Ports: "all", Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, func() error { _, err := ss.CancelScan(f.as("analyst"), f.a.ID, slow.ID); return err }(), bianque.EFORBIDDEN)
	time.Sleep(100 * time.Millisecond)
	if _, err := ss.CancelScan(f.as("expert"), f.a.ID, slow.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	slow = waitJob(t, ss, f.as("expert"), f.a.ID, slow.ID)
	if slow.State != bianque.ScanCancelled || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled scan %+v after %v", slow, time.Since(start))
	}
	if _, err := ss.CancelScan(f.as("expert"), f.a.ID, slow.ID); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("cancel a finished scan: %v", err)
	}

	// The exposure view: the same services reached from an external scope.
	ext := &bianque.ScanScope{TenantID: f.a.ID, Name: "internet", Vantage: bianque.VantageExternal, Include: []string{"127.0.0.1"}}
	if err := ss.CreateScope(f.as("service_manager"), ext); err != nil {
		t.Fatal(err)
	}
	j3, err := ss.StartScan(f.as("expert"), f.a.ID, bianque.ScanJobSpec{ScopeID: ext.ID, Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	j3 = waitJob(t, ss, f.as("expert"), f.a.ID, j3.ID)
	if j3.State != bianque.ScanDone || j3.Summary.Exposed != 2 || j3.Summary.ChangeTickets != 0 {
		t.Fatalf("external scan %+v", j3)
	}
	a, _ = f.st.Asset(ctx, f.a.ID, host.ID)
	a.Services = append(a.Services, bianque.Service{Port: 3389, Protocol: "tcp", Name: "rdp", Exposed: true})
	if err := f.st.UpdateAsset(ctx, a); err != nil {
		t.Fatal(err)
	}
	exp, err := ss.Exposure(f.as("hospital_admin"), f.a.ID)
	if err != nil || len(exp) != 3 {
		t.Fatalf("exposure %+v %v", exp, err)
	}
	if !exp[0].HighRisk || exp[0].Port != 3389 || exp[0].RiskName != "rdp" || exp[1].HighRisk || !exp[0].Important {
		t.Fatalf("exposure order or flags %+v", exp)
	}
	withFindings := 0
	for _, e := range exp {
		withFindings += e.Findings
	}
	if withFindings == 0 {
		t.Fatalf("exposed services carry no findings: %+v", exp)
	}
	_, err = ss.Exposure(f.as("b-admin"), f.a.ID)
	wantCode(t, err, bianque.ENOTFOUND)

	// Every step is audited.
	actions := map[string]int{}
	for _, e := range f.auditEntries(f.a.ID) {
		actions[e.Action]++
	}
	for _, want := range []string{"scan.scope.create", "scan.refused", "scan.start", "scan.finish", "scan.cancel", "asset.scan_change", "finding.ingest", "asset.exposure"} {
		if actions[want] == 0 {
			t.Errorf("no %s audit entry: %v", want, actions)
		}
	}
}

func TestScanJobMedicalDevice(t *testing.T) {
	f := newFixture(t)
	ss, _ := newScanService(f)
	ctx := context.Background()
	pump := startFake(t, "127.0.0.3:0", "SSH-2.0-dropbear_2019.78\r\n")
	dev := &bianque.Asset{TenantID: f.a.ID, Name: "infusion pump", Kind: bianque.AssetMedical, Importance: 5, IPs: []string{"127.0.0.3"},
		Medical: &bianque.MedicalProfile{LifeSupporting: true}}
	if err := f.st.CreateAsset(ctx, dev); err != nil {
		t.Fatal(err)
	}
	scope := &bianque.ScanScope{TenantID: f.a.ID, Name: "ward", Include: []string{"127.0.0.3"}}
	if err := ss.CreateScope(f.as("expert"), scope); err != nil {
		t.Fatal(err)
	}
	spec := bianque.ScanJobSpec{ScopeID: scope.ID, Ports: strconv.Itoa(pump.port())}
	j, err := ss.StartScan(f.as("expert"), f.a.ID, spec)
	if err != nil {
		t.Fatal(err)
	}
	j = waitJob(t, ss, f.as("expert"), f.a.ID, j.ID)
	if j.State != bianque.ScanDone || j.Summary.Skipped != 1 || pump.conns.Load() != 0 {
		t.Fatalf("medical device scanned without override: %+v, %d connections", j, pump.conns.Load())
	}
	// A person with scan.override allows this one device; the scan audits its use.
	_, err = ss.SetMedicalOverride(f.as("analyst"), f.a.ID, dev.ID, true, "x")
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = ss.SetMedicalOverride(f.as("expert"), f.a.ID, dev.ID, true, "")
	wantCode(t, err, bianque.EINVALID)
	if dev, err = ss.SetMedicalOverride(f.as("expert"), f.a.ID, dev.ID, true, "vendor engineer on site, device in maintenance mode"); err != nil {
		t.Fatal(err)
	}
	if !dev.ActiveProbeAllowed() || dev.Medical.ScanOverrideBy != "expert" {
		t.Fatalf("override not recorded: %+v", dev.Medical)
	}
	j, err = ss.StartScan(f.as("expert"), f.a.ID, spec)
	if err != nil {
		t.Fatal(err)
	}
	j = waitJob(t, ss, f.as("expert"), f.a.ID, j.ID)
	if j.State != bianque.ScanDone || j.Summary.Skipped != 0 || j.Summary.Overrides != 1 || pump.conns.Load() == 0 {
		t.Fatalf("override scan %+v", j)
	}
	n := 0
	for _, e := range f.auditEntries(f.a.ID) {
		if e.Action == "scan.medical_override" && e.ObjectID == dev.ID && e.ActorName == "expert" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d scan.medical_override audit entries, want 1", n)
	}
	overrides := 0
	for _, e := range f.auditEntries(f.a.ID) {
		if e.Action == "scan.override" && e.ObjectID == dev.ID && strings.Contains(e.Detail, "maintenance mode") {
			overrides++
		}
	}
	if overrides != 1 {
		t.Fatalf("%d scan.override audit entries, want 1", overrides)
	}
}

func TestOverdueRemindersAndExpiry(t *testing.T) {
	f := newFixture(t)
	fsvc := service.NewFindingService(f.svc, nil, nil)
	report := []*bianque.Finding{
		{Title: "SMBv1 enabled", Severity: bianque.VulnHigh, Scanner: "nessus", PluginID: "1", Host: "10.1.0.5", Port: 445, Protocol: "tcp", Count: 1},
		{Title: "Weak TLS", Severity: bianque.VulnMedium, Scanner: "nessus", PluginID: "2", Host: "10.1.0.6", Port: 443, Protocol: "tcp", Count: 1},
	}
	if _, err := fsvc.Ingest(f.as("analyst"), f.a.ID, report); err != nil {
		t.Fatal(err)
	}
	list, _, _ := fsvc.Findings(f.as("analyst"), bianque.FindingFilter{TenantIDs: []string{f.a.ID}, Host: "10.1.0.6"})
	until := f.clk.Now().Add(40 * 24 * time.Hour)
	if _, err := fsvc.Act(f.as("analyst"), f.a.ID, list[0].ID, bianque.FindingActAcceptRisk, "compensating control", &until); err != nil {
		t.Fatal(err)
	}
	runner := &service.JobRunner{Store: f.st.(bianque.JobRunStore), Locker: &service.LocalLocker{}, Clock: f.clk}
	if err := runner.Add(service.Job{Name: "finding.overdue", Every: time.Hour, Run: fsvc.RemindOverdue}); err != nil {
		t.Fatal(err)
	}
	ran, err := runner.RunDue(context.Background())
	if err != nil || len(ran) != 1 {
		t.Fatalf("first run %v %v", ran, err)
	}
	notes := func(id string) int {
		fd, _ := f.st.(bianque.FindingStore).Finding(context.Background(), f.a.ID, id)
		tl, _ := f.st.Timeline(context.Background(), f.a.ID, fd.TicketID)
		n := 0
		for _, e := range tl {
			if strings.HasPrefix(e.Note, "overdue reminder") {
				n++
			}
		}
		return n
	}
	smb, _, _ := fsvc.Findings(f.as("analyst"), bianque.FindingFilter{TenantIDs: []string{f.a.ID}, Host: "10.1.0.5"})
	if notes(smb[0].ID) != 0 {
		t.Fatal("a reminder before the due date")
	}
	// 16 days on: the high finding (major ticket, 15 days) is overdue.
	f.clk.Advance(16 * 24 * time.Hour)
	if ran, _ := runner.RunDue(context.Background()); len(ran) != 1 || notes(smb[0].ID) != 1 {
		t.Fatalf("overdue run %v: %d notes", ran, notes(smb[0].ID))
	}
	// Within the job's period nothing runs; a day later one more reminder.
	f.clk.Advance(30 * time.Minute)
	if ran, _ := runner.RunDue(context.Background()); len(ran) != 0 {
		t.Fatalf("job ran within its period: %v", ran)
	}
	f.clk.Advance(2 * time.Hour)
	runner.RunDue(context.Background())
	if notes(smb[0].ID) != 1 {
		t.Fatal("a second reminder within a day")
	}
	f.clk.Advance(24 * time.Hour)
	runner.RunDue(context.Background())
	if notes(smb[0].ID) != 2 {
		t.Fatalf("%d reminders after a day more", notes(smb[0].ID))
	}
	// The risk acceptance expires after 40 days: the finding reopens.
	f.clk.Advance(30 * 24 * time.Hour)
	runner.RunDue(context.Background())
	got, _ := fsvc.Finding(f.as("analyst"), f.a.ID, list[0].ID)
	if got.State != bianque.FindingOpen || got.ReopenCount != 1 {
		t.Fatalf("expired acceptance: %+v", got)
	}
	actions := map[string]int{}
	for _, e := range f.auditEntries(f.a.ID) {
		actions[e.Action]++
	}
	if actions["finding.overdue_reminder"] == 0 || actions["finding.acceptance_expired"] != 1 {
		t.Fatalf("audit %v", actions)
	}
}

// Two runners (two nodes) over one store and lock run a due job once.
func TestJobRunnerRunsOncePerPeriod(t *testing.T) {
	f := newFixture(t)
	var runs atomic.Int32
	lock := &service.LocalLocker{}
	job := service.Job{Name: "count", Every: time.Hour, Run: func(ctx context.Context, now time.Time) (string, error) {
		runs.Add(1)
		time.Sleep(50 * time.Millisecond)
		return "ok", nil
	}}
	var rs []*service.JobRunner
	for range 2 {
		r := &service.JobRunner{Store: f.st.(bianque.JobRunStore), Locker: lock, Clock: f.clk}
		if err := r.Add(job); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func() { defer wg.Done(); r.RunDue(context.Background()) }()
	}
	wg.Wait()
	for _, r := range rs {
		r.RunDue(context.Background())
	}
	if runs.Load() != 1 {
		t.Fatalf("%d runs, want 1", runs.Load())
	}
	f.clk.Advance(time.Hour)
	rs[1].RunDue(context.Background())
	rs[0].RunDue(context.Background())
	if runs.Load() != 2 {
		t.Fatalf("%d runs after a period, want 2", runs.Load())
	}
	if err := rs[0].Add(job); err == nil {
		t.Fatal("a job registered twice")
	}
}

func TestProtectNow(t *testing.T) {
	f := newFixture(t)
	fsvc := service.NewFindingService(f.svc, nil, nil)
	if _, err := fsvc.Ingest(f.as("analyst"), f.a.ID, []*bianque.Finding{{Title: "MS17-010", Severity: bianque.VulnCritical, CVEs: []string{"CVE-2017-0144"},
		Scanner: "nessus", PluginID: "97833", Host: "10.1.0.5", Port: 445, Protocol: "tcp", Count: 1}}); err != nil {
		t.Fatal(err)
	}
	list, _, _ := fsvc.Findings(f.as("analyst"), bianque.FindingFilter{TenantIDs: []string{f.a.ID}})
	fd := list[0]
	req := bianque.ProtectRequest{Reason: "wormable; patch window next week", Allow: []string{"10.1.0.0/28"}}
	_, err := fsvc.Protect(f.as("analyst"), f.a.ID, fd.ID, req)
	wantCode(t, err, bianque.EFORBIDDEN) // containment is not triage
	_, err = fsvc.Protect(f.as("b-admin"), f.a.ID, fd.ID, req)
	wantCode(t, err, bianque.ENOTFOUND)
	v, err := fsvc.Protect(f.as("responder"), f.a.ID, fd.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != bianque.PatchRequested || v.Host != "10.1.0.5" || v.Port != 445 || v.Protocol != "tcp" || v.Direction != "inbound" || v.Until == nil || len(v.History) != 1 {
		t.Fatalf("request %+v", v)
	}
	_, err = fsvc.Protect(f.as("expert"), f.a.ID, fd.ID, req)
	wantCode(t, err, bianque.ECONFLICT)
	// The playbook engine picks it up and reports back.
	pending, _, err := fsvc.VirtualPatches(f.as("responder"), bianque.VirtualPatchFilter{States: []bianque.VirtualPatchState{bianque.PatchRequested}})
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending %v %v", pending, err)
	}
	_, err = fsvc.SetVirtualPatchState(f.as("responder"), f.a.ID, v.ID, bianque.VirtualPatchUpdate{State: bianque.PatchFailed})
	wantCode(t, err, bianque.EINVALID)
	if _, err := fsvc.SetVirtualPatchState(f.as("responder"), f.a.ID, v.ID, bianque.VirtualPatchUpdate{State: bianque.PatchInProgress}); err != nil {
		t.Fatal(err)
	}
	v, err = fsvc.SetVirtualPatchState(f.as("responder"), f.a.ID, v.ID, bianque.VirtualPatchUpdate{State: bianque.PatchApplied, Firewall: "fw-core-1", RuleRef: "policy 4711"})
	if err != nil || v.State != bianque.PatchApplied || len(v.History) != 3 || v.Firewall != "fw-core-1" {
		t.Fatalf("applied %+v %v", v, err)
	}
	_, err = fsvc.SetVirtualPatchState(f.as("responder"), f.a.ID, v.ID, bianque.VirtualPatchUpdate{State: bianque.PatchRequested})
	wantCode(t, err, bianque.ECONFLICT)
	hist, _ := fsvc.History(f.as("hospital_viewer"), f.a.ID, fd.ID)
	var seen []string
	for _, e := range hist {
		seen = append(seen, e.Note)
	}
	if !strings.Contains(strings.Join(seen, "|"), "virtual patch in_progress → applied on fw-core-1") {
		t.Fatalf("ticket timeline %q", seen)
	}
}

// A job left running by a node that stopped is marked failed after
// StaleAfter without progress; a fresh one is left alone.
func TestReapStaleScanJobs(t *testing.T) {
	f := newFixture(t)
	ss, _ := newScanService(f)
	st := f.st.(bianque.ScanStore)
	old := &bianque.ScanJob{TenantID: f.a.ID, Spec: bianque.ScanJobSpec{ScopeID: "s"}, State: bianque.ScanRunning, Node: "node-2", CreatedAt: f.clk.Now()}
	if err := st.CreateScanJob(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(service.StaleAfter + time.Minute)
	fresh := &bianque.ScanJob{TenantID: f.a.ID, Spec: bianque.ScanJobSpec{ScopeID: "s"}, State: bianque.ScanRunning, Node: "node-1", CreatedAt: f.clk.Now()}
	if err := st.CreateScanJob(context.Background(), fresh); err != nil {
		t.Fatal(err)
	}
	status, err := ss.ReapStale(context.Background(), f.clk.Now())
	if err != nil || status != "reaped 1" {
		t.Fatalf("%q %v", status, err)
	}
	got, _ := st.ScanJob(context.Background(), f.a.ID, old.ID)
	if got.State != bianque.ScanFailed || !strings.Contains(got.Summary.Error, "node-2") {
		t.Fatalf("stale job %+v", got)
	}
	if got, _ := st.ScanJob(context.Background(), f.a.ID, fresh.ID); got.State != bianque.ScanRunning {
		t.Fatalf("fresh job %+v", got)
	}
}
