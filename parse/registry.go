package parse

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Registry holds vendors by id and alias. Detection tries vendors by
// Priority, then in the order they were registered. It is safe for
// concurrent use.
type Registry struct {
	mu      sync.RWMutex
	vendors []*Vendor
	byName  map[string]*Vendor
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byName: map[string]*Vendor{}} }

// normName folds case and treats '_', ' ' and '-' alike, so that
// "cisco_asa", "Cisco ASA" and "cisco-asa" name the same vendor.
func normName(s string) string {
	s = strings.TrimSpace(s)
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '_' || c == ' ' || (c >= 'A' && c <= 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '_' || c == ' ':
			b[i] = '-'
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Register adds v. Ids and aliases must be unique.
func (r *Registry) Register(v *Vendor) error {
	if v.ID == "" || v.Normalize == nil {
		return fmt.Errorf("register vendor %q: id and Normalize are required", v.ID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	names := append([]string{v.ID}, v.Aliases...)
	for _, n := range names {
		if old, ok := r.byName[normName(n)]; ok {
			return fmt.Errorf("register vendor %q: name %q already used by %q", v.ID, n, old.ID)
		}
	}
	for _, n := range names {
		r.byName[normName(n)] = v
	}
	// Keep the list sorted by priority, stable in registration order.
	i := len(r.vendors)
	for i > 0 && r.vendors[i-1].Priority > v.Priority {
		i--
	}
	r.vendors = slices.Insert(r.vendors, i, v)
	return nil
}

// MustRegister is Register for package initialisation; it panics on a
// programming error (duplicate names).
func (r *Registry) MustRegister(vs ...*Vendor) {
	for _, v := range vs {
		if err := r.Register(v); err != nil {
			panic(err)
		}
	}
}

// Lookup finds a vendor by id or alias (case-insensitive, '_' = '-').
func (r *Registry) Lookup(name string) (*Vendor, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := r.byName[normName(name)]
	return v, ok
}

// Vendors returns the vendors in detection order.
func (r *Registry) Vendors() []*Vendor {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.vendors)
}

// Detect returns the first vendor whose Detect accepts rec.
func (r *Registry) Detect(rec *Record) (*Vendor, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.vendors {
		if v.Detect != nil && v.Detect(rec) {
			return v, true
		}
	}
	return nil, false
}
