package evstore

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"bianque"
	"bianque/event"
)

func sample(id string, ts time.Time) *event.Event {
	e := event.New(16)
	e.Set(event.EventID, id)
	e.SetTimestamp(ts)
	e.Set("message", "Login by 张三 from 10.1.2.3 \"quoted\"\n")
	e.Set("event.original", "<13>Mar  2 10:00:00 host Login by 张三 from 10.1.2.3 \"quoted\"\n")
	e.Set("process.name", "host Login by 张三 from 10.1.2.3 \"quoted\"\n") // another suffix of the original
	e.Set("source.ip", "10.1.2.3")
	e.Set("source.port", 51234)
	e.Set("network.bytes", int64(-5))
	e.Set("event.risk_score", 7.25)
	e.Set("event.duration", math.MaxInt64)
	e.Set("threat.enrichments.matched", true)
	e.Set("hospital.source.asset.medical", false)
	e.Set("event.created", time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.FixedZone("x", 3600)))
	e.Set("related.ip", []string{"10.1.2.3", "203.0.113.9"})
	e.Set("related.user", []string{})
	e.Set("vendor.custom.field_not_in_the_dictionary", "v")
	e.Set("dns.answers", []any{map[string]any{"data": "1.2.3.4", "ttl": int64(60)}, map[string]any{"data": "x", "ttl": 1.5}})
	e.Set("labels.list", []any{"a", int64(1)})
	return e
}

func TestRecordRoundTrip(t *testing.T) {
	e := sample("id-1", time.Date(2024, 5, 1, 10, 0, 0, 123, time.UTC))
	rec, err := AppendRecord(nil, e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := e.MarshalJSON()
	g, _ := got.MarshalJSON()
	if !bytes.Equal(g, want) {
		t.Fatalf("round trip differs\n got: %s\nwant: %s", g, want)
	}
	// Truncated or corrupt records are errors, never panics.
	for i := range rec {
		DecodeRecord(rec[:i])
		c := slices.Clone(rec)
		c[i] ^= 0xff
		DecodeRecord(c)
		(&Matcher{}).Match(c)
		Compile([]bianque.FieldFilter{{Field: "source.ip", Op: bianque.FilterEq, Value: "x"}}, "zz").Match(c)
	}
}

func FuzzDecode(f *testing.F) {
	rec, _ := AppendRecord(nil, sample("id", time.Unix(1, 0)))
	f.Add(rec)
	b, raw := EncodeBlock([]Item{{Key: bianque.EventKey{TS: 5, Hash: 9}, Rec: rec}}, nil)
	f.Add(b.Data)
	f.Add(raw)
	m := Compile([]bianque.FieldFilter{{Field: "source.ip", Op: bianque.FilterPrefix, Value: "10."}, {Field: "x", Op: bianque.FilterNe, Value: "y"}}, `login "from 10"`)
	f.Fuzz(func(t *testing.T, data []byte) {
		DecodeRecord(data)
		m.Match(data)
		if raw, err := DecodeBlock(data, nil); err == nil {
			EachItem(raw, func(k bianque.EventKey, rec []byte) bool { DecodeRecord(rec); return true })
		}
		EachItem(data, func(k bianque.EventKey, rec []byte) bool { return true })
	})
}

func TestMatch(t *testing.T) {
	rec, _ := AppendRecord(nil, sample("id-1", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)))
	f := func(s string) bianque.FieldFilter {
		ff, err := bianque.ParseFieldFilter(s)
		if err != nil {
			t.Fatal(err)
		}
		return ff
	}
	for _, c := range []struct {
		filters []string
		text    string
		want    bool
	}{
		{nil, "", true},
		{[]string{"source.ip=10.1.2.3"}, "", true},
		{[]string{"source.ip=10.1.2.4"}, "", false},
		{[]string{"source.ip!=10.1.2.3"}, "", false},
		{[]string{"source.ip!=10.9.9.9"}, "", true},
		{[]string{"user.name!=x"}, "", true}, // absent
		{[]string{"source.ip^=10.1."}, "", true},
		{[]string{"source.ip^=10.2."}, "", false},
		{[]string{"source.port=51234"}, "", true},
		{[]string{"network.bytes=-5"}, "", true},
		{[]string{"event.risk_score=7.25"}, "", true},
		{[]string{"threat.enrichments.matched=TRUE"}, "", true},
		{[]string{"hospital.source.asset.medical=false"}, "", true},
		{[]string{"related.ip=203.0.113.9"}, "", true},
		{[]string{"related.ip!=203.0.113.9"}, "", false},
		{[]string{"related.user?"}, "", true},
		{[]string{"user.name?"}, "", false},
		{[]string{"vendor.custom.field_not_in_the_dictionary=V"}, "", true},
		{[]string{"event.created^=1969-07-20T19:17"}, "", true},
		{nil, "LOGIN", true},
		{[]string{"message^=login by"}, "", true},
		{[]string{"process.name^=host login"}, "", true},
		{[]string{"event.original^=<13>"}, "", true},
		{nil, "张三", true},
		{nil, `"by 张三 from"`, true},
		{nil, "login bogus", false},
		{nil, "51234", true},
		{nil, "1969-07-20", true},
		{nil, "source", false}, // names are not text
		{nil, "ttl", true},     // inside JSON values
		{[]string{"source.ip=10.1.2.3", "source.port=51234"}, "quoted", true},
		{[]string{"source.ip=10.1.2.3", "source.port=1"}, "quoted", false},
	} {
		var fs []bianque.FieldFilter
		for _, s := range c.filters {
			fs = append(fs, f(s))
		}
		if got := Compile(fs, c.text).Match(rec); got != c.want {
			t.Errorf("filters %v text %q: match %v, want %v", c.filters, c.text, got, c.want)
		}
	}
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		h, n string
		want bool
	}{
		{"Hello World", "world", true},
		{"Hello World", "o w", true},
		{"aaaaab", "ab", true},
		{"AaAaAb", "ab", true},
		{"abc", "abcd", false},
		{"xyz", "", true},
		{"ÄBC", "äbc", true},
		{"ab", "b", true},
		{"bA", "ba", true},
		{"..", ".", true},
	} {
		if got := containsFold([]byte(c.h), newNeedle(c.n)); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v", c.h, c.n, got)
		}
	}
}

