package syslog

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// Error texts of the RFC 5424 parser. They follow the wording of the most
// used Go syslog parser so that operators see familiar messages.
const (
	ErrPri             = "expecting a priority value within angle brackets"
	ErrPrival          = "expecting a priority value in the range 1-191 or equal to 0"
	ErrVersion         = "expecting a version value in the range 1-999"
	ErrTimestamp       = "expecting a RFC3339MICRO timestamp or a nil value"
	ErrHostname        = "expecting an hostname (from 1 to max 255 US-ASCII characters) or a nil value"
	ErrAppname         = "expecting an app-name (from 1 to max 48 US-ASCII characters) or a nil value"
	ErrProcID          = "expecting a procid (from 1 to max 128 US-ASCII characters) or a nil value"
	ErrMsgID           = "expecting a msgid (from 1 to max 32 US-ASCII characters) or a nil value"
	ErrStructuredData  = "expecting a structured data section containing one or more elements (`[id( key=\"value\")*]+`) or a nil value"
	ErrSdID            = "expecting a structured data element id (from 1 to max 32 US-ASCII characters; except `=`, ` `, `]`, and `\"`"
	ErrSdIDDuplicated  = "duplicate structured data element id"
	ErrSdParam         = "expecting a structured data parameter (`key=\"value\"`, both part from 1 to max 32 US-ASCII characters; key cannot contain `=`, ` `, `]`, and `\"`, while value cannot contain `]`, backslash, and `\"` unless escaped)"
	ErrMsgNotCompliant = "expecting a free-form optional message in UTF-8 (starting with or without BOM) or a free-form optional message in any encoding (starting without BOM)"
	ErrEscape          = "expecting chars `]`, `\"`, and `\\` to be escaped within param value"
	ErrParse           = "parsing error"
)

const bom = "\xef\xbb\xbf"

// RFC5424Options tunes the RFC 5424 parser.
type RFC5424Options struct {
	// CompliantMsg rejects a message that starts with a BOM but is not valid
	// UTF-8, as RFC 5424 §6.4 requires. Off by default: devices send other
	// encodings and the message is still worth keeping.
	CompliantMsg bool
	// Lenient accepts what devices send beyond the grammar: timestamps with
	// more than microsecond precision, header fields longer than the limits,
	// a header that ends early, and malformed structured data (kept as part
	// of the message).
	Lenient bool
}

// ParseRFC5424 parses one RFC 5424 message. On error it returns the error
// and, when at least the priority and version were read, the fields read so
// far (best effort); otherwise a nil message.
func ParseRFC5424(b []byte, opts RFC5424Options) (*Message, error) {
	m := &Message{}
	ok, err := parse5424(string(b), m, opts)
	if err != nil {
		if ok {
			return m, err
		}
		return nil, err
	}
	return m, nil
}

// ParseRFC5424String is ParseRFC5424 on a string; field values share its memory.
func ParseRFC5424String(s string, opts RFC5424Options) (*Message, error) {
	m := &Message{}
	ok, err := parse5424(s, m, opts)
	if err != nil {
		if ok {
			return m, err
		}
		return nil, err
	}
	return m, nil
}

