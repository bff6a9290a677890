package ingest

import (
	"context"
	"slices"
	"sync"
	"time"

	"bianque"
)

// memComponents is a ComponentStore in memory for the package's tests; the
// SQL stores pass the same contract in their own suites.
type memComponents struct {
	mu sync.Mutex
	m  map[string]*bianque.Component
}

func newMemComponents() *memComponents { return &memComponents{m: map[string]*bianque.Component{}} }

func clone(c *bianque.Component) *bianque.Component { cc := *c; return &cc }

func (s *memComponents) CreateComponent(ctx context.Context, c *bianque.Component) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = bianque.NewID()
	}
	c.Version = 1
	s.m[c.ID] = clone(c)
	return nil
}

func (s *memComponents) Component(ctx context.Context, tenantID, id string) (*bianque.Component, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[id]
	if !ok || tenantID != "" && c.TenantID != tenantID {
		return nil, bianque.Errorf(bianque.ENOTFOUND, "component %s not found", id)
	}
	return clone(c), nil
}

func (s *memComponents) find(match func(*bianque.Component) bool) (*bianque.Component, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.m {
		if match(c) {
			return clone(c), nil
		}
	}
	return nil, bianque.Errorf(bianque.ENOTFOUND, "component not found")
}

func (s *memComponents) ComponentByTokenHash(ctx context.Context, h string) (*bianque.Component, error) {
	return s.find(func(c *bianque.Component) bool { return h != "" && c.TokenHash == h })
}

func (s *memComponents) ComponentByCertSerial(ctx context.Context, serial string) (*bianque.Component, error) {
	return s.find(func(c *bianque.Component) bool { return serial != "" && c.CertSerial == serial })
}

func (s *memComponents) Components(ctx context.Context, f bianque.ComponentFilter) ([]*bianque.Component, string, error) {
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
		out = append(out, clone(c))
	}
	return out, "", nil
}

func (s *memComponents) UpdateComponent(ctx context.Context, c *bianque.Component) error {
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
	s.m[c.ID] = clone(c)
	return nil
}

func (s *memComponents) TouchComponent(ctx context.Context, id string, at time.Time, address string, d bianque.ComponentStats) error {
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

func (s *memComponents) RevokedCertSerials(ctx context.Context) ([]string, error) {
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

var _ bianque.ComponentStore = (*memComponents)(nil)
