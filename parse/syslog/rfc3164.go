package syslog

import (
	"errors"
	"time"
)

// RFC3164Options tunes the lenient BSD syslog parser.
type RFC3164Options struct {
	// Location is the device's time zone for timestamps without an offset
	// (nil means UTC).
	Location *time.Location
	// Reference is "now" for timestamps without a year: the year is taken
	// from it, or the year before when the date would be more than a month
	// ahead of it (a December message read in January). When zero, Year is used.
	Reference time.Time
	// Year is used for timestamps without a year when Reference is zero.
	Year int
	// RequireTimestamp rejects messages with no recognisable timestamp after
	// the priority instead of taking the rest as the message.
	RequireTimestamp bool
}

// ErrNoHeader reports that the input has no syslog header at all.
var ErrNoHeader = errors.New("no syslog header")

// ParseRFC3164 parses a BSD-style syslog line and the variants devices send.
// A line without a priority is accepted when it starts with a timestamp.
func ParseRFC3164(b []byte, opts RFC3164Options) (*Message, error) {
	m := &Message{}
	if err := parse3164(string(b), m, &opts); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseRFC3164String is ParseRFC3164 on a string; fields share its memory.
func ParseRFC3164String(s string, opts RFC3164Options) (*Message, error) {
	m := &Message{}
	if err := parse3164(s, m, &opts); err != nil {
		return nil, err
	}
	return m, nil
}

const (
	errMsgCount = "expecting a message counter (from 1 to max 255 digits)"
	errSequence = "expecting a sequence number (from 1 to max 255 digits)"
)

func parse3164(s string, m *Message, opts *RFC3164Options) error {
	n := len(s)
	p := 0
	m.Format = FormatRFC3164
	if n > 0 && s[0] == '<' {
		q, err := parsePRI(s, m)
		if err != nil {
			return err
		}
		p = q
	}
	p = skipSpaces(s, p)

	// Cisco IOS: "<PRI>COUNTER: [SEQUENCE: ][HOSTNAME: ]TIMESTAMP: %FAC-SEV-MNEMONIC: text".
	if m.HasPriority {
		if q, v, ok := ciscoNumber(s, p); ok {
			m.HasMessageCounter, m.MessageCounter = true, v
			p = skipSpaces(s, q)
			if q2, v2, ok2 := ciscoNumber(s, p); ok2 && q2 > p+1 {
				m.HasSequence, m.Sequence = true, v2
				p = skipSpaces(s, q2)
			}
		}
	}
	t, q, ok := parseTimestamp3164(s, p, opts)
	if !ok && m.HasMessageCounter {
		// "COUNTER: HOSTNAME: TIMESTAMP"
		if e := tokenEnd(s, p); e > p+1 && s[e-1] == ':' {
			if t2, q2, ok2 := parseTimestamp3164(s, skipSpaces(s, e), opts); ok2 {
				m.Hostname = s[p : e-1]
				t, q, ok = t2, q2, true
			}
		}
	}
	if !ok {
		if opts.RequireTimestamp || !m.HasPriority {
			if !m.HasPriority {
				return ErrNoHeader
			}
			return errAt(ErrTimestamp, p)
		}
		m.HasMessage = p < n
		m.Message = s[p:]
		return nil
	}
	m.HasTimestamp = true
	m.Timestamp = t.time
	m.TimestampHasYear = t.hasYear
	m.TimestampHasZone = t.hasZone
	p = q
	if p < n && s[p] == ':' {
		p++
	}
	p = skipSpaces(s, p)

	// HOSTNAME and TAG.
	if m.Hostname == "" {
		e := tokenEnd(s, p)
		if e > p && !isTag(s, p, e) && hasAlnum(s[p:e]) {
			if s[e-1] == ':' && e-p > 1 && looksLikeHost(s[p:e-1]) {
				// "host: message" (some devices end the host with a colon)
				m.Hostname = s[p : e-1]
			} else {
				m.Hostname = s[p:e]
			}
			p = skipSpaces(s, e)
		}
	}
	e := tokenEnd(s, p)
	if e > p && isTag(s, p, e) {
		tag := s[p : e-1]
		if i := indexByte(tag, '['); i > 0 && tag[len(tag)-1] == ']' {
			m.Appname = tag[:i]
			m.ProcID = tag[i+1 : len(tag)-1]
		} else {
			m.Appname = tag
		}
		p = e
		if p < n && s[p] == ' ' {
			p++
		}
	} else if e == p+1 && s[p] == ':' {
		// "host : message": an empty tag.
		p = e
		if p < n && s[p] == ' ' {
			p++
		}
	}
	if p < n {
		m.HasMessage = true
		m.Message = s[p:]
	}
	return nil
}

// ciscoNumber reads "DIGITS:" (or a lone ":") followed by a space.
func ciscoNumber(s string, p int) (int, uint64, bool) {
	q := p
	var v uint64
	for q < len(s) && isDigit(s[q]) && q-p < 20 {
		v = v*10 + uint64(s[q]-'0')
		q++
	}
	if q < len(s) && s[q] == ':' && q+1 < len(s) && s[q+1] == ' ' {
		return q + 1, v, true
	}
	return p, 0, false
}

func skipSpaces(s string, p int) int {
	for p < len(s) && s[p] == ' ' {
		p++
	}
	return p
}

func tokenEnd(s string, p int) int {
	for p < len(s) && s[p] != ' ' {
		p++
	}
	return p
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// isTag reports whether s[p:e] is a TAG: name or name[pid] ended by ':'.
func isTag(s string, p, e int) bool {
	if e-p < 2 || s[e-1] != ':' || e-p > 129 {
		return false
	}
	br := false
	for i := p; i < e-1; i++ {
		c := s[i]
		switch {
		case c == '[':
			if br || i == p {
				return false
			}
			br = true
		case c == ']':
			if !br || i != e-2 {
				return false
			}
		case c <= ' ' || c > '~' || c == '"' || c == '=' || c == '{' || c == '}' || c == '<' || c == '>' || c == '\'':
			return false
		case c == ':' && !br:
			return false
		}
	}
	return true
}

// looksLikeHost accepts host names and IP addresses.
func looksLikeHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

type stamp struct {
	time             time.Time
	hasYear, hasZone bool
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func monthAt(s string, p int) int {
	if p+3 > len(s) {
		return 0
	}
	a, b, c := s[p]|0x20, s[p+1]|0x20, s[p+2]|0x20
	for i, mn := range months {
		if a == mn[0]|0x20 && b == mn[1] && c == mn[2] {
			return i + 1
		}
	}
	return 0
}

// parseTimestamp3164 reads one of: "Mmm dd hh:mm:ss[.frac]" optionally with a
// year after the day or after the time and "UTC"; "*"/"." Cisco prefixes;
// RFC 3339; "yyyy-mm-dd hh:mm:ss".
func parseTimestamp3164(s string, p int, opts *RFC3164Options) (stamp, int, bool) {
	n := len(s)
	if p < n && (s[p] == '*' || s[p] == '.') {
		p++
	}
	if p+4 <= n && isDigit(s[p]) && isDigit(s[p+1]) && isDigit(s[p+2]) && isDigit(s[p+3]) {
		return parseNumericStamp(s, p, opts)
	}
	mon := monthAt(s, p)
	if mon == 0 {
		return stamp{}, p, false
	}
	q := p + 3
	if q < n && s[q] == ' ' {
		q++
	} else {
		return stamp{}, p, false
	}
	if q < n && s[q] == ' ' {
		q++
	}
	day, q2, ok := digits(s, q, 1, 2)
	if !ok || day < 1 || day > 31 {
		return stamp{}, p, false
	}
	q = q2
	if q >= n || s[q] != ' ' {
		return stamp{}, p, false
	}
	q++
	year, hasYear := 0, false
	if y, q3, ok := digits(s, q, 4, 4); ok && q3 < n && s[q3] == ' ' {
		year, hasYear, q = y, true, q3+1
	}
	hh, mm, ss, nsec, q4, ok := clock(s, q)
	if !ok {
		return stamp{}, p, false
	}
	q = q4
	if !hasYear {
		if q+5 <= n && s[q] == ' ' {
			if y, q3, ok := digits(s, q+1, 4, 4); ok && (q3 == n || s[q3] == ' ' || s[q3] == ':') {
				year, hasYear, q = y, true, q3
			}
		}
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	hasZone := false
	if q+4 <= n && s[q] == ' ' && (s[q+1:q+4] == "UTC" || s[q+1:q+4] == "GMT") && (q+4 == n || s[q+4] == ' ' || s[q+4] == ':') {
		loc, hasZone, q = time.UTC, true, q+4
	}
	if !hasYear {
		year = inferYear(time.Month(mon), day, opts)
	}
	if day > daysIn(time.Month(mon), year) {
		return stamp{}, p, false
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, loc)
	return stamp{time: t, hasYear: hasYear, hasZone: hasZone}, q, true
}

func inferYear(mon time.Month, day int, opts *RFC3164Options) int {
	if opts.Reference.IsZero() {
		return opts.Year
	}
	ref := opts.Reference
	if opts.Location != nil {
		ref = ref.In(opts.Location)
	}
	y := ref.Year()
	// A date more than a month after the reference belongs to last year.
	if int(mon) > int(ref.Month())+1 || (int(mon) == int(ref.Month())+1 && day > ref.Day()) {
		if !(ref.Month() == time.December && mon == time.January) {
			y--
		}
	}
	if ref.Month() == time.December && mon == time.January {
		y++
	}
	return y
}

// parseNumericStamp reads RFC 3339 or "yyyy-mm-dd hh:mm:ss[.frac]".
func parseNumericStamp(s string, p int, opts *RFC3164Options) (stamp, int, bool) {
	n := len(s)
	year, q, _ := digits(s, p, 4, 4)
	if q >= n || s[q] != '-' {
		return stamp{}, p, false
	}
	mon, q, ok := digits(s, q+1, 2, 2)
	if !ok || mon < 1 || mon > 12 || q >= n || s[q] != '-' {
		return stamp{}, p, false
	}
	day, q, ok := digits(s, q+1, 2, 2)
	if !ok || day < 1 || day > daysIn(time.Month(mon), year) || q >= n || (s[q] != 'T' && s[q] != ' ') {
		return stamp{}, p, false
	}
	hh, mm, ss, nsec, q, ok := clock(s, q+1)
	if !ok {
		return stamp{}, p, false
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	hasZone := false
	if q < n {
		switch s[q] {
		case 'Z', 'z':
			loc, hasZone = time.UTC, true
			q++
		case '+', '-':
			sign := 1
			if s[q] == '-' {
				sign = -1
			}
			oh, q2, ok := digits(s, q+1, 2, 2)
			if ok {
				if q2 < n && s[q2] == ':' {
					q2++
				}
				if om, q3, ok := digits(s, q2, 2, 2); ok && oh < 24 && om < 60 {
					loc, hasZone, q = fixedZone(sign*(oh*3600+om*60)), true, q3
				}
			}
		}
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, loc)
	return stamp{time: t, hasYear: true, hasZone: hasZone}, q, true
}

// clock reads "hh:mm:ss[.frac]".
func clock(s string, p int) (hh, mm, ss, nsec, q int, ok bool) {
	n := len(s)
	hh, q, ok = digits(s, p, 1, 2)
	if !ok || hh > 23 || q >= n || s[q] != ':' {
		return 0, 0, 0, 0, p, false
	}
	mm, q, ok = digits(s, q+1, 2, 2)
	if !ok || mm > 59 || q >= n || s[q] != ':' {
		return 0, 0, 0, 0, p, false
	}
	ss, q, ok = digits(s, q+1, 2, 2)
	if !ok || ss > 60 {
		return 0, 0, 0, 0, p, false
	}
	if ss == 60 {
		ss = 59
	}
	if q+1 < n && (s[q] == '.' || s[q] == ',') && isDigit(s[q+1]) {
		q++
		w := 0
		for q < n && isDigit(s[q]) {
			if w < 9 {
				nsec = nsec*10 + int(s[q]-'0')
				w++
			}
			q++
		}
		for ; w < 9; w++ {
			nsec *= 10
		}
	}
	return hh, mm, ss, nsec, q, true
}

// digits reads between lo and hi decimal digits at p.
func digits(s string, p, lo, hi int) (int, int, bool) {
	v, q := 0, p
	for q < len(s) && q-p < hi && isDigit(s[q]) {
		v = v*10 + int(s[q]-'0')
		q++
	}
	if q-p < lo {
		return 0, p, false
	}
	return v, q, true
}

func hasAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}