// parse5424 fills m; minimal reports whether priority and version were read.
func parse5424(s string, m *Message, opts RFC5424Options) (minimal bool, _ error) {
	n := len(s)
	p, err := parsePRI(s, m)
	if err != nil {
		return false, err
	}
	// VERSION = NONZERO-DIGIT 0*2DIGIT
	if p >= n || s[p] < '1' || s[p] > '9' {
		return false, errAt(ErrVersion, p)
	}
	v := uint16(s[p] - '0')
	p++
	for i := 0; i < 2 && p < n && isDigit(s[p]); i++ {
		v = v*10 + uint16(s[p]-'0')
		p++
	}
	m.Version = v
	m.Format = FormatRFC5424
	if p < n && isDigit(s[p]) {
		return true, errAt(ErrVersion, p)
	}
	if p >= n || s[p] != ' ' {
		return true, errAt(ErrParse, p)
	}
	p++

	// TIMESTAMP
	if p < n && s[p] == '-' {
		p++
	} else {
		t, end, err := parseRFC3339(s, p, opts.Lenient)
		if err != nil {
			return true, err
		}
		m.Timestamp, m.HasTimestamp, m.TimestampHasYear, m.TimestampHasZone = t, true, true, true
		p = end
	}
	if p >= n || s[p] != ' ' {
		return true, errAt(ErrParse, p)
	}
	p++

	fields := [...]struct {
		dst *string
		max int
		msg string
	}{{&m.Hostname, 255, ErrHostname}, {&m.Appname, 48, ErrAppname}, {&m.ProcID, 128, ErrProcID}, {&m.MsgID, 32, ErrMsgID}}
	for _, f := range fields {
		start := p
		max := f.max
		if opts.Lenient {
			max = n
			if p >= n {
				return true, nil
			}
		}
		for p < n && p-start < max && s[p] >= 33 && s[p] <= 126 {
			p++
		}
		if p == start {
			return true, errAt(f.msg, p)
		}
		if p < n && s[p] != ' ' {
			if p-start == max && s[p] >= 33 && s[p] <= 126 {
				return true, errAt(f.msg, p)
			}
			if s[start] == '-' && p-start == 1 {
				return true, errAt(ErrParse, p)
			}
			return true, errAt(f.msg, p)
		}
		if p >= n {
			// The header ends early: every part up to STRUCTURED-DATA is required.
			if !(p-start == 1 && s[start] == '-') {
				*f.dst = s[start:p]
			}
			if opts.Lenient {
				return true, nil
			}
			return true, errAt(ErrParse, p)
		}
		if !(p-start == 1 && s[start] == '-') {
			*f.dst = s[start:p]
		}
		p++
	}

	// STRUCTURED-DATA
	if p >= n {
		if opts.Lenient {
			return true, nil
		}
		return true, errAt(ErrStructuredData, p)
	}
	sdStart := p
	if s[p] == '-' && (!opts.Lenient || p+1 == n || s[p+1] == ' ') {
		p++
	} else if s[p] == '[' {
		var err error
		p, err = parseSD(s, p, m)
		if err != nil {
			if !opts.Lenient {
				return true, err
			}
			m.StructuredData = nil
			m.HasMessage, m.Message = true, s[sdStart:]
			return true, nil
		}
	} else {
		if opts.Lenient {
			m.HasMessage, m.Message = true, s[p:]
			return true, nil
		}
		return true, errAt(ErrStructuredData, p)
	}
	if p >= n {
		return true, nil
	}
	if s[p] != ' ' {
		if opts.Lenient {
			m.HasMessage, m.Message = true, s[p:]
			return true, nil
		}
		return true, errAt(ErrParse, p)
	}
	p++
	// MSG
	msg := s[p:]
	if msg == "" {
		return true, nil
	}
	m.HasMessage = true
	if opts.CompliantMsg && len(msg) >= 3 && msg[:3] == bom {
		if i := invalidUTF8At(msg[3:]); i >= 0 {
			bad := p + 3 + i
			// Keep the bytes read before the failure, including the lead of a
			// multi-byte sequence whose later octet was found wrong.
			m.Message = s[p:bad]
			return true, errAt(ErrMsgNotCompliant, bad)
		}
	}
	m.Message = msg
	return true, nil
}

// parsePRI reads "<PRIVAL>" at the start of s and returns the next offset.
func parsePRI(s string, m *Message) (int, error) {
	n := len(s)
	if n == 0 || s[0] != '<' {
		return 0, errAt(ErrPri, 0)
	}
	p := 1
	if p >= n || !isDigit(s[p]) {
		return 0, errAt(ErrPrival, p)
	}
	if s[p] == '0' {
		p++
		if p >= n || s[p] != '>' {
			return 0, errAt(ErrPrival, p)
		}
		m.Priority, m.HasPriority = 0, true
		return p + 1, nil
	}
	v := 0
	for p < n && isDigit(s[p]) {
		nv := v*10 + int(s[p]-'0')
		if p-1 >= 3 || nv > 191 {
			return 0, errAt(ErrPrival, p)
		}
		v = nv
		p++
	}
	if p >= n || s[p] != '>' {
		return 0, errAt(ErrPrival, p)
	}
	m.Priority, m.HasPriority = uint8(v), true
	return p + 1, nil
}

