// Package nats is the scale-out implementation of queue.Queue on NATS
// JetStream: one work-queue stream on file storage, one durable pull
// consumer shared by every pipeline node, Nats-Msg-Id for publish
// deduplication, and stream limits with discard-new for backpressure.
package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"bianque/queue"
)

// Options configure the JetStream queue. Zero values take the defaults.
type Options struct {
	// URL of the NATS server(s), comma separated ("nats://127.0.0.1:4222").
	URL string
	// Stream is the stream name ("BIANQUE_INGEST"); Subject its subject
	// prefix ("bianque.ingest"); the key is the last token.
	Stream  string
	Subject string
	// Consumer is the durable consumer every pipeline node shares ("pipeline").
	Consumer string
	// MaxBacklog bounds unacknowledged messages (0: no bound by count);
	// MaxBacklogBytes their size (default 4 GiB; -1: none).
	MaxBacklog      int64
	MaxBacklogBytes int64
	// AckWait is how long a delivered message may stay unacknowledged
	// before it is delivered again (30s) — the redelivery after a node crash.
	AckWait time.Duration
	// Duplicates is the publish deduplication window on message IDs (10m).
	Duplicates time.Duration
	// Replicas of the stream in a cluster (1).
	Replicas int
	// MaxAckPending bounds messages delivered and not acknowledged (20000).
	MaxAckPending int
	// Name names the connection for the server's monitoring.
	Name string
}

func (o *Options) defaults() {
	if o.URL == "" {
		o.URL = natsgo.DefaultURL
	}
	if o.Stream == "" {
		o.Stream = "BIANQUE_INGEST"
	}
	if o.Subject == "" {
		o.Subject = "bianque.ingest"
	}
	if o.Consumer == "" {
		o.Consumer = "pipeline"
	}
	if o.MaxBacklogBytes == 0 {
		o.MaxBacklogBytes = 4 << 30
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.Duplicates <= 0 {
		o.Duplicates = 10 * time.Minute
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.MaxAckPending <= 0 {
		o.MaxAckPending = 20000
	}
	if o.Name == "" {
		o.Name = "bianque"
	}
}

// Queue is queue.Queue on JetStream.
type Queue struct {
	opts   Options
	nc     *natsgo.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	cons   jetstream.Consumer

	fetchMu sync.Mutex

	mu       sync.Mutex
	inflight map[uint64]jetstream.Msg
	closed   bool
}

// keyHeader carries the partition key (the subject token is sanitised).
const keyHeader = "Bianque-Key"

// Open connects, creates or updates the stream and consumer, and starts
// pulling.
func Open(ctx context.Context, opts Options) (*Queue, error) {
	opts.defaults()
	nc, err := natsgo.Connect(opts.URL, natsgo.Name(opts.Name), natsgo.MaxReconnects(-1), natsgo.ReconnectWait(500*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", opts.URL, err)
	}
	q, err := open(ctx, nc, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return q, nil
}

func open(ctx context.Context, nc *natsgo.Conn, opts Options) (*Queue, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	cfg := jetstream.StreamConfig{
		Name:       opts.Stream,
		Subjects:   []string{opts.Subject + ".>"},
		Retention:  jetstream.WorkQueuePolicy,
		Discard:    jetstream.DiscardNew,
		Storage:    jetstream.FileStorage,
		Replicas:   opts.Replicas,
		Duplicates: opts.Duplicates,
		MaxMsgs:    -1,
		MaxBytes:   -1,
	}
	if opts.MaxBacklog > 0 {
		cfg.MaxMsgs = opts.MaxBacklog
	}
	if opts.MaxBacklogBytes > 0 {
		cfg.MaxBytes = opts.MaxBacklogBytes
	}
	stream, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", opts.Stream, err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       opts.Consumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       opts.AckWait,
		MaxAckPending: opts.MaxAckPending,
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: opts.Subject + ".>",
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", opts.Consumer, err)
	}
	return &Queue{opts: opts, nc: nc, js: js, stream: stream, cons: cons, inflight: map[uint64]jetstream.Msg{}}, nil
}

// subjectToken turns a key into one subject token.
func subjectToken(key string) string {
	if key == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '.' || r == '*' || r == '>' || r <= ' ' || r == 0x7f:
			return '_'
		}
		return r
	}, key)
}

