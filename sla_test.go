package bianque_test

import (
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// at returns a time in Shanghai; 2026-03-02 is a Monday.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, shanghai)
}

func analyst() *bianque.Principal {
	return &bianque.Principal{UserID: "u1", Username: "ana", Role: bianque.RoleExpert, Tenants: []string{"t1"}}
}

func newTicket(tt bianque.TicketType, sev bianque.Severity, now time.Time) *bianque.Ticket {
	t := &bianque.Ticket{TenantID: "t1", Type: tt, Severity: sev, Title: "x"}
	bianque.NewTicket(t, now)
	return t
}

func clock(t *testing.T, clocks []bianque.SLAClock, m bianque.SLAMetric) bianque.SLAClock {
	t.Helper()
	for _, c := range clocks {
		if c.Metric == m {
			return c
		}
	}
	t.Fatalf("no %s clock in %+v", m, clocks)
	return bianque.SLAClock{}
}

func TestCalendarWorkingTime(t *testing.T) {
	cal := bianque.Calendar{
		TimeZone: "Asia/Shanghai",
		Weekdays: []time.Weekday{1, 2, 3, 4, 5},
		Start:    "08:00", End: "18:00",
		Holidays: []string{"2026-03-04"}, // a Wednesday off
		Workdays: []string{"2026-03-07"}, // a Saturday on (make-up day)
	}.MustCompile()
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"inside one day", at(2, 9, 0), at(2, 10, 30), 90 * time.Minute},
		{"across the night", at(2, 17, 0), at(3, 9, 0), 2 * time.Hour},
		{"across a holiday", at(3, 17, 0), at(5, 9, 0), 2 * time.Hour},
		{"make-up Saturday counts", at(6, 17, 0), at(7, 9, 0), 2 * time.Hour},
		{"Sunday does not", at(7, 18, 0), at(9, 8, 0), 0},
		{"before hours", at(2, 6, 0), at(2, 8, 30), 30 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.WorkingBetween(tc.from, tc.to); got != tc.want {
				t.Fatalf("WorkingBetween = %v, want %v", got, tc.want)
			}
			due, ok := cal.AddWorking(tc.from, tc.want)
			if !ok {
				t.Fatal("AddWorking found no working time")
			}
			if tc.want > 0 && cal.WorkingBetween(tc.from, due) != tc.want {
				t.Fatalf("AddWorking(%v) = %v, which is not %v of working time", tc.from, due, tc.want)
			}
		})
	}
	if !cal.IsWorkingTime(at(2, 8, 0)) || cal.IsWorkingTime(at(2, 18, 0)) || cal.IsWorkingTime(at(4, 10, 0)) {
		t.Fatal("IsWorkingTime boundaries wrong")
	}
	if _, ok := (bianque.Calendar{TimeZone: "UTC", Start: "08:00", End: "18:00"}).MustCompile().AddWorking(at(2, 9, 0), time.Hour); ok {
		t.Fatal("a calendar without working days must not find working time")
	}
}

func TestSLAAcknowledgeBreachAndDueIn(t *testing.T) {
	contract := bianque.DefaultContract()
	cal := contract.Calendar.MustCompile()
	clk := testutil.NewFakeClock(at(2, 10, 0))
	tk := newTicket(bianque.TicketThreat, bianque.SeverityMajor, clk.Now())

	c := clock(t, bianque.EvaluateSLA(tk, &contract, cal, clk.Advance(20*time.Minute)), bianque.MetricAcknowledge)
	if c.Status != bianque.SLARunning || c.DueIn.Std() != 10*time.Minute || c.Breached {
		t.Fatalf("at +20m: %+v", c)
	}
	c = clock(t, bianque.EvaluateSLA(tk, &contract, cal, clk.Advance(15*time.Minute)), bianque.MetricAcknowledge)
	if c.Status != bianque.SLABreached || c.DueIn.Std() != -5*time.Minute || !c.Breached {
		t.Fatalf("at +35m: %+v", c)
	}
	if _, err := bianque.ApplyAction(analyst(), tk, bianque.ActionAcknowledge, "", clk.Now()); err != nil {
		t.Fatal(err)
	}
	c = clock(t, bianque.EvaluateSLA(tk, &contract, cal, clk.Advance(time.Hour)), bianque.MetricAcknowledge)
	if c.Status != bianque.SLABreached || c.Elapsed.Std() != 35*time.Minute || c.Stop == nil {
		t.Fatalf("acknowledged late: %+v", c)
	}
}