// parseRFC3339 reads an RFC 3339 timestamp with at most microseconds, as RFC
// 5424 §6.2.3 allows, starting at p.
func parseRFC3339(s string, p int, lenient bool) (time.Time, int, error) {
	start := p
	n := len(s)
	fail := func(q int) (time.Time, int, error) { return time.Time{}, 0, errAt(ErrTimestamp, q) }
	digit := func(q int, lo, hi byte) bool { return q < n && s[q] >= lo && s[q] <= hi }
	num := func(q, w int) int {
		v := 0
		for i := 0; i < w; i++ {
			v = v*10 + int(s[q+i]-'0')
		}
		return v
	}
	for i := 0; i < 4; i++ {
		if !digit(p, '0', '9') {
			return fail(p)
		}
		p++
	}
	year := num(p-4, 4)
	if p >= n || s[p] != '-' {
		return fail(p)
	}
	p++
	// month 01-12
	if !digit(p, '0', '1') {
		return fail(p)
	}
	if s[p] == '0' {
		if !digit(p+1, '1', '9') {
			return fail(p + 1)
		}
	} else if !digit(p+1, '0', '2') {
		return fail(p + 1)
	}
	month := num(p, 2)
	p += 2
	if p >= n || s[p] != '-' {
		return fail(p)
	}
	p++
	// day 01-31
	switch {
	case digit(p, '0', '0'):
		if !digit(p+1, '1', '9') {
			return fail(p + 1)
		}
	case digit(p, '1', '2'):
		if !digit(p+1, '0', '9') {
			return fail(p + 1)
		}
	case digit(p, '3', '3'):
		if !digit(p+1, '0', '1') {
			return fail(p + 1)
		}
	default:
		return fail(p)
	}
	day := num(p, 2)
	p += 2
	if p >= n || s[p] != 'T' {
		return fail(p)
	}
	p++
	// hour 00-23
	switch {
	case digit(p, '0', '1'):
		if !digit(p+1, '0', '9') {
			return fail(p + 1)
		}
	case digit(p, '2', '2'):
		if !digit(p+1, '0', '3') {
			return fail(p + 1)
		}
	default:
		return fail(p)
	}
	hour := num(p, 2)
	p += 2
	var minute, second int
	for i := 0; i < 2; i++ {
		if p >= n || s[p] != ':' {
			return fail(p)
		}
		p++
		if !digit(p, '0', '5') {
			return fail(p)
		}
		if !digit(p+1, '0', '9') {
			return fail(p + 1)
		}
		if i == 0 {
			minute = num(p, 2)
		} else {
			second = num(p, 2)
		}
		p += 2
	}
	nsec := 0
	if p < n && s[p] == '.' {
		p++
		if !digit(p, '0', '9') {
			return fail(p)
		}
		w := 0
		for digit(p, '0', '9') {
			if w == 6 && !lenient {
				return fail(p)
			}
			if w < 9 {
				nsec = nsec*10 + int(s[p]-'0')
				w++
			}
			p++
		}
		for i := w; i < 9; i++ {
			nsec *= 10
		}
	}
	if p >= n {
		return fail(p)
	}
	var loc *time.Location
	switch s[p] {
	case 'Z':
		loc = time.UTC
		p++
	case 'z':
		if !lenient {
			return fail(p)
		}
		loc = time.UTC
		p++
	case '+', '-':
		sign := 1
		if s[p] == '-' {
			sign = -1
		}
		p++
		switch {
		case digit(p, '0', '1'):
			if !digit(p+1, '0', '9') {
				return fail(p + 1)
			}
		case digit(p, '2', '2'):
			if !digit(p+1, '0', '3') {
				return fail(p + 1)
			}
		default:
			return fail(p)
		}
		oh := num(p, 2)
		p += 2
		if p >= n || s[p] != ':' {
			return fail(p)
		}
		p++
		if !digit(p, '0', '5') {
			return fail(p)
		}
		if !digit(p+1, '0', '9') {
			return fail(p + 1)
		}
		om := num(p, 2)
		p += 2
		loc = fixedZone(sign * (oh*3600 + om*60))
	default:
		return fail(p)
	}
	if day > daysIn(time.Month(month), year) {
		return time.Time{}, 0, errAt(fmt.Sprintf("parsing time %q: day out of range", s[start:p]), p)
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nsec, loc), p, nil
}

var zoneCache [2 * 24 * 4]*time.Location

