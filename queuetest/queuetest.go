// Package queuetest is the conformance suite every queue.Queue
// implementation runs: delivery, per-key order, acknowledgement and
// redelivery, durability across reopen, backpressure and concurrency.
package queuetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"bianque/queue"
)

// Config tells the suite how to open the implementation under test.
type Config struct {
	// Open opens the queue called name with at most maxBacklog
	// unacknowledged messages (0: no bound). Opening a name again after
	// Close must give the same queue with its contents; each test uses
	// names of its own.
	Open func(t *testing.T, name string, maxBacklog int64) queue.Queue
	// Redelivery is the longest an unacknowledged message of a closed
	// consumer may take to be delivered again after reopening (JetStream's
	// AckWait; 0 for the local queue).
	Redelivery time.Duration
	// AckWait is the AckWait the queues are opened with: a message held
	// unacknowledged this long is delivered again.
	AckWait time.Duration
}

// Run runs the suite.
func Run(t *testing.T, cfg Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, cfg Config)
	}{
		{"PublishFetchAck", testPublishFetchAck},
		{"OrderPerKey", testOrderPerKey},
		{"NakRedelivers", testNakRedelivers},
		{"UnackedRedeliveredAfterReopen", testUnackedAfterReopen},
		{"DurableAcrossReopen", testDurableAcrossReopen},
		{"Backpressure", testBackpressure},
		{"Concurrent", testConcurrent},
		{"LargeMessage", testLargeMessage},
		{"FetchWaitsForPublish", testFetchWaits},
		{"HeldPastAckWaitRedelivered", testAckWait},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, cfg) })
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func msgs(key string, from, n int) []queue.Message {
	out := make([]queue.Message, n)
	for i := range out {
		out[i] = queue.Message{ID: fmt.Sprintf("%s-%d", key, from+i), Key: key, Data: fmt.Appendf(nil, "%s payload %d", key, from+i)}
	}
	return out
}

// fetchN fetches until n messages arrived (or the deadline passed).
func fetchN(t *testing.T, q queue.Queue, n int, within time.Duration) []*queue.Delivery {
	t.Helper()
	ctx := ctxT(t)
	deadline := time.Now().Add(within)
	var out []*queue.Delivery
	for len(out) < n && time.Now().Before(deadline) {
		ds, err := q.Fetch(ctx, n-len(out), 200*time.Millisecond)
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		out = append(out, ds...)
	}
	if len(out) != n {
		t.Fatalf("fetched %d messages, want %d", len(out), n)
	}
	return out
}

func expectNone(t *testing.T, q queue.Queue, wait time.Duration) {
	t.Helper()
	ds, err := q.Fetch(ctxT(t), 10, wait)
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if len(ds) != 0 {
		t.Fatalf("fetched %d unexpected messages, first %q (seq %d)", len(ds), ds[0].ID, ds[0].Seq)
	}
}

func ack(t *testing.T, q queue.Queue, ds []*queue.Delivery) {
	t.Helper()
	// A context without deadline, as long-running workers use.
	if err := q.Ack(context.Background(), ds); err != nil {
		t.Fatalf("ack: %v", err)
	}
}

func testPublishFetchAck(t *testing.T, cfg Config) {
	q := cfg.Open(t, "pfa", 0)
	defer q.Close()
	ctx := ctxT(t)
	in := msgs("t1", 0, 100)
	if err := q.Publish(ctx, in); err != nil {
		t.Fatal(err)
	}
	got := fetchN(t, q, 100, 10*time.Second)
	for i, d := range got {
		if d.ID != in[i].ID || d.Key != in[i].Key || !bytes.Equal(d.Data, in[i].Data) {
			t.Fatalf("message %d = {%q %q %q}, want {%q %q %q}", i, d.ID, d.Key, d.Data, in[i].ID, in[i].Key, in[i].Data)
		}
		if d.Attempt != 1 {
			t.Fatalf("first delivery has attempt %d", d.Attempt)
		}
		if i > 0 && d.Seq <= got[i-1].Seq {
			t.Fatalf("sequence not increasing: %d after %d", d.Seq, got[i-1].Seq)
		}
	}
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Backlog != 100 {
		t.Errorf("backlog before ack = %d, want 100", st.Backlog)
	}
	ack(t, q, got)
	if b := drainedBacklog(t, q); b != 0 {
		t.Errorf("backlog after ack = %d, want 0", b)
	}
	expectNone(t, q, 300*time.Millisecond)
}

