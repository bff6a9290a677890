package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/ingest"
	"bianque/internal/testutil"
	"bianque/queue"
)

// kvParser is a small real parser for these tests: "k=v k=v" pairs into
// fields; a line starting with "BAD" is refused.
type kvParser struct{}

func (kvParser) Parse(raw []byte, meta Meta) (*event.Event, error) {
	hint := meta.Hint
	if bytes.HasPrefix(raw, []byte("BAD")) {
		return nil, errors.New("unrecognised format")
	}
	e := event.New(8)
	for _, kv := range strings.Fields(string(raw)) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("token %q is not key=value", kv)
		}
		e.Set(k, v)
	}
	if hint != "" {
		e.Set(event.ObserverProduct, hint)
	}
	return e, nil
}

// upperMasker masks "phone=" values, standing in for mask/.
type phoneMasker struct{}

func (phoneMasker) Mask(tenantID string, e *event.Event) error {
	if v := e.Str("user.phone"); v != "" {
		if v == "unmaskable" {
			return errors.New("cannot mask")
		}
		e.Set("user.phone", "MASKED-"+tenantID)
	}
	return nil
}

func (phoneMasker) MaskText(tenantID, s string) string {
	return strings.ReplaceAll(s, "13800138000", "MASKED")
}

// memStore is an idempotent event sink and dead-letter sink in memory.
type memStore struct {
	mu       sync.Mutex
	events   map[string]*event.Event
	appends  int
	failNext int
	dead     map[string]*bianque.DeadLetter
}

func newMemStore() *memStore {
	return &memStore{events: map[string]*event.Event{}, dead: map[string]*bianque.DeadLetter{}}
}

func (s *memStore) AppendEvents(ctx context.Context, tenantID string, evs []*event.Event) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return 0, errors.New("database unavailable")
	}
	if tenantID == "gone" {
		return 0, bianque.Errorf(bianque.ENOTFOUND, "tenant gone: a referenced record does not exist")
	}
	n := 0
	for _, e := range evs {
		if e.Str(event.OrganizationID) != tenantID {
			return 0, fmt.Errorf("event of tenant %s appended to %s", e.Str(event.OrganizationID), tenantID)
		}
		if _, ok := s.events[e.Str(event.EventID)]; !ok {
			n++
		}
		s.events[e.Str(event.EventID)] = e
		s.appends++
	}
	return n, nil
}

func (s *memStore) AppendDeadLetters(ctx context.Context, dls []*bianque.DeadLetter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range dls {
		s.dead[d.ID] = d
	}
	return nil
}

func (s *memStore) count() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events), len(s.dead)
}

type detector struct {
	mu sync.Mutex
	n  int
}

func (d *detector) Detect(ctx context.Context, tenantID string, evs []*event.Event) error {
	d.mu.Lock()
	d.n += len(evs)
	d.mu.Unlock()
	return nil
}

