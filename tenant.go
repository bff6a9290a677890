package bianque

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Tenant is a hospital served by the platform (R1.1). Every record of tenant
// data carries its tenant's ID and no query runs without one.
type Tenant struct {
	ID   string `json:"id"`
	Code string `json:"code"` // short stable slug, e.g. "szph"; unique
	Name string `json:"name"`
	// Region is the province (or region) for regional indices (R9.1).
	Region   string   `json:"region,omitempty"`
	Contract Contract `json:"contract"`
	// RetentionDays for events and alerts; 0 means the default of 180 (R2.4).
	RetentionDays int `json:"retention_days,omitempty"`
	// AllowedCIDRs restrict where users of this tenant, and provider staff
	// working on it, may sign in from, per role (R15.1). An empty list for a
	// role allows any source.
	AllowedCIDRs map[Role][]string `json:"allowed_cidrs,omitempty"`
	Disabled     bool              `json:"disabled,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// DefaultRetentionDays is the retention of events and alerts when a tenant does not set one.
const DefaultRetentionDays = 180

// Retention returns the tenant's event retention.
func (t *Tenant) Retention() time.Duration {
	d := t.RetentionDays
	if d <= 0 {
		d = DefaultRetentionDays
	}
	return time.Duration(d) * 24 * time.Hour
}

var tenantCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)

// Validate checks the tenant's fields.
func (t *Tenant) Validate() error {
	if !tenantCodeRE.MatchString(t.Code) {
		return Errorf(EINVALID, "tenant code %q must be 2–32 lower-case letters, digits or '-'", t.Code)
	}
	if strings.TrimSpace(t.Name) == "" {
		return Errorf(EINVALID, "tenant name is required")
	}
	if t.RetentionDays < 0 {
		return Errorf(EINVALID, "retention_days must not be negative")
	}
	for role, cidrs := range t.AllowedCIDRs {
		if !role.Valid() {
			return Errorf(EINVALID, "allowed_cidrs: unknown role %q", role)
		}
		for _, c := range cidrs {
			if _, err := ParsePrefixOrAddr(c); err != nil {
				return Errorf(EINVALID, "allowed_cidrs[%s]: %v", role, err)
			}
		}
	}
	return t.Contract.Validate()
}

// AllowsSource reports whether a person of role may act on this tenant from ip.
func (t *Tenant) AllowsSource(role Role, ip netip.Addr) bool {
	cidrs := t.AllowedCIDRs[role]
	if len(cidrs) == 0 {
		return true
	}
	return PrefixesContain(cidrs, ip)
}

// ParsePrefixOrAddr parses "10.0.0.0/8" or a bare address (as a /32 or /128).
func ParsePrefixOrAddr(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("bad CIDR %q: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad address %q: %w", s, err)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// PrefixesContain reports whether any of the CIDRs (or bare addresses) holds ip.
// Unparseable entries never match.
func PrefixesContain(cidrs []string, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, c := range cidrs {
		if p, err := ParsePrefixOrAddr(c); err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}

// TenantFilter selects tenants. IDs, when non-nil, restricts the result to
// those tenants (the caller's visible set).
type TenantFilter struct {
	IDs  []string
	Code string
	Page
}

// TenantService manages tenants with authorization and audit.
type TenantService interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	Tenant(ctx context.Context, id string) (*Tenant, error)
	Tenants(ctx context.Context, f TenantFilter) ([]*Tenant, string, error)
	UpdateTenant(ctx context.Context, t *Tenant) error
	// PurgeTenant deletes every record of the tenant (R2.4, R16.4).
	PurgeTenant(ctx context.Context, id string) error
}
