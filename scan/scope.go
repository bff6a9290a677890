// Package scan is the scoped active scanner (R6.3, R7.1): TCP connect port
// scanning, liveness, banner grabbing, service/version identification with
// the project's own signatures, OS hints, and (scan/creds) weak-credential
// checks.
//
// Safety comes first on a clinical network. Every connection the scanner or
// a credential check makes goes through one Guard, which
//   - refuses a whole scan whose targets leave the tenant's authorised scope
//     (with a clear error, before any packet is sent),
//   - never dials an address outside the scope, outside the scan windows, or of
//     an asset that is a medical device (or carries a clinical profile) unless a
//     person overrode that one device (bianque.Asset.ActiveProbeAllowed); each
//     use of an override is reported to OnOverride for the audit log,
//   - paces connections under a global and a per-host rate limit.
package scan

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bianque"
)

// Guard decides whether an address may be touched and paces every dial.
type Guard struct {
	Scope *bianque.ScanScope
	// Assets are the ledger entries of the tenant: a target address that
	// belongs to a medical asset is excluded unless the asset allows probes.
	Assets []*bianque.Asset
	Clock  bianque.Clock
	// Rate limits connection attempts per second over the whole scan (0 = no
	// limit); PerHost limits them per target address.
	Rate    float64
	PerHost float64
	// DialTimeout bounds one connection attempt.
	DialTimeout time.Duration
	// OnOverride is called once per medical asset probed under a person's
	// override, so the platform records it in the audit log.
	OnOverride func(a *bianque.Asset, ip netip.Addr)

	once      sync.Once
	byIP      map[netip.Addr]*bianque.Asset
	global    *limiter
	mu        sync.Mutex
	perHost   map[netip.Addr]*limiter
	overrides sync.Map
	// Dials counts connection attempts actually made.
	Dials atomic.Int64
}

func (g *Guard) init() {
	g.once.Do(func() {
		g.byIP = map[netip.Addr]*bianque.Asset{}
		for _, a := range g.Assets {
			for _, s := range a.IPs {
				if ip, err := netip.ParseAddr(s); err == nil {
					g.byIP[ip.Unmap()] = a
				}
			}
		}
		g.global = newLimiter(g.Rate)
		g.perHost = map[netip.Addr]*limiter{}
		if g.Clock == nil {
			g.Clock = bianque.SystemClock{}
		}
		if g.DialTimeout == 0 {
			g.DialTimeout = 2 * time.Second
		}
	})
}

// ErrOutOfScope is wrapped by every refusal of an address outside the scope.
var ErrOutOfScope = bianque.Errorf(bianque.EFORBIDDEN, "target outside the authorised scan scope")

// Check reports why ip may not be probed now, or nil. Medical assets without
// an override yield ErrMedical.
func (g *Guard) Check(ip netip.Addr) error {
	g.init()
	ip = ip.Unmap()
	if g.Scope == nil || !g.Scope.Allows(ip) {
		return fmt.Errorf("%s: %w", ip, ErrOutOfScope)
	}
	if !g.Scope.InWindow(g.Clock.Now()) {
		return bianque.Errorf(bianque.EFORBIDDEN, "%s: outside the authorised scan windows", ip)
	}
	if a, ok := g.byIP[ip]; ok && !a.ActiveProbeAllowed() {
		return fmt.Errorf("%s (asset %s %q): %w", ip, a.ID, a.Name, ErrMedical)
	}
	return nil
}

// ErrMedical marks a target skipped because it is a medical device.
var ErrMedical = bianque.Errorf(bianque.EFORBIDDEN, "medical device: active probes need a per-device override")

// Dial connects to addr ("ip:port") over TCP if the guard allows it, after
// waiting for the rate limits. It never resolves names: targets are addresses.
func (g *Guard) Dial(ctx context.Context, addr string) (net.Conn, error) {
	g.init()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %q: %w", addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil, bianque.Errorf(bianque.EINVALID, "dial %q: the scanner dials addresses, not names", addr)
	}
	if _, err := strconv.Atoi(port); err != nil {
		return nil, bianque.Errorf(bianque.EINVALID, "dial %q: bad port", addr)
	}
	if err := g.Check(ip); err != nil {
		return nil, err
	}
	g.noteOverride(ip)
	if err := g.wait(ctx, ip.Unmap()); err != nil {
		return nil, err
	}
	g.Dials.Add(1)
	d := net.Dialer{Timeout: g.DialTimeout}
	return d.DialContext(ctx, "tcp", addr)
}

func (g *Guard) dialTimeout() time.Duration {
	g.init()
	return g.DialTimeout
}

func (g *Guard) noteOverride(ip netip.Addr) {
	a, ok := g.byIP[ip.Unmap()]
	if !ok || !a.IsMedical() || g.OnOverride == nil {
		return
	}
	if _, seen := g.overrides.LoadOrStore(a.ID+"|"+ip.String(), true); !seen {
		g.OnOverride(a, ip)
	}
}

func (g *Guard) wait(ctx context.Context, ip netip.Addr) error {
	if err := g.global.wait(ctx); err != nil {
		return err
	}
	if g.PerHost <= 0 {
		return nil
	}
	g.mu.Lock()
	l, ok := g.perHost[ip]
	if !ok {
		l = newLimiter(g.PerHost)
		g.perHost[ip] = l
	}
	g.mu.Unlock()
	return l.wait(ctx)
}

// ExpandTargets turns "10.0.0.0/30,10.0.0.9,127.0.0.1" into addresses. Names
// are refused: a scope is made of addresses, and a name could resolve
// anywhere. Networks larger than /16 (IPv4) or /112 (IPv6) are refused as a
// likely mistake.
func ExpandTargets(spec string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := bianque.ParsePrefixOrAddr(part)
		if err != nil {
			return nil, bianque.Errorf(bianque.EINVALID, "target %q is not an address or CIDR (names are not scanned)", part)
		}
		if p.Addr().Is4() && p.Bits() < 16 || !p.Addr().Is4() && p.Bits() < 112 {
			return nil, bianque.Errorf(bianque.EINVALID, "target %s is larger than a /16: split it", part)
		}
		for a := p.Addr(); p.Contains(a); a = a.Next() {
			out = append(out, a)
			if !a.Next().IsValid() {
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, bianque.Errorf(bianque.EINVALID, "no targets")
	}
	return out, nil
}

// limiter is a token bucket refilled at rate per second with a burst of one
// second's worth (at least 1); rate 0 disables it.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate float64) *limiter {
	b := max(rate, 1)
	return &limiter{rate: rate, burst: b, tokens: b}
}

func (l *limiter) wait(ctx context.Context) error {
	if l == nil || l.rate <= 0 {
		return ctx.Err()
	}
	for {
		l.mu.Lock()
		now := time.Now()
		if !l.last.IsZero() {
			l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		}
		l.last = now
		if l.tokens >= 1 {
			l.tokens--
			l.mu.Unlock()
			return nil
		}
		need := time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
		l.mu.Unlock()
		t := time.NewTimer(need)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
