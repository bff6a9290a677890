package parse

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
)

// AccessLogECS maps a common/combined access log record to ECS: source,
// user, HTTP request and response, URL and user agent.
func AccessLogECS(r *Record, e *event.Event) {
	a := r.Access
	if a == nil {
		return
	}
	e.SetTimestamp(a.Time)
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"web"})
	e.Set("event.type", []string{"access"})
	if len(a.Clients) > 0 {
		SetAddress(e, "source", a.Clients[0])
	}
	if a.VHost != "" {
		e.Set("destination.domain", a.VHost)
		e.Set("url.domain", a.VHost)
	}
	if a.User != "-" {
		e.Set("user.name", a.User)
	}
	if a.Method != "" {
		e.Set("http.request.method", a.Method)
	}
	if a.Target != "" {
		SetURL(e, "url", a.Target)
	}
	if v, ok := strings.CutPrefix(a.Protocol, "HTTP/"); ok {
		e.Set("http.version", v)
	}
	if n, err := strconv.Atoi(a.Status); err == nil {
		e.Set("http.response.status_code", int64(n))
		if n >= 400 {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	}
	Set(e, "http.response.body.bytes", a.Bytes)
	if a.HasRefUA {
		Set(e, "http.request.referrer", a.Referrer)
		Set(e, "user_agent.original", a.UserAgent)
	}
	FillRelated(e, "source.ip", "user.name")
}

// ParseLEEFTime reads a LEEF devTime: with devTimeFormat (a Java
// SimpleDateFormat pattern) when given, else epoch milliseconds or the
// common formats.
func ParseLEEFTime(v, javaFormat string, r *Record) (time.Time, bool) {
	if javaFormat != "" {
		layout := JavaLayout(javaFormat)
		if t, err := time.ParseInLocation(layout, v, r.Location()); err == nil {
			return t, true
		}
	}
	return ParseTime(v, r.Location())
}

// JavaLayout converts a Java SimpleDateFormat pattern to a Go layout.
func JavaLayout(p string) string {
	repl := []struct{ java, golang string }{
		{"yyyy", "2006"}, {"yy", "06"}, {"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "01"},
		{"dd", "02"}, {"d", "2"}, {"HH", "15"}, {"hh", "03"}, {"mm", "04"}, {"ss", "05"},
		{"SSSSSS", "000000"}, {"SSS", "000"}, {"a", "PM"}, {"zzz", "MST"}, {"z", "MST"}, {"Z", "-0700"}, {"XXX", "Z07:00"}, {"EEE", "Mon"},
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(p[i:], r.java) {
				b.WriteString(r.golang)
				i += len(r.java)
				matched = true
				break
			}
		}
		if !matched {
			if p[i] == '\'' {
				i++
				continue
			}
			b.WriteByte(p[i])
			i++
		}
	}
	return b.String()
}
