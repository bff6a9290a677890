// Package pipeline turns raw messages from the queue into stored events:
// decode → parse and normalize (to ECS) → mask PII → enrich (asset, tenant)
// → store → hand to detection. Input that cannot be turned into an event
// goes to the dead letters with the stage and reason, and is counted.
//
// A batch is acknowledged on the queue only after its events are stored and
// its dead letters written; a failure of the store gives the batch back
// (Nak) to be processed again. Event IDs come from the receivers and are
// deterministic where a message can arrive twice, and the event store
// appends idempotently on event.id, so redelivery stores nothing twice.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"bianque"
	"bianque/event"
	"bianque/ingest"
	"bianque/queue"
)

// Parser turns one raw message into a normalized event.
type Parser interface {
	Parse(raw []byte, meta Meta) (*event.Event, error)
}

// Meta is what the receivers know about a message besides its bytes.
type Meta struct {
	// Hint names the vendor or format when known ("" to detect).
	Hint string
	// Received is when the platform (or the collector) received it: it
	// completes timestamps without a year and stands in for a missing one.
	Received time.Time
	// Sender is the address it came from ("10.1.2.3:514"), or the file path.
	Sender    string
	Transport string
}

// Masker masks personal data in an event (event.original included) with the
// tenant's key and policy (R2.5).
type Masker interface {
	Mask(tenantID string, e *event.Event) error
}

// TextMasker masks personal data in free text; when the Masker implements
// it, the raw text of dead letters is masked too before it is kept.
type TextMasker interface {
	MaskText(tenantID, s string) string
}

// Enricher adds context to an event (asset, tenant, intelligence). An
// enricher's error is counted and the event stored without that context.
type Enricher interface {
	Enrich(ctx context.Context, tenantID string, e *event.Event) error
}

// EventSink stores events (bianque.EventStore satisfies it). AppendEvents
// must be idempotent on event.id and returns how many events were new.
type EventSink interface {
	AppendEvents(ctx context.Context, tenantID string, events []*event.Event) (inserted int, err error)
}

// Detector receives stored events for detection.
type Detector interface {
	Detect(ctx context.Context, tenantID string, events []*event.Event) error
}

// DeadLetterSink keeps what could not be processed (bianque.DeadLetterStore
// satisfies it); AppendDeadLetters must be idempotent on ID.
type DeadLetterSink interface {
	AppendDeadLetters(ctx context.Context, dls []*bianque.DeadLetter) error
}

// Stages of the pipeline, as recorded in dead letters and metrics.
const (
	StageDecode = "decode"
	StageParse  = "parse"
	StageMask   = "mask"
	StageEnrich = "enrich"
	StageStore  = "store"
	StageDetect = "detect"
)

// Config assembles a pipeline.
type Config struct {
	Queue       queue.Queue
	Parser      Parser
	Masker      Masker // optional
	Enrichers   []Enricher
	Sink        EventSink
	Detector    Detector // optional
	DeadLetters DeadLetterSink
	// Workers run in parallel (GOMAXPROCS); each takes batches of up to Batch (2000: the event store appends a batch in one transaction).
	Workers int
	Batch   int
	Clock   bianque.Clock
	Metrics *Metrics
	Logger  *slog.Logger
}

// Metrics count what the pipeline did.
type Metrics struct {
	Events      *prometheus.CounterVec // result: stored, dead
	DeadLetters *prometheus.CounterVec // stage
	Errors      *prometheus.CounterVec // stage (retried or tolerated failures)
	BatchTime   prometheus.Histogram
}

// NewMetrics creates the metrics and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_pipeline_events_total",
			Help: "Messages processed by the pipeline, by result: stored, duplicate (delivered again and already stored), dead."}, []string{"result"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_pipeline_dead_letters_total",
			Help: "Messages sent to the dead letters, by the stage that failed."}, []string{"stage"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_pipeline_errors_total",
			Help: "Failures of a stage that were retried (store) or tolerated (enrich, detect)."}, []string{"stage"}),
		BatchTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "bianque_pipeline_batch_seconds",
			Help: "Time to process one batch.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}
	if reg != nil {
		reg.MustRegister(m.Events, m.DeadLetters, m.Errors, m.BatchTime)
	}
	return m
}

