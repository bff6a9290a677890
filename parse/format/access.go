package format

import (
	"errors"
	"strings"
	"time"
)

// AccessLog is one web server access log line in the NCSA common/combined
// family: `[vhost] client ident user [time] "request" status bytes
// ["referrer" "user agent"] [extra...]`. Values are as sent ("-" kept).
type AccessLog struct {
	VHost     string
	Clients   []string // the client field; nginx may list forwarded addresses
	Ident     string
	User      string
	Time      time.Time
	Request   string
	Method    string
	Target    string
	Protocol  string // "HTTP/1.1"
	Status    string
	Bytes     string
	Referrer  string
	UserAgent string
	HasRefUA  bool
	Extra     []string // fields after the user agent, quotes removed
}

// ErrNotAccessLog reports input that is not an access log line.
var ErrNotAccessLog = errors.New("not an access log line")

// ParseAccessLog parses a common or combined log line.
func ParseAccessLog(s string) (*AccessLog, error) {
	a := &AccessLog{}
	lb := strings.Index(s, " [")
	if lb < 0 {
		return nil, ErrNotAccessLog
	}
	head := strings.Fields(s[:lb])
	// client may be "10.0.0.2, 10.0.0.1, 127.0.0.1".
	if len(head) < 3 {
		return nil, ErrNotAccessLog
	}
	a.Ident, a.User = head[len(head)-2], head[len(head)-1]
	clients := head[:len(head)-2]
	if len(clients) > 1 && !strings.HasSuffix(clients[0], ",") {
		a.VHost = clients[0]
		clients = clients[1:]
	}
	for _, c := range clients {
		a.Clients = append(a.Clients, strings.TrimSuffix(c, ","))
	}
	rb := strings.IndexByte(s[lb+2:], ']')
	if rb < 0 {
		return nil, ErrNotAccessLog
	}
	t, err := time.Parse("2/Jan/2006:15:04:05 -0700", s[lb+2:lb+2+rb])
	if err != nil {
		return nil, ErrNotAccessLog
	}
	a.Time = t
	rest := strings.TrimLeft(s[lb+2+rb+1:], " ")
	if !strings.HasPrefix(rest, "\"") {
		return nil, ErrNotAccessLog
	}
	req, rest, ok := cutQuoted(rest)
	if !ok {
		return nil, ErrNotAccessLog
	}
	a.Request = req
	if parts := strings.SplitN(req, " ", 3); len(parts) == 3 && strings.HasPrefix(parts[2], "HTTP/") {
		a.Method, a.Target, a.Protocol = parts[0], parts[1], parts[2]
	} else if len(parts) == 2 && isUpperWord(parts[0]) {
		a.Method, a.Target = parts[0], parts[1]
	}
	fs := strings.Fields(rest)
	if len(fs) < 2 {
		return nil, ErrNotAccessLog
	}
	a.Status, a.Bytes = fs[0], fs[1]
	rest = strings.TrimLeft(rest, " ")
	rest = strings.TrimLeft(rest[len(fs[0]):], " ")
	rest = strings.TrimLeft(rest[len(fs[1]):], " ")
	if strings.HasPrefix(rest, "\"") {
		ref, r2, ok := cutQuoted(rest)
		if ok {
			r2 = strings.TrimLeft(r2, " ")
			if ua, r3, ok := cutQuoted(r2); ok {
				a.Referrer, a.UserAgent, a.HasRefUA = ref, ua, true
				rest = r3
			}
		}
	}
	for rest = strings.TrimLeft(rest, " "); rest != ""; rest = strings.TrimLeft(rest, " ") {
		if rest[0] == '"' {
			v, r, ok := cutQuoted(rest)
			if !ok {
				break
			}
			a.Extra = append(a.Extra, v)
			rest = r
			continue
		}
		i := strings.IndexByte(rest, ' ')
		if i < 0 {
			a.Extra = append(a.Extra, rest)
			break
		}
		a.Extra = append(a.Extra, rest[:i])
		rest = rest[i:]
	}
	return a, nil
}

func isUpperWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// cutQuoted reads a "quoted" string with backslash escapes kept as sent.
func cutQuoted(s string) (string, string, bool) {
	if s == "" || s[0] != '"' {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[1:i], s[i+1:], true
		}
	}
	return "", s, false
}

// W3C is a W3C extended log line split by its #Fields: directive.
type W3C struct {
	Fields []string
	Values []string
}

// IISDefaultFields is the field list IIS writes by default.
var IISDefaultFields = []string{"date", "time", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port", "cs-username", "c-ip", "cs(User-Agent)", "cs(Referer)", "sc-status", "sc-substatus", "sc-win32-status", "time-taken"}

// ParseW3C splits a W3C extended log line (space separated, "-" for empty,
// '+' for spaces in values) by fields (IISDefaultFields when nil).
func ParseW3C(s string, fields []string) (*W3C, error) {
	if fields == nil {
		fields = IISDefaultFields
	}
	vals := strings.Fields(s)
	if len(vals) != len(fields) {
		return nil, errors.New("w3c: field count does not match the #Fields directive")
	}
	return &W3C{Fields: fields, Values: vals}, nil
}

// Get returns the value of field name ("" and false for "-" or absent).
func (w *W3C) Get(name string) (string, bool) {
	for i, f := range w.Fields {
		if f == name {
			v := w.Values[i]
			if v == "-" {
				return "", false
			}
			return v, true
		}
	}
	return "", false
}
