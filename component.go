package bianque

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ComponentKind is what a connected component is (R2.1).
type ComponentKind string

// Component kinds.
const (
	ComponentCollector ComponentKind = "collector" // bianque collect at the hospital edge
	ComponentFirewall  ComponentKind = "firewall"  // boundary firewall sending logs
	ComponentProbe     ComponentKind = "probe"     // traffic probe / passive sensor
	ComponentEDR       ComponentKind = "edr"       // endpoint agent
	ComponentScanner   ComponentKind = "scanner"   // vulnerability scanner
	ComponentXDR       ComponentKind = "xdr"       // security-operations platform / XDR
)

// ComponentKinds lists the kinds.
var ComponentKinds = []ComponentKind{ComponentCollector, ComponentFirewall, ComponentProbe, ComponentEDR, ComponentScanner, ComponentXDR}

// ComponentState is where a component stands in its authorisation (R2.3).
// Online/offline is not a state: it follows from LastSeen (see Online).
type ComponentState string

// Component states. pending → approved → revoked; pending → rejected.
// A revoked or rejected component is cut off: its certificate is refused at
// the TLS handshake and its token no longer authenticates (R16.4).
const (
	ComponentPending  ComponentState = "pending"
	ComponentApproved ComponentState = "approved"
	ComponentRejected ComponentState = "rejected"
	ComponentRevoked  ComponentState = "revoked"
)

// DefaultOnlineWindow is how recently a component must have been heard from
// to count as online.
const DefaultOnlineWindow = 5 * time.Minute

// ComponentStats are the counters a component reports or the platform counts
// for it; the portal's device page shows them (R2.1).
type ComponentStats struct {
	// EventsTotal counts events accepted from the component.
	EventsTotal int64 `json:"events_total"`
	// ErrorsTotal counts rejected messages and failed deliveries.
	ErrorsTotal int64 `json:"errors_total"`
	// EventsPerSecond is the rate over the last report interval.
	EventsPerSecond float64 `json:"events_per_second"`
	// BacklogEvents is what a collector holds in its spool, not yet delivered.
	BacklogEvents int64 `json:"backlog_events,omitempty"`
	// LastError is the most recent error text (empty when healthy).
	LastError string `json:"last_error,omitempty"`
}

