package bianque

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"bianque/event"
)

// The event store keeps the normalized events of every tenant (R2.4):
// append-heavy, partitioned by day (UTC) per tenant, so that retention drops
// whole partitions. Both stores implement it (sqlite: one segment file per
// tenant and day; postgres: native partitions per tenant and day) and pass
// the conformance suite in storetest.

// EventStore persists events.
type EventStore interface {
	// AppendEvents stores the events of one tenant. It is idempotent on
	// event.id: an event whose ID (at the same @timestamp) is already stored
	// is skipped, so a batch delivered again after a crash stores nothing
	// twice, even when two deliveries run concurrently. It returns how many
	// events were new. Every event needs event.id and @timestamp (EINVALID
	// otherwise); a tenant that does not exist (or was purged) is ENOTFOUND.
	AppendEvents(ctx context.Context, tenantID string, events []*event.Event) (inserted int, err error)
	// SearchEvents returns one page of the events matching q, newest first
	// (by @timestamp).
	SearchEvents(ctx context.Context, q EventQuery) (*EventPage, error)
	// Event returns one stored event by the reference a search returned
	// (ENOTFOUND if it is not stored, or belongs to another tenant).
	Event(ctx context.Context, tenantID, ref string) (*StoredEvent, error)
	// EventPartitions lists the tenant's partitions, oldest day first.
	EventPartitions(ctx context.Context, tenantID string) ([]EventPartition, error)
	// DropEventPartitionsBefore deletes the tenant's partitions of days
	// strictly before day (its UTC date) and returns what it dropped.
	DropEventPartitionsBefore(ctx context.Context, tenantID string, day time.Time) ([]EventPartition, error)
	// ExportTenantEvents writes every event of the tenant to w as NDJSON (one
	// event per line in the JSON codec of package event), partition by
	// partition, and returns the number of events written.
	ExportTenantEvents(ctx context.Context, tenantID string, w io.Writer) (int64, error)
	// PurgeTenantEvents deletes every event of the tenant and returns how many
	// there were. The store's PurgeTenant does it too, with the tenant.
	PurgeTenantEvents(ctx context.Context, tenantID string) (int64, error)
}

// EventPartition is one day of one tenant's events.
type EventPartition struct {
	TenantID string `json:"tenant_id"`
	// Day is midnight UTC of the partition's day.
	Day    time.Time `json:"day"`
	Events int64     `json:"events"`
	// Bytes is the space the partition takes on disk (compressed).
	Bytes int64 `json:"bytes"`
}

// DayOf returns midnight UTC of t's day: the partition an event at t goes to.
func DayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// FilterOp is how a field filter compares.
type FilterOp string

// Field filter operators. Comparisons ignore case; a list field (related.ip)
// matches when one of its values does; numbers compare in their decimal
// form, times in RFC 3339.
const (
	FilterEq     FilterOp = "eq"     // the field has the value
	FilterNe     FilterOp = "ne"     // the field does not have the value (or is absent)
	FilterPrefix FilterOp = "prefix" // a value of the field starts with Value
	FilterExists FilterOp = "exists" // the field is present (Value ignored)
)

// FieldFilter compares one field (ECS name, dotted: "source.ip").
type FieldFilter struct {
	Field string   `json:"field"`
	Op    FilterOp `json:"op"`
	Value string   `json:"value,omitempty"`
}

// ParseFieldFilter reads "field=value", "field!=value", "field^=prefix" or
// "field?" (present).
func ParseFieldFilter(s string) (FieldFilter, error) {
	s = strings.TrimSpace(s)
	if f, ok := strings.CutSuffix(s, "?"); ok && !strings.ContainsAny(f, "=!^") {
		return FieldFilter{Field: strings.TrimSpace(f), Op: FilterExists}, validField(f)
	}
	i := strings.IndexByte(s, '=')
	if i <= 0 {
		return FieldFilter{}, Errorf(EINVALID, "filter %q: want field=value, field!=value, field^=prefix or field?", s)
	}
	field, value, op := s[:i], s[i+1:], FilterEq
	switch field[len(field)-1] {
	case '!':
		field, op = field[:len(field)-1], FilterNe
	case '^':
		field, op = field[:len(field)-1], FilterPrefix
	}
	field = strings.TrimSpace(field)
	return FieldFilter{Field: field, Op: op, Value: value}, validField(field)
}

