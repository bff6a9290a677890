package bianque

import (
	"fmt"
	"time"
)

// Contract holds what the provider promised one hospital: SLA targets and the
// calendar that decides working and off hours (R12.3, R13.1).
type Contract struct {
	Targets  []SLATarget `json:"targets"`
	Calendar Calendar    `json:"calendar"`
	// Masking is the hospital's PII masking policy; nil masks the built-in
	// kinds only.
	Masking *MaskingPolicy `json:"masking,omitempty"`
}

// Validate checks targets and calendar.
func (c *Contract) Validate() error {
	for i, t := range c.Targets {
		if err := t.Validate(); err != nil {
			return Errorf(EINVALID, "contract target %d: %s", i, ErrorMessage(err))
		}
	}
	if err := c.Masking.Validate(); err != nil {
		return err
	}
	return c.Calendar.Validate()
}

// Target returns the target for metric on tickets of type tt and severity sev,
// or false if the contract sets none.
func (c *Contract) Target(metric SLAMetric, tt TicketType, sev Severity) (SLATarget, bool) {
	for _, t := range c.Targets {
		if t.Metric == metric && t.Type == tt && t.Severity == sev {
			return t, true
		}
	}
	return SLATarget{}, false
}

// DefaultContract returns the contract of R13.1 with the default calendar.
func DefaultContract() Contract {
	return Contract{Targets: DefaultSLATargets(), Calendar: DefaultCalendar()}
}

// Calendar says when the hospital's working hours are. Time zone is an IANA
// name; hospitals in China use Asia/Shanghai. Holidays and make-up workdays
// (调休, weekend days that are working days) are dates in that zone.
type Calendar struct {
	TimeZone string `json:"time_zone"`
	// Weekdays that are working days (0 = Sunday ... 6 = Saturday).
	Weekdays []time.Weekday `json:"weekdays"`
	// Start and End of the working day, "HH:MM".
	Start string `json:"start"`
	End   string `json:"end"`
	// Holidays are non-working dates, "YYYY-MM-DD".
	Holidays []string `json:"holidays,omitempty"`
	// Workdays are working dates that would otherwise be off (make-up days).
	Workdays []string `json:"workdays,omitempty"`
}

// DefaultCalendar is Monday to Friday, 08:00–18:00, Asia/Shanghai.
func DefaultCalendar() Calendar {
	return Calendar{
		TimeZone: "Asia/Shanghai",
		Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		Start:    "08:00",
		End:      "18:00",
	}
}

// Validate checks the calendar's fields.
func (c *Calendar) Validate() error {
	if _, err := c.location(); err != nil {
		return err
	}
	s, err1 := parseClock(c.Start)
	e, err2 := parseClock(c.End)
	if err1 != nil || err2 != nil {
		return Errorf(EINVALID, "calendar start/end must be HH:MM, got %q–%q", c.Start, c.End)
	}
	if e <= s {
		return Errorf(EINVALID, "calendar end %s must be after start %s", c.End, c.Start)
	}
	for _, w := range c.Weekdays {
		if w < time.Sunday || w > time.Saturday {
			return Errorf(EINVALID, "calendar weekday %d out of range 0–6", w)
		}
	}
	for _, d := range append(append([]string{}, c.Holidays...), c.Workdays...) {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Errorf(EINVALID, "calendar date %q must be YYYY-MM-DD", d)
		}
	}
	return nil
}

func (c *Calendar) location() (*time.Location, error) {
	name := c.TimeZone
	if name == "" {
		name = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Errorf(EINVALID, "calendar time zone %q: %v", name, err)
	}
	return loc, nil
}

func parseClock(s string) (time.Duration, error) {
	if s == "24:00" {
		return 24 * time.Hour, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("parse %q as HH:MM: %w", s, err)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
