package ingesttest

import (
	"context"
	"testing"
	"time"
)

// Ledger is the contract of ingest.BatchLedger, restated so that this
// package need not import ingest (whose own tests import this package).
type Ledger interface {
	Seen(ctx context.Context, componentID, batchID string) (bool, error)
	Begin(ctx context.Context, componentID, batchID string, received time.Time) (time.Time, error)
	Record(ctx context.Context, componentID, batchID string) error
}

// RunLedger is the conformance suite of batch ledgers. open returns an empty
// ledger; reopen closes a ledger and opens it again, as a restart would.
func RunLedger(t *testing.T, open func(t *testing.T) Ledger, reopen func(t *testing.T, old Ledger) Ledger) {
	ctx := context.Background()
	t1 := time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)
	t2 := t1.Add(90 * time.Second)
	t3 := t2.Add(time.Hour)
	l := open(t)

	seen := func(comp, batch string, want bool) {
		t.Helper()
		got, err := l.Seen(ctx, comp, batch)
		if err != nil {
			t.Fatalf("Seen(%q, %q): %v", comp, batch, err)
		}
		if got != want {
			t.Fatalf("Seen(%q, %q) = %v, want %v", comp, batch, got, want)
		}
	}
	begin := func(comp, batch string, at, want time.Time) {
		t.Helper()
		got, err := l.Begin(ctx, comp, batch, at)
		if err != nil {
			t.Fatalf("Begin(%q, %q): %v", comp, batch, err)
		}
		if !got.Equal(want) {
			t.Fatalf("Begin(%q, %q, %v) = %v, want the first receive time %v", comp, batch, at, got, want)
		}
	}
	record := func(comp, batch string) {
		t.Helper()
		if err := l.Record(ctx, comp, batch); err != nil {
			t.Fatalf("Record(%q, %q): %v", comp, batch, err)
		}
	}

	seen("c1", "b1", false)
	begin("c1", "b1", t1, t1)
	begin("c1", "b1", t2, t1) // sent again before it was recorded
	seen("c1", "b1", false)   // begun is not recorded: the batch is queued again
	begin("c2", "b1", t2, t2) // another component's batch of the same name

	l = reopen(t, l)
	begin("c1", "b1", t3, t1) // the first receive time survives a restart
	seen("c1", "b1", false)
	record("c1", "b1")
	seen("c1", "b1", true)
	seen("c2", "b1", false)
	record("c3", "plain") // recorded without Begin (the collectors' batches)
	seen("c3", "plain", true)

	// Batch IDs are the client's: spaces, tabs, newlines and percent signs
	// must neither break the ledger nor make two batches one.
	odd := []string{"a b", "a_b", "a\tb", "a\nb", "a%20b", "a%0Ab", "批次 1"}
	for i, id := range odd {
		begin("c4", id, t1.Add(time.Duration(i)*time.Second), t1.Add(time.Duration(i)*time.Second))
	}
	record("c4", "a b")
	l = reopen(t, l)
	seen("c1", "b1", true)
	seen("c3", "plain", true)
	seen("c4", "a b", true)
	for i, id := range odd[1:] {
		seen("c4", id, false)
		begin("c4", id, t3, t1.Add(time.Duration(i+1)*time.Second))
	}
	seen("c4 a", "b", false) // the separator cannot be forged
}