// Publish publishes msgs and returns once JetStream has stored them all. It
// waits while the stream is at its bound.
func (q *Queue) Publish(ctx context.Context, msgs []queue.Message) error {
	if q.isClosed() {
		return queue.ErrClosed
	}
	for len(msgs) > 0 {
		if err := q.waitForRoom(ctx, len(msgs)); err != nil {
			return err
		}
		futures := make([]jetstream.PubAckFuture, 0, len(msgs))
		var pubErr error
		for i := range msgs {
			m := &msgs[i]
			nm := natsgo.NewMsg(q.opts.Subject + "." + subjectToken(m.Key))
			nm.Data = m.Data
			if m.Key != "" {
				nm.Header.Set(keyHeader, m.Key)
			}
			var popts []jetstream.PublishOpt
			if m.ID != "" {
				popts = append(popts, jetstream.WithMsgID(m.ID))
			}
			f, err := q.js.PublishMsgAsync(nm, popts...)
			if err != nil {
				pubErr = err
				break
			}
			futures = append(futures, f)
		}
		// Wait for every acknowledgement; the first refused message and all
		// after it are published again (keeping their order) after a pause.
		retryFrom := -1
		var lastErr error
		for i, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				if retryFrom < 0 {
					retryFrom = i
				}
				lastErr = err
			case <-ctx.Done():
				return fmt.Errorf("publish to %s: %w", q.opts.Stream, ctx.Err())
			}
		}
		if retryFrom < 0 && pubErr == nil {
			return nil
		}
		if retryFrom < 0 {
			retryFrom = len(futures)
			lastErr = pubErr
		}
		if !retryable(lastErr) {
			return fmt.Errorf("publish to %s: %w", q.opts.Stream, lastErr)
		}
		msgs = msgs[retryFrom:]
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("queue full: %w", ctx.Err())
		}
	}
	return nil
}

// retryable reports whether a publish error is temporary: the stream is at
// its limits, the server is unreachable for a moment, or too many publishes
// are outstanding.
func retryable(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		desc := strings.ToLower(apiErr.Description)
		return strings.Contains(desc, "maximum") || strings.Contains(desc, "resources") || strings.Contains(desc, "limit")
	}
	return errors.Is(err, natsgo.ErrTimeout) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrTooManyStalledMsgs) || errors.Is(err, natsgo.ErrNoResponders) ||
		errors.Is(err, natsgo.ErrDisconnected) || errors.Is(err, natsgo.ErrConnectionReconnecting)
}

// waitForRoom blocks while the stream holds MaxBacklog messages; a racing
// publisher on another node is caught by discard-new and retried.
func (q *Queue) waitForRoom(ctx context.Context, n int) error {
	if q.opts.MaxBacklog <= 0 {
		return nil
	}
	for {
		info, err := q.stream.Info(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("queue full: %w", ctx.Err())
			}
			return fmt.Errorf("stream info: %w", err)
		}
		held := int64(info.State.Msgs)
		if held == 0 || held+int64(n) <= q.opts.MaxBacklog {
			return nil
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("queue full: %w", ctx.Err())
		}
	}
}