func testOrderPerKey(t *testing.T, cfg Config) {
	q := cfg.Open(t, "order", 0)
	defer q.Close()
	ctx := ctxT(t)
	keys := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i += 25 {
				if err := q.Publish(ctx, msgs(k, i, 25)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got := fetchN(t, q, 1500, 20*time.Second)
	next := map[string]int{}
	for _, d := range got {
		want := fmt.Sprintf("%s-%d", d.Key, next[d.Key])
		if d.ID != want {
			t.Fatalf("key %s: got %s, want %s (order broken)", d.Key, d.ID, want)
		}
		next[d.Key]++
	}
	ack(t, q, got)
}

func testNakRedelivers(t *testing.T, cfg Config) {
	q := cfg.Open(t, "nak", 0)
	defer q.Close()
	ctx := ctxT(t)
	if err := q.Publish(ctx, msgs("t", 0, 10)); err != nil {
		t.Fatal(err)
	}
	got := fetchN(t, q, 10, 10*time.Second)
	ack(t, q, got[:5])
	if err := q.Nak(ctx, got[5:]); err != nil {
		t.Fatal(err)
	}
	again := fetchN(t, q, 5, 10*time.Second)
	sort.Slice(again, func(i, j int) bool { return again[i].Seq < again[j].Seq })
	for i, d := range again {
		if d.ID != got[5+i].ID || !bytes.Equal(d.Data, got[5+i].Data) {
			t.Fatalf("redelivered %q, want %q", d.ID, got[5+i].ID)
		}
		if d.Attempt < 2 {
			t.Errorf("redelivery of %s has attempt %d, want ≥ 2", d.ID, d.Attempt)
		}
	}
	ack(t, q, again)
	expectNone(t, q, 300*time.Millisecond)
}

func testUnackedAfterReopen(t *testing.T, cfg Config) {
	q := cfg.Open(t, "reopen-unacked", 0)
	ctx := ctxT(t)
	if err := q.Publish(ctx, msgs("t", 0, 20)); err != nil {
		t.Fatal(err)
	}
	got := fetchN(t, q, 20, 10*time.Second)
	acked := map[string]bool{}
	var toAck []*queue.Delivery
	for i, d := range got {
		if i%2 == 0 {
			toAck = append(toAck, d)
			acked[d.ID] = true
		}
	}
	ack(t, q, toAck)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q = cfg.Open(t, "reopen-unacked", 0)
	defer q.Close()
	again := fetchN(t, q, 10, cfg.Redelivery+15*time.Second)
	for _, d := range again {
		if acked[d.ID] {
			t.Fatalf("acknowledged message %s delivered again", d.ID)
		}
	}
	ack(t, q, again)
	expectNone(t, q, 300*time.Millisecond)
}

func testDurableAcrossReopen(t *testing.T, cfg Config) {
	q := cfg.Open(t, "durable", 0)
	ctx := ctxT(t)
	in := msgs("t", 0, 300)
	for i := 0; i < len(in); i += 100 {
		if err := q.Publish(ctx, in[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.Publish(ctx, msgs("x", 0, 1)); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("publish after close: err = %v, want ErrClosed", err)
	}
	q = cfg.Open(t, "durable", 0)
	defer q.Close()
	got := fetchN(t, q, 300, 10*time.Second)
	for i, d := range got {
		if d.ID != in[i].ID || !bytes.Equal(d.Data, in[i].Data) {
			t.Fatalf("message %d = %q, want %q", i, d.ID, in[i].ID)
		}
	}
	ack(t, q, got)
}

func testBackpressure(t *testing.T, cfg Config) {
	q := cfg.Open(t, "backpressure", 10)
	defer q.Close()
	ctx := ctxT(t)
	if err := q.Publish(ctx, msgs("t", 0, 10)); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := q.Publish(short, msgs("t", 10, 1))
	cancel()
	if err == nil {
		t.Fatal("publish beyond the backlog bound succeeded; want it to block until the context ends")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("publish beyond the bound: err = %v, want one wrapping context.DeadlineExceeded", err)
	}
	// A blocked publisher goes through once the consumer catches up.
	done := make(chan error, 1)
	go func() { done <- q.Publish(ctx, msgs("t", 10, 1)) }()
	select {
	case err := <-done:
		t.Fatalf("publish returned (%v) before the backlog shrank", err)
	case <-time.After(200 * time.Millisecond):
	}
	got := fetchN(t, q, 10, 10*time.Second)
	ack(t, q, got[:5])
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("publish still blocked after the consumer acknowledged")
	}
	ack(t, q, got[5:])
	last := fetchN(t, q, 1, 10*time.Second)
	if last[0].ID != "t-10" {
		t.Fatalf("got %s, want t-10", last[0].ID)
	}
	ack(t, q, last)
}

func testConcurrent(t *testing.T, cfg Config) {
	q := cfg.Open(t, "concurrent", 2000)
	defer q.Close()
	ctx := ctxT(t)
	const publishers, per, batch = 4, 2500, 50
	var seen sync.Map
	var count, dups int64
	var mu sync.Mutex
	stop := make(chan struct{})
	var cwg sync.WaitGroup
	for c := 0; c < 2; c++ {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for {
				ds, err := q.Fetch(ctx, 200, 100*time.Millisecond)
				if err != nil {
					t.Error(err)
					return
				}
				for _, d := range ds {
					if _, loaded := seen.LoadOrStore(d.ID, true); loaded {
						mu.Lock()
						dups++
						mu.Unlock()
					} else {
						mu.Lock()
						count++
						mu.Unlock()
					}
				}
				if len(ds) > 0 {
					if err := q.Ack(ctx, ds); err != nil {
						t.Error(err)
						return
					}
				}
				select {
				case <-stop:
					if len(ds) == 0 {
						return
					}
				default:
				}
			}
		}()
	}
	var pwg sync.WaitGroup
	for p := 0; p < publishers; p++ {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			key := fmt.Sprintf("p%d", p)
			for i := 0; i < per; i += batch {
				if err := q.Publish(ctx, msgs(key, i, batch)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	pwg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := count
		mu.Unlock()
		if n >= publishers*per {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	cwg.Wait()
	if count != publishers*per {
		t.Fatalf("consumed %d distinct messages, want %d", count, publishers*per)
	}
	if dups != 0 {
		t.Errorf("%d messages delivered twice without a Nak or a restart", dups)
	}
	if b := drainedBacklog(t, q); b != 0 {
		t.Errorf("backlog after consuming all = %d", b)
	}
}

// drainedBacklog returns the backlog once it reaches zero, or what it still
// is after five seconds: a broker may remove acknowledged messages in the
// background (Stats.Backlog).
func drainedBacklog(t *testing.T, q queue.Queue) int64 {
	t.Helper()
	ctx := ctxT(t)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := q.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Backlog == 0 || time.Now().After(deadline) {
			return st.Backlog
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testLargeMessage(t *testing.T, cfg Config) {
	q := cfg.Open(t, "large", 0)
	defer q.Close()
	ctx := ctxT(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 32<<10) // 512 KiB
	if err := q.Publish(ctx, []queue.Message{{ID: "big", Key: "t", Data: big}}); err != nil {
		t.Fatal(err)
	}
	got := fetchN(t, q, 1, 10*time.Second)
	if !bytes.Equal(got[0].Data, big) {
		t.Fatalf("large message corrupted: %d bytes back", len(got[0].Data))
	}
	ack(t, q, got)
}

func testFetchWaits(t *testing.T, cfg Config) {
	q := cfg.Open(t, "wait", 0)
	defer q.Close()
	ctx := ctxT(t)
	go func() {
		time.Sleep(200 * time.Millisecond)
		q.Publish(ctx, msgs("t", 0, 1))
	}()
	start := time.Now()
	ds, err := q.Fetch(ctx, 10, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("fetch returned %d messages, want the 1 published while waiting", len(ds))
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("fetch took %v to see a message published after 200ms", time.Since(start))
	}
	ack(t, q, ds)
	// Cancelling the context ends a waiting fetch.
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	if _, err := q.Fetch(cctx, 10, 30*time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("fetch with cancelled context: err = %v, want context.Canceled", err)
	}
}

// testAckWait holds two messages past AckWait: they are delivered again (not
// before AckWait), and the first holder's late Ack is still taken.
func testAckWait(t *testing.T, cfg Config) {
	if cfg.AckWait <= 0 {
		t.Fatal("queuetest.Config.AckWait is not set")
	}
	q := cfg.Open(t, "ackwait", 0)
	defer q.Close()
	ctx := ctxT(t)
	if err := q.Publish(ctx, msgs("t1", 0, 2)); err != nil {
		t.Fatal(err)
	}
	held := fetchN(t, q, 2, 10*time.Second)
	heldAt := time.Now()
	again := fetchN(t, q, 2, 10*cfg.AckWait)
	if early := time.Since(heldAt); early < cfg.AckWait*9/10 {
		t.Fatalf("delivered again after %v, before AckWait %v", early, cfg.AckWait)
	}
	want := map[string]bool{held[0].ID: true, held[1].ID: true}
	for _, d := range again {
		if !want[d.ID] || d.Attempt < 2 {
			t.Fatalf("delivered again: %s attempt %d, want one of %v with attempt ≥ 2", d.ID, d.Attempt, want)
		}
		delete(want, d.ID)
	}
	ack(t, q, held) // the slow first holder finishes after all
	ack(t, q, again)
	if b := drainedBacklog(t, q); b != 0 {
		t.Fatalf("backlog after both acks = %d", b)
	}
}
