package bianque

import (
	"context"
	"time"
)

// Stores are plain data access: they enforce tenant scoping in every query and
// optimistic concurrency (Version) but no permissions; the service layer
// authorizes and audits. Both implementations (sqlite, postgres) pass the one
// conformance suite in storetest.
//
// Conventions: a missing record (or one of another tenant) is ENOTFOUND; a
// duplicate unique key or a stale Version is ECONFLICT; lists return the next
// page cursor ("" on the last page), newest first.

// TenantStore persists tenants.
type TenantStore interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	Tenant(ctx context.Context, id string) (*Tenant, error)
	TenantByCode(ctx context.Context, code string) (*Tenant, error)
	Tenants(ctx context.Context, f TenantFilter) ([]*Tenant, string, error)
	UpdateTenant(ctx context.Context, t *Tenant) error
	// PurgeTenant deletes the tenant and every row that carries its ID, in every
	// table, including its audit chain; it returns the number of rows deleted per table.
	PurgeTenant(ctx context.Context, id string) (map[string]int64, error)
}

// UserStore persists users, their tenant assignments, sessions and API tokens.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id string) (*User, error)
	UserByUsername(ctx context.Context, username string) (*User, error)
	Users(ctx context.Context, f UserFilter) ([]*User, string, error)
	// UpdateUser replaces the user's fields (assignments included).
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, id string) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByTokenHash(ctx context.Context, hash string) (*Session, error)
	UpdateSession(ctx context.Context, s *Session) error
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	CreateAPIToken(ctx context.Context, t *APIToken) error
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	APITokens(ctx context.Context, userID string) ([]*APIToken, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	DeleteAPIToken(ctx context.Context, id string) error
}

// TicketStore persists tickets and their timelines.
type TicketStore interface {
	// CreateTicket assigns the next per-tenant Number and stores the ticket
	// with its first timeline entry, atomically.
	CreateTicket(ctx context.Context, t *Ticket, first *TimelineEntry) error
	Ticket(ctx context.Context, tenantID, id string) (*Ticket, error)
	Tickets(ctx context.Context, f TicketFilter) ([]*Ticket, string, error)
	// UpdateTicket stores t if its Version matches the stored one (then
	// increments it) and appends entry (if non-nil), atomically.
	UpdateTicket(ctx context.Context, t *Ticket, entry *TimelineEntry) error
	AddTimelineEntry(ctx context.Context, e *TimelineEntry) error
	Timeline(ctx context.Context, tenantID, ticketID string) ([]*TimelineEntry, error)
	CountOpenTickets(ctx context.Context, tenantIDs []string) (*TicketCounts, error)
}

// AssetStore persists the asset ledger.
type AssetStore interface {
	CreateAsset(ctx context.Context, a *Asset) error
	Asset(ctx context.Context, tenantID, id string) (*Asset, error)
	Assets(ctx context.Context, f AssetFilter) ([]*Asset, string, error)
	UpdateAsset(ctx context.Context, a *Asset) error
	DeleteAsset(ctx context.Context, tenantID, id string) error
}

// AuditStore persists the audit log.
type AuditStore interface {
	// AppendAudit sets e.Seq, e.PrevHash and e.Hash from the chain's head and
	// stores the entry and the new head atomically; concurrent appends to one
	// chain are serialised.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	AuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
	AuditHeads(ctx context.Context) ([]*AuditHead, error)
	// ScanAudit calls fn for each entry of the chain in Seq order.
	ScanAudit(ctx context.Context, tenantID string, fn func(*AuditEntry) error) error
}

// Store is everything the platform persists.
type Store interface {
	TenantStore
	UserStore
	TicketStore
	AssetStore
	AuditStore
	// Ping checks the database connection (for /healthz).
	Ping(ctx context.Context) error
	Close() error
}