// Component is a connected collector or security product of a tenant (R2.1):
// it is authorised by the hospital (R2.3) and is identified either by a client
// certificate the platform's CA issued (collectors) or by an ingest token
// (products that push JSON over HTTP).
type Component struct {
	ID       string         `json:"id"`
	TenantID string         `json:"tenant_id"`
	Name     string         `json:"name"`
	Kind     ComponentKind  `json:"kind"`
	State    ComponentState `json:"state"`
	// Vendor and Product name what the component is ("fortinet", "fortigate");
	// they are the default parse hint of what it sends.
	Vendor  string `json:"vendor,omitempty"`
	Product string `json:"product,omitempty"`
	// Address is where the component was last seen from.
	Address string `json:"address,omitempty"`
	// SoftwareVersion is what the component reports running.
	SoftwareVersion string `json:"software_version,omitempty"`
	// CSR is the PEM certificate request of an enrolling collector.
	CSR string `json:"csr,omitempty"`
	// CertSerial (hex) and CertPEM are the issued client certificate.
	CertSerial   string     `json:"cert_serial,omitempty"`
	CertPEM      string     `json:"cert_pem,omitempty"`
	CertNotAfter *time.Time `json:"cert_not_after,omitempty"`
	// EnrollSecretHash is the SHA-256 (hex) of the secret the enrolling
	// collector polls with; TokenHash the SHA-256 (hex) of an HTTP ingest
	// token. Neither secret is stored.
	EnrollSecretHash string         `json:"-"`
	TokenHash        string         `json:"-"`
	Stats            ComponentStats `json:"stats"`
	LastSeen         *time.Time     `json:"last_seen,omitempty"`
	ApprovedBy       string         `json:"approved_by,omitempty"`
	ApprovedAt       *time.Time     `json:"approved_at,omitempty"`
	RevokedBy        string         `json:"revoked_by,omitempty"`
	RevokedAt        *time.Time     `json:"revoked_at,omitempty"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	Version          int64          `json:"version"`
}

// Validate checks the component's fields.
func (c *Component) Validate() error {
	switch {
	case c.TenantID == "":
		return Errorf(EINVALID, "component tenant is required")
	case strings.TrimSpace(c.Name) == "" || len(c.Name) > 128:
		return Errorf(EINVALID, "component name is required (at most 128 characters)")
	case !slices.Contains(ComponentKinds, c.Kind):
		return Errorf(EINVALID, "component kind %q is unknown", c.Kind)
	}
	switch c.State {
	case ComponentPending, ComponentApproved, ComponentRejected, ComponentRevoked:
	default:
		return Errorf(EINVALID, "component state %q is unknown", c.State)
	}
	return nil
}

// Online reports whether the component was heard from within window of now.
func (c *Component) Online(now time.Time, window time.Duration) bool {
	if c.LastSeen == nil || c.State != ComponentApproved {
		return false
	}
	if window <= 0 {
		window = DefaultOnlineWindow
	}
	return now.Sub(*c.LastSeen) <= window
}

// Active reports whether the component may deliver data.
func (c *Component) Active() bool { return c.State == ComponentApproved }

// Approve moves a pending component to approved.
func (c *Component) Approve(by string, at time.Time) error {
	if c.State != ComponentPending {
		return Errorf(ECONFLICT, "component %s is %s, only a pending component can be approved", c.ID, c.State)
	}
	c.State = ComponentApproved
	c.ApprovedBy = by
	t := at.UTC()
	c.ApprovedAt = &t
	return nil
}

// Reject moves a pending component to rejected.
func (c *Component) Reject(by string, at time.Time) error {
	if c.State != ComponentPending {
		return Errorf(ECONFLICT, "component %s is %s, only a pending component can be rejected", c.ID, c.State)
	}
	c.State = ComponentRejected
	c.RevokedBy = by
	t := at.UTC()
	c.RevokedAt = &t
	return nil
}

// Revoke cuts an approved (or pending) component off for good (R16.4).
func (c *Component) Revoke(by string, at time.Time) error {
	if c.State == ComponentRevoked || c.State == ComponentRejected {
		return Errorf(ECONFLICT, "component %s is already %s", c.ID, c.State)
	}
	c.State = ComponentRevoked
	c.RevokedBy = by
	t := at.UTC()
	c.RevokedAt = &t
	return nil
}

// ComponentFilter selects components of a set of tenants.
type ComponentFilter struct {
	TenantIDs []string
	Kinds     []ComponentKind
	States    []ComponentState
	Page
}

// ComponentStore persists components. TenantID "" in Component means any
// tenant: lookups by token hash, certificate serial or ID come from
// authentication, before a tenant is known.
type ComponentStore interface {
	CreateComponent(ctx context.Context, c *Component) error
	Component(ctx context.Context, tenantID, id string) (*Component, error)
	ComponentByTokenHash(ctx context.Context, hash string) (*Component, error)
	ComponentByCertSerial(ctx context.Context, serial string) (*Component, error)
	Components(ctx context.Context, f ComponentFilter) ([]*Component, string, error)
	// UpdateComponent stores c if its Version matches (then increments it).
	UpdateComponent(ctx context.Context, c *Component) error
	// TouchComponent records that the component was heard from, without a
	// version check (it is called often): LastSeen = at, Address = address
	// (unless empty); EventsTotal and ErrorsTotal are added to the stored
	// totals; EventsPerSecond, BacklogEvents and LastError replace theirs.
	TouchComponent(ctx context.Context, id string, at time.Time, address string, delta ComponentStats) error
	// RevokedCertSerials lists the serials of every revoked component's
	// certificate: the platform's revocation list.
	RevokedCertSerials(ctx context.Context) ([]string, error)
}

// ComponentService manages components with authorization and audit: the
// hospital administrator approves and revokes (PermComponentManage).
type ComponentService interface {
	Component(ctx context.Context, tenantID, id string) (*Component, error)
	Components(ctx context.Context, f ComponentFilter) ([]*Component, string, error)
	// CreateComponent registers a token-authenticated product and returns
	// the ingest token, shown once.
	CreateComponent(ctx context.Context, c *Component) (token string, err error)
	Approve(ctx context.Context, tenantID, id string) (*Component, error)
	Reject(ctx context.Context, tenantID, id string) (*Component, error)
	Revoke(ctx context.Context, tenantID, id string) (*Component, error)
}

// DeadLetter is input that could not be turned into an event, kept with the
// reason (never silently dropped) so operators can see and replay it.
type DeadLetter struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenant_id"`
	ComponentID string `json:"component_id,omitempty"`
	// Source says where the input came from: "syslog-udp 10.1.2.3:514",
	// "http", "collector <id>".
	Source     string    `json:"source,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// Stage is the pipeline stage that failed: decode, parse, mask, enrich.
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
	// Raw is the input as received (masked before storage when masking applies).
	Raw       string    `json:"raw"`
	CreatedAt time.Time `json:"created_at"`
}

// DeadLetterFilter selects dead letters of a set of tenants.
type DeadLetterFilter struct {
	TenantIDs []string
	Stage     string
	Since     time.Time
	Page
}

// DeadLetterStore persists dead letters.
type DeadLetterStore interface {
	AppendDeadLetters(ctx context.Context, dls []*DeadLetter) error
	DeadLetters(ctx context.Context, f DeadLetterFilter) ([]*DeadLetter, string, error)
	CountDeadLetters(ctx context.Context, f DeadLetterFilter) (int64, error)
}

// DeadLetterService lists a tenant's dead letters with authorization
// (event.read): what could not be processed, and why.
type DeadLetterService interface {
	DeadLetters(ctx context.Context, f DeadLetterFilter) ([]*DeadLetter, string, error)
	CountDeadLetters(ctx context.Context, f DeadLetterFilter) (int64, error)
}
