package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianque/internal/testutil"
)

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func runTailer(t *testing.T, cfg TailConfig, sink Sink) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	tl := NewTailer(cfg, sink)
	go func() { tl.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func lines(recs []Raw) string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Data))
	}
	return strings.Join(out, "|")
}

func TestTailRenameRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "one\ntwo\n")
	sink := &memSink{}
	stop := runTailer(t, TailConfig{Path: path, StateDir: filepath.Join(dir, "state"), Poll: 10 * time.Millisecond, Source: Source{Hint: "linux"}}, sink)
	defer stop()
	sink.wait(t, 2)
	appendFile(t, path, "three\nfour-without-newline")
	time.Sleep(50 * time.Millisecond)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "five\n")
	got := sink.wait(t, 5)
	if l := lines(got); l != "one|two|three|four-without-newline|five" {
		t.Fatalf("lines = %s", l)
	}
	if got[0].Transport != TransportFile || got[0].Peer != path || got[0].Hint != "linux" {
		t.Errorf("record = %+v", got[0])
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.ID] {
			t.Fatalf("duplicate ID %s", r.ID)
		}
		seen[r.ID] = true
	}
}

func TestTailCopyTruncate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "a1\na2\n")
	sink := &memSink{}
	stop := runTailer(t, TailConfig{Path: path, StateDir: dir, Poll: 10 * time.Millisecond}, sink)
	defer stop()
	sink.wait(t, 2)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	appendFile(t, path, "b1\n")
	got := sink.wait(t, 3)
	if l := lines(got); l != "a1|a2|b1" {
		t.Fatalf("lines = %s", l)
	}
	if got[0].ID == got[2].ID {
		t.Fatal("a line at a reused offset after truncation got the same ID")
	}
}

// TestTailResumeAfterRestart: lines written while the collector was down,
// including into a file that was rotated meanwhile, are delivered once.
func TestTailResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	state := filepath.Join(dir, "state")
	appendFile(t, path, "l1\nl2\n")
	sink := &memSink{}
	stop := runTailer(t, TailConfig{Path: path, StateDir: state, Poll: 10 * time.Millisecond}, sink)
	sink.wait(t, 2)
	stop()
	appendFile(t, path, "l3\n")
	os.Rename(path, path+".1")
	appendFile(t, path, "l4\n")
	stop = runTailer(t, TailConfig{Path: path, StateDir: state, Poll: 10 * time.Millisecond}, sink)
	defer stop()
	got := sink.wait(t, 4)
	time.Sleep(50 * time.Millisecond)
	if l := lines(sink.recs); l != "l1|l2|l3|l4" {
		t.Fatalf("lines = %s (first run %d)", l, len(got))
	}
}

func TestTailLongLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	m := NewMetrics(nil)
	appendFile(t, path, "ok1\n"+strings.Repeat("x", 100)+"\nok2\n")
	sink := &memSink{}
	stop := runTailer(t, TailConfig{Path: path, StateDir: dir, Poll: 10 * time.Millisecond, MaxMessage: 50, Metrics: m}, sink)
	defer stop()
	sink.wait(t, 2)
	if l := lines(sink.recs); l != "ok1|ok2" {
		t.Fatalf("lines = %s", l)
	}
	if v := counter(t, m.Rejected.WithLabelValues("file", "too_long")); v != 1 {
		t.Errorf("too_long = %v", v)
	}
}

func TestTailManyLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	appendFile(t, path, b.String())
	sink := &memSink{}
	stop := runTailer(t, TailConfig{Path: path, StateDir: dir, Poll: 10 * time.Millisecond, Batch: 700}, sink)
	defer stop()
	got := sink.wait(t, 5000)
	for i, r := range got {
		if string(r.Data) != fmt.Sprintf("line %d", i) {
			t.Fatalf("line %d = %q", i, r.Data)
		}
	}
}

// lossySink keeps what it is given but reports failure, as a collector
// killed after spooling lines and before saving the tail position would.
type lossySink struct{ memSink }

func (s *lossySink) Submit(ctx context.Context, recs []Raw) error {
	s.memSink.Submit(ctx, recs)
	return fmt.Errorf("killed")
}

// TestTailReadAgainKeepsReceiveTime: lines read again after a crash get
// the same IDs and the same receive time (events without a time of their
// own are placed by it), even when the restart comes much later.
func TestTailReadAgainKeepsReceiveTime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	state := filepath.Join(dir, "state")
	appendFile(t, path, "l1\nl2\n")
	clk := testutil.NewFakeClock(time.Date(2026, 3, 2, 23, 59, 59, 0, time.UTC))
	lossy := &lossySink{}
	stop := runTailer(t, TailConfig{Path: path, StateDir: state, Poll: 10 * time.Millisecond, Clock: clk}, lossy)
	first := lossy.wait(t, 2)
	stop()
	clk.Advance(time.Hour)
	appendFile(t, path, "l3\n")
	sink := &memSink{}
	stop = runTailer(t, TailConfig{Path: path, StateDir: state, Poll: 10 * time.Millisecond, Clock: clk}, sink)
	defer stop()
	again := sink.wait(t, 3)
	for i := range 2 {
		if again[i].ID != first[i].ID || !again[i].Received.Equal(first[i].Received) {
			t.Fatalf("line %d read again as %s at %v, first %s at %v", i+1, again[i].ID, again[i].Received, first[i].ID, first[i].Received)
		}
	}
	// Lines read after that get a fresh time.
	clk.Advance(time.Minute)
	appendFile(t, path, "l4\n")
	later := sink.wait(t, 4)
	if !later[3].Received.Equal(clk.Now()) {
		t.Fatalf("a later line is stamped %v, want %v", later[3].Received, clk.Now())
	}
}
