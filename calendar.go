package bianque

import (
	"fmt"
	"time"
)

// WorkCalendar is a Calendar compiled for fast questions about working time.
type WorkCalendar struct {
	loc        *time.Location
	weekdays   [7]bool
	start, end time.Duration
	holidays   map[string]bool
	workdays   map[string]bool
}

// maxCalendarDays bounds every walk over days so that a calendar with no
// working days cannot loop forever.
const maxCalendarDays = 3 * 366

// Compile validates c and returns its compiled form.
func (c Calendar) Compile() (*WorkCalendar, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	loc, _ := c.location()
	w := &WorkCalendar{loc: loc, holidays: map[string]bool{}, workdays: map[string]bool{}}
	for _, d := range c.Weekdays {
		w.weekdays[d] = true
	}
	w.start, _ = parseClock(c.Start)
	w.end, _ = parseClock(c.End)
	for _, d := range c.Holidays {
		w.holidays[d] = true
	}
	for _, d := range c.Workdays {
		w.workdays[d] = true
	}
	return w, nil
}

// MustCompile is Compile for calendars known to be valid (defaults, tests).
func (c Calendar) MustCompile() *WorkCalendar {
	w, err := c.Compile()
	if err != nil {
		panic(fmt.Sprintf("bianque: compile calendar: %v", err))
	}
	return w
}

// Location returns the calendar's time zone.
func (w *WorkCalendar) Location() *time.Location { return w.loc }

func (w *WorkCalendar) isWorkingDay(day time.Time) bool {
	key := day.Format(time.DateOnly)
	if w.workdays[key] {
		return true
	}
	if w.holidays[key] {
		return false
	}
	return w.weekdays[day.Weekday()]
}

// window returns the working interval of the day that holds t, and whether
// that day is a working day.
func (w *WorkCalendar) window(t time.Time) (from, to time.Time, ok bool) {
	lt := t.In(w.loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, w.loc)
	if !w.isWorkingDay(day) {
		return time.Time{}, time.Time{}, false
	}
	return addClock(day, w.start), addClock(day, w.end), true
}

// addClock adds a wall-clock offset to midnight, staying correct across DST
// changes by building the time from its fields.
func addClock(day time.Time, d time.Duration) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(d/time.Hour), int(d%time.Hour/time.Minute), 0, 0, day.Location())
}

func nextDay(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	return time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
}

// IsWorkingTime reports whether t falls inside working hours.
func (w *WorkCalendar) IsWorkingTime(t time.Time) bool {
	from, to, ok := w.window(t)
	return ok && !t.Before(from) && t.Before(to)
}

// WorkingBetween returns the working time inside [from, to).
func (w *WorkCalendar) WorkingBetween(from, to time.Time) time.Duration {
	var total time.Duration
	for i := 0; from.Before(to) && i < maxCalendarDays*4; i++ {
		if ws, we, ok := w.window(from); ok {
			s, e := maxTime(ws, from), minTime(we, to)
			if s.Before(e) {
				total += e.Sub(s)
			}
		}
		from = nextDay(from, w.loc)
	}
	return total
}

// AddWorking returns the instant at which d of working time has passed since
// from. It returns false if the calendar has no working time within three years.
func (w *WorkCalendar) AddWorking(from time.Time, d time.Duration) (time.Time, bool) {
	if d <= 0 {
		return from, true
	}
	cur := from
	for i := 0; i < maxCalendarDays; i++ {
		if ws, we, ok := w.window(cur); ok {
			s := maxTime(ws, cur)
			if s.Before(we) {
				if avail := we.Sub(s); avail >= d {
					return s.Add(d), true
				} else {
					d -= avail
				}
			}
		}
		cur = nextDay(cur, w.loc)
	}
	return time.Time{}, false
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