// String formats the filter the way ParseFieldFilter reads it.
func (f FieldFilter) String() string {
	switch f.Op {
	case FilterNe:
		return f.Field + "!=" + f.Value
	case FilterPrefix:
		return f.Field + "^=" + f.Value
	case FilterExists:
		return f.Field + "?"
	}
	return f.Field + "=" + f.Value
}

func validField(f string) error {
	f = strings.TrimSpace(f)
	if f == "" || len(f) > 200 || strings.ContainsAny(f, " \t\r\n=") {
		return Errorf(EINVALID, "bad field name %q", f)
	}
	return nil
}

// Validate checks the filter.
func (f FieldFilter) Validate() error {
	if err := validField(f.Field); err != nil {
		return err
	}
	switch f.Op {
	case FilterEq, FilterNe, FilterPrefix, FilterExists:
		return nil
	}
	return Errorf(EINVALID, "filter on %s: unknown operator %q", f.Field, f.Op)
}

// EventQuery selects events.
type EventQuery struct {
	// TenantIDs is required (EINVALID when empty); results of several tenants
	// are merged newest first.
	TenantIDs []string `json:"tenant_ids"`
	// From (inclusive) and To (exclusive) bound @timestamp; a zero To means
	// no upper bound, a zero From no lower bound.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Filters must all match.
	Filters []FieldFilter `json:"filters,omitempty"`
	// Text is free text: every term (whitespace-separated; "quoted phrases"
	// stay together) must occur, ignoring case, in some value of the event.
	Text string `json:"text,omitempty"`
	// Cursor continues after the last event of the previous page ("" for the
	// first page); Limit bounds the page (Page.Normalize).
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// MaxEventTerms bounds the free-text terms and filters of one query.
const MaxEventTerms = 32

// Validate checks the query, which must name its tenants.
func (q *EventQuery) Validate() error {
	if len(q.TenantIDs) == 0 {
		return Errorf(EINVALID, "an event search needs at least one tenant")
	}
	return q.ValidateTerms()
}

// ValidateTerms checks everything but the tenants: the time range, filters,
// text and cursor (a request that leaves the tenants to the caller's rights).
func (q *EventQuery) ValidateTerms() error {
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return Errorf(EINVALID, "the time range ends before it begins")
	}
	if len(q.Filters) > MaxEventTerms || len(SplitTerms(q.Text)) > MaxEventTerms {
		return Errorf(EINVALID, "at most %d filters and %d search terms", MaxEventTerms, MaxEventTerms)
	}
	for _, f := range q.Filters {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	if q.Cursor != "" {
		if _, err := ParseEventCursor(q.Cursor); err != nil {
			return err
		}
	}
	return nil
}

// SplitTerms splits free text into terms: whitespace separates them, double
// quotes keep a phrase together.
func SplitTerms(s string) []string {
	var terms []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			if end := strings.IndexByte(s[1:], '"'); end >= 0 {
				if t := s[1 : end+1]; strings.TrimSpace(t) != "" {
					terms = append(terms, t)
				}
				s = s[end+2:]
				continue
			}
			s = s[1:]
			continue
		}
		end := strings.IndexAny(s, " \t\r\n")
		if end < 0 {
			end = len(s)
		}
		terms = append(terms, s[:end])
		s = s[end:]
	}
	return terms
}

// EventPage is one page of a search.
type EventPage struct {
	Events []*StoredEvent `json:"events"`
	// Next is the cursor of the following page, "" after the last one.
	Next string `json:"next,omitempty"`
	// Scanned is how many stored events the search looked at.
	Scanned int64 `json:"scanned"`
}

// StoredEvent is an event as the store returns it.
type StoredEvent struct {
	TenantID string `json:"tenant_id"`
	// Ref identifies the event in its tenant for EventStore.Event.
	Ref   string       `json:"ref"`
	Event *event.Event `json:"event"`
}

// EventKey orders stored events: by @timestamp (nanoseconds since the
// epoch), then by Hash, a 64-bit hash of event.id. Two events with the same
// key are the same event.
type EventKey struct {
	TS   int64
	Hash uint64
}

// Less orders keys (ascending).
func (k EventKey) Less(o EventKey) bool {
	return k.TS < o.TS || k.TS == o.TS && k.Hash < o.Hash
}

// String formats the key as a reference or a cursor: the time and the hash in hex.
func (k EventKey) String() string { return fmt.Sprintf("%x-%016x", uint64(k.TS), k.Hash) }

// ParseEventCursor reads a key formatted by EventKey.String.
func ParseEventCursor(s string) (EventKey, error) {
	var ts, h uint64
	a, b, ok := strings.Cut(s, "-")
	if !ok || len(a) == 0 || len(a) > 16 || len(b) != 16 {
		return EventKey{}, Errorf(EINVALID, "bad event cursor %q", s)
	}
	if _, err := fmt.Sscanf(a, "%x", &ts); err != nil {
		return EventKey{}, Errorf(EINVALID, "bad event cursor %q", s)
	}
	if _, err := fmt.Sscanf(b, "%x", &h); err != nil {
		return EventKey{}, Errorf(EINVALID, "bad event cursor %q", s)
	}
	return EventKey{TS: int64(ts), Hash: h}, nil
}

// HashEventID is the 64-bit hash (FNV-1a) of an event ID that keys stored
// events with their time.
func HashEventID(id string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= prime
	}
	return h
}

// EventKeyOf returns the key of an event: its @timestamp (event.created
// when it has none; both are set from what was received, so an event
// delivered twice keys the same), clamped to the years 1678–2261 that
// nanoseconds can count, and the hash of event.id. An event without ID or
// time is EINVALID.
func EventKeyOf(e *event.Event) (EventKey, error) {
	id, _ := e.String(event.EventID)
	if id == "" {
		return EventKey{}, Errorf(EINVALID, "event without event.id")
	}
	ts, ok := e.Time(event.Timestamp)
	if !ok {
		if ts, ok = e.Time(event.EventCreated); !ok {
			return EventKey{}, Errorf(EINVALID, "event %s without @timestamp", id)
		}
	}
	return EventKey{TS: clampNanos(ts), Hash: HashEventID(id)}, nil
}

var (
	minEventTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	maxEventTime = time.Date(2261, 12, 31, 0, 0, 0, 0, time.UTC)
)

func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minEventTime):
		t = minEventTime
	case t.After(maxEventTime):
		t = maxEventTime
	}
	return t.UnixNano()
}

// EventService searches events with authorization (event.read on every
// tenant searched); reads by provider staff are audited.
type EventService interface {
	SearchEvents(ctx context.Context, q EventQuery) (*EventPage, error)
	Event(ctx context.Context, tenantID, ref string) (*StoredEvent, error)
	EventPartitions(ctx context.Context, tenantID string) ([]EventPartition, error)
}

// TenantDataExporter is the store's side of a tenant export (R2.4).
type TenantDataExporter interface {
	// ExportTenantRows calls fn for the tenant's record and every row of the
	// tenant in every table that holds tenant data, credentials left out.
	ExportTenantRows(ctx context.Context, tenantID string, fn func(table string, row map[string]any) error) error
}

// ExportManifest describes a tenant export archive.
type ExportManifest struct {
	Format     int              `json:"format"`
	TenantID   string           `json:"tenant_id"`
	TenantCode string           `json:"tenant_code"`
	TenantName string           `json:"tenant_name"`
	ExportedAt time.Time        `json:"exported_at"`
	ExportedBy string           `json:"exported_by"`
	Rows       map[string]int64 `json:"rows"`
	Events     int64            `json:"events"`
	Files      []string         `json:"files"`
}

// TenantExportService exports everything a tenant holds as one archive
// (platform administrators: tenant.manage).
type TenantExportService interface {
	// ExportTenant writes a gzip-compressed tar archive to w: the tenant's
	// rows of every table as NDJSON, its events as NDJSON (the event codec),
	// and manifest.json, the ExportManifest it returns.
	ExportTenant(ctx context.Context, tenantID string, w io.Writer) (*ExportManifest, error)
}
