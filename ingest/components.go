package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"bianque"
)

// HashSecret returns the SHA-256 (hex) under which a token or secret is stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ComponentCache looks components up by token hash or certificate serial
// and remembers them for TTL, so authentication does not hit the database on
// every request. Invalidate drops everything at once, which the revocation
// path calls so a revoked component is cut off immediately on this node
// (other nodes within TTL).
type ComponentCache struct {
	Store bianque.ComponentStore
	Clock bianque.Clock
	TTL   time.Duration

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	c   *bianque.Component
	err error
	at  time.Time
}

func (cc *ComponentCache) get(ctx context.Context, key string, load func() (*bianque.Component, error)) (*bianque.Component, error) {
	now := cc.now()
	ttl := cc.TTL
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	cc.mu.Lock()
	if e, ok := cc.entries[key]; ok && now.Sub(e.at) < ttl {
		cc.mu.Unlock()
		return e.c, e.err
	}
	cc.mu.Unlock()
	c, err := load()
	if err != nil && bianque.ErrorCode(err) != bianque.ENOTFOUND {
		return nil, err // do not cache outages
	}
	cc.mu.Lock()
	if cc.entries == nil {
		cc.entries = map[string]cacheEntry{}
	}
	cc.entries[key] = cacheEntry{c: c, err: err, at: now}
	cc.mu.Unlock()
	return c, err
}

func (cc *ComponentCache) now() time.Time {
	if cc.Clock == nil {
		return time.Now()
	}
	return cc.Clock.Now()
}

// ByToken returns the component whose ingest token is token.
func (cc *ComponentCache) ByToken(ctx context.Context, token string) (*bianque.Component, error) {
	h := HashSecret(token)
	return cc.get(ctx, "t:"+h, func() (*bianque.Component, error) { return cc.Store.ComponentByTokenHash(ctx, h) })
}

// BySerial returns the component holding the certificate with serial (hex).
func (cc *ComponentCache) BySerial(ctx context.Context, serial string) (*bianque.Component, error) {
	return cc.get(ctx, "s:"+serial, func() (*bianque.Component, error) { return cc.Store.ComponentByCertSerial(ctx, serial) })
}

// Invalidate forgets every cached component.
func (cc *ComponentCache) Invalidate() {
	cc.mu.Lock()
	cc.entries = nil
	cc.mu.Unlock()
}

// Toucher gathers per-component activity (events, errors, address) and
// writes it to the ComponentStore every Interval, so the device page shows
// last seen, rates and errors without a write per request.
type Toucher struct {
	Store    bianque.ComponentStore
	Clock    bianque.Clock
	Interval time.Duration

	mu      sync.Mutex
	pending map[string]*touch
	last    time.Time
}

type touch struct {
	events, errors int64
	address        string
	lastError      string
	backlog        int64
	hasBacklog     bool
}

// Note records n events and e errors from a component.
func (t *Toucher) Note(componentID, address string, n, e int64, lastError string) {
	if t == nil || componentID == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		t.pending = map[string]*touch{}
	}
	p := t.pending[componentID]
	if p == nil {
		p = &touch{}
		t.pending[componentID] = p
	}
	p.events += n
	p.errors += e
	if address != "" {
		p.address = address
	}
	if lastError != "" {
		p.lastError = lastError
	}
}

// NoteBacklog records the spool backlog a collector reported.
func (t *Toucher) NoteBacklog(componentID string, backlog int64) {
	if t == nil || componentID == "" {
		return
	}
	t.Note(componentID, "", 0, 0, "")
	t.mu.Lock()
	p := t.pending[componentID]
	p.backlog, p.hasBacklog = backlog, true
	t.mu.Unlock()
}

// Flush writes what was noted since the last flush.
func (t *Toucher) Flush(ctx context.Context) error {
	t.mu.Lock()
	pending := t.pending
	t.pending = nil
	now := t.Clock.Now()
	elapsed := now.Sub(t.last).Seconds()
	if t.last.IsZero() || elapsed <= 0 {
		elapsed = t.interval().Seconds()
	}
	t.last = now
	t.mu.Unlock()
	var firstErr error
	for id, p := range pending {
		st := bianque.ComponentStats{EventsTotal: p.events, ErrorsTotal: p.errors,
			EventsPerSecond: float64(p.events) / elapsed, LastError: p.lastError}
		if p.hasBacklog {
			st.BacklogEvents = p.backlog
		}
		if err := t.Store.TouchComponent(ctx, id, now, p.address, st); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

func (t *Toucher) interval() time.Duration {
	if t.Interval <= 0 {
		return 10 * time.Second
	}
	return t.Interval
}

// Run flushes every Interval until ctx ends, then once more.
func (t *Toucher) Run(ctx context.Context) {
	tick := time.NewTicker(t.interval())
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			t.Flush(ctx)
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			t.Flush(fctx)
			cancel()
			return
		}
	}
}
