// Package queue is the durable stream between receiving and processing: a
// receiver publishes raw messages, the pipeline fetches, processes and
// acknowledges them. Publish returns only once the messages are durable
// (written before acknowledged), and an unacknowledged message is delivered
// again — after a Nak, or after a crash and restart — so nothing accepted is
// lost (at-least-once; the event store's idempotent append on event.id makes
// it exactly-once in effect).
//
// Two implementations share one interface and one conformance suite
// (queuetest): Local, segment files on disk in the process (the embedded
// default), and the JetStream queue of package nats for scale-out.
package queue

import (
	"context"
	"errors"
	"time"
)

// Message is what a producer publishes.
type Message struct {
	// ID identifies the message for deduplication where the implementation
	// supports it (JetStream's Nats-Msg-Id); it may be empty.
	ID string
	// Key is the partition key (the tenant): messages of one key are
	// delivered in the order they were published.
	Key  string
	Data []byte
}

// Delivery is a message handed to a consumer. It must be acknowledged (Ack)
// once processed, or given back (Nak) to be delivered again.
type Delivery struct {
	Message
	// Seq is the message's position in the stream, stable across restarts.
	Seq uint64
	// Attempt is 1 on first delivery and counts up on each redelivery the
	// implementation knows of.
	Attempt int
	// token is implementation data (the JetStream message).
	token any
}

// Token returns the implementation data set with NewDelivery.
func (d *Delivery) Token() any { return d.token }

// NewDelivery builds a delivery; for implementations of Queue.
func NewDelivery(m Message, seq uint64, attempt int, token any) *Delivery {
	return &Delivery{Message: m, Seq: seq, Attempt: attempt, token: token}
}

// Stats describe a queue's backlog.
type Stats struct {
	// Backlog is the number of messages published and not yet acknowledged.
	// It may trail an Ack briefly where the broker removes acknowledged
	// messages in the background (JetStream).
	Backlog int64 `json:"backlog"`
	// BacklogBytes is their size on disk (approximate).
	BacklogBytes int64 `json:"backlog_bytes"`
	// InFlight is the number delivered and not yet acknowledged.
	InFlight int64 `json:"in_flight"`
}

// Queue is a durable, bounded stream with one consumer group.
//
// Publish blocks while the backlog is at its bound (backpressure: a lagging
// pipeline slows receivers down rather than growing memory) and returns the
// context's error if it is cancelled first. Fetch returns up to max messages,
// waiting up to wait for the first one; it returns no messages and no error
// when none arrived in time. All methods are safe for concurrent use.
type Queue interface {
	Publish(ctx context.Context, msgs []Message) error
	Fetch(ctx context.Context, max int, wait time.Duration) ([]*Delivery, error)
	Ack(ctx context.Context, ds []*Delivery) error
	Nak(ctx context.Context, ds []*Delivery) error
	Stats(ctx context.Context) (Stats, error)
	Close() error
}

// ErrClosed is returned by a closed queue.
var ErrClosed = errors.New("queue closed")

// ErrTooLarge is returned for a message larger than the queue accepts.
var ErrTooLarge = errors.New("message too large for the queue")
