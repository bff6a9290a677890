package server

import (
	"context"
	"sync"
	"time"

	"bianque/event"
	"bianque/pipeline"
)

// timedSink measures the time the event store takes, to tell the store's
// share of an end-to-end figure from the pipeline's.
type timedSink struct {
	pipeline.EventSink
	mu    sync.Mutex
	calls int
	n     int
	dur   time.Duration
}

func (t *timedSink) AppendEvents(ctx context.Context, tenantID string, evs []*event.Event) (int, error) {
	start := time.Now()
	n, err := t.EventSink.AppendEvents(ctx, tenantID, evs)
	t.mu.Lock()
	t.calls++
	t.n += len(evs)
	t.dur += time.Since(start)
	t.mu.Unlock()
	return n, err
}
