package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/ingest/ingesttest"
	"bianque/internal/testutil"
)

func newHTTPFixture(t *testing.T) (*HTTPHandler, *memSink, *memComponents, *Metrics) {
	t.Helper()
	store := newMemComponents()
	ctx := context.Background()
	for _, c := range []*bianque.Component{
		{ID: "edr1", TenantID: "t1", Name: "EDR", Kind: bianque.ComponentEDR, State: bianque.ComponentApproved, Product: "sysmon", TokenHash: HashSecret("good-token")},
		{ID: "edr2", TenantID: "t1", Name: "EDR old", Kind: bianque.ComponentEDR, State: bianque.ComponentRevoked, TokenHash: HashSecret("revoked-token")},
	} {
		store.CreateComponent(ctx, c)
	}
	ledger, err := OpenFileLedger(filepath.Join(t.TempDir(), "ledger"), 10)
	if err != nil {
		t.Fatal(err)
	}
	clock := testutil.NewFakeClock(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	sink := &memSink{}
	m := NewMetrics(nil)
	h := &HTTPHandler{Components: &ComponentCache{Store: store, Clock: clock}, Sink: sink, Ledger: ledger, Clock: clock, Metrics: m,
		Touch: &Toucher{Store: store, Clock: clock}, MaxBody: 1 << 20, MaxMessage: 200}
	return h, sink, store, m
}

func post(t *testing.T, h http.Handler, token, ct, body string, hdr map[string]string) (*httptest.ResponseRecorder, IngestResult) {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/ingest", strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", ct)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var res IngestResult
	json.Unmarshal(rec.Body.Bytes(), &res)
	return rec, res
}

