package mask

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"reflect"
	"sync"
	"time"

	"bianque"
)

// Policies holds the masking configuration of every tenant and derives each
// tenant's key from one master key, so tokens differ between tenants.
type Policies struct {
	master  []byte
	def     Config
	tenants map[string]Config
	source  Source
	ttl     time.Duration
	now     func() time.Time

	mu      sync.Mutex
	maskers map[string]*policyEntry
}

type policyEntry struct {
	cfg     Config
	m       *Masker
	checked time.Time
}

// Source returns a tenant's masking policy as stored with its contract
// (nil: the defaults).
type Source func(tenantID string) (*bianque.MaskingPolicy, error)

// NewPolicies returns policies with the default configuration def and
// per-tenant overrides. The master key must be at least 32 bytes.
func NewPolicies(master []byte, def Config, tenants map[string]Config) (*Policies, error) {
	if len(master) < 32 {
		return nil, fmt.Errorf("mask: master key must be at least 32 bytes, got %d", len(master))
	}
	return &Policies{master: append([]byte(nil), master...), def: def, tenants: tenants, maskers: map[string]*policyEntry{}, now: time.Now}, nil
}

// NewPoliciesFrom returns policies that read each tenant's policy from src
// and read it again when it is older than ttl, so a change to a hospital's
// contract applies to its events within ttl without a restart. When src
// fails, the policy last read stays in force (and the error is returned
// only when there is none yet).
func NewPoliciesFrom(master []byte, def Config, src Source, ttl time.Duration, clock bianque.Clock) (*Policies, error) {
	p, err := NewPolicies(master, def, nil)
	if err != nil {
		return nil, err
	}
	p.source, p.ttl = src, ttl
	if clock != nil {
		p.now = clock.Now
	}
	return p, nil
}

// TenantKey derives the tenant's HMAC key: HMAC-SHA256(master, "mask:" tenant).
func TenantKey(master []byte, tenant string) []byte {
	h := hmac.New(sha256.New, master)
	h.Write([]byte("mask:" + tenant))
	return h.Sum(nil)
}

// For returns the masker of a tenant.
func (p *Policies) For(tenant string) (*Masker, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ent, ok := p.maskers[tenant]
	if ok && (p.source == nil || p.now().Sub(ent.checked) < p.ttl) {
		return ent.m, nil
	}
	cfg, err := p.config(tenant)
	if err != nil {
		if ok {
			ent.checked = p.now() // keep the last policy; ask again after ttl
			return ent.m, nil
		}
		return nil, fmt.Errorf("mask: tenant %s policy: %w", tenant, err)
	}
	if ok && reflect.DeepEqual(cfg, ent.cfg) {
		ent.checked = p.now()
		return ent.m, nil
	}
	m, err := New(TenantKey(p.master, tenant), cfg)
	if err != nil {
		return nil, fmt.Errorf("mask: tenant %s: %w", tenant, err)
	}
	p.maskers[tenant] = &policyEntry{cfg: cfg, m: m, checked: p.now()}
	return m, nil
}

func (p *Policies) config(tenant string) (Config, error) {
	if p.source != nil {
		pol, err := p.source(tenant)
		if err != nil {
			return Config{}, err
		}
		return FromPolicy(p.def, pol), nil
	}
	if cfg, ok := p.tenants[tenant]; ok {
		return cfg, nil
	}
	return p.def, nil
}

// FromPolicy applies a tenant's policy over the defaults def.
func FromPolicy(def Config, pol *bianque.MaskingPolicy) Config {
	cfg := def
	if pol == nil {
		return cfg
	}
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&cfg.IDCard, pol.IDCard)
	set(&cfg.Mobile, pol.Mobile)
	set(&cfg.BankCard, pol.BankCard)
	set(&cfg.Email, pol.Email)
	cfg.Fields = append(append([]string(nil), def.Fields...), pol.Fields...)
	cfg.TextKeys = append(append([]string(nil), def.TextKeys...), pol.TextKeys...)
	cfg.Skip = append(append([]string(nil), def.Skip...), pol.Skip...)
	cfg.Patterns = append([]Pattern(nil), def.Patterns...)
	for _, pt := range pol.Patterns {
		cfg.Patterns = append(cfg.Patterns, Pattern{Name: pt.Name, Regexp: pt.Regexp})
	}
	return cfg
}