// fixedZone returns a cached fixed zone for offsets on quarter hours.
func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if off%900 == 0 && off > -24*3600 && off < 24*3600 {
		i := off/900 + 24*4
		if z := zoneCache[i]; z != nil {
			return z
		}
		z := time.FixedZone("", off)
		zoneCache[i] = z
		return z
	}
	return time.FixedZone("", off)
}

func init() {
	for off := -24*3600 + 900; off < 24*3600; off += 900 {
		if off != 0 {
			zoneCache[off/900+24*4] = time.FixedZone("", off)
		}
	}
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// parseSD reads one or more SD-ELEMENTs starting at s[p] == '['.
func parseSD(s string, p int, m *Message) (int, error) {
	n := len(s)
	for p < n && s[p] == '[' {
		p++
		start := p
		for p < n && p-start < 32 && isSDName(s[p]) {
			p++
		}
		if p == start || (p < n && p-start == 32 && isSDName(s[p])) {
			return p, errAt(ErrSdID, p)
		}
		if p >= n {
			return p, errAt(ErrSdID, p)
		}
		if s[p] != ' ' && s[p] != ']' {
			return p, errAt(ErrSdID, p)
		}
		id := s[start:p]
		for i := range m.StructuredData {
			if m.StructuredData[i].ID == id {
				return p, errAt(ErrSdIDDuplicated, p)
			}
		}
		m.StructuredData = append(m.StructuredData, Element{ID: id})
		el := &m.StructuredData[len(m.StructuredData)-1]
		for p < n && s[p] == ' ' {
			p++
			ns := p
			for p < n && p-ns < 32 && isSDName(s[p]) {
				p++
			}
			if p == ns || p >= n || s[p] != '=' {
				return p, errAt(ErrSdParam, p)
			}
			name := s[ns:p]
			p++
			if p >= n || s[p] != '"' {
				return p, errAt(ErrSdParam, p)
			}
			p++
			vs := p
			escaped := false
			for {
				if p >= n {
					return p, errAt(ErrSdParam, p)
				}
				c := s[p]
				if c == '\\' {
					escaped = true
					if p+1 < n && (s[p+1] == '"' || s[p+1] == '\\' || s[p+1] == ']') {
						p += 2
						continue
					}
					return p, errAt(ErrEscape, p+1)
				}
				if c == ']' {
					return p, errAt(ErrEscape, p)
				}
				if c == '"' {
					break
				}
				p++
			}
			val := s[vs:p]
			if escaped {
				val = unescapeSD(val)
			}
			p++ // closing quote
			if p >= n || (s[p] != ' ' && s[p] != ']') {
				return p, errAt(ErrSdParam, p)
			}
			el.Params = append(el.Params, Param{Name: name, Value: val})
		}
		if p >= n || s[p] != ']' {
			return p, errAt(ErrSdParam, p)
		}
		p++
	}
	return p, nil
}

func unescapeSD(v string) string {
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b = append(b, v[i])
	}
	return string(b)
}

func isSDName(c byte) bool { return c >= 33 && c <= 126 && c != '=' && c != ']' && c != '"' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// invalidUTF8At returns the index of the byte at which s stops being valid
// UTF-8, or -1. For a multi-byte sequence cut short by a wrong octet, that is
// the index of the wrong octet.
func invalidUTF8At(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		need, lo, hi := seqInfo(c)
		if need == 0 {
			return i
		}
		for k := 1; k <= need; k++ {
			if i+k >= len(s) {
				return i + k
			}
			b := s[i+k]
			l, h := byte(0x80), byte(0xBF)
			if k == 1 {
				l, h = lo, hi
			}
			if b < l || b > h {
				return i + k
			}
		}
		i += need + 1
	}
	return -1
}

// seqInfo returns the number of continuation bytes for lead byte c and the
// allowed range of the first continuation (UTF-8, RFC 3629 table).
func seqInfo(c byte) (int, byte, byte) {
	switch {
	case c >= 0xC2 && c <= 0xDF:
		return 1, 0x80, 0xBF
	case c == 0xE0:
		return 2, 0xA0, 0xBF
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		return 2, 0x80, 0xBF
	case c == 0xED:
		return 2, 0x80, 0x9F
	case c == 0xF0:
		return 3, 0x90, 0xBF
	case c >= 0xF1 && c <= 0xF3:
		return 3, 0x80, 0xBF
	case c == 0xF4:
		return 3, 0x80, 0x8F
	}
	return 0, 0, 0
}