func TestHTTPIngest(t *testing.T) {
	h, sink, store, m := newHTTPFixture(t)
	ndjson := `{"EventID":4625,"Computer":"ws1"}
not json
{"EventID":4624, "Computer": "ws2"}

{"big":"` + strings.Repeat("x", 300) + `"}
[1,2]
`
	rec, res := post(t, h, "good-token", "application/x-ndjson", ndjson, nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if res.Accepted != 2 || res.Rejected != 3 || len(res.Errors) != 3 || res.Errors[0].Line != 2 || res.Errors[1].Line != 5 || res.Errors[2].Line != 6 {
		t.Fatalf("result = %+v", res)
	}
	if len(sink.recs) != 2 || string(sink.recs[1].Data) != `{"EventID":4624, "Computer": "ws2"}` {
		t.Fatalf("records = %+v", sink.recs)
	}
	r0 := sink.recs[0]
	if r0.TenantID != "t1" || r0.ComponentID != "edr1" || r0.Hint != "sysmon" || r0.Transport != TransportHTTP {
		t.Errorf("record = %+v", r0)
	}
	if v := counter(t, m.Rejected.WithLabelValues("http", "bad_event")); v != 3 {
		t.Errorf("bad_event = %v", v)
	}

	// A JSON array, gzip-compressed.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`[{"a":1}, {"b": 2}, "x"]`))
	zw.Close()
	rec, res = post(t, h, "good-token", "application/json", gz.String(), map[string]string{"Content-Encoding": "gzip", "X-Bianque-Hint": "cef"})
	if rec.Code != 200 || res.Accepted != 2 || res.Rejected != 1 {
		t.Fatalf("array: %d %+v", rec.Code, res)
	}
	if got := string(sink.recs[2].Data); got != `{"a":1}` || sink.recs[3].Hint != "cef" {
		t.Errorf("array record = %q hint %q", got, sink.recs[3].Hint)
	}

	// text/plain: one raw line per message.
	rec, res = post(t, h, "good-token", "text/plain", "<13>raw one\n<13>raw two\n", nil)
	if rec.Code != 200 || res.Accepted != 2 {
		t.Fatalf("text: %d %+v", rec.Code, res)
	}

	if err := h.Touch.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, _ := store.Component(context.Background(), "t1", "edr1")
	if c.Stats.EventsTotal != 6 || c.Stats.ErrorsTotal != 4 || c.LastSeen == nil {
		t.Errorf("component stats = %+v last seen %v", c.Stats, c.LastSeen)
	}
}

func TestHTTPIngestAuth(t *testing.T) {
	h, sink, _, m := newHTTPFixture(t)
	for _, tc := range []struct {
		token string
		want  int
	}{{"", 401}, {"wrong", 401}, {"revoked-token", 403}} {
		rec, _ := post(t, h, tc.token, "application/x-ndjson", `{"a":1}`, nil)
		if rec.Code != tc.want {
			t.Errorf("token %q: status %d, want %d", tc.token, rec.Code, tc.want)
		}
	}
	if len(sink.recs) != 0 {
		t.Fatal("unauthenticated events accepted")
	}
	if v := counter(t, m.Rejected.WithLabelValues("http", "unauthorized")); v != 2 {
		t.Errorf("unauthorized = %v", v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 405 {
		t.Errorf("GET: %d", rec.Code)
	}
	big := strings.Repeat(`{"a":"`+strings.Repeat("y", 100)+`"}`+"\n", 20000)
	rec2, _ := post(t, h, "good-token", "application/x-ndjson", big, nil)
	if rec2.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize body: %d", rec2.Code)
	}
}

func TestHTTPIngestBatchIdempotent(t *testing.T) {
	h, sink, _, _ := newHTTPFixture(t)
	hdr := map[string]string{"X-Bianque-Batch-Id": "b-1"}
	_, res := post(t, h, "good-token", "application/x-ndjson", "{\"a\":1}\n{\"a\":2}\n", hdr)
	if res.Accepted != 2 {
		t.Fatalf("first: %+v", res)
	}
	ids := []string{sink.recs[0].ID, sink.recs[1].ID}
	_, res = post(t, h, "good-token", "application/x-ndjson", "{\"a\":1}\n{\"a\":2}\n", hdr)
	if !res.Duplicate || len(sink.recs) != 2 {
		t.Fatalf("second: %+v, %d records", res, len(sink.recs))
	}
	// Without the ledger (e.g. it was lost), the same batch yields the same IDs.
	h.Ledger = nil
	post(t, h, "good-token", "application/x-ndjson", "{\"a\":1}\n{\"a\":2}\n", hdr)
	if sink.recs[2].ID != ids[0] || sink.recs[3].ID != ids[1] || ids[0] == ids[1] {
		t.Fatalf("IDs not deterministic: %v vs %s %s", ids, sink.recs[2].ID, sink.recs[3].ID)
	}
}

func TestFileLedgerConformance(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger")
	ingesttest.RunLedger(t, func(t *testing.T) ingesttest.Ledger {
		l, err := OpenFileLedger(path, 1000)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}, func(t *testing.T, old ingesttest.Ledger) ingesttest.Ledger {
		old.(*FileLedger).Close()
		l, err := OpenFileLedger(path, 1000)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	})
}

// A batch queued just before a crash (the platform never answered) and sent
// again a minute later must give its lines without a time of their own the
// first receive time, so the store keys them the same and keeps one copy.
func TestHTTPIngestRetryKeepsFirstReceiveTime(t *testing.T) {
	h, sink, _, m := newHTTPFixture(t)
	clock := h.Clock.(*testutil.FakeClock)
	first := clock.Now()
	hdr := map[string]string{"X-Bianque-Batch-Id": "b-7"}
	body := "<13>no time here\n<13>nor here\n"

	sink.fail = errors.New("the platform went down after queueing the batch")
	rec, _ := post(t, h, "good-token", "text/plain", body, hdr)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	sink.fail = nil
	clock.Advance(time.Minute)
	// The ledger is read back from its file, as after a restart.
	fl := h.Ledger.(*FileLedger)
	fl.Close()
	reopened, err := OpenFileLedger(fl.path, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	h.Ledger = reopened

	rec, res := post(t, h, "good-token", "text/plain", body, hdr)
	if rec.Code != 200 || res.Accepted != 2 {
		t.Fatalf("retry: %d %+v", rec.Code, res)
	}
	if len(sink.recs) != 4 || sink.recs[0].ID != sink.recs[2].ID || sink.recs[1].ID != sink.recs[3].ID {
		t.Fatalf("the retried batch does not repeat the first one's IDs: %+v", sink.recs)
	}
	for _, r := range sink.recs {
		if !r.Received.Equal(first) {
			t.Fatalf("retried line received at %v, want the first receive time %v", r.Received, first)
		}
	}
	// A new batch gets the time it arrives.
	post(t, h, "good-token", "text/plain", body, map[string]string{"X-Bianque-Batch-Id": "b-8"})
	if got := sink.recs[len(sink.recs)-1].Received; !got.Equal(first.Add(time.Minute)) {
		t.Fatalf("new batch received at %v, want %v", got, first.Add(time.Minute))
	}
	if v := counter(t, m.Batches.WithLabelValues("ledger_error")); v != 0 {
		t.Fatalf("ledger errors: %v", v)
	}
}
