package mask

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"sync"
)

// Policies holds the masking configuration of every tenant and derives each
// tenant's key from one master key, so tokens differ between tenants.
type Policies struct {
	master  []byte
	def     Config
	tenants map[string]Config

	mu      sync.Mutex
	maskers map[string]*Masker
}

// NewPolicies returns policies with the default configuration def and
// per-tenant overrides. The master key must be at least 32 bytes.
func NewPolicies(master []byte, def Config, tenants map[string]Config) (*Policies, error) {
	if len(master) < 32 {
		return nil, fmt.Errorf("mask: master key must be at least 32 bytes, got %d", len(master))
	}
	return &Policies{master: append([]byte(nil), master...), def: def, tenants: tenants, maskers: map[string]*Masker{}}, nil
}

// TenantKey derives the tenant's HMAC key: HMAC-SHA256(master, "mask:" tenant).
func TenantKey(master []byte, tenant string) []byte {
	h := hmac.New(sha256.New, master)
	h.Write([]byte("mask:" + tenant))
	return h.Sum(nil)
}

// For returns the masker of a tenant (built once).
func (p *Policies) For(tenant string) (*Masker, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.maskers[tenant]; ok {
		return m, nil
	}
	cfg, ok := p.tenants[tenant]
	if !ok {
		cfg = p.def
	}
	m, err := New(TenantKey(p.master, tenant), cfg)
	if err != nil {
		return nil, fmt.Errorf("mask: tenant %s: %w", tenant, err)
	}
	p.maskers[tenant] = m
	return m, nil
}
