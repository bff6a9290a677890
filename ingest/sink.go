package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"bianque/queue"
)

// Sink takes received records. Submit returns once the records are durable
// (on the queue); it blocks while the queue applies backpressure.
type Sink interface {
	Submit(ctx context.Context, recs []Raw) error
}

// QueueSink publishes records to a queue, keyed by tenant.
type QueueSink struct {
	Queue queue.Queue
}

// Submit encodes and publishes recs.
func (s *QueueSink) Submit(ctx context.Context, recs []Raw) error {
	msgs := make([]queue.Message, len(recs))
	for i := range recs {
		msgs[i] = queue.Message{ID: recs[i].ID, Key: recs[i].TenantID, Data: AppendRaw(nil, &recs[i])}
	}
	return s.Queue.Publish(ctx, msgs)
}

// Batcher gathers records from many receivers into batches for a Sink, so
// that one fsync covers many messages. Add blocks while the batcher's buffer
// is full, which slows a TCP sender down through flow control (and makes the
// kernel drop, and count, UDP datagrams) instead of growing memory.
type Batcher struct {
	sink    Sink
	size    int
	linger  time.Duration
	in      chan Raw
	done    chan struct{}
	errOnce sync.Once
	err     error
	onError func(error)
}

// NewBatcher starts a batcher flushing up to size records at least every
// linger. onError is told of a failed flush (the records of a failed flush
// are retried until the context of Run ends).
func NewBatcher(sink Sink, size int, linger time.Duration, onError func(error)) *Batcher {
	if size <= 0 {
		size = 512
	}
	if linger <= 0 {
		linger = 5 * time.Millisecond
	}
	return &Batcher{sink: sink, size: size, linger: linger, in: make(chan Raw, size*4), done: make(chan struct{}), onError: onError}
}

// ErrBatcherStopped is returned by Add after Run has returned.
var ErrBatcherStopped = errors.New("batcher stopped")

// Add queues one record; r.Data must not be modified afterwards.
func (b *Batcher) Add(ctx context.Context, r Raw) error {
	select {
	case b.in <- r:
		return nil
	case <-b.done:
		return ErrBatcherStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run flushes batches until ctx ends, then flushes what it holds (with a
// fresh deadline of flushTimeout) and returns.
func (b *Batcher) Run(ctx context.Context) {
	defer close(b.done)
	batch := make([]Raw, 0, b.size)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func(fctx context.Context) {
		for len(batch) > 0 {
			err := b.sink.Submit(fctx, batch)
			if err == nil {
				break
			}
			if b.onError != nil {
				b.onError(err)
			}
			if fctx.Err() != nil {
				break
			}
			select {
			case <-time.After(200 * time.Millisecond):
			case <-fctx.Done():
			}
		}
		batch = batch[:0]
	}
	for {
		select {
		case r := <-b.in:
			if len(batch) == 0 {
				timer.Reset(b.linger)
			}
			batch = append(batch, r)
			if len(batch) >= b.size {
				timer.Stop()
				flush(ctx)
			}
		case <-timer.C:
			flush(ctx)
		case <-ctx.Done():
			// Drain what receivers already handed over.
			fctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
			for {
				select {
				case r := <-b.in:
					batch = append(batch, r)
					continue
				default:
				}
				break
			}
			flush(fctx)
			cancel()
			return
		}
	}
}

const flushTimeout = 10 * time.Second
