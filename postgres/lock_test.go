package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bianque/internal/testutil"
	"bianque/service"
	"bianque/storetest"
)

// Advisory locks keep periodic jobs to one node: a held lock is refused to
// every other session until released, and two job runners over one database
// run a due job once.
func TestAdvisoryLockAndJobRunner(t *testing.T) {
	db := storetest.NewPostgres(t)
	ctx := context.Background()
	release, ok, err := db.TryLock(ctx, "job.x")
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if _, ok, err := db.TryLock(ctx, "job.x"); err != nil || ok {
		t.Fatalf("second session took a held lock: %v %v", ok, err)
	}
	if r2, ok, err := db.TryLock(ctx, "job.y"); err != nil || !ok {
		t.Fatalf("another name: %v %v", ok, err)
	} else {
		r2()
	}
	release()
	if r3, ok, err := db.TryLock(ctx, "job.x"); err != nil || !ok {
		t.Fatalf("lock after release: %v %v", ok, err)
	} else {
		r3()
	}

	clk := testutil.NewFakeClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	var runs atomic.Int32
	job := service.Job{Name: "reminders", Every: time.Hour, Run: func(ctx context.Context, now time.Time) (string, error) {
		runs.Add(1)
		time.Sleep(100 * time.Millisecond)
		return "ok", nil
	}}
	var wg sync.WaitGroup
	for range 3 {
		r := &service.JobRunner{Store: db, Locker: db, Clock: clk}
		if err := r.Add(job); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); r.RunDue(ctx) }()
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("%d runs of a due job by three runners, want 1", runs.Load())
	}
}