// memSource is an in-memory Source for the engine's tests.
type memSource struct {
	days map[string]map[time.Time][]Block
}

func (m *memSource) add(t *testing.T, tenant string, evs []*event.Event) {
	ds, err := Prepare(evs)
	if err != nil {
		t.Fatal(err)
	}
	if m.days == nil {
		m.days = map[string]map[time.Time][]Block{}
	}
	if m.days[tenant] == nil {
		m.days[tenant] = map[time.Time][]Block{}
	}
	for _, d := range ds {
		for _, b := range d.Blocks {
			b.ID = int64(len(m.days[tenant][d.Day]) + 1)
			m.days[tenant][d.Day] = append(m.days[tenant][d.Day], b)
		}
	}
}

func (m *memSource) Days(ctx context.Context, tenantID string) ([]time.Time, error) {
	var out []time.Time
	for d := range m.days[tenantID] {
		out = append(out, d)
	}
	return out, nil
}

func (m *memSource) Blocks(ctx context.Context, tenantID string, day time.Time, lo, hi int64) ([]Block, error) {
	var out []Block
	for _, b := range m.days[tenantID][day] {
		if b.TSMax >= lo && b.TSMin <= hi {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b Block) int { return int(b.TSMax - a.TSMax) })
	return out, nil
}

func (m *memSource) BlockData(ctx context.Context, tenantID string, day time.Time, id int64) ([]byte, error) {
	return m.days[tenantID][day][id-1].Data, nil
}

func (m *memSource) BlocksAt(ctx context.Context, tenantID string, k bianque.EventKey) ([][]byte, error) {
	var out [][]byte
	for _, b := range m.days[tenantID][dayOfNanos(k.TS)] {
		if b.TSMin <= k.TS && k.TS <= b.TSMax {
			out = append(out, b.Data)
		}
	}
	return out, nil
}

