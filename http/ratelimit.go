package http

import (
	"net/http"
	"sync"
	"time"

	"bianque"
)

// limiter is a token bucket per client address for the sign-in steps, on
// top of the per-account lockout: it slows password spraying across many
// accounts from one address.
type limiter struct {
	mu      sync.Mutex
	perSec  float64
	burst   float64
	clock   bianque.Clock
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory; past it, idle buckets are dropped.
const maxBuckets = 100000

func newLimiter(perMinute int, clock bianque.Clock) *limiter {
	if perMinute < 0 {
		return nil
	}
	if perMinute == 0 {
		perMinute = 30
	}
	return &limiter{perSec: float64(perMinute) / 60, burst: float64(perMinute), clock: clock, buckets: map[string]*bucket{}}
}

// allow takes a token for key, reporting false when none is left.
func (l *limiter) allow(key string) bool {
	if l == nil {
		return true
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			for k, v := range l.buckets {
				if now.Sub(v.last) > time.Duration(l.burst/l.perSec)*time.Second {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.perSec
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// limitSignIn refuses a sign-in step when the client's address is over its rate.
func (s *Server) limitSignIn(r *http.Request) error {
	if !s.signIn.allow(clientIP(r)) {
		return bianque.Errorf(bianque.ERATELIMIT, "too many sign-in attempts from this address; wait a minute")
	}
	return nil
}
