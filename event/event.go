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

// Event is one normalized event: its fields in the order they were first
// set, indexed by key (store.go). Call New; the zero value is an empty
// event too. An Event is not safe for concurrent modification.
type Event struct {
	fields []field
	index  []uint32
	shift  uint8 // log2(len(index))
	// strs, ints, times, lists and anys are the slabs of values, bytes
	// the bytes of strings the event builds (box.go).
	strs  []string
	ints  []int64
	times []time.Time
	lists [][]string
	anys  []any
	bytes []byte
}

// New returns an empty event with room for n fields.
func New(n int) *Event { return newEvent(n) }

// FromMap returns an event holding the flattened contents of m (nested
// objects become dotted keys).
func FromMap(m map[string]any) *Event {
	e := New(len(m) * 2)
	e.flatten("", false, m, false)
	return e
}

// Len returns the number of fields.
func (e *Event) Len() int { return len(e.fields) }

// Get returns the value of key.
func (e *Event) Get(key string) (any, bool) {
	if p := e.lookup(key); p >= 0 {
		return e.value(e.fields[p].ref), true
	}
	return nil, false
}

// Has reports whether key is set.
func (e *Event) Has(key string) bool { return e.lookup(key) >= 0 }

// String returns the value of key as a string: strings as they are, numbers
// and booleans formatted, times in RFC 3339; lists and objects yield false.
func (e *Event) String(key string) (string, bool) {
	p := e.lookup(key)
	if p < 0 {
		return "", false
	}
	switch r := e.fields[p].ref; r & 0xff {
	case kindString:
		return e.strs[r>>8], true
	case kindEmpty:
		return "", true
	default:
		return Stringify(e.value(r))
	}
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
	switch x := e.get(key).(type) {
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
	switch x := e.get(key).(type) {
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
func (e *Event) SetTimestamp(t time.Time) { e.put(Timestamp, e.timeRef(t.UTC())) }

// SetTime sets key to t as it is (SetTimestamp converts to UTC).
func (e *Event) SetTime(key string, t time.Time) { e.put(key, e.timeRef(t)) }

// Set sets key to v, normalising numeric types; a nil v deletes the key.
// SetString, SetInt and SetTime store those types without the allocation
// that converting them to an interface costs the caller.
func (e *Event) Set(key string, v any) {
	if v == nil {
		e.remove(key)
		return
	}
	e.put(key, e.refOf(normalize(v)))
}

// SetString sets key to s unless s is empty.
func (e *Event) SetString(key, s string) {
	if s != "" {
		e.put(key, e.strRef(s))
	}
}

// Key is a field name with its hash computed once, for code that sets the
// same fields in every event (parse.Target holds one).
type Key struct {
	name string
	hash uint64
}

// NewKey returns the key of the field name.
func NewKey(name string) Key { return Key{name, hashKey(name)} }

// Name returns the field name.
func (k Key) Name() string { return k.name }

// SetStringKey is SetString for a Key.
func (e *Event) SetStringKey(k Key, s string) {
	if s != "" {
		e.putHashed(k.name, k.hash, e.strRef(s))
	}
}

// SetIntKey is SetInt for a Key.
func (e *Event) SetIntKey(k Key, n int64) { e.putHashed(k.name, k.hash, e.intRef(n)) }

// PutString sets key to s, even when s is empty.
func (e *Event) PutString(key, s string) { e.put(key, e.strRef(s)) }

// SetList sets key to a list of vals (an empty list when there are none),
// copied into the event's string slab: e.SetList(k, "a") costs no
// allocation where e.Set(k, []string{"a"}) costs two.
func (e *Event) SetList(key string, vals ...string) {
	n, at := len(vals), len(e.strs)
	var l []string
	if n > 0 && cap(e.strs)-at >= n {
		e.strs = e.strs[:at+n]
		l = e.strs[at : at+n : at+n] // full: appending moves it
	} else {
		l = make([]string, n)
	}
	copy(l, vals)
	e.put(key, e.listRef(l))
}

// Delete removes key.
func (e *Event) Delete(key string) { e.remove(key) }

// AppendUnique adds s to the string list at key if it is not there yet (for
// related.* fields). An existing scalar string is turned into a list.
func (e *Event) AppendUnique(key, s string) {
	if s == "" {
		return
	}
	p := e.lookup(key)
	if p < 0 {
		e.put(key, e.listRef(e.newList(s)))
		return
	}
	f := &e.fields[p]
	switch f.ref & 0xff {
	case kindList:
		if x := e.lists[f.ref>>8]; !slices.Contains(x, s) {
			f.ref = e.listRef(append(x, s))
		}
	case kindString:
		if x := e.strs[f.ref>>8]; x != s {
			f.ref = e.listRef(append(e.newList(x), s))
		}
	case kindAny:
		if x, ok := e.anys[f.ref>>8].([]any); ok {
			for _, v := range x {
				if v == s {
					return
				}
			}
			f.ref = e.refOf(append(x, s))
		}
	}
}

// Keys returns the keys in path order: segment by segment, so that "a",
// "a.b" and "a.b.c" sort before "a-c" and every object's keys are contiguous.
func (e *Event) Keys() []string {
	keys := make([]string, len(e.fields))
	for i := range e.fields {
		keys[i] = e.fields[i].key
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

// Range calls fn for every field, in the order the fields were first set,
// until fn returns false. fn may set fields (a field it adds may or may not
// be visited) but must not delete any.
func (e *Event) Range(fn func(key string, value any) bool) {
	for i := 0; i < len(e.fields); i++ {
		f := e.fields[i]
		if !fn(f.key, e.value(f.ref)) {
			return
		}
	}
}

// Clone returns a deep copy of the event's top-level fields (lists are copied,
// nested objects inside lists are shared).
func (e *Event) Clone() *Event {
	c := New(len(e.fields))
	for _, f := range e.fields {
		switch x := e.value(f.ref).(type) {
		case []string:
			c.put(f.key, c.listRef(slices.Clone(x)))
		case []any:
			c.put(f.key, c.refOf(slices.Clone(x)))
		default:
			c.put(f.key, c.refOf(x))
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

// flatten sets the leaves of m under prefix (nested objects become dotted
// keys), in key order so that the fields' order does not depend on map
// iteration; fromJSON converts the values of a decoded document first.
func (e *Event) flatten(prefix string, nested bool, m map[string]any, json bool) {
	var buf [24]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		key := k
		if nested {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			if len(sub) == 0 {
				continue
			}
			e.flatten(key, true, sub, json)
			continue
		}
		if v == nil {
			continue
		}
		if json {
			v = fromJSON(v)
		}
		e.put(key, e.refOf(normalize(v)))
	}
}
