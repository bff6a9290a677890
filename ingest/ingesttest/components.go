// Package ingesttest holds helpers for tests of ingestion.
package ingesttest

import (
	"context"
	"slices"
	"sync"
	"time"

	"bianque"
)

// Components is a bianque.ComponentStore in memory, for tests of the
// packages that authenticate components; the SQL stores implement the same
// contract.
type Components struct {
	mu sync.Mutex
	m  map[string]*bianque.Component
}

// NewComponents returns an empty store.
func NewComponents() *Components { return &Components{m: map[string]*bianque.Component{}} }

func cloneComponent(c *bianque.Component) *bianque.Component { cc := *c; return &cc }

func (s *Components) CreateComponent(ctx context.Context, c *bianque.Component) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = bianque.NewID()
	}
	c.Version = 1
	s.m[c.ID] = cloneComponent(c)
	return nil
}

func (s *Components) Component(ctx context.Context, tenantID, id string) (*bianque.Component, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[id]
	if !ok || tenantID != "" && c.TenantID != tenantID {
		return nil, bianque.Errorf(bianque.ENOTFOUND, "component %s not found", id)
	}
	return cloneComponent(c), nil
}

func (s *Components) find(match func(*bianque.Component) bool) (*bianque.Component, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.m {
		if match(c) {
			return cloneComponent(c), nil
		}
	}
	return nil, bianque.Errorf(bianque.ENOTFOUND, "component not found")
}

func (s *Components) ComponentByTokenHash(ctx context.Context, h string) (*bianque.Component, error) {
	return s.find(func(c *bianque.Component) bool { return h != "" && c.TokenHash == h })
}

func (s *Components) ComponentByCertSerial(ctx context.Context, serial string) (*bianque.Component, error) {
	return s.find(func(c *bianque.Component) bool { return serial != "" && c.CertSerial == serial })
}

func (s *Components) Components(ctx context.Context, f bianque.ComponentFilter) ([]*bianque.Component, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*bianque.Component
	for _, c := range s.m {
		if len(f.TenantIDs) > 0 && !slices.Contains(f.TenantIDs, c.TenantID) {
			continue
		}
		if len(f.States) > 0 && !slices.Contains(f.States, c.State) {
			continue
		}
		out = append(out, cloneComponent(c))
	}
	return out, "", nil
}

func (s *Components) UpdateComponent(ctx context.Context, c *bianque.Component) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[c.ID]
	if !ok {
		return bianque.Errorf(bianque.ENOTFOUND, "component %s not found", c.ID)
	}
	if old.Version != c.Version {
		return bianque.Errorf(bianque.ECONFLICT, "component %s changed", c.ID)
	}
	c.Version++
	s.m[c.ID] = cloneComponent(c)
	return nil
}

func (s *Components) TouchComponent(ctx context.Context, id string, at time.Time, address string, d bianque.ComponentStats) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[id]
	if !ok {
		return bianque.Errorf(bianque.ENOTFOUND, "component %s not found", id)
	}
	c.LastSeen = &at
	if address != "" {
		c.Address = address
	}
	c.Stats.EventsTotal += d.EventsTotal
	c.Stats.ErrorsTotal += d.ErrorsTotal
	c.Stats.EventsPerSecond = d.EventsPerSecond
	c.Stats.BacklogEvents = d.BacklogEvents
	c.Stats.LastError = d.LastError
	return nil
}

func (s *Components) RevokedCertSerials(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.m {
		if c.State == bianque.ComponentRevoked && c.CertSerial != "" {
			out = append(out, c.CertSerial)
		}
	}
	return out, nil
}

var _ bianque.ComponentStore = (*Components)(nil)
