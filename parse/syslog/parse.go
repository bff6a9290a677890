package syslog

import "time"

// Options tunes Parse.
type Options struct {
	// Location is the device's time zone for timestamps without an offset.
	Location *time.Location
	// Reference is "now" for inferring the year of BSD timestamps.
	Reference time.Time
	// Strict5424 rejects RFC 5424 messages that break the grammar instead of
	// reading them leniently.
	Strict5424 bool
}

// Parse reads a syslog header of either kind. A message that announces RFC
// 5424 ("<PRI>VERSION ") is read with the RFC 5424 grammar (leniently unless
// Strict5424); anything else with the lenient RFC 3164 reader. A line that
// has neither a priority nor a leading timestamp yields ErrNoHeader.
func Parse(s string, opts Options) (*Message, error) {
	m := &Message{}
	ok, err := ParseTo(m, s, opts)
	if !ok {
		return nil, err
	}
	return m, err
}

// ParseTo is Parse into m, which it overwrites: ok reports whether m holds
// the result (with Strict5424, a partial one when err is not nil).
func ParseTo(m *Message, s string, opts Options) (ok bool, err error) {
	*m = Message{}
	if is5424(s) {
		ok, err := parse5424(s, m, RFC5424Options{Lenient: !opts.Strict5424})
		if err == nil {
			return true, nil
		}
		if opts.Strict5424 {
			return ok, err
		}
		*m = Message{}
	}
	o := RFC3164Options{Location: opts.Location, Reference: opts.Reference}
	if err := parse3164(s, m, &o); err != nil {
		return false, err
	}
	return true, nil
}

// is5424 reports whether s starts with "<PRI>VERSION ".
func is5424(s string) bool {
	if len(s) < 5 || s[0] != '<' {
		return false
	}
	i := 1
	for i < len(s) && i < 5 && isDigit(s[i]) {
		i++
	}
	if i == 1 || i >= len(s) || s[i] != '>' {
		return false
	}
	i++
	j := i
	for j < len(s) && j-i < 3 && isDigit(s[j]) {
		j++
	}
	return j > i && s[i] != '0' && j < len(s) && s[j] == ' '
}