// Pipeline runs the workers.
type Pipeline struct {
	cfg Config
}

// New checks cfg and returns a pipeline.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Queue == nil || cfg.Parser == nil || cfg.Sink == nil || cfg.DeadLetters == nil {
		return nil, errors.New("pipeline needs a queue, a parser, an event sink and a dead-letter sink")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 2000
	}
	if cfg.Clock == nil {
		cfg.Clock = bianque.SystemClock{}
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Pipeline{cfg: cfg}, nil
}

// Run processes until ctx ends; batches in progress are finished first
// (with a short grace period) or left unacknowledged for redelivery.
func (p *Pipeline) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, p.cfg.Workers)
	for i := 0; i < p.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.worker(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (p *Pipeline) worker(ctx context.Context) error {
	for {
		ds, err := p.cfg.Queue.Fetch(ctx, p.cfg.Batch, time.Second)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, queue.ErrClosed) {
				return nil
			}
			p.cfg.Logger.Error("pipeline fetch", "err", err)
			if !sleep(ctx, time.Second) {
				return nil
			}
			continue
		}
		if len(ds) == 0 {
			continue
		}
		// A batch in progress is finished even when shutdown begins.
		bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop := context.AfterFunc(ctx, func() {
			time.AfterFunc(10*time.Second, cancel)
		})
		err = p.Process(bctx, ds)
		stop()
		cancel()
		if err != nil {
			p.cfg.Logger.Warn("pipeline batch failed; it will be processed again", "events", len(ds), "err", err)
			nctx, ncancel := context.WithTimeout(context.Background(), 5*time.Second)
			p.cfg.Queue.Nak(nctx, ds)
			ncancel()
			if !sleep(ctx, time.Second) {
				return nil
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// Process runs one batch through every stage and acknowledges it; an error
// means nothing was acknowledged (the caller gives the batch back).
func (p *Pipeline) Process(ctx context.Context, ds []*queue.Delivery) error {
	start := time.Now()
	now := p.cfg.Clock.Now()
	byTenant := map[string][]*event.Event{}
	var order []string
	var dead []*bianque.DeadLetter
	var raw ingest.Raw
	for _, d := range ds {
		if err := ingest.DecodeRaw(d.Data, &raw); err != nil {
			dead = append(dead, &bianque.DeadLetter{ID: fmt.Sprintf("q%d-%s", d.Seq, d.ID), TenantID: d.Key, Stage: StageDecode,
				Reason: err.Error(), Raw: printable(d.Data), ReceivedAt: now, CreatedAt: now})
			continue
		}
		e, stage, err := p.build(ctx, &raw, now)
		if err != nil {
			text := printable(raw.Data)
			if tm, ok := p.cfg.Masker.(TextMasker); ok {
				text = tm.MaskText(raw.TenantID, text)
			}
			dead = append(dead, &bianque.DeadLetter{ID: raw.ID, TenantID: raw.TenantID, ComponentID: raw.ComponentID,
				Source: source(&raw), ReceivedAt: raw.Received, Stage: stage, Reason: err.Error(), Raw: text, CreatedAt: now})
			continue
		}
		if _, ok := byTenant[raw.TenantID]; !ok {
			order = append(order, raw.TenantID)
		}
		byTenant[raw.TenantID] = append(byTenant[raw.TenantID], e)
	}
	stored, duplicates := 0, 0
	kept := order[:0:0]
	for _, t := range order {
		evs := byTenant[t]
		n, err := p.cfg.Sink.AppendEvents(ctx, t, evs)
		if err != nil {
			if bianque.ErrorCode(err) == bianque.ENOTFOUND {
				// The tenant is gone (purged while its events were queued):
				// retrying cannot succeed, so the events become dead letters
				// of no tenant rather than blocking the queue.
				for _, e := range evs {
					dead = append(dead, &bianque.DeadLetter{ID: e.Str(event.EventID), ComponentID: e.Str("agent.id"),
						Source: "tenant " + t, ReceivedAt: now, Stage: StageStore, Reason: err.Error(),
						Raw: e.Str(event.EventOriginal), CreatedAt: now})
				}
				continue
			}
			p.cfg.Metrics.Errors.WithLabelValues(StageStore).Inc()
			return fmt.Errorf("store events of tenant %s: %w", t, err)
		}
		stored += n
		duplicates += len(evs) - n
		kept = append(kept, t)
	}
	order = kept
	if len(dead) > 0 {
		if err := p.cfg.DeadLetters.AppendDeadLetters(ctx, dead); err != nil {
			p.cfg.Metrics.Errors.WithLabelValues(StageStore).Inc()
			return fmt.Errorf("store dead letters: %w", err)
		}
	}
	if p.cfg.Detector != nil {
		for _, t := range order {
			if err := p.cfg.Detector.Detect(ctx, t, byTenant[t]); err != nil {
				p.cfg.Metrics.Errors.WithLabelValues(StageDetect).Inc()
				p.cfg.Logger.Warn("detection failed for a batch", "tenant", t, "err", err)
			}
		}
	}
	if err := p.cfg.Queue.Ack(ctx, ds); err != nil {
		return fmt.Errorf("ack batch: %w", err)
	}
	p.cfg.Metrics.Events.WithLabelValues("stored").Add(float64(stored))
	p.cfg.Metrics.Events.WithLabelValues("duplicate").Add(float64(duplicates))
	for _, dl := range dead {
		p.cfg.Metrics.Events.WithLabelValues("dead").Inc()
		p.cfg.Metrics.DeadLetters.WithLabelValues(dl.Stage).Inc()
	}
	p.cfg.Metrics.BatchTime.Observe(time.Since(start).Seconds())
	return nil
}

// build runs one message through parse, normalize, mask and enrich.
func (p *Pipeline) build(ctx context.Context, raw *ingest.Raw, now time.Time) (*event.Event, string, error) {
	if raw.TenantID == "" {
		return nil, StageDecode, errors.New("message carries no tenant")
	}
	e, err := p.cfg.Parser.Parse(raw.Data, Meta{Hint: raw.Hint, Received: raw.Received, Sender: raw.Peer, Transport: raw.Transport})
	if err != nil {
		return nil, StageParse, err
	}
	if e == nil {
		return nil, StageParse, errors.New("parser returned no event")
	}
	e.Set(event.EventID, raw.ID)
	e.Set(event.OrganizationID, raw.TenantID)
	if !e.Has(event.EventOriginal) {
		e.Set(event.EventOriginal, string(raw.Data))
	}
	if !e.Has(event.Timestamp) {
		e.SetTimestamp(raw.Received)
	}
	if !e.Has(event.EventCreated) {
		e.Set(event.EventCreated, raw.Received.UTC())
	}
	e.Set(event.EventIngested, now.UTC())
	if raw.ComponentID != "" {
		e.Set("agent.id", raw.ComponentID)
	}
	switch raw.Transport {
	case ingest.TransportFile:
		e.SetString("log.file.path", raw.Peer)
	case ingest.TransportUDP, ingest.TransportTCP, ingest.TransportTLS, ingest.TransportHTTP:
		e.SetString("log.source.address", raw.Peer)
	}
	if p.cfg.Masker != nil {
		if err := p.cfg.Masker.Mask(raw.TenantID, e); err != nil {
			// Never store what could not be masked.
			return nil, StageMask, err
		}
	}
	for _, en := range p.cfg.Enrichers {
		if err := en.Enrich(ctx, raw.TenantID, e); err != nil {
			p.cfg.Metrics.Errors.WithLabelValues(StageEnrich).Inc()
		}
	}
	return e, "", nil
}

func source(r *ingest.Raw) string {
	if r.Peer == "" {
		return r.Transport
	}
	return r.Transport + " " + r.Peer
}

// printable keeps dead-letter text valid UTF-8 and bounded.
func printable(b []byte) string {
	const max = 64 << 10
	if len(b) > max {
		b = b[:max]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return string([]rune(string(b)))
}
