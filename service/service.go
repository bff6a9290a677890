// Package service implements the root package's service interfaces over a
// bianque.Store: it authorizes every call against the principal in the
// context, writes the audit log, and runs the ticket flow and SLA clocks with
// an injected clock.
//
// Rules every method follows:
//   - The principal comes from bianque.PrincipalFromContext; none is EUNAUTHORIZED.
//   - A tenant the principal cannot see is ENOTFOUND, whatever the record, so
//     that the existence of another hospital's data never leaks; a visible
//     tenant without the permission is EFORBIDDEN.
//   - Every write appends an audit entry (to the tenant's chain, or to the
//     platform chain for platform records), and so does every read of tenant
//     data by provider staff, with actor, role and source address (R15.3).
//   - Platform administrators manage tenants, users and assignments
//     everywhere but read tenant data only where the matrix of role.go lets
//     them, which is nowhere beyond the tenant record itself.
package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"bianque"
	"bianque/auth"
)

// Options configure the services. Zero values take the defaults noted.
type Options struct {
	Clock bianque.Clock // default bianque.SystemClock
	// Argon2 is the cost of new password hashes; default auth.DefaultArgon2.
	Argon2 auth.Argon2Params
	// LockoutThreshold failed passwords or codes in a row lock the account for
	// LockoutDuration (defaults 5 and 15 minutes).
	LockoutThreshold int
	LockoutDuration  time.Duration
	// SessionLifetime is the absolute lifetime of a session (default 12 h);
	// SessionIdle ends a session unused for that long (default 1 h);
	// MFAPending bounds the time between the password and the code (default 10 min).
	SessionLifetime time.Duration
	SessionIdle     time.Duration
	MFAPending      time.Duration
	// Issuer names the platform in authenticator apps (default "Bianque").
	Issuer string
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = bianque.SystemClock{}
	}
	if o.Argon2.Memory == 0 {
		o.Argon2 = auth.DefaultArgon2
	}
	if o.LockoutThreshold <= 0 {
		o.LockoutThreshold = 5
	}
	if o.LockoutDuration <= 0 {
		o.LockoutDuration = 15 * time.Minute
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = 12 * time.Hour
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = time.Hour
	}
	if o.MFAPending <= 0 {
		o.MFAPending = 10 * time.Minute
	}
	if o.Issuer == "" {
		o.Issuer = "Bianque"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Services are all services over one store.
type Services struct {
	Tenants   *TenantService
	Users     *UserService
	Tickets   *TicketService
	Assets    *AssetService
	Audit     *AuditService
	Auth      *AuthService
	Dashboard *DashboardService
}

// New returns the services over store.
func New(store bianque.Store, opts Options) *Services {
	opts.defaults()
	c := &core{store: store, opts: opts, clock: opts.Clock, log: opts.Logger, tenants: map[string]cachedTenant{}}
	return &Services{
		Tenants:   &TenantService{c},
		Users:     &UserService{c},
		Tickets:   &TicketService{c},
		Assets:    &AssetService{c},
		Audit:     &AuditService{c},
		Auth:      &AuthService{core: c, dummyHash: mustHash("not a password", opts.Argon2), hashing: make(chan struct{}, runtime.NumCPU())},
		Dashboard: &DashboardService{c},
	}
}

func mustHash(pw string, p auth.Argon2Params) string {
	h, err := auth.HashPassword(pw, p)
	if err != nil {
		panic(err) // only fails if the OS RNG fails
	}
	return h
}

// core is what every service shares.
type core struct {
	store bianque.Store
	opts  Options
	clock bianque.Clock
	log   *slog.Logger

	mu      sync.Mutex
	tenants map[string]cachedTenant
}

type cachedTenant struct {
	t       *bianque.Tenant
	fetched time.Time
}

// tenantCacheTTL bounds how long a tenant's allow-lists and contract may be
// served from memory after a change made on another node.
const tenantCacheTTL = 5 * time.Second

// tenant returns the tenant record through a short cache; it is used on every
// request for allow-lists and for SLA contracts.
func (c *core) tenant(ctx context.Context, id string) (*bianque.Tenant, error) {
	now := c.clock.Now()
	c.mu.Lock()
	ct, ok := c.tenants[id]
	c.mu.Unlock()
	if ok && now.Sub(ct.fetched) < tenantCacheTTL && now.Sub(ct.fetched) >= 0 {
		return ct.t, nil
	}
	t, err := c.store.Tenant(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.tenants[id] = cachedTenant{t: t, fetched: now}
	c.mu.Unlock()
	return t, nil
}

func (c *core) forgetTenant(id string) {
	c.mu.Lock()
	delete(c.tenants, id)
	c.mu.Unlock()
}

// principal returns the caller or EUNAUTHORIZED.
func principal(ctx context.Context) (*bianque.Principal, error) {
	p := bianque.PrincipalFromContext(ctx)
	if p == nil {
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "authentication required")
	}
	return p, nil
}

// audit appends an entry for a write (or a sign-in event) to the chain of
// tenantID ("" = platform). detail is marshalled to JSON unless it is a string.
func (c *core) audit(ctx context.Context, tenantID, action, objType, objID string, detail any) error {
	e := &bianque.AuditEntry{TenantID: tenantID, At: c.clock.Now(), Action: action, ObjectType: objType, ObjectID: objID}
	if p := bianque.PrincipalFromContext(ctx); p != nil {
		e.ActorID, e.ActorName, e.ActorRole, e.SourceIP = p.UserID, p.Username, p.Role, p.SourceIP
	}
	switch d := detail.(type) {
	case nil:
	case string:
		e.Detail = d
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return bianque.WrapError(bianque.EINTERNAL, err, "encode audit detail")
		}
		e.Detail = string(b)
	}
	if err := c.store.AppendAudit(ctx, e); err != nil {
		// The change is already stored; failing loudly is better than an
		// unaudited success. The log line names what was not audited.
		c.log.Error("audit append failed", "action", action, "tenant", tenantID, "object", objID, "err", err)
		return bianque.WrapError(bianque.EINTERNAL, err, "write audit entry")
	}
	return nil
}

