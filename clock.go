package bianque

import "time"

// Clock is the source of the current time. Domain code never calls time.Now:
// SLA clocks, lockouts, retention and sessions take a Clock so tests can drive
// time (internal/testutil.FakeClock).
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }
