package storetest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/event"
)

// Events (the event store, bianque.EventStore).

// RunEvents runs the event store's part of the suite.
func RunEvents(t *testing.T, open Opener) {
	t.Run("EventsAppendIdempotent", func(t *testing.T) { testEventsIdempotent(t, open(t)) })
	t.Run("EventsConcurrentDuplicates", func(t *testing.T) { testEventsConcurrent(t, open(t)) })
	t.Run("EventsPartitions", func(t *testing.T) { testEventPartitions(t, open(t)) })
	t.Run("EventsSearch", func(t *testing.T) { testEventSearch(t, open(t)) })
	t.Run("EventsPaging", func(t *testing.T) { testEventPaging(t, open(t)) })
	t.Run("EventsIsolation", func(t *testing.T) { testEventIsolation(t, open(t)) })
	t.Run("EventsDropPartitions", func(t *testing.T) { testEventDrop(t, open(t)) })
	t.Run("EventsExport", func(t *testing.T) { testEventExport(t, open(t)) })
	t.Run("EventsPurge", func(t *testing.T) { testEventPurge(t, open(t)) })
	t.Run("EventsConcurrentDrop", func(t *testing.T) { testEventConcurrentDrop(t, open(t)) })
}

func eventStore(t *testing.T, s bianque.Store) bianque.EventStore {
	t.Helper()
	es, ok := s.(bianque.EventStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.EventStore", s)
	}
	return es
}

// evDay is the suite's first day of events.
var evDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

var evSeq struct {
	sync.Mutex
	n int
}

// newEvent returns an event of tenantID at ts with a fresh ID and the
// fields kv (key, value, key, value …).
func newEvent(tenantID string, ts time.Time, kv ...any) *event.Event {
	evSeq.Lock()
	evSeq.n++
	n := evSeq.n
	evSeq.Unlock()
	e := event.New(8 + len(kv)/2)
	e.Set(event.EventID, fmt.Sprintf("ev-%s-%06d", tenantID, n))
	e.SetTimestamp(ts)
	e.Set(event.OrganizationID, tenantID)
	e.Set(event.Message, fmt.Sprintf("event %d", n))
	for i := 0; i+1 < len(kv); i += 2 {
		e.Set(kv[i].(string), kv[i+1])
	}
	return e
}

func appendEvents(t *testing.T, es bianque.EventStore, tenantID string, evs []*event.Event) int {
	t.Helper()
	n, err := es.AppendEvents(ctx, tenantID, evs)
	must(t, err, "append events")
	return n
}

func countStored(t *testing.T, es bianque.EventStore, tenantID string) int64 {
	t.Helper()
	parts, err := es.EventPartitions(ctx, tenantID)
	must(t, err, "event partitions")
	var n int64
	for _, p := range parts {
		n += p.Events
	}
	return n
}

func eventIDs(page *bianque.EventPage) []string {
	var out []string
	for _, e := range page.Events {
		out = append(out, e.Event.Str(event.EventID))
	}
	return out
}

func testEventsIdempotent(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a := newTenant(t, s)
	evs := FortiGateEvents(t, a.ID, evDay.Add(10*time.Hour), 3000)
	if n := appendEvents(t, es, a.ID, evs[:2000]); n != 2000 {
		t.Fatalf("first append stored %d of 2000", n)
	}
	if n := appendEvents(t, es, a.ID, evs[:2000]); n != 0 {
		t.Fatalf("the same batch again stored %d", n)
	}
	// Overlapping batch, with a duplicate inside it: only the new ones count.
	batch := append(slices.Clone(evs[1500:3000]), evs[2500])
	if n := appendEvents(t, es, a.ID, batch); n != 1000 {
		t.Fatalf("overlapping batch stored %d, want 1000", n)
	}
	if n := countStored(t, es, a.ID); n != 3000 {
		t.Fatalf("%d events stored, want 3000", n)
	}
	// Every event once, in full.
	var buf bytes.Buffer
	n, err := es.ExportTenantEvents(ctx, a.ID, &buf)
	must(t, err, "export")
	if n != 3000 {
		t.Fatalf("export wrote %d events", n)
	}
	want := map[string]string{}
	for _, e := range evs {
		b, _ := e.MarshalJSON()
		want[e.Str(event.EventID)] = string(b)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		e, err := event.Parse(sc.Bytes())
		must(t, err, "parse exported line")
		id := e.Str(event.EventID)
		if want[id] != sc.Text() {
			t.Fatalf("exported event %s differs from the appended one\n got: %s\nwant: %s", id, sc.Text(), want[id])
		}
		delete(want, id)
	}
	if len(want) != 0 {
		t.Fatalf("%d events missing from the export", len(want))
	}

	// Bad input: no ID, unknown tenant, empty batch.
	noID := event.New(2)
	noID.SetTimestamp(evDay)
	_, err = es.AppendEvents(ctx, a.ID, []*event.Event{noID})
	wantCode(t, err, bianque.EINVALID, "event without event.id")
	_, err = es.AppendEvents(ctx, bianque.NewIDAt(at()), []*event.Event{newEvent("x", evDay)})
	wantCode(t, err, bianque.ENOTFOUND, "events of an unknown tenant")
	if n, err := es.AppendEvents(ctx, a.ID, nil); n != 0 || err != nil {
		t.Fatalf("empty append: %d, %v", n, err)
	}
	// The same ID at another time is another event (keys are time and ID).
	e := newEvent(a.ID, evDay.Add(time.Hour))
	e2 := e.Clone()
	e2.SetTimestamp(evDay.Add(2 * time.Hour))
	if n := appendEvents(t, es, a.ID, []*event.Event{e, e2}); n != 2 {
		t.Fatalf("same ID at two times stored %d, want 2", n)
	}
}

