// Package event defines the normalized event of the platform: Elastic Common
// Schema (ECS) fields held as flat dotted keys ("source.ip", "event.action"),
// with a stable nested JSON codec. Parsers fill events, masking rewrites them,
// detection reads them, stores persist them.
//
// Values are one of: string, int64, float64, bool, time.Time (for @timestamp
// and other dates), []string, []any, map[string]any (objects inside arrays,
// e.g. dns.answers). Set normalises other integer and float types.
package event

import (
	"slices"
	"strconv"
	"time"
)

// Well-known ECS keys used across packages.
const (
	Timestamp           = "@timestamp"
	Message             = "message"
	EventOriginal       = "event.original"
	EventID             = "event.id"
	EventKind           = "event.kind"
	EventCategory       = "event.category"
	EventType           = "event.type"
	EventAction         = "event.action"
	EventOutcome        = "event.outcome"
	EventSeverity       = "event.severity"
	EventCode           = "event.code"
	EventProvider       = "event.provider"
	EventDataset        = "event.dataset"
	EventModule         = "event.module"
	EventCreated        = "event.created"
	EventIngested       = "event.ingested"
	EventTimezone       = "event.timezone"
	SourceIP            = "source.ip"
	SourcePort          = "source.port"
	DestinationIP       = "destination.ip"
	DestinationPort     = "destination.port"
	NetworkTransport    = "network.transport"
	UserName            = "user.name"
	HostName            = "host.name"
	HostIP              = "host.ip"
	ProcessExecutable   = "process.executable"
	ProcessCommandLine  = "process.command_line"
	ObserverVendor      = "observer.vendor"
	ObserverProduct     = "observer.product"
	ObserverType        = "observer.type"
	ObserverHostname    = "observer.hostname"
	RuleName            = "rule.name"
	RelatedIP           = "related.ip"
	RelatedUser         = "related.user"
	RelatedHosts        = "related.hosts"
	RelatedHash         = "related.hash"
	OrganizationID      = "organization.id" // the tenant (hospital) the event belongs to
	ObserverIngressZone = "observer.ingress.zone"
)

// Event is one normalized event. The zero value is not usable; call New.
type Event struct {
	fields map[string]any
}

// New returns an empty event with room for n fields.
func New(n int) *Event {
	if n < 8 {
		n = 8
	}
	return &Event{fields: make(map[string]any, n)}
}

// FromMap returns an event holding the flattened contents of m (nested
// objects become dotted keys).
func FromMap(m map[string]any) *Event {
	e := New(len(m) * 2)
	flattenInto(e.fields, "", false, m)
	return e
}

// Len returns the number of fields.
func (e *Event) Len() int { return len(e.fields) }

// Get returns the value of key.
func (e *Event) Get(key string) (any, bool) {
	v, ok := e.fields[key]
	return v, ok
}

// Has reports whether key is set.
func (e *Event) Has(key string) bool {
	_, ok := e.fields[key]
	return ok
}

// String returns the value of key as a string: strings as they are, numbers
// and booleans formatted, times in RFC 3339; lists and objects yield false.
func (e *Event) String(key string) (string, bool) {
	v, ok := e.fields[key]
	if !ok {
		return "", false
	}
	return Stringify(v)
}

// Str is String without the flag.
func (e *Event) Str(key string) string {
	s, _ := e.String(key)
	return s
}

// Stringify formats a scalar value as String does.
func Stringify(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		return FormatTime(x), true
	}
	return "", false
}

// Int returns the value of key as an integer, parsing strings.
func (e *Event) Int(key string) (int64, bool) {
	switch x := e.fields[key].(type) {
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// Time returns the value of key as a time (for @timestamp and other dates).
func (e *Event) Time(key string) (time.Time, bool) {
	switch x := e.fields[key].(type) {
	case time.Time:
		return x, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return t, err == nil
	}
	return time.Time{}, false
}

// Timestamp returns @timestamp, or the zero time.
func (e *Event) Timestamp() time.Time {
	t, _ := e.Time(Timestamp)
	return t
}

// SetTimestamp sets @timestamp (in UTC).
func (e *Event) SetTimestamp(t time.Time) { e.fields[Timestamp] = t.UTC() }

// Set sets key to v, normalising numeric types; a nil v deletes the key.
func (e *Event) Set(key string, v any) {
	if v == nil {
		delete(e.fields, key)
		return
	}
	e.fields[key] = normalize(v)
}

// SetString sets key to s unless s is empty.
func (e *Event) SetString(key, s string) {
	if s != "" {
		e.fields[key] = s
	}
}

// Delete removes key.
func (e *Event) Delete(key string) { delete(e.fields, key) }

// AppendUnique adds s to the string list at key if it is not there yet (for
// related.* fields). An existing scalar string is turned into a list.
func (e *Event) AppendUnique(key, s string) {
	if s == "" {
		return
	}
	switch x := e.fields[key].(type) {
	case nil:
		e.fields[key] = []string{s}
	case []string:
		if !slices.Contains(x, s) {
			e.fields[key] = append(x, s)
		}
	case string:
		if x != s {
			e.fields[key] = []string{x, s}
		}
	case []any:
		for _, v := range x {
			if v == s {
				return
			}
		}
		e.fields[key] = append(x, s)
	}
}

// Keys returns the keys in path order: segment by segment, so that "a",
// "a.b" and "a.b.c" sort before "a-c" and every object's keys are contiguous.
func (e *Event) Keys() []string {
	keys := make([]string, 0, len(e.fields))
	for k := range e.fields {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, ComparePaths)
	return keys
}

// ComparePaths orders dotted keys as paths: '.' sorts before every other byte.
func ComparePaths(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '.' {
			return -1
		}
		if cb == '.' {
			return 1
		}
		if ca < cb {
			return -1
		}
		return 1
	}
	return len(a) - len(b)
}

// Range calls fn for every field in unspecified order until fn returns false.
func (e *Event) Range(fn func(key string, value any) bool) {
	for k, v := range e.fields {
		if !fn(k, v) {
			return
		}
	}
}

// Clone returns a deep copy of the event's top-level fields (lists are copied,
// nested objects inside lists are shared).
func (e *Event) Clone() *Event {
	c := New(len(e.fields))
	for k, v := range e.fields {
		switch x := v.(type) {
		case []string:
			c.fields[k] = slices.Clone(x)
		case []any:
			c.fields[k] = slices.Clone(x)
		default:
			c.fields[k] = v
		}
	}
	return c
}

// FormatTime formats t the way events serialise times: RFC 3339 in UTC with
// the fractional seconds it has.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case map[string]any:
		return x
	}
	return v
}

func flattenInto(dst map[string]any, prefix string, nested bool, m map[string]any) {
	for k, v := range m {
		key := k
		if nested {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			if len(sub) == 0 {
				continue
			}
			flattenInto(dst, key, true, sub)
			continue
		}
		if v == nil {
			continue
		}
		dst[key] = normalize(v)
	}
}