func TestSLAOffHoursTarget(t *testing.T) {
	contract := bianque.DefaultContract()
	cal := contract.Calendar.MustCompile()
	// A major incident at 22:00 has 30 minutes (R12.3), at 10:00 only 15.
	for _, tc := range []struct {
		raised time.Time
		want   time.Duration
		off    bool
	}{{at(2, 10, 0), 15 * time.Minute, false}, {at(2, 22, 0), 30 * time.Minute, true}, {at(7, 10, 0), 30 * time.Minute, true}} {
		tk := newTicket(bianque.TicketIncident, bianque.SeverityMajor, tc.raised)
		c := clock(t, bianque.EvaluateSLA(tk, &contract, cal, tc.raised.Add(20*time.Minute)), bianque.MetricAcknowledge)
		if c.Target.Std() != tc.want || c.OffHours != tc.off {
			t.Fatalf("raised %v: target %v off=%v, want %v off=%v", tc.raised, c.Target, c.OffHours, tc.want, tc.off)
		}
		if c.Breached != (tc.want < 20*time.Minute) {
			t.Fatalf("raised %v: breached=%v after 20 min", tc.raised, c.Breached)
		}
	}
}

func TestSLAWorkingTimeVulnerabilityReport(t *testing.T) {
	contract := bianque.DefaultContract()
	cal := contract.Calendar.MustCompile()
	// Raised Friday 17:00: two working days (20 working hours) end Tuesday 17:00.
	tk := newTicket(bianque.TicketVulnerability, bianque.SeverityGeneral, at(6, 17, 0))
	c := clock(t, bianque.EvaluateSLA(tk, &contract, cal, at(8, 12, 0)), bianque.MetricAcknowledge)
	if c.Due == nil || !c.Due.Equal(at(10, 17, 0)) {
		t.Fatalf("due %v, want Tuesday 17:00", c.Due)
	}
	if c.Elapsed.Std() != time.Hour {
		t.Fatalf("elapsed over the weekend = %v, want 1h of working time", c.Elapsed)
	}
}

