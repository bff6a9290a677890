package service_test

import (
	"sync"
	"testing"
	"time"

	"bianque"
)

func clockOf(t *testing.T, cs []bianque.SLAClock, m bianque.SLAMetric) bianque.SLAClock {
	t.Helper()
	for _, c := range cs {
		if c.Metric == m {
			return c
		}
	}
	t.Fatalf("no %s clock in %+v", m, cs)
	return bianque.SLAClock{}
}

func (f *fixture) sla(tk *bianque.Ticket, m bianque.SLAMetric) bianque.SLAClock {
	f.t.Helper()
	cs, err := f.svc.Tickets.SLA(f.as("analyst"), tk.TenantID, tk.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return clockOf(f.t, cs, m)
}

// A major incident raised in working hours must be acknowledged within 15
// minutes (R13.1, R12.3).
func TestSLABreachInWorkingHours(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket("analyst", f.a.ID, bianque.TicketIncident, bianque.SeverityMajor)
	f.clk.Advance(10 * time.Minute)
	c := f.sla(tk, bianque.MetricAcknowledge)
	if c.Status != bianque.SLARunning || c.OffHours || c.Target.Std() != 15*time.Minute || c.DueIn.Std() != 5*time.Minute || c.Breached {
		t.Fatalf("after 10 min: %+v", c)
	}
	f.clk.Advance(10 * time.Minute)
	c = f.sla(tk, bianque.MetricAcknowledge)
	if c.Status != bianque.SLABreached || c.DueIn.Std() != -5*time.Minute || !c.Breached {
		t.Fatalf("after 20 min: %+v", c)
	}
	f.act("analyst", tk, bianque.ActionAcknowledge, "")
	f.clk.Advance(time.Hour)
	c = f.sla(tk, bianque.MetricAcknowledge)
	if c.Status != bianque.SLABreached || c.Stop == nil || c.Elapsed.Std() != 20*time.Minute {
		t.Fatalf("acknowledged late: %+v", c)
	}
}

// Outside working hours (a Saturday, a weekday evening) the off-hours
// target of 30 minutes applies.
func TestSLAOffHours(t *testing.T) {
	for _, raised := range []time.Time{
		time.Date(2026, 3, 7, 10, 0, 0, 0, shanghai), // Saturday
		time.Date(2026, 3, 3, 19, 0, 0, 0, shanghai), // Tuesday evening
	} {
		f := newFixture(t)
		f.clk.Set(raised)
		tk := f.ticket("analyst", f.a.ID, bianque.TicketIncident, bianque.SeverityMajor)
		f.clk.Advance(20 * time.Minute)
		f.act("analyst", tk, bianque.ActionAcknowledge, "")
		c := f.sla(tk, bianque.MetricAcknowledge)
		if !c.OffHours || c.Target.Std() != 30*time.Minute || c.Status != bianque.SLAMet {
			t.Fatalf("raised %v, acknowledged after 20 min: %+v", raised, c)
		}
	}
}

// Vulnerabilities are acknowledged within two working days: the clock
// counts working hours only and its due time skips the weekend.
func TestSLAWorkingTime(t *testing.T) {
	f := newFixture(t)
	f.clk.Set(time.Date(2026, 3, 6, 17, 0, 0, 0, shanghai)) // Friday 17:00
	tk := f.ticket("analyst", f.a.ID, bianque.TicketVulnerability, bianque.SeverityGeneral)
	c := f.sla(tk, bianque.MetricAcknowledge)
	want := time.Date(2026, 3, 10, 17, 0, 0, 0, shanghai) // 1 h Friday + 10 h Monday + 9 h Tuesday
	if !c.WorkingTime || c.Due == nil || !c.Due.Equal(want) {
		t.Fatalf("due %v, want %v (%+v)", c.Due, want, c)
	}
	f.clk.Set(time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai)) // Monday 09:00
	c = f.sla(tk, bianque.MetricAcknowledge)
	if c.Elapsed.Std() != 2*time.Hour || c.Breached {
		t.Fatalf("Monday 09:00: elapsed %v", c.Elapsed.Std())
	}
}

