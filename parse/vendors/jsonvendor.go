package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Helpers for the normalizers of products that send JSON documents (EDR
// and NDR consoles, audit APIs): typed access to members by dotted path and
// table-driven copies to ECS fields.

// jvObj is a decoded JSON object.
type jvObj map[string]any

// val returns the member at a dotted path.
func (j jvObj) val(path string) any {
	if j == nil {
		return nil
	}
	v, _ := parse.JSONPath(j, path)
	return v
}

// str returns the member at path as text ("" when absent or null).
func (j jvObj) str(path string) string {
	if j == nil {
		return ""
	}
	s, _ := parse.JSONString(j, path)
	return s
}

// obj returns the object at path (nil when absent or not an object).
func (j jvObj) obj(path string) jvObj {
	m, _ := j.val(path).(map[string]any)
	return m
}

// list returns the array at path.
func (j jvObj) list(path string) []any {
	l, _ := j.val(path).([]any)
	return l
}

// first returns the first non-empty member of paths as text.
func (j jvObj) first(paths ...string) string {
	for _, p := range paths {
		if s := j.str(p); s != "" {
			return s
		}
	}
	return ""
}

// jvField maps a member of the source document to ECS fields.
type jvField struct {
	from string
	to   []string
}

// jvCopy copies the members of a table, converted to each field's ECS type.
func jvCopy(e *event.Event, j jvObj, table []jvField) {
	for _, f := range table {
		v := j.val(f.from)
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok {
			if strings.TrimSpace(s) == "" {
				continue
			}
		}
		for _, t := range f.to {
			parse.SetValue(e, t, v)
		}
	}
}

// jvTime reads a time as JSON documents carry it: RFC 3339 and the other
// layouts of parse.ParseTime, Unix seconds, milliseconds, microseconds or
// nanoseconds, or a Windows FILETIME (100 ns ticks since 1601).
func jvTime(v any, loc *time.Location) (time.Time, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return time.Time{}, false
	case string:
		s = strings.TrimSpace(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		s, _ = event.Stringify(v)
	}
	if s == "" || s == "0" {
		return time.Time{}, false
	}
	if len(s) == 18 && isDigits(s) && s[0] == '1' {
		// 1.0e17 .. 2.0e17 ticks: FILETIME between 1917 and 2234; Unix
		// nanoseconds of that size would be 1973-1976.
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			const ticksTo1970 = 116444736000000000
			return time.Unix(0, (n-ticksTo1970)*100).UTC(), true
		}
	}
	return parse.ParseTime(s, loc)
}

// jvSetTime sets a date field from a JSON member.
func jvSetTime(e *event.Event, field string, v any, loc *time.Location) bool {
	t, ok := jvTime(v, loc)
	if ok {
		e.Set(field, t.UTC())
	}
	return ok
}

// jvBase and jvDir split Windows and Unix paths.
func jvBase(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func jvDir(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i > 0 {
		return p[:i]
	}
	return ""
}

// jvExecutable sets prefix.executable and prefix.name (the base name) from
// a process image path.
func jvExecutable(e *event.Event, prefix, path string) {
	if path == "" {
		return
	}
	e.Set(prefix+".executable", path)
	if b := jvBase(path); b != "" {
		e.Set(prefix+".name", b)
	}
}

// jvUser sets user.name and user.domain from "DOMAIN\name" or
// "name@domain" forms, or a plain name.
func jvUser(e *event.Event, prefix, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if i := strings.IndexByte(s, '\\'); i > 0 && i < len(s)-1 {
		e.Set(prefix+".domain", s[:i])
		e.Set(prefix+".name", s[i+1:])
		return
	}
	e.Set(prefix+".name", s)
}

// jvURL sets url.* (original, full, parts, default port and domain parts)
// from an absolute URL.
func jvURL(e *event.Event, prefix, u string) {
	if u == "" {
		return
	}
	parse.SetURL(e, prefix, u)
	if strings.Contains(u, "://") {
		e.Set(prefix+".full", u)
	}
	if d := e.Str(prefix + ".domain"); d != "" {
		parse.SetDomainParts(e, prefix, d)
	}
	if !e.Has(prefix + ".port") {
		switch e.Str(prefix + ".scheme") {
		case "http":
			e.Set(prefix+".port", int64(80))
		case "https":
			e.Set(prefix+".port", int64(443))
		}
	}
}