// Fetch returns up to limit messages, waiting up to wait for the first. It
// takes what is available at once with a no-wait pull request, and only when
// nothing is waits with a pull request for one message (then takes what
// arrived meanwhile), so a busy stream is read in full batches and an idle
// one answers as soon as a message comes.
func (q *Queue) Fetch(ctx context.Context, limit int, wait time.Duration) ([]*queue.Delivery, error) {
	if limit <= 0 {
		limit = 1
	}
	q.fetchMu.Lock()
	defer q.fetchMu.Unlock()
	if q.isClosed() {
		return nil, queue.ErrClosed
	}
	out, err := q.pull(ctx, limit, 0)
	if err != nil || len(out) > 0 {
		return q.track(out), err
	}
	if wait < time.Millisecond {
		return nil, nil
	}
	deadline := time.Now().Add(wait)
	for {
		left := time.Until(deadline)
		if left < time.Millisecond {
			return nil, nil
		}
		// Pull requests expire on the server; keep each short so that a
		// cancelled context is noticed promptly.
		out, err = q.pull(ctx, 1, min(left, 5*time.Second))
		if err != nil || len(out) > 0 {
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if err == nil && limit > 1 {
		more, merr := q.pull(ctx, limit-1, 0)
		out, err = append(out, more...), merr
	}
	return q.track(out), err
}

// pull runs one pull request: no-wait when wait is 0.
func (q *Queue) pull(ctx context.Context, n int, wait time.Duration) ([]*queue.Delivery, error) {
	var batch jetstream.MessageBatch
	var err error
	if wait == 0 {
		batch, err = q.cons.FetchNoWait(n)
	} else {
		batch, err = q.cons.Fetch(n, jetstream.FetchMaxWait(wait))
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, natsgo.ErrConnectionClosed) {
			return nil, queue.ErrClosed
		}
		return nil, fmt.Errorf("fetch from %s: %w", q.opts.Consumer, err)
	}
	var out []*queue.Delivery
	for {
		select {
		case m, ok := <-batch.Messages():
			if !ok {
				if err := batch.Error(); err != nil && !errors.Is(err, natsgo.ErrTimeout) && !errors.Is(err, jetstream.ErrNoMessages) {
					return out, fmt.Errorf("fetch from %s: %w", q.opts.Consumer, err)
				}
				return out, nil
			}
			d, err := toDelivery(m)
			if err != nil {
				return out, err
			}
			out = append(out, d)
		case <-ctx.Done():
			// Messages already delivered to this batch are redelivered after AckWait.
			return out, ctx.Err()
		}
	}
}

func (q *Queue) track(ds []*queue.Delivery) []*queue.Delivery {
	q.mu.Lock()
	for _, d := range ds {
		q.inflight[d.Seq] = d.Token().(jetstream.Msg)
	}
	q.mu.Unlock()
	return ds
}

func toDelivery(m jetstream.Msg) (*queue.Delivery, error) {
	md, err := m.Metadata()
	if err != nil {
		return nil, fmt.Errorf("message metadata: %w", err)
	}
	h := m.Headers()
	msg := queue.Message{ID: h.Get(jetstream.MsgIDHeader), Key: h.Get(keyHeader), Data: m.Data()}
	return queue.NewDelivery(msg, md.Sequence.Stream, int(md.NumDelivered), m), nil
}

// Ack acknowledges deliveries. The acknowledgements of a batch are sent
// together and confirmed by one round trip to the server (a flush), rather
// than one round trip each.
func (q *Queue) Ack(ctx context.Context, ds []*queue.Delivery) error {
	if err := q.settle(ctx, ds, func(m jetstream.Msg) error { return m.Ack() }); err != nil {
		return err
	}
	fctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		// FlushWithContext insists on a deadline.
		var cancel context.CancelFunc
		fctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	if err := q.nc.FlushWithContext(fctx); err != nil {
		return fmt.Errorf("flush acknowledgements: %w", err)
	}
	return nil
}

// Nak gives deliveries back for immediate redelivery.
func (q *Queue) Nak(ctx context.Context, ds []*queue.Delivery) error {
	return q.settle(ctx, ds, func(m jetstream.Msg) error { return m.Nak() })
}

func (q *Queue) settle(ctx context.Context, ds []*queue.Delivery, fn func(jetstream.Msg) error) error {
	if q.isClosed() {
		return queue.ErrClosed
	}
	var firstErr error
	for _, d := range ds {
		m, ok := d.Token().(jetstream.Msg)
		if !ok {
			continue
		}
		if err := fn(m); err != nil && firstErr == nil && !errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
			firstErr = fmt.Errorf("settle message %d: %w", d.Seq, err)
		}
		q.mu.Lock()
		delete(q.inflight, d.Seq)
		q.mu.Unlock()
	}
	return firstErr
}

// Stats reports the stream's backlog.
func (q *Queue) Stats(ctx context.Context) (queue.Stats, error) {
	info, err := q.stream.Info(ctx)
	if err != nil {
		return queue.Stats{}, fmt.Errorf("stream info: %w", err)
	}
	q.mu.Lock()
	inflight := len(q.inflight)
	q.mu.Unlock()
	return queue.Stats{Backlog: int64(info.State.Msgs), BacklogBytes: int64(info.State.Bytes), InFlight: int64(inflight)}, nil
}

// Close gives back what this node holds unacknowledged (so another node
// gets it at once), stops pulling and closes the connection.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	held := q.inflight
	q.inflight = nil
	q.mu.Unlock()
	for _, m := range held {
		m.Nak()
	}
	err := q.nc.Drain()
	if err != nil {
		q.nc.Close()
	}
	return nil
}

func (q *Queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// DeleteStream removes the stream; for tests and decommissioning.
func DeleteStream(ctx context.Context, url, stream string) error {
	nc, err := natsgo.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	return js.DeleteStream(ctx, stream)
}

var _ queue.Queue = (*Queue)(nil)

// DeleteKeyValue removes a key-value bucket; for tests.
func DeleteKeyValue(ctx context.Context, url, bucket string) error {
	nc, err := natsgo.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	return js.DeleteKeyValue(ctx, bucket)
}