// MTTR counts open time only: after a reopen the closed gap does not count.
func TestSLAReopen(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket("hospital_engineer", f.a.ID, bianque.TicketEmergency, bianque.SeverityGeneral)
	f.clk.Advance(5 * time.Minute)
	f.act("analyst", tk, bianque.ActionAcknowledge, "")
	if c := f.sla(tk, bianque.MetricResolve); c.Status != bianque.SLAPending {
		t.Fatalf("MTTR before authorisation: %+v", c)
	}
	f.act("hospital_admin", tk, bianque.ActionAuthorize, "")
	f.clk.Advance(2 * time.Hour)
	f.act("expert", tk, bianque.ActionClose, "handled")
	f.clk.Advance(5 * time.Hour)
	tk = f.act("hospital_admin", tk, bianque.ActionReopen, "still broken")
	if tk.State != bianque.StateTriaged || tk.ReopenCount != 1 || len(tk.OpenPeriods) != 2 {
		t.Fatalf("reopened: %+v", tk)
	}
	if c := f.sla(tk, bianque.MetricResolve); c.Status != bianque.SLARunning || c.Elapsed.Std() != 2*time.Hour {
		t.Fatalf("just reopened: %+v", c)
	}
	f.clk.Advance(3 * time.Hour)
	f.act("expert", tk, bianque.ActionClose, "fixed for good")
	c := f.sla(tk, bianque.MetricResolve)
	if c.Status != bianque.SLAMet || c.Elapsed.Std() != 5*time.Hour {
		t.Fatalf("closed again: %+v (5 h open, 5 h closed in between)", c)
	}
	tl, err := f.svc.Tickets.Timeline(f.as("auditor"), tk.TenantID, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range tl {
		steps = append(steps, string(e.Kind)+":"+string(e.Action)+":"+e.ActorName)
		if e.At.IsZero() || e.ActorID == "" {
			t.Errorf("timeline entry without time or actor: %+v", e)
		}
	}
	want := "created::hospital_engineer transition:acknowledge:analyst update:authorize:hospital_admin transition:close:expert transition:reopen:hospital_admin transition:close:expert"
	if got := join(steps); got != want {
		t.Fatalf("timeline\n got %s\nwant %s", got, want)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// Attainment figures follow from the ticket records (R13.2).
func TestAttainment(t *testing.T) {
	f := newFixture(t)
	// Last week's ticket is outside the period.
	f.clk.Set(monday10.AddDate(0, 0, -7))
	f.ticket("analyst", f.a.ID, bianque.TicketThreat, bianque.SeverityGeneral)

	f.clk.Set(monday10)
	t1 := f.ticket("analyst", f.a.ID, bianque.TicketIncident, bianque.SeverityMajor)
	f.clk.Set(monday10.Add(10 * time.Minute))
	f.act("analyst", t1, bianque.ActionAcknowledge, "")
	f.act("analyst", t1, bianque.ActionConfirm, "")
	f.clk.Set(monday10.Add(14 * time.Minute))
	f.act("responder", t1, bianque.ActionContain, "")
	f.clk.Set(monday10.Add(15 * time.Minute))
	f.act("hospital_admin", t1, bianque.ActionAuthorize, "")
	f.clk.Set(monday10.Add(2 * time.Hour))
	f.act("expert", t1, bianque.ActionClose, "done")

	f.clk.Set(monday10.Add(time.Hour))
	t2 := f.ticket("analyst", f.a.ID, bianque.TicketIncident, bianque.SeverityMajor)
	f.clk.Set(monday10.Add(80 * time.Minute))
	f.act("analyst", t2, bianque.ActionAcknowledge, "")
	f.act("analyst", t2, bianque.ActionConfirm, "")
	f.clk.Set(monday10.Add(100 * time.Minute))
	f.act("responder", t2, bianque.ActionContain, "")
	f.clk.Set(monday10.Add(4 * time.Hour))
	f.act("expert", t2, bianque.ActionClose, "done without a plan to authorise")

	f.clk.Set(monday10.Add(2 * time.Hour))
	f.ticket("analyst", f.a.ID, bianque.TicketThreat, bianque.SeverityGeneral) // never acknowledged

	f.clk.Set(monday10.Add(5 * time.Hour))
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, shanghai)
	a, err := f.svc.Tickets.Attainment(f.as("service_manager"), f.a.ID, day, day.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if a.Tickets != 3 || a.Closed != 2 || a.ClosureRate != 2.0/3 {
		t.Fatalf("tickets %d closed %d rate %v", a.Tickets, a.Closed, a.ClosureRate)
	}
	check := func(m bianque.SLAMetric, measured, within, breached int, mean time.Duration) {
		t.Helper()
		ma := a.Metrics[m]
		if ma == nil || ma.Measured != measured || ma.WithinTarget != within || ma.Breached != breached || ma.Mean.Std() != mean ||
			ma.Share != float64(within)/float64(measured) {
			t.Fatalf("%s: %+v, want measured %d within %d breached %d mean %v", m, ma, measured, within, breached, mean)
		}
	}
	check(bianque.MetricAcknowledge, 3, 1, 2, 15*time.Minute) // 10 min met, 20 min late, one still running late
	check(bianque.MetricContain, 2, 1, 1, 27*time.Minute)     // 14 min met, 40 min late
	check(bianque.MetricResolve, 1, 1, 0, 105*time.Minute)    // from authorisation to closure; t2 was never authorised
	if got := a.ByType[bianque.TicketIncident][bianque.MetricAcknowledge].Measured; got != 2 {
		t.Fatalf("incident acknowledgements measured %d", got)
	}
	_, err = f.svc.Tickets.Attainment(f.as("platform_admin"), f.a.ID, day, day.AddDate(0, 0, 1))
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = f.svc.Tickets.Attainment(f.as("service_manager"), f.b.ID, day, day.AddDate(0, 0, 1))
	wantCode(t, err, bianque.ENOTFOUND)
}

// Two people acting on one ticket at once: the store's version check makes
// one of them see the other's change, never a lost update.
func TestConcurrentActions(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket("analyst", f.a.ID, bianque.TicketThreat, bianque.SeverityMajor)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []string{"analyst", "expert"} {
		wg.Add(1)
		go func(i int, who string) {
			defer wg.Done()
			_, errs[i] = f.svc.Tickets.Act(f.as(who), tk.TenantID, tk.ID, bianque.ActionAcknowledge, "")
		}(i, who)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch bianque.ErrorCode(err) {
		case "":
			ok++
		case bianque.ECONFLICT:
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d acknowledgements succeeded: %v", ok, errs)
	}
	tl, _ := f.svc.Tickets.Timeline(f.as("analyst"), tk.TenantID, tk.ID)
	if len(tl) != 2 {
		t.Fatalf("timeline has %d entries, want created + one acknowledgement", len(tl))
	}
}

func TestTicketRules(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket("analyst", f.a.ID, bianque.TicketThreat, bianque.SeverityGeneral)
	_, err := f.svc.Tickets.Act(f.as("responder"), tk.TenantID, tk.ID, bianque.ActionAcknowledge, "")
	wantCode(t, err, bianque.EFORBIDDEN) // triage is the analyst's, not the responder's (R15.3)
	f.act("analyst", tk, bianque.ActionAcknowledge, "")
	_, err = f.svc.Tickets.Act(f.as("analyst"), tk.TenantID, tk.ID, bianque.ActionContain, "")
	wantCode(t, err, bianque.EFORBIDDEN) // containment is the responder's
	_, err = f.svc.Tickets.Act(f.as("analyst"), tk.TenantID, tk.ID, bianque.ActionClose, "")
	wantCode(t, err, bianque.EINVALID) // closing needs a note
	_, err = f.svc.Tickets.Act(f.as("analyst"), tk.TenantID, tk.ID, bianque.ActionAcknowledge, "")
	wantCode(t, err, bianque.ECONFLICT)
	_, err = f.svc.Tickets.Act(f.as("b-admin"), tk.TenantID, tk.ID, bianque.ActionReopen, "x")
	wantCode(t, err, bianque.ENOTFOUND)

	err = f.svc.Tickets.CreateTicket(f.as("hospital_engineer"), &bianque.Ticket{TenantID: f.a.ID, Type: bianque.TicketThreat, Title: "x"})
	wantCode(t, err, bianque.EFORBIDDEN) // hospitals raise emergencies
	err = f.svc.Tickets.CreateTicket(f.as("analyst"), &bianque.Ticket{TenantID: f.b.ID, Type: bianque.TicketThreat, Title: "x"})
	wantCode(t, err, bianque.ENOTFOUND)
	err = f.svc.Tickets.CreateTicket(f.as("analyst"), &bianque.Ticket{TenantID: f.a.ID, Type: bianque.TicketThreat, Title: "x", AssigneeID: f.users["b-admin"].ID})
	wantCode(t, err, bianque.EINVALID) // an assignee who cannot see the tenant

	if _, err := f.svc.Tickets.Assign(f.as("analyst"), tk.TenantID, tk.ID, f.users["responder"].ID, 2); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Tickets.Ticket(f.as("analyst"), tk.TenantID, tk.ID)
	if got.AssigneeID != f.users["responder"].ID || got.Tier != 2 {
		t.Fatalf("assigned: %+v", got)
	}
	_, err = f.svc.Tickets.Assign(f.as("responder"), tk.TenantID, tk.ID, "", 0)
	wantCode(t, err, bianque.EFORBIDDEN)
	if _, err := f.svc.Tickets.Comment(f.as("hospital_engineer"), tk.TenantID, tk.ID, "we rebooted it"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Tickets.Comment(f.as("hospital_viewer"), tk.TenantID, tk.ID, "x")
	wantCode(t, err, bianque.EFORBIDDEN)
}

// Every read of tenant data by provider staff is audited; hospital staff
// reading their own hospital's data are not.
func TestProviderReadsAreAudited(t *testing.T) {
	f := newFixture(t)
	tk := f.ticket("analyst", f.a.ID, bianque.TicketThreat, bianque.SeverityGeneral)
	count := func() int {
		n := 0
		for _, e := range f.auditEntries(f.a.ID) {
			if e.Action == "ticket.read" && e.ObjectID == tk.ID {
				n++
				if e.ActorRole == "" || e.ActorName == "" || e.SourceIP != "10.0.0.5" {
					t.Fatalf("read entry lacks actor, role or address: %+v", e)
				}
			}
		}
		return n
	}
	if _, err := f.svc.Tickets.Ticket(f.as("auditor"), f.a.ID, tk.ID); err != nil {
		t.Fatal(err)
	}
	if count() != 1 {
		t.Fatal("the auditor's read is not in the log")
	}
	if _, err := f.svc.Tickets.Ticket(f.as("hospital_viewer"), f.a.ID, tk.ID); err != nil {
		t.Fatal(err)
	}
	if count() != 1 {
		t.Fatal("a hospital read must not be logged as provider access")
	}
	if _, _, err := f.svc.Tickets.Tickets(f.as("expert"), bianque.TicketFilter{}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range f.auditEntries(f.a.ID) {
		found = found || (e.Action == "ticket.list" && e.ActorName == "expert")
	}
	if !found {
		t.Fatal("a provider's ticket list is not in the log")
	}
}
