package bianque

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// SLAMetric names one SLA clock of a ticket.
type SLAMetric string

// SLA metrics (R13.1).
const (
	MetricAcknowledge SLAMetric = "acknowledge" // MTTA: raised → acknowledged / hospital notified
	MetricContain     SLAMetric = "contain"     // MTTC: raised → contained
	MetricResolve     SLAMetric = "resolve"     // MTTR: raised (or authorised) → closed, open time only
)

// SLAMetrics lists the metrics.
var SLAMetrics = []SLAMetric{MetricAcknowledge, MetricContain, MetricResolve}

// Duration is a time.Duration that reads and writes JSON as "90m", "8h", "48h"
// (and also accepts a number of seconds).
type Duration time.Duration

// MarshalJSON writes the duration in Go's notation.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "1h30m" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		secs, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("duration must be a string like \"30m\" or seconds: %s", b)
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("parse duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Std returns the time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// SLAStart says when a clock starts.
type SLAStart string

// Clock starts.
const (
	StartCreated    SLAStart = "created"    // when the ticket is raised
	StartAuthorized SLAStart = "authorized" // when the hospital authorises handling (R13.1: "8 h after authorisation")
)

// SLATarget is one contracted target: metric × ticket type × severity.
type SLATarget struct {
	Metric   SLAMetric  `json:"metric"`
	Type     TicketType `json:"type"`
	Severity Severity   `json:"severity"`
	Within   Duration   `json:"within"`
	// OffHours, when set, replaces Within for tickets raised outside working
	// hours (R12.3: 15 min in working hours, 30 min otherwise).
	OffHours Duration `json:"off_hours,omitempty"`
	// WorkingTime makes the clock count working hours only ("2 working days").
	WorkingTime bool     `json:"working_time,omitempty"`
	From        SLAStart `json:"from,omitempty"`
}

// Validate checks the target.
func (t SLATarget) Validate() error {
	switch {
	case !slices.Contains(SLAMetrics, t.Metric):
		return Errorf(EINVALID, "unknown SLA metric %q", t.Metric)
	case !t.Type.Valid():
		return Errorf(EINVALID, "unknown ticket type %q", t.Type)
	case !t.Severity.Valid():
		return Errorf(EINVALID, "unknown severity %q", t.Severity)
	case t.Within <= 0:
		return Errorf(EINVALID, "SLA target must be positive")
	case t.OffHours < 0:
		return Errorf(EINVALID, "off-hours target must not be negative")
	case t.From != "" && t.From != StartCreated && t.From != StartAuthorized:
		return Errorf(EINVALID, "SLA start %q must be created or authorized", t.From)
	}
	return nil
}

func minutes(n int) Duration { return Duration(time.Duration(n) * time.Minute) }

// DefaultSLATargets are the targets of R13.1 (read from the guide's table,
// §4.5) and R12.3. Vulnerability remediation times are not in the guide; the
// defaults (15 days major, 30 days general) are the project's and documented.
func DefaultSLATargets() []SLATarget {
	return []SLATarget{
		{Metric: MetricAcknowledge, Type: TicketThreat, Severity: SeverityGeneral, Within: minutes(60)},
		{Metric: MetricAcknowledge, Type: TicketThreat, Severity: SeverityMajor, Within: minutes(30)},
		{Metric: MetricAcknowledge, Type: TicketIncident, Severity: SeverityGeneral, Within: minutes(30)},
		{Metric: MetricAcknowledge, Type: TicketIncident, Severity: SeverityMajor, Within: minutes(15), OffHours: minutes(30)},
		{Metric: MetricContain, Type: TicketIncident, Severity: SeverityMajor, Within: minutes(15), OffHours: minutes(30)},
		{Metric: MetricResolve, Type: TicketIncident, Severity: SeverityGeneral, Within: minutes(8 * 60), From: StartAuthorized},
		{Metric: MetricResolve, Type: TicketIncident, Severity: SeverityMajor, Within: minutes(8 * 60), From: StartAuthorized},
		{Metric: MetricAcknowledge, Type: TicketVulnerability, Severity: SeverityGeneral, Within: minutes(2 * 10 * 60), WorkingTime: true},
		{Metric: MetricAcknowledge, Type: TicketVulnerability, Severity: SeverityMajor, Within: minutes(2 * 10 * 60), WorkingTime: true},
		{Metric: MetricResolve, Type: TicketVulnerability, Severity: SeverityGeneral, Within: minutes(30 * 24 * 60)},
		{Metric: MetricResolve, Type: TicketVulnerability, Severity: SeverityMajor, Within: minutes(15 * 24 * 60)},
		{Metric: MetricAcknowledge, Type: TicketEmergency, Severity: SeverityGeneral, Within: minutes(30)},
		{Metric: MetricAcknowledge, Type: TicketEmergency, Severity: SeverityMajor, Within: minutes(15), OffHours: minutes(30)},
		{Metric: MetricContain, Type: TicketEmergency, Severity: SeverityMajor, Within: minutes(60)},
		{Metric: MetricResolve, Type: TicketEmergency, Severity: SeverityGeneral, Within: minutes(8 * 60), From: StartAuthorized},
		{Metric: MetricResolve, Type: TicketEmergency, Severity: SeverityMajor, Within: minutes(8 * 60), From: StartAuthorized},
	}
}

// SLAStatus is where a clock stands.
type SLAStatus string

// Clock statuses.
const (
	SLAPending  SLAStatus = "pending"  // not started yet (waits for authorisation)
	SLARunning  SLAStatus = "running"  // started, not stopped, not yet due
	SLAMet      SLAStatus = "met"      // stopped within target
	SLABreached SLAStatus = "breached" // stopped late, or running past due
)

// SLAClock is one evaluated clock of a ticket.
type SLAClock struct {
	Metric      SLAMetric  `json:"metric"`
	Target      Duration   `json:"target"`
	WorkingTime bool       `json:"working_time,omitempty"`
	OffHours    bool       `json:"off_hours,omitempty"` // the off-hours target applies
	Status      SLAStatus  `json:"status"`
	Start       *time.Time `json:"start,omitempty"`
	Stop        *time.Time `json:"stop,omitempty"`
	// Due is when the target is reached if the clock keeps running; nil when pending or stopped.
	Due *time.Time `json:"due,omitempty"`
	// Elapsed is the measured time so far (working time if WorkingTime).
	Elapsed Duration `json:"elapsed"`
	// DueIn is the remaining time to Due (negative when overdue); zero when stopped.
	DueIn    Duration `json:"due_in"`
	Breached bool     `json:"breached"`
}

// EvaluateSLA returns the ticket's clocks under the contract at time now, one
// per target the contract sets for the ticket's type and severity.
func EvaluateSLA(t *Ticket, c *Contract, cal *WorkCalendar, now time.Time) []SLAClock {
	var out []SLAClock
	for _, m := range SLAMetrics {
		target, ok := c.Target(m, t.Type, t.Severity)
		if !ok {
			continue
		}
		out = append(out, evaluateClock(t, target, cal, now))
	}
	return out
}

func evaluateClock(t *Ticket, target SLATarget, cal *WorkCalendar, now time.Time) SLAClock {
	clk := SLAClock{Metric: target.Metric, Target: target.Within, WorkingTime: target.WorkingTime}
	start := t.CreatedAt
	if target.From == StartAuthorized {
		if t.AuthorizedAt == nil {
			clk.Status = SLAPending
			if t.State == StateClosed {
				clk.Status = SLAMet // closed without needing authorisation: nothing to measure
			}
			return clk
		}
		start = *t.AuthorizedAt
	}
	if target.OffHours > 0 && !cal.IsWorkingTime(start) {
		clk.Target, clk.OffHours = target.OffHours, true
	}
	clk.Start = &start

	measure := func(from, to time.Time) time.Duration {
		if !from.Before(to) {
			return 0
		}
		if target.WorkingTime {
			return cal.WorkingBetween(from, to)
		}
		return to.Sub(from)
	}
	advance := func(from time.Time, d time.Duration) (time.Time, bool) {
		if target.WorkingTime {
			return cal.AddWorking(from, d)
		}
		return from.Add(d), true
	}

	var stop *time.Time
	switch target.Metric {
	case MetricAcknowledge:
		stop = t.AcknowledgedAt
	case MetricContain:
		stop = t.ContainedAt
		if stop == nil && t.State == StateClosed {
			stop = t.ClosedAt // closed without containment: the clock ends with the ticket
		}
	case MetricResolve:
		stop = t.ClosedAt
	}

	var elapsed time.Duration
	var runningFrom time.Time
	if target.Metric == MetricResolve {
		// Resolution counts open time only: periods after a reopen add up, the
		// closed gaps between them do not.
		for _, p := range t.OpenPeriods {
			ps := maxTime(p.Start, start)
			if p.End == nil {
				runningFrom = ps
				elapsed += measure(ps, now)
			} else {
				elapsed += measure(ps, *p.End)
			}
		}
		if len(t.OpenPeriods) == 0 && stop == nil {
			runningFrom = start
			elapsed = measure(start, now)
		}
	} else if stop != nil {
		elapsed = measure(start, *stop)
	} else {
		runningFrom = start
		elapsed = measure(start, now)
	}
	clk.Elapsed = Duration(elapsed)

	if stop != nil && (target.Metric != MetricResolve || t.State == StateClosed) {
		s := *stop
		clk.Stop = &s
		clk.Breached = elapsed > clk.Target.Std()
		clk.Status = SLAMet
		if clk.Breached {
			clk.Status = SLABreached
		}
		return clk
	}
	remaining := clk.Target.Std() - elapsed
	// Due is computed from the start of the running period so that working-time
	// clocks skip nights and holidays.
	periodElapsed := measure(runningFrom, now)
	if due, ok := advance(runningFrom, clk.Target.Std()-(elapsed-periodElapsed)); ok {
		clk.Due = &due
		clk.DueIn = Duration(due.Sub(now))
	} else {
		clk.DueIn = Duration(remaining)
	}
	clk.Breached = remaining < 0
	clk.Status = SLARunning
	if clk.Breached {
		clk.Status = SLABreached
	}
	return clk
}

// MetricAttainment summarises one metric over a set of tickets.
type MetricAttainment struct {
	// Measured counts tickets whose clock stopped (or ran past due) in the period.
	Measured int `json:"measured"`
	// Mean is the mean measured time of stopped clocks.
	Mean Duration `json:"mean"`
	// WithinTarget counts stopped clocks that met their target.
	WithinTarget int `json:"within_target"`
	// Breached counts clocks that missed the target, stopped or still running.
	Breached int `json:"breached"`
	// Share is WithinTarget / (stopped clocks + running breached clocks), 0–1; 1 when nothing was measured.
	Share float64 `json:"share"`
}

// Attainment is a tenant's SLA performance over a period (R13.2), computed
// from ticket records only so that every figure can be traced back.
type Attainment struct {
	TenantID string    `json:"tenant_id"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Tickets raised in [From, To).
	Tickets int `json:"tickets"`
	// Closed counts those of them that are closed now.
	Closed int `json:"closed"`
	// ClosureRate is Closed / Tickets (1 when there are none).
	ClosureRate float64                                        `json:"closure_rate"`
	Metrics     map[SLAMetric]*MetricAttainment                `json:"metrics"`
	ByType      map[TicketType]map[SLAMetric]*MetricAttainment `json:"by_type"`
}

// ComputeAttainment computes attainment over the tickets raised in [from, to)
// at time now.
func ComputeAttainment(tenantID string, tickets []*Ticket, c *Contract, cal *WorkCalendar, from, to, now time.Time) *Attainment {
	a := &Attainment{TenantID: tenantID, From: from, To: to, Metrics: map[SLAMetric]*MetricAttainment{}, ByType: map[TicketType]map[SLAMetric]*MetricAttainment{}}
	// Mean times are over stopped clocks only: a running clock has no final time.
	type sum struct {
		total   time.Duration
		stopped int
	}
	sums := map[*MetricAttainment]*sum{}
	add := func(m *MetricAttainment, clk SLAClock) {
		if sums[m] == nil {
			sums[m] = &sum{}
		}
		switch {
		case clk.Stop != nil:
			m.Measured++
			sums[m].total += clk.Elapsed.Std()
			sums[m].stopped++
			if clk.Breached {
				m.Breached++
			} else {
				m.WithinTarget++
			}
		case clk.Breached:
			m.Measured++
			m.Breached++
		}
	}
	for _, t := range tickets {
		if t.TenantID != tenantID || t.CreatedAt.Before(from) || !t.CreatedAt.Before(to) {
			continue
		}
		a.Tickets++
		if t.State == StateClosed {
			a.Closed++
		}
		for _, clk := range EvaluateSLA(t, c, cal, now) {
			if clk.Status == SLAPending {
				continue
			}
			m := a.Metrics[clk.Metric]
			if m == nil {
				m = &MetricAttainment{}
				a.Metrics[clk.Metric] = m
			}
			add(m, clk)
			bt := a.ByType[t.Type]
			if bt == nil {
				bt = map[SLAMetric]*MetricAttainment{}
				a.ByType[t.Type] = bt
			}
			if bt[clk.Metric] == nil {
				bt[clk.Metric] = &MetricAttainment{}
			}
			add(bt[clk.Metric], clk)
		}
	}
	a.ClosureRate = 1
	if a.Tickets > 0 {
		a.ClosureRate = float64(a.Closed) / float64(a.Tickets)
	}
	finish := func(m *MetricAttainment) {
		if s := sums[m]; s != nil && s.stopped > 0 {
			m.Mean = Duration(s.total / time.Duration(s.stopped))
		}
		m.Share = 1
		if m.Measured > 0 {
			m.Share = float64(m.WithinTarget) / float64(m.Measured)
		}
	}
	for _, m := range a.Metrics {
		finish(m)
	}
	for _, bt := range a.ByType {
		for _, m := range bt {
			finish(m)
		}
	}
	return a
}
