package parse

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse/ecs"
)

// Set stores a textual value under the ECS field key, converted to the
// field's ECS type: integers for long fields, validated addresses for ip
// fields, times for date fields, lists for array fields. A value that does
// not convert is dropped (the original message keeps it), so a bad device
// field never yields a badly typed event. Empty values and "-" are ignored.
// Keys outside ECS are stored as strings.
func Set(e *event.Event, key, val string) bool {
	if val == "" || val == "-" {
		return false
	}
	f, ok := ecs.Lookup(key)
	return setTyped(e, event.NewKey(key), f, ok, val)
}

// Target is a field name with its ECS definition looked up once, for
// normalizers that set the same fields for every message.
type Target struct {
	Name  string
	key   event.Key
	field ecs.Field
	isECS bool
}

// NewTarget looks up the ECS definition of name.
func NewTarget(name string) Target {
	f, ok := ecs.Lookup(name)
	return Target{Name: name, key: event.NewKey(name), field: f, isECS: ok}
}

// Targets builds targets for names.
func NewTargets(names ...string) []Target {
	out := make([]Target, len(names))
	for i, n := range names {
		out[i] = NewTarget(n)
	}
	return out
}

// Set is parse.Set for the target's field.
func (t Target) Set(e *event.Event, val string) bool {
	if val == "" || val == "-" {
		return false
	}
	return setTyped(e, t.key, t.field, t.isECS, val)
}

func setTyped(e *event.Event, k event.Key, f ecs.Field, ok bool, val string) bool {
	key := k.Name()
	if !ok {
		e.SetStringKey(k, val)
		return true
	}
	var v any
	switch f.Type {
	case ecs.Long:
		n, ok := parseLong(val)
		if !ok {
			return false
		}
		if !f.Array {
			e.SetIntKey(k, n)
			return true
		}
		v = n
	case ecs.Float:
		fl, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || math.IsNaN(fl) || math.IsInf(fl, 0) {
			return false
		}
		v = fl
	case ecs.Boolean:
		b, err := strconv.ParseBool(strings.ToLower(val))
		if err != nil {
			return false
		}
		v = b
	case ecs.IP:
		a, ok := ParseIP(val)
		if !ok {
			return false
		}
		val = canonicalIP(a, val)
		if !f.Array {
			e.SetStringKey(k, val)
			return true
		}
		v = val
	case ecs.Date:
		t, ok := ParseTime(val, time.UTC)
		if !ok {
			return false
		}
		v = t.UTC()
	default:
		if !f.Array {
			e.SetStringKey(k, val)
			return true
		}
		v = val
	}
	if f.Array {
		if s, ok := v.(string); ok {
			e.AppendUnique(key, s)
			return true
		}
		e.Set(key, []any{v})
		return true
	}
	e.Set(key, v)
	return true
}

// SetValue stores an already typed value (from JSON), converting it to the
// field's ECS type like Set does for text.
func SetValue(e *event.Event, key string, v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return Set(e, key, x)
	case float64:
		f, ok := ecs.Lookup(key)
		if ok && f.Type == ecs.Long {
			if x != math.Trunc(x) {
				return false
			}
			e.Set(key, int64(x))
			return true
		}
		if ok && (f.Type == ecs.Keyword || f.Type == ecs.IP) {
			return Set(e, key, strconv.FormatFloat(x, 'f', -1, 64))
		}
		e.Set(key, x)
		return true
	case int:
		return SetValue(e, key, int64(x))
	case int64, bool:
		f, ok := ecs.Lookup(key)
		if ok && (f.Type == ecs.Keyword || f.Type == ecs.Text || f.Type == ecs.IP || f.Type == ecs.Date) {
			s, _ := event.Stringify(x)
			return Set(e, key, s)
		}
		if ok && f.Type == ecs.Float {
			if n, isInt := x.(int64); isInt {
				e.Set(key, float64(n))
				return true
			}
		}
		e.Set(key, x)
		return true
	case []any:
		if len(x) > 0 {
			if _, isObj := x[0].(map[string]any); isObj {
				e.Set(key, x)
				return true
			}
		}
		set := false
		for _, el := range x {
			if s, ok := el.(string); ok {
				if f, ok := ecs.Lookup(key); ok && f.Array {
					set = Set(e, key, s) || set
					continue
				}
			}
			if _, ok := ecs.Lookup(key); ok {
				if f, _ := ecs.Lookup(key); !f.Array {
					// A list for a scalar field: keep the list as is.
					e.Set(key, x)
					return true
				}
			}
			set = SetValue(e, key, el) || set
		}
		return set
	case []string:
		for _, s := range x {
			Set(e, key, s)
		}
		return len(x) > 0
	}
	e.Set(key, v)
	return true
}

// SetDefault stores val under key unless key is already set.
func SetDefault(e *event.Event, key, val string) {
	if !e.Has(key) {
		Set(e, key, val)
	}
}

// canonicalIP returns the canonical text of a, reusing s when it already
// is (dotted IPv4 is canonical whenever netip accepts it).
func canonicalIP(a netip.Addr, s string) string {
	if a.Is4() && len(s) <= 15 && s[0] != '[' && strings.IndexByte(s, ':') < 0 && strings.TrimSpace(s) == s {
		return s
	}
	return a.String()
}

// ParseIP parses an IPv4/IPv6 address, tolerating brackets, a zone and
// IPv4-mapped IPv6 forms (which become IPv4).
func ParseIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// IsIP reports whether s is an IP address.
func IsIP(s string) bool {
	_, ok := ParseIP(s)
	return ok
}

// timeLayouts are tried in order by ParseTime.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006/01/02 15:04:05.999999999",
	"2006/01/02 15:04:05 Z07:00",
	"02/Jan/2006:15:04:05 -0700",
	"Jan _2 2006 15:04:05.999999999",
	"Jan _2 2006 15:04:05 MST",
	"Jan _2 15:04:05 2006",
	"Mon Jan _2 15:04:05 2006",
	"Mon Jan _2 15:04:05.999999999 2006",
	"01/02/2006 15:04:05",
	"1/2/06 15:04",
	"1/2/06 15:04:05",
	"2006/01/02 15:04:05.999999999 Z07:00",
	"01/02/2006 3:04:05 PM",
	"2006-01-02",
}

// ParseTime parses the date formats devices commonly send, including epoch
// seconds, milliseconds, microseconds and nanoseconds. Times without an
// offset are read in loc.
func ParseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	if isEpoch(s) {
		return ParseEpoch(s)
	}
	for _, l := range timeLayouts {
		// A layout that starts with the year needs its separator right
		// after four characters; skipping the ones that cannot match saves
		// the error each failed attempt allocates.
		if len(l) > 4 && l[:4] == "2006" && (len(s) < 5 || s[4] != l[4]) {
			continue
		}
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isEpoch(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' && !dot && i > 0 {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(s) >= 9
}

// ParseEpoch reads a Unix time in seconds (with optional fraction),
// milliseconds, microseconds or nanoseconds, judged by its magnitude.
func ParseEpoch(s string) (time.Time, bool) {
	ip, fp, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ip, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	var t time.Time
	switch {
	case len(ip) <= 11:
		ns := 0
		if fp != "" {
			f := (fp + "000000000")[:9]
			v, err := strconv.Atoi(f)
			if err != nil {
				return time.Time{}, false
			}
			ns = v
		}
		t = time.Unix(n, int64(ns))
	case len(ip) <= 14:
		t = time.UnixMilli(n)
	case len(ip) <= 17:
		t = time.UnixMicro(n)
	default:
		t = time.Unix(0, n)
	}
	return t.UTC(), true
}