func publish(t *testing.T, q queue.Queue, recs ...ingest.Raw) {
	t.Helper()
	if err := (&ingest.QueueSink{Queue: q}).Submit(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, cfg Config) func() {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitCount(t *testing.T, s *memStore, events, dead int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		e, d := s.count()
		if e == events && d == dead {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("store has %d events and %d dead letters, want %d and %d", e, d, events, dead)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type assetList struct{ assets []*bianque.Asset }

func (a *assetList) CreateAsset(context.Context, *bianque.Asset) error { return nil }
func (a *assetList) Asset(context.Context, string, string) (*bianque.Asset, error) {
	return nil, bianque.Errorf(bianque.ENOTFOUND, "no")
}
func (a *assetList) UpdateAsset(context.Context, *bianque.Asset) error { return nil }
func (a *assetList) DeleteAsset(context.Context, string, string) error { return nil }
func (a *assetList) Assets(ctx context.Context, f bianque.AssetFilter) ([]*bianque.Asset, string, error) {
	var out []*bianque.Asset
	for _, x := range a.assets {
		if x.TenantID != f.TenantIDs[0] {
			continue
		}
		for _, ip := range x.IPs {
			if f.IP != "" && ip == f.IP {
				out = append(out, x)
			}
		}
		for _, h := range x.Hostnames {
			if f.Hostname != "" && h == f.Hostname {
				out = append(out, x)
			}
		}
	}
	return out, "", nil
}

func TestPipelineStages(t *testing.T) {
	q, err := queue.OpenLocal(t.TempDir(), queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	clock := testutil.NewFakeClock(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	store := newMemStore()
	det := &detector{}
	assets := &assetList{assets: []*bianque.Asset{
		{ID: "a1", TenantID: "t1", Name: "PACS server", Kind: bianque.AssetServer, Importance: 5, IPs: []string{"10.0.0.5"}, Department: "radiology"},
		{ID: "a2", TenantID: "t2", Name: "other tenant", Kind: bianque.AssetServer, Importance: 1, IPs: []string{"10.0.0.5"}},
		{ID: "a3", TenantID: "t1", Name: "monitor", Kind: bianque.AssetMedical, Importance: 4, Hostnames: []string{"icu-mon-1"}},
	}}
	stop := run(t, Config{Queue: q, Parser: kvParser{}, Masker: phoneMasker{}, Sink: store, DeadLetters: store, Detector: det,
		Enrichers: []Enricher{&AssetEnricher{Assets: assets, Clock: clock}}, Clock: clock, Workers: 2})
	defer stop()
	rec := func(id, tenant, data string) ingest.Raw {
		return ingest.Raw{ID: id, TenantID: tenant, ComponentID: "c1", Received: clock.Now().Add(-time.Minute), Transport: "udp",
			Peer: "10.9.9.9:514", Hint: "fortigate", Data: []byte(data)}
	}
	publish(t, q,
		rec("e1", "t1", "source.ip=10.0.0.5 event.action=deny user.phone=13800138000"),
		rec("e2", "t2", "source.ip=10.0.0.5"),
		rec("e3", "t1", "host.name=icu-mon-1"),
		rec("e4", "t1", "BAD line with 13800138000"),
		rec("e5", "t1", "user.phone=unmaskable"),
		rec("e6", "", "no.tenant=x"),
	)
	q.Publish(context.Background(), []queue.Message{{ID: "junk", Key: "t1", Data: []byte("not a raw record")}})
	waitCount(t, store, 3, 4)

	e1 := store.events["e1"]
	for k, want := range map[string]string{
		event.OrganizationID:               "t1",
		event.EventID:                      "e1",
		"hospital.source.asset.id":         "a1",
		"hospital.source.asset.department": "radiology",
		"user.phone":                       "MASKED-t1",
		event.ObserverProduct:              "fortigate",
		"agent.id":                         "c1",
		"log.source.address":               "10.9.9.9:514",
		event.EventOriginal:                "source.ip=10.0.0.5 event.action=deny user.phone=13800138000",
		event.Timestamp:                    "2024-05-01T09:59:00Z",
		event.EventIngested:                "2024-05-01T10:00:00Z",
	} {
		if got := e1.Str(k); got != want {
			t.Errorf("e1 %s = %q, want %q", k, got, want)
		}
	}
	if got := store.events["e2"].Str("hospital.source.asset.id"); got != "a2" {
		t.Errorf("tenant t2 event enriched with %q, want its own asset a2", got)
	}
	if v, _ := store.events["e3"].Get("hospital.host.asset.medical"); v != true {
		t.Errorf("e3 medical = %v", v)
	}
	if d := store.dead["e4"]; d == nil || d.Stage != StageParse || d.Reason != "unrecognised format" || d.Raw != "BAD line with MASKED" || d.Source != "udp 10.9.9.9:514" {
		t.Errorf("dead letter e4 = %+v", d)
	}
	if d := store.dead["e5"]; d == nil || d.Stage != StageMask {
		t.Errorf("dead letter e5 = %+v", d)
	}
	if d := store.dead["e6"]; d == nil || d.Stage != StageDecode {
		t.Errorf("dead letter e6 = %+v", d)
	}
	deadDecode := 0
	for _, d := range store.dead {
		if strings.HasPrefix(d.ID, "q") && d.Stage == StageDecode && d.TenantID == "t1" {
			deadDecode++
		}
	}
	if deadDecode != 1 {
		t.Errorf("undecodable queue message not dead-lettered")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		det.mu.Lock()
		n := det.n
		det.mu.Unlock()
		if n == 3 || time.Now().After(deadline) {
			if n != 3 {
				t.Errorf("detector saw %d events, want 3", n)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, _ := q.Stats(context.Background()); st.Backlog != 0 {
		t.Errorf("backlog %d after processing", st.Backlog)
	}
}

// TestPipelineRetriesStoreFailures: a failing store gives the batch back;
// every event is stored once it recovers, none twice.
func TestPipelineRetriesStoreFailures(t *testing.T) {
	q, err := queue.OpenLocal(t.TempDir(), queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	store := newMemStore()
	store.failNext = 2
	var recs []ingest.Raw
	for i := 0; i < 1000; i++ {
		recs = append(recs, ingest.Raw{ID: fmt.Sprintf("e%d", i), TenantID: "t1", Received: time.Now(), Data: fmt.Appendf(nil, "n=%d", i)})
	}
	publish(t, q, recs...)
	stop := run(t, Config{Queue: q, Parser: kvParser{}, Sink: store, DeadLetters: store, Workers: 1, Batch: 300})
	defer stop()
	waitCount(t, store, 1000, 0)
	if store.appends != 1000 {
		t.Errorf("%d appends for 1000 events: a failed batch was partly stored", store.appends)
	}
}

// TestPipelineRedeliveryAfterRestart: events processed but not acknowledged
// before a crash are processed again after restart and stored once (the
// sink is idempotent on event.id).
func TestPipelineRedeliveryAfterRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q")
	q, err := queue.OpenLocal(dir, queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var recs []ingest.Raw
	for i := 0; i < 100; i++ {
		recs = append(recs, ingest.Raw{ID: fmt.Sprintf("e%d", i), TenantID: "t1", Received: time.Now(), Data: fmt.Appendf(nil, "n=%d", i)})
	}
	publish(t, q, recs...)
	store := newMemStore()
	// Store a batch as the pipeline would, but "crash" before the ack.
	ds, err := q.Fetch(context.Background(), 50, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*event.Event
	for _, d := range ds {
		var r ingest.Raw
		ingest.DecodeRaw(d.Data, &r)
		e, _ := kvParser{}.Parse(r.Data, Meta{})
		e.Set(event.EventID, r.ID)
		e.Set(event.OrganizationID, "t1")
		evs = append(evs, e)
	}
	store.AppendEvents(context.Background(), "t1", evs)
	q.Close()

	q, err = queue.OpenLocal(dir, queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	stop := run(t, Config{Queue: q, Parser: kvParser{}, Sink: store, DeadLetters: store})
	defer stop()
	waitCount(t, store, 100, 0)
	if store.appends != 150 {
		t.Errorf("appends = %d, want 150 (50 redelivered, stored idempotently)", store.appends)
	}
}

// TestPipelineTenantGone: events of a purged tenant cannot be stored; they
// become dead letters of no tenant instead of blocking the queue.
func TestPipelineTenantGone(t *testing.T) {
	q, err := queue.OpenLocal(t.TempDir(), queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	store := newMemStore()
	publish(t, q, ingest.Raw{ID: "g1", TenantID: "gone", Received: time.Now(), Data: []byte("a=1")},
		ingest.Raw{ID: "k1", TenantID: "t1", Received: time.Now(), Data: []byte("a=2")})
	stop := run(t, Config{Queue: q, Parser: kvParser{}, Sink: store, DeadLetters: store})
	defer stop()
	waitCount(t, store, 1, 1)
	if d := store.dead["g1"]; d == nil || d.TenantID != "" || d.Stage != StageStore || d.Raw != "a=1" {
		t.Fatalf("dead letter = %+v", d)
	}
}