func TestSLAResolveFromAuthorisationWithReopen(t *testing.T) {
	contract := bianque.DefaultContract()
	cal := contract.Calendar.MustCompile()
	clk := testutil.NewFakeClock(at(2, 9, 0))
	p := analyst()
	p.Role = bianque.RoleServiceManager
	tk := newTicket(bianque.TicketIncident, bianque.SeverityGeneral, clk.Now())

	c := clock(t, bianque.EvaluateSLA(tk, &contract, cal, clk.Advance(time.Hour)), bianque.MetricResolve)
	if c.Status != bianque.SLAPending {
		t.Fatalf("before authorisation: %+v", c)
	}
	if _, err := bianque.ApplyAction(p, tk, bianque.ActionAuthorize, "", clk.Now()); err != nil {
		t.Fatal(err)
	}
	expert := analyst()
	for _, a := range []bianque.TicketAction{bianque.ActionAcknowledge, bianque.ActionConfirm, bianque.ActionContain} {
		if _, err := bianque.ApplyAction(expert, tk, a, "", clk.Advance(10*time.Minute)); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	clk.Set(at(2, 13, 0)) // 3 h after authorisation
	if _, err := bianque.ApplyAction(expert, tk, bianque.ActionClose, "cleaned", clk.Now()); err != nil {
		t.Fatal(err)
	}
	c = clock(t, bianque.EvaluateSLA(tk, &contract, cal, clk.Now()), bianque.MetricResolve)
	if c.Status != bianque.SLAMet || c.Elapsed.Std() != 3*time.Hour {
		t.Fatalf("closed after 3h: %+v", c)
	}
	// Closed for a day, reopened: the closed gap does not count.
	clk.Set(at(3, 13, 0))
	if _, err := bianque.ApplyAction(expert, tk, bianque.ActionReopen, "came back", clk.Now()); err != nil {
		t.Fatal(err)
	}
	c = clock(t, bianque.EvaluateSLA(tk, &contract, cal, clk.Advance(4*time.Hour)), bianque.MetricResolve)
	if c.Status != bianque.SLARunning || c.Elapsed.Std() != 7*time.Hour || c.DueIn.Std() != time.Hour {
		t.Fatalf("reopened, 4h later: %+v", c)
	}
	c = clock(t, bianque.EvaluateSLA(tk, &contract, cal, clk.Advance(2*time.Hour)), bianque.MetricResolve)
	if !c.Breached {
		t.Fatalf("9h of open time must breach 8h: %+v", c)
	}
	if tk.ReopenCount != 1 || len(tk.OpenPeriods) != 2 {
		t.Fatalf("reopen bookkeeping: %+v", tk)
	}
}

func TestAttainment(t *testing.T) {
	contract := bianque.DefaultContract()
	cal := contract.Calendar.MustCompile()
	p := analyst()
	base := at(2, 10, 0)
	var tickets []*bianque.Ticket
	// Four general threats (60 min target): acknowledged after 10, 50, 70 min, one never.
	for i, ack := range []time.Duration{10 * time.Minute, 50 * time.Minute, 70 * time.Minute, -1} {
		tk := newTicket(bianque.TicketThreat, bianque.SeverityGeneral, base.Add(time.Duration(i)*time.Second))
		tk.ID = string(rune('a' + i))
		if ack >= 0 {
			if _, err := bianque.ApplyAction(p, tk, bianque.ActionAcknowledge, "", tk.CreatedAt.Add(ack)); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			if _, err := bianque.ApplyAction(p, tk, bianque.ActionClose, "done", tk.CreatedAt.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		tickets = append(tickets, tk)
	}
	other := newTicket(bianque.TicketThreat, bianque.SeverityGeneral, base)
	other.TenantID = "t2"
	tickets = append(tickets, other)

	a := bianque.ComputeAttainment("t1", tickets, &contract, cal, at(1, 0, 0), at(9, 0, 0), base.Add(3*time.Hour))
	m := a.Metrics[bianque.MetricAcknowledge]
	if a.Tickets != 4 || a.Closed != 1 || a.ClosureRate != 0.25 {
		t.Fatalf("counts: %+v", a)
	}
	// Stopped: 10, 50 (met), 70 (breached); running past due: 1 breached.
	if m.Measured != 4 || m.WithinTarget != 2 || m.Breached != 2 || m.Share != 0.5 {
		t.Fatalf("acknowledge attainment: %+v", m)
	}
	if m.Mean.Std() != (10+50+70)*time.Minute/3 {
		t.Fatalf("mean = %v", m.Mean)
	}
}

func TestStateMachine(t *testing.T) {
	now := at(2, 10, 0)
	analystP := &bianque.Principal{Role: bianque.RoleAnalyst, Tenants: []string{"t1"}}
	responder := &bianque.Principal{Role: bianque.RoleResponder, Tenants: []string{"t1"}}
	viewer := &bianque.Principal{Role: bianque.RoleHospitalViewer, TenantID: "t1"}

	tk := newTicket(bianque.TicketThreat, bianque.SeverityGeneral, now)
	steps := []struct {
		p     *bianque.Principal
		a     bianque.TicketAction
		note  string
		code  string
		state bianque.TicketState
	}{
		{viewer, bianque.ActionAcknowledge, "", bianque.EFORBIDDEN, bianque.StateNew},
		{responder, bianque.ActionAcknowledge, "", bianque.EFORBIDDEN, bianque.StateNew},
		{analystP, bianque.ActionContain, "", bianque.EFORBIDDEN, bianque.StateNew},
		{responder, bianque.ActionContain, "", bianque.ECONFLICT, bianque.StateNew},
		{analystP, bianque.ActionAcknowledge, "", "", bianque.StateTriaged},
		{analystP, bianque.ActionAcknowledge, "", bianque.ECONFLICT, bianque.StateTriaged},
		{analystP, bianque.ActionConfirm, "", "", bianque.StateConfirmed},
		{analystP, bianque.ActionEscalate, "", "", bianque.StateEscalated},
		{responder, bianque.ActionContain, "", "", bianque.StateContained},
		{responder, bianque.ActionClose, "", bianque.EINVALID, bianque.StateContained},
		{responder, bianque.ActionClose, "blocked and cleaned", "", bianque.StateClosed},
		{analystP, bianque.ActionReopen, "again", "", bianque.StateTriaged},
		{analystP, "explode", "", bianque.EINVALID, bianque.StateTriaged},
	}
	for i, s := range steps {
		_, err := bianque.ApplyAction(s.p, tk, s.a, s.note, now.Add(time.Duration(i)*time.Minute))
		if got := bianque.ErrorCode(err); got != s.code {
			t.Fatalf("step %d %s by %s: error %v, want code %q", i, s.a, s.p.Role, err, s.code)
		}
		if tk.State != s.state {
			t.Fatalf("step %d: state %s, want %s", i, tk.State, s.state)
		}
	}
	if tk.Type != bianque.TicketIncident || tk.Tier != 3 {
		t.Fatalf("confirmed threat must become an incident at a higher tier: %s tier %d", tk.Type, tk.Tier)
	}
}

func TestAuthorizeTenantScope(t *testing.T) {
	staff := &bianque.Principal{Role: bianque.RoleAnalyst, Tenants: []string{"t1"}}
	hosp := &bianque.Principal{Role: bianque.RoleHospitalAdmin, TenantID: "t2"}
	admin := &bianque.Principal{Role: bianque.RolePlatformAdmin}
	cases := []struct {
		p      *bianque.Principal
		perm   bianque.Permission
		tenant string
		code   string
	}{
		{staff, bianque.PermTicketRead, "t1", ""},
		{staff, bianque.PermTicketRead, "t2", bianque.ENOTFOUND},
		{staff, bianque.PermTicketContain, "t1", bianque.EFORBIDDEN},
		{hosp, bianque.PermTicketRead, "t2", ""},
		{hosp, bianque.PermTicketRead, "t1", bianque.ENOTFOUND},
		{hosp, bianque.PermTicketTriage, "t2", bianque.EFORBIDDEN},
		{admin, bianque.PermTicketRead, "t1", bianque.ENOTFOUND},
		{nil, bianque.PermTicketRead, "t1", bianque.EUNAUTHORIZED},
	}
	for _, c := range cases {
		if got := bianque.ErrorCode(c.p.Authorize(c.perm, c.tenant)); got != c.code {
			name := "nil"
			if c.p != nil {
				name = string(c.p.Role)
			}
			t.Errorf("%s %s on %s: %q, want %q", name, c.perm, c.tenant, got, c.code)
		}
	}
	if admin.AuthorizePlatform(bianque.PermTenantManage) != nil || staff.AuthorizePlatform(bianque.PermTenantManage) == nil {
		t.Fatal("platform permission check wrong")
	}
	narrowed := &bianque.Principal{Role: bianque.RoleAnalyst, Tenants: []string{"t1"}, Permissions: []bianque.Permission{bianque.PermTicketRead}}
	if narrowed.Can(bianque.PermTicketTriage) || !narrowed.Can(bianque.PermTicketRead) {
		t.Fatal("token scope does not narrow the role")
	}
}