func testEventsConcurrent(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a := newTenant(t, s)
	// A batch spanning midnight (two partitions), delivered by 6 workers at
	// once, and overlapping halves: each event stored exactly once.
	evs := FortiGateEvents(t, a.ID, evDay.Add(-time.Second), 4000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := evs
			switch w {
			case 6:
				batch = evs[:2500]
			case 7:
				batch = evs[1500:]
			}
			n, err := es.AppendEvents(ctx, a.ID, batch)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	if total != len(evs) {
		t.Fatalf("concurrent duplicate appends reported %d new events, want %d", total, len(evs))
	}
	if n := countStored(t, es, a.ID); n != int64(len(evs)) {
		t.Fatalf("%d events stored, want %d", n, len(evs))
	}
	page, err := es.SearchEvents(ctx, bianque.EventQuery{TenantIDs: []string{a.ID}, Limit: 1000,
		Filters: []bianque.FieldFilter{{Field: "event.id", Op: bianque.FilterEq, Value: evs[1234].Str(event.EventID)}}})
	must(t, err, "search one ID")
	if len(page.Events) != 1 {
		t.Fatalf("event %s found %d times", evs[1234].Str(event.EventID), len(page.Events))
	}
}

func testEventPartitions(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	var evs []*event.Event
	for d := 0; d < 3; d++ {
		for i := 0; i <= d; i++ {
			evs = append(evs, newEvent(a.ID, evDay.AddDate(0, 0, d).Add(time.Duration(i)*time.Hour)))
		}
	}
	evs = append(evs, newEvent(a.ID, evDay.Add(-time.Nanosecond))) // the day before, last nanosecond
	if n := appendEvents(t, es, a.ID, evs); n != 7 {
		t.Fatalf("stored %d of 7", n)
	}
	appendEvents(t, es, b.ID, []*event.Event{newEvent(b.ID, evDay.AddDate(0, 0, 5))})
	parts, err := es.EventPartitions(ctx, a.ID)
	must(t, err, "partitions of A")
	var got []string
	for _, p := range parts {
		got = append(got, fmt.Sprintf("%s=%d", p.Day.Format(time.DateOnly), p.Events))
		if p.TenantID != a.ID || p.Bytes <= 0 || !p.Day.Equal(bianque.DayOf(p.Day)) {
			t.Fatalf("partition %+v", p)
		}
	}
	want := []string{"2026-03-01=1", "2026-03-02=1", "2026-03-03=2", "2026-03-04=3"}
	if !slices.Equal(got, want) {
		t.Fatalf("partitions of A: %v, want %v", got, want)
	}
	parts, err = es.EventPartitions(ctx, b.ID)
	must(t, err, "partitions of B")
	if len(parts) != 1 || parts[0].Events != 1 || !parts[0].Day.Equal(evDay.AddDate(0, 0, 5)) {
		t.Fatalf("partitions of B: %+v", parts)
	}
	parts, err = es.EventPartitions(ctx, bianque.NewIDAt(at()))
	if err != nil || len(parts) != 0 {
		t.Fatalf("partitions of an unknown tenant: %v, %v", parts, err)
	}
}

func search(t *testing.T, es bianque.EventStore, q bianque.EventQuery) *bianque.EventPage {
	t.Helper()
	p, err := es.SearchEvents(ctx, q)
	must(t, err, "search events")
	return p
}

func testEventSearch(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a := newTenant(t, s)
	t0 := evDay.Add(8 * time.Hour)
	login := newEvent(a.ID, t0, "event.action", "logon", "user.name", "ZhangSan", "source.ip", "10.1.2.3",
		"source.port", 51234, "related.ip", []string{"10.1.2.3", "10.9.9.9"}, "message", "Accepted password for zhangsan from 10.1.2.3")
	fail := newEvent(a.ID, t0.Add(time.Minute), "event.action", "logon-failed", "user.name", "lisi", "source.ip", "10.1.2.4",
		"event.outcome", "failure", "message", "Failed password for lisi 患者 from 10.1.2.4")
	deny := newEvent(a.ID, t0.Add(time.Hour), "event.action", "deny", "source.ip", "192.168.7.7", "destination.port", 445,
		"message", "denied SMB")
	old := newEvent(a.ID, t0.AddDate(0, 0, -2), "event.action", "logon", "user.name", "zhangsan", "message", "old login")
	noise := FortiGateEvents(t, a.ID, t0.Add(-time.Hour), 3000)
	appendEvents(t, es, a.ID, append([]*event.Event{login, fail, deny, old}, noise...))
	f := func(s string) bianque.FieldFilter {
		ff, err := bianque.ParseFieldFilter(s)
		must(t, err, "parse filter "+s)
		return ff
	}
	id := func(e *event.Event) string { return e.Str(event.EventID) }
	all := []string{a.ID}
	for _, c := range []struct {
		name string
		q    bianque.EventQuery
		want []string
	}{
		{"equals", bianque.EventQuery{Filters: []bianque.FieldFilter{f("event.action=logon")}}, []string{id(login), id(old)}},
		{"equals ignores case", bianque.EventQuery{Filters: []bianque.FieldFilter{f("user.name=zhangsan")}}, []string{id(login), id(old)}},
		{"number", bianque.EventQuery{Filters: []bianque.FieldFilter{f("destination.port=445")}}, []string{id(deny)}},
		{"list", bianque.EventQuery{Filters: []bianque.FieldFilter{f("related.ip=10.9.9.9")}}, []string{id(login)}},
		{"prefix", bianque.EventQuery{Filters: []bianque.FieldFilter{f("source.ip^=10.1.2.")}}, []string{id(fail), id(login)}},
		{"not equals", bianque.EventQuery{Filters: []bianque.FieldFilter{f("user.name?"), f("user.name!=lisi")}}, []string{id(login), id(old)}},
		{"exists", bianque.EventQuery{Filters: []bianque.FieldFilter{f("event.outcome?"), f("message^=failed")}}, []string{id(fail)}},
		{"text", bianque.EventQuery{Text: "PASSWORD"}, []string{id(fail), id(login)}},
		{"text terms", bianque.EventQuery{Text: "password 10.1.2.3"}, []string{id(login)}},
		{"text phrase", bianque.EventQuery{Text: `"lisi 患者"`}, []string{id(fail)}},
		{"text and filter", bianque.EventQuery{Text: "login", Filters: []bianque.FieldFilter{f("event.action=logon")}}, []string{id(old)}},
		{"time range", bianque.EventQuery{From: t0, To: t0.Add(time.Hour), Filters: []bianque.FieldFilter{f("event.action^=logon")}},
			[]string{id(fail), id(login)}},
		{"to is exclusive", bianque.EventQuery{To: t0.Add(time.Minute), Filters: []bianque.FieldFilter{f("event.action^=logon")}},
			[]string{id(login), id(old)}},
		{"from is inclusive", bianque.EventQuery{From: t0.Add(time.Hour), Filters: []bianque.FieldFilter{f("source.ip^=192.")}}, []string{id(deny)}},
		{"nothing", bianque.EventQuery{Text: "no-such-text"}, nil},
		{"realistic", bianque.EventQuery{Filters: []bianque.FieldFilter{f("event.action=deny"), f("source.ip=10.0.0.99")}},
			[]string{id(noise[99])}},
	} {
		c.q.TenantIDs, c.q.Limit = all, 100
		got := search(t, es, c.q)
		if !slices.Equal(eventIDs(got), c.want) {
			t.Errorf("%s: got %v, want %v", c.name, eventIDs(got), c.want)
		}
	}
	// The newest page of everything, and one event by its reference.
	p := search(t, es, bianque.EventQuery{TenantIDs: all, Limit: 3})
	if !slices.Equal(eventIDs(p), []string{id(deny), id(fail), id(login)}) || p.Next == "" {
		t.Fatalf("newest page: %v next %q", eventIDs(p), p.Next)
	}
	got, err := es.Event(ctx, a.ID, p.Events[0].Ref)
	must(t, err, "event by reference")
	same(t, "event by reference", got.Event, deny)
	_, err = es.Event(ctx, a.ID, "0-0000000000000000")
	wantCode(t, err, bianque.ENOTFOUND, "unknown reference")
	_, err = es.Event(ctx, a.ID, "garbage")
	wantCode(t, err, bianque.ENOTFOUND, "bad reference")
	// Invalid queries.
	for _, q := range []bianque.EventQuery{
		{},
		{TenantIDs: all, From: t0, To: t0},
		{TenantIDs: all, Cursor: "zz"},
		{TenantIDs: all, Filters: []bianque.FieldFilter{{Field: "a b", Op: bianque.FilterEq}}},
		{TenantIDs: all, Filters: []bianque.FieldFilter{{Field: "a", Op: "like"}}},
	} {
		_, err := es.SearchEvents(ctx, q)
		wantCode(t, err, bianque.EINVALID, fmt.Sprintf("query %+v", q))
	}
}

func testEventPaging(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	// Appends whose times interleave (devices whose clocks differ), across
	// two days, in two tenants; several events share a timestamp.
	var want []string
	for round := 0; round < 4; round++ {
		var evs []*event.Event
		for i := 0; i < 600; i++ {
			tn := a.ID
			if i%3 == 0 {
				tn = b.ID
			}
			// Three events share each timestamp.
			e := newEvent(tn, evDay.Add(-time.Minute+time.Duration((i*4+round)/3)*100*time.Millisecond))
			evs = append(evs, e)
		}
		var ea, eb []*event.Event
		for _, e := range evs {
			if e.Str(event.OrganizationID) == a.ID {
				ea = append(ea, e)
			} else {
				eb = append(eb, e)
			}
		}
		appendEvents(t, es, a.ID, ea)
		appendEvents(t, es, b.ID, eb)
		for _, e := range evs {
			want = append(want, e.Str(event.EventID))
		}
	}
	// Expected order: @timestamp descending, then the hash of the ID.
	keyOf := map[string]bianque.EventKey{}
	ts := map[string]time.Time{}
	page := search(t, es, bianque.EventQuery{TenantIDs: []string{a.ID, b.ID}, Limit: 1000})
	for len(page.Events) > 0 {
		for _, e := range page.Events {
			k, err := bianque.EventKeyOf(e.Event)
			must(t, err, "key")
			keyOf[e.Event.Str(event.EventID)] = k
			ts[e.Event.Str(event.EventID)] = e.Event.Timestamp()
		}
		if page.Next == "" {
			break
		}
		page = search(t, es, bianque.EventQuery{TenantIDs: []string{a.ID, b.ID}, Limit: 1000, Cursor: page.Next})
	}
	if len(keyOf) != len(want) {
		t.Fatalf("paging with limit 1000 saw %d events, want %d", len(keyOf), len(want))
	}
	slices.SortFunc(want, func(x, y string) int {
		kx, ky := keyOf[x], keyOf[y]
		switch {
		case ky.Less(kx):
			return -1
		case kx.Less(ky):
			return 1
		}
		return 0
	})
	for _, limit := range []int{1, 7, 50, 333} {
		var got []string
		q := bianque.EventQuery{TenantIDs: []string{a.ID, b.ID}, Limit: limit}
		for pages := 0; ; pages++ {
			p := search(t, es, q)
			got = append(got, eventIDs(p)...)
			if p.Next == "" {
				break
			}
			if pages > len(want) {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			q.Cursor = p.Next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: paged %d events, want %d, newest first without duplicates", limit, len(got), len(want))
		}
	}
	// One tenant alone, in a time window.
	from, to := evDay.Add(-10*time.Second), evDay.Add(10*time.Second)
	var inA []string
	for _, id := range want {
		if strings.Contains(id, a.ID) && !ts[id].Before(from) && ts[id].Before(to) {
			inA = append(inA, id)
		}
	}
	var got []string
	q := bianque.EventQuery{TenantIDs: []string{a.ID}, From: from, To: to, Limit: 100}
	for {
		p := search(t, es, q)
		got = append(got, eventIDs(p)...)
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if len(inA) == 0 || !slices.Equal(got, inA) {
		t.Fatalf("window of A: %d events, want %d", len(got), len(inA))
	}
}

func testEventIsolation(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	ea := newEvent(a.ID, evDay, "user.name", "shared")
	eb := newEvent(b.ID, evDay, "user.name", "shared")
	appendEvents(t, es, a.ID, []*event.Event{ea})
	appendEvents(t, es, b.ID, []*event.Event{eb})
	p := search(t, es, bianque.EventQuery{TenantIDs: []string{a.ID}, Text: "shared"})
	if !slices.Equal(eventIDs(p), []string{ea.Str(event.EventID)}) || p.Events[0].TenantID != a.ID {
		t.Fatalf("search of A: %v", eventIDs(p))
	}
	_, err := es.Event(ctx, b.ID, p.Events[0].Ref)
	wantCode(t, err, bianque.ENOTFOUND, "A's event through B")
	var buf bytes.Buffer
	n, err := es.ExportTenantEvents(ctx, b.ID, &buf)
	must(t, err, "export B")
	if n != 1 || strings.Contains(buf.String(), a.ID) {
		t.Fatalf("export of B: %d events: %s", n, buf.String())
	}
	p = search(t, es, bianque.EventQuery{TenantIDs: []string{b.ID, a.ID}, Text: "shared"})
	if len(p.Events) != 2 {
		t.Fatalf("search of A and B: %v", eventIDs(p))
	}
	for _, e := range p.Events {
		if e.TenantID != e.Event.Str(event.OrganizationID) {
			t.Fatalf("event of %s returned as %s's", e.Event.Str(event.OrganizationID), e.TenantID)
		}
	}
}

func testEventDrop(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	for d := 0; d < 4; d++ {
		appendEvents(t, es, a.ID, []*event.Event{newEvent(a.ID, evDay.AddDate(0, 0, d).Add(time.Hour)), newEvent(a.ID, evDay.AddDate(0, 0, d).Add(2*time.Hour))})
		appendEvents(t, es, b.ID, []*event.Event{newEvent(b.ID, evDay.AddDate(0, 0, d).Add(time.Hour))})
	}
	dropped, err := es.DropEventPartitionsBefore(ctx, a.ID, evDay.AddDate(0, 0, 2).Add(15*time.Hour))
	must(t, err, "drop partitions")
	if len(dropped) != 2 || !dropped[0].Day.Equal(evDay) || !dropped[1].Day.Equal(evDay.AddDate(0, 0, 1)) ||
		dropped[0].Events != 2 || dropped[1].Events != 2 {
		t.Fatalf("dropped %+v", dropped)
	}
	parts, err := es.EventPartitions(ctx, a.ID)
	must(t, err, "partitions after drop")
	if len(parts) != 2 || !parts[0].Day.Equal(evDay.AddDate(0, 0, 2)) {
		t.Fatalf("partitions after drop: %+v", parts)
	}
	if n := countStored(t, es, b.ID); n != 4 {
		t.Fatalf("B lost events to A's retention: %d left", n)
	}
	p := search(t, es, bianque.EventQuery{TenantIDs: []string{a.ID}, Limit: 100})
	if len(p.Events) != 4 {
		t.Fatalf("search after drop: %d events", len(p.Events))
	}
	dropped, err = es.DropEventPartitionsBefore(ctx, a.ID, evDay)
	must(t, err, "drop nothing")
	if len(dropped) != 0 {
		t.Fatalf("dropped %+v, want nothing", dropped)
	}
	// A dropped day can be written again (late events), and dropped again.
	appendEvents(t, es, a.ID, []*event.Event{newEvent(a.ID, evDay.Add(time.Minute))})
	dropped, err = es.DropEventPartitionsBefore(ctx, a.ID, evDay.AddDate(0, 0, 1))
	must(t, err, "drop the late day")
	if len(dropped) != 1 || dropped[0].Events != 1 {
		t.Fatalf("dropped %+v", dropped)
	}
}

func testEventExport(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a := newTenant(t, s)
	var evs []*event.Event
	for d := 0; d < 3; d++ {
		evs = append(evs, FortiGateEvents(t, a.ID, evDay.AddDate(0, 0, 2-d).Add(time.Hour), 500)...)
	}
	appendEvents(t, es, a.ID, evs)
	var buf bytes.Buffer
	n, err := es.ExportTenantEvents(ctx, a.ID, &buf)
	must(t, err, "export")
	if n != 1500 {
		t.Fatalf("exported %d of 1500", n)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1500 {
		t.Fatalf("%d lines", len(lines))
	}
	var last time.Time
	for i, l := range lines {
		e, err := event.Parse([]byte(l))
		must(t, err, "parse line")
		day := bianque.DayOf(e.Timestamp())
		if day.Before(last) {
			t.Fatalf("line %d: day %v after %v: partitions are exported oldest first", i, day, last)
		}
		last = day
	}
	var empty bytes.Buffer
	n, err = es.ExportTenantEvents(ctx, newTenant(t, s).ID, &empty)
	if err != nil || n != 0 || empty.Len() != 0 {
		t.Fatalf("export of a tenant without events: %d, %v, %q", n, err, empty.String())
	}
}

func testEventPurge(t *testing.T, s bianque.Store) {
	es := eventStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	appendEvents(t, es, a.ID, FortiGateEvents(t, a.ID, evDay, 100))
	appendEvents(t, es, a.ID, []*event.Event{newEvent(a.ID, evDay.AddDate(0, 0, 3))})
	appendEvents(t, es, b.ID, FortiGateEvents(t, b.ID, evDay, 10))
	n, err := es.PurgeTenantEvents(ctx, a.ID)
	must(t, err, "purge events")
	if n != 101 {
		t.Fatalf("purge reports %d events, want 101", n)
	}
	if parts, err := es.EventPartitions(ctx, a.ID); err != nil || len(parts) != 0 {
		t.Fatalf("partitions after purge: %+v %v", parts, err)
	}
	if c := countStored(t, es, b.ID); c != 10 {
		t.Fatalf("B has %d events after A's purge", c)
	}
	// The tenant still exists: it can receive events again.
	if n := appendEvents(t, es, a.ID, FortiGateEvents(t, a.ID, evDay, 5)); n != 5 {
		t.Fatalf("append after purging events: %d", n)
	}
	// Purging the tenant itself removes its events and refuses new ones.
	deleted, err := s.PurgeTenant(ctx, a.ID)
	must(t, err, "purge tenant")
	if deleted["events"]+deleted["event_keys"] != 5 {
		t.Fatalf("tenant purge reports %v; want its 5 events", deleted)
	}
	if c := countStored(t, es, a.ID); c != 0 {
		t.Fatalf("%d events of A left after its purge", c)
	}
	_, err = es.AppendEvents(ctx, a.ID, FortiGateEvents(t, a.ID, evDay, 1))
	wantCode(t, err, bianque.ENOTFOUND, "append for a purged tenant")
	if c := countStored(t, es, b.ID); c != 10 {
		t.Fatalf("B has %d events after A's purge", c)
	}
}

// testEventConcurrentDrop appends to several days, searches, exports and
// drops the older days at the same time: no error, no deadlock, and what
// survives is exactly the days not dropped, with every event appended to them.
func testEventConcurrentDrop(t *testing.T, s bianque.Store) {
	db := eventStore(t, s)
	tn := newTenant(t, s)
	day := evDay
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				d := day.AddDate(0, 0, (w+i)%4)
				evs := FortiGateEvents(t, tn.ID, d.Add(time.Duration(w)*time.Hour+time.Duration(i)*time.Minute), 300)
				if _, err := db.AppendEvents(ctx, tn.ID, evs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.SearchEvents(ctx, bianque.EventQuery{TenantIDs: []string{tn.ID}, Text: "no-such-text"}); err != nil {
					errs <- err
					return
				}
				if _, err := db.ExportTenantEvents(ctx, tn.ID, io.Discard); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if _, err := db.DropEventPartitionsBefore(ctx, tn.ID, day.AddDate(0, 0, 2)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := db.DropEventPartitionsBefore(ctx, tn.ID, day.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	parts, err := db.EventPartitions(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range parts {
		got = append(got, p.Day.Format(time.DateOnly))
	}
	if !slices.Equal(got, []string{"2026-03-04", "2026-03-05"}) {
		t.Fatalf("days left: %v", got)
	}
	// The kept days hold every event appended to them: 4 writers × 6 appends
	// over 4 days, 300 events each; days 3 and 4 got 12 of the 24 appends.
	var n int64
	for _, p := range parts {
		n += p.Events
	}
	if n != 12*300 {
		t.Fatalf("%d events on the kept days, want %d", n, 12*300)
	}
}
