package pipeline

import (
	"context"
	"sync"
	"time"

	"bianque"
	"bianque/event"
)

// AssetEnricher adds the tenant's asset ledger entry for the addresses and
// host names an event names, under hospital.<role>.asset.* (id, name, kind,
// importance, department, device_type, medical), where role is source,
// destination or host. Lookups are cached (hits and misses) for TTL.
type AssetEnricher struct {
	Assets bianque.AssetStore
	Clock  bianque.Clock
	// TTL of cached lookups (1 minute); MaxCache entries (100,000) before
	// the cache is cleared.
	TTL      time.Duration
	MaxCache int

	mu    sync.Mutex
	cache map[assetKey]assetEntry
}

type assetKey struct{ tenant, kind, value string }

type assetEntry struct {
	a  *bianque.Asset
	at time.Time
}

var assetFields = []struct{ field, kind, prefix string }{
	{event.SourceIP, "ip", "hospital.source.asset."},
	{event.DestinationIP, "ip", "hospital.destination.asset."},
	{event.HostIP, "ip", "hospital.host.asset."},
	{event.HostName, "host", "hospital.host.asset."},
}

// Enrich looks the event's addresses up.
func (a *AssetEnricher) Enrich(ctx context.Context, tenantID string, e *event.Event) error {
	var firstErr error
	for _, f := range assetFields {
		if e.Has(f.prefix + "id") {
			continue
		}
		v, ok := e.Get(f.field)
		if !ok {
			continue
		}
		var value string
		switch x := v.(type) {
		case string:
			value = x
		case []string:
			if len(x) > 0 {
				value = x[0]
			}
		}
		if value == "" {
			continue
		}
		asset, err := a.lookup(ctx, tenantID, f.kind, value)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if asset == nil {
			continue
		}
		e.Set(f.prefix+"id", asset.ID)
		e.SetString(f.prefix+"name", asset.Name)
		e.SetString(f.prefix+"kind", string(asset.Kind))
		e.Set(f.prefix+"importance", asset.Importance)
		e.SetString(f.prefix+"department", asset.Department)
		e.SetString(f.prefix+"device_type", asset.DeviceType)
		if asset.IsMedical() {
			e.Set(f.prefix+"medical", true)
		}
	}
	return firstErr
}

func (a *AssetEnricher) lookup(ctx context.Context, tenantID, kind, value string) (*bianque.Asset, error) {
	key := assetKey{tenantID, kind, value}
	now := a.now()
	ttl := a.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	a.mu.Lock()
	if ent, ok := a.cache[key]; ok && now.Sub(ent.at) < ttl {
		a.mu.Unlock()
		return ent.a, nil
	}
	a.mu.Unlock()
	f := bianque.AssetFilter{TenantIDs: []string{tenantID}, Page: bianque.Page{Limit: 1}}
	if kind == "ip" {
		f.IP = value
	} else {
		f.Hostname = value
	}
	list, _, err := a.Assets.Assets(ctx, f)
	if err != nil {
		return nil, err
	}
	var found *bianque.Asset
	if len(list) > 0 {
		found = list[0]
	}
	max := a.MaxCache
	if max <= 0 {
		max = 100000
	}
	a.mu.Lock()
	if a.cache == nil || len(a.cache) >= max {
		a.cache = map[assetKey]assetEntry{}
	}
	a.cache[key] = assetEntry{a: found, at: now}
	a.mu.Unlock()
	return found, nil
}

func (a *AssetEnricher) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock.Now()
}

// TenantEnricher names the tenant: organization.name (organization.id is
// set by the pipeline itself).
type TenantEnricher struct {
	Tenants interface {
		Tenant(ctx context.Context, id string) (*bianque.Tenant, error)
	}
	mu    sync.Mutex
	names map[string]string
}

// Enrich sets organization.name.
func (t *TenantEnricher) Enrich(ctx context.Context, tenantID string, e *event.Event) error {
	t.mu.Lock()
	name, ok := t.names[tenantID]
	t.mu.Unlock()
	if !ok {
		tn, err := t.Tenants.Tenant(ctx, tenantID)
		if err != nil {
			return err
		}
		name = tn.Name
		t.mu.Lock()
		if t.names == nil {
			t.names = map[string]string{}
		}
		t.names[tenantID] = name
		t.mu.Unlock()
	}
	e.SetString("organization.name", name)
	return nil
}
