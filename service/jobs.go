package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"bianque"
)

// Periodic jobs (overdue reminders, risk-acceptance expiry, retention …) run
// under a JobRunner: every Tick it looks at each job and runs the ones whose
// period has passed since their last run as recorded in the store. Several
// platform nodes may run a JobRunner over one database: each job runs under
// a lock named after it (a PostgreSQL advisory lock on PostgreSQL, see
// postgres.DB.TryLock), and the last run time is read and written under that
// lock, so a job runs once per period across the nodes. Jobs take the time
// from the runner's clock, so tests drive them with a fake clock.

// Job is one periodic task.
type Job struct {
	Name  string
	Every time.Duration
	// Run does the work at now and returns a one-line status for the record.
	Run func(ctx context.Context, now time.Time) (string, error)
}

// Locker takes named locks shared by every platform node.
type Locker interface {
	// TryLock takes the lock name if it is free; release gives it back.
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}

// LocalLocker is a Locker for a single node (the SQLite store).
type LocalLocker struct {
	mu   sync.Mutex
	held map[string]bool
}

// TryLock implements Locker.
func (l *LocalLocker) TryLock(ctx context.Context, name string) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]bool{}
	}
	if l.held[name] {
		return nil, false, nil
	}
	l.held[name] = true
	return func() { l.mu.Lock(); delete(l.held, name); l.mu.Unlock() }, true, nil
}

// JobRunner runs periodic jobs.
type JobRunner struct {
	Store  bianque.JobRunStore
	Locker Locker
	Clock  bianque.Clock
	// Tick is how often the runner looks for due jobs (default one minute).
	Tick time.Duration
	Log  *slog.Logger

	mu   sync.Mutex
	jobs []Job
}

// Add registers a job. Names must be unique; they key the lock and the record.
func (r *JobRunner) Add(j Job) error {
	if j.Name == "" || j.Every <= 0 || j.Run == nil {
		return fmt.Errorf("job %q needs a name, a period and a function", j.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.jobs {
		if o.Name == j.Name {
			return fmt.Errorf("job %q registered twice", j.Name)
		}
	}
	r.jobs = append(r.jobs, j)
	return nil
}

// RunDue runs every job whose period has passed and returns the names of
// those this node ran. A job another node is running is skipped.
func (r *JobRunner) RunDue(ctx context.Context) ([]string, error) {
	r.mu.Lock()
	jobs := append([]Job(nil), r.jobs...)
	r.mu.Unlock()
	var ran []string
	var errs []error
	for _, j := range jobs {
		did, err := r.runOne(ctx, j)
		if did {
			ran = append(ran, j.Name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", j.Name, err))
		}
	}
	return ran, errors.Join(errs...)
}

func (r *JobRunner) runOne(ctx context.Context, j Job) (bool, error) {
	release, ok, err := r.Locker.TryLock(ctx, "job."+j.Name)
	if err != nil || !ok {
		return false, err
	}
	defer release()
	now := r.Clock.Now()
	last, err := r.Store.JobLastRun(ctx, j.Name)
	if err != nil {
		return false, err
	}
	if !last.IsZero() && now.Sub(last) < j.Every {
		return false, nil
	}
	// Record the start first: a node that crashes mid-run does not make
	// every other node retry at once; the job runs again next period.
	if err := r.Store.SetJobRun(ctx, j.Name, now, "running"); err != nil {
		return false, err
	}
	status, runErr := j.Run(ctx, now)
	if runErr != nil {
		status = "failed: " + runErr.Error()
	}
	if err := r.Store.SetJobRun(context.WithoutCancel(ctx), j.Name, now, truncate(status, 500)); err != nil {
		return true, errors.Join(runErr, err)
	}
	return true, runErr
}

// Run calls RunDue every Tick until ctx ends.
func (r *JobRunner) Run(ctx context.Context) {
	tick := r.Tick
	if tick <= 0 {
		tick = time.Minute
	}
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if ran, err := r.RunDue(ctx); err != nil {
			log.Warn("periodic jobs", "err", err)
		} else if len(ran) > 0 {
			log.Debug("periodic jobs ran", "jobs", ran)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// systemContext is the context periodic jobs act in: a principal named
// "system" so that audit entries and ticket notes say who acted.
func systemContext(ctx context.Context) context.Context {
	return bianque.NewContextWithPrincipal(ctx, &bianque.Principal{Username: "system"})
}