// auditRead records a read of tenant data when the reader is provider staff.
func (c *core) auditRead(ctx context.Context, tenantID, action, objType, objID string) error {
	p := bianque.PrincipalFromContext(ctx)
	if !p.IsProvider() || tenantID == "" {
		return nil
	}
	return c.audit(ctx, tenantID, action, objType, objID, nil)
}

// listAcross runs a list over the tenants the caller may read with perm —
// the requested ones, or every visible one — and records the read in each
// tenant's audit log when the caller is provider staff (R15.3). list gets
// the resolved tenant IDs; nothing is listed when there are none.
func listAcross[T any](ctx context.Context, c *core, perm bianque.Permission, requested []string, action, objType string,
	list func(tenantIDs []string) ([]T, string, error)) ([]T, string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, "", err
	}
	ids, err := readableTenants(p, perm, requested)
	if err != nil || len(ids) == 0 {
		return nil, "", err
	}
	out, next, err := list(ids)
	if err != nil {
		return nil, "", err
	}
	for _, id := range ids {
		if err := c.auditRead(ctx, id, action, objType, ""); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// readableTenants resolves the tenants a list call covers: the requested
// ones, each of which must be visible with perm, or, when none is requested,
// every visible tenant where the principal holds perm.
func readableTenants(p *bianque.Principal, perm bianque.Permission, requested []string) ([]string, error) {
	if len(requested) > 0 {
		seen := map[string]bool{}
		var out []string
		for _, id := range requested {
			if err := p.Authorize(perm, id); err != nil {
				return nil, err
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return out, nil
	}
	if !p.Can(perm) {
		return nil, bianque.Errorf(bianque.EFORBIDDEN, "role %s may not %s", p.Role, perm)
	}
	return p.VisibleTenants(), nil
}

func notFound(what string) error { return bianque.Errorf(bianque.ENOTFOUND, "%s not found", what) }