func (m *memSource) EachBlock(ctx context.Context, tenantID string, day time.Time, fn func(Block) error) error {
	for _, b := range m.days[tenantID][day] {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

func TestSearchPagingOverlappingBlocks(t *testing.T) {
	src := &memSource{}
	base := time.Date(2024, 5, 1, 23, 59, 0, 0, time.UTC)
	var all []string
	// Three appends whose times interleave and cross midnight, two tenants.
	for round := 0; round < 3; round++ {
		var evs []*event.Event
		for i := 0; i < 700; i++ {
			n := i*3 + round
			id := fmt.Sprintf("e%05d", n)
			evs = append(evs, sample(id, base.Add(time.Duration(n)*100*time.Millisecond)))
			all = append(all, id)
		}
		src.add(t, "a", evs[:400])
		src.add(t, "b", evs[400:])
	}
	slices.Sort(all)
	slices.Reverse(all) // newest first
	for _, limit := range []int{1, 7, 50, 1000} {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			p, err := Search(context.Background(), src, bianque.EventQuery{TenantIDs: []string{"a", "b"}, Cursor: cursor, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Events {
				got = append(got, e.Event.Str(event.EventID))
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
			if pages > 3000 {
				t.Fatal("paging does not end")
			}
		}
		if !slices.Equal(got, all) {
			t.Fatalf("limit %d: %d events paged, want %d in order", limit, len(got), len(all))
		}
	}
	// Time range: [from, to).
	from, to := base.Add(10*time.Second), base.Add(20*time.Second)
	p, err := Search(context.Background(), src, bianque.EventQuery{TenantIDs: []string{"a", "b"}, From: from, To: to, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 100 || p.Next != "" {
		t.Fatalf("range: %d events, next %q; want 100", len(p.Events), p.Next)
	}
	for _, e := range p.Events {
		if ts := e.Event.Timestamp(); ts.Before(from) || !ts.Before(to) {
			t.Fatalf("event at %v outside the range", ts)
		}
	}
	// Lookup by reference, and across tenants.
	ref := p.Events[3].Ref
	got, err := Lookup(context.Background(), src, p.Events[3].TenantID, ref)
	if err != nil || got.Event.Str(event.EventID) != p.Events[3].Event.Str(event.EventID) {
		t.Fatalf("lookup %s: %v %v", ref, got, err)
	}
	other := "a"
	if p.Events[3].TenantID == "a" {
		other = "b"
	}
	if _, err := Lookup(context.Background(), src, other, ref); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("lookup in the other tenant: %v", err)
	}
	// Export.
	var buf bytes.Buffer
	n, err := Export(context.Background(), src, "a", &buf)
	if err != nil || n != 1200 || bytes.Count(buf.Bytes(), []byte("\n")) != 1200 {
		t.Fatalf("export: %d, %v", n, err)
	}
}

func TestPrepareDedupAndKeep(t *testing.T) {
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var evs []*event.Event
	for i := 0; i < BlockEvents+10; i++ {
		evs = append(evs, sample(fmt.Sprint(i), ts.Add(time.Duration(i))))
	}
	evs = append(evs, evs[5], evs[6]) // duplicates within the batch
	ds, err := Prepare(evs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || len(ds[0].Items) != BlockEvents+10 || len(ds[0].Blocks) != 2 {
		t.Fatalf("prepare: %d batches", len(ds))
	}
	d := ds[0]
	keep := map[bianque.EventKey]bool{}
	for i, it := range d.Items {
		if i >= BlockEvents || i%2 == 0 {
			keep[it.Key] = true
		}
	}
	want := map[bianque.EventKey]int{}
	for i, it := range d.Items {
		if keep[it.Key] {
			want[it.Key] = BlockOfItem(i)
		}
	}
	if n := d.Keep(keep); n != len(keep) {
		t.Fatalf("kept %d, want %d", n, len(keep))
	}
	for bi, b := range d.Blocks {
		raw, err := DecodeBlock(b.Data, nil)
		if err != nil {
			t.Fatal(err)
		}
		EachItem(raw, func(k bianque.EventKey, _ []byte) bool {
			if want[k] != bi {
				t.Fatalf("key in block %d, want %d", bi, want[k])
			}
			delete(want, k)
			return true
		})
	}
	if len(want) != 0 {
		t.Fatalf("%d kept keys in no block", len(want))
	}
	if _, err := Prepare([]*event.Event{event.New(1)}); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("event without ID: %v", err)
	}
}
