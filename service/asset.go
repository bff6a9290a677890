package service

import (
	"context"

	"bianque"
)

// AssetService implements bianque.AssetService: the asset ledger with
// asset.read and asset.write, every change audited.
type AssetService struct{ *core }

var _ bianque.AssetService = (*AssetService)(nil)

// CreateAsset implements bianque.AssetService.
func (s *AssetService) CreateAsset(ctx context.Context, a *bianque.Asset) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermAssetWrite, a.TenantID); err != nil {
		return err
	}
	if a.Medical != nil && a.Medical.ScanOverride {
		return bianque.Errorf(bianque.EINVALID, "a scan override is granted on an existing device, not at creation")
	}
	now := s.clock.Now()
	a.ID = bianque.NewIDAt(now)
	a.CreatedAt, a.UpdatedAt, a.Version = now, now, 1
	if a.FirstSeen.IsZero() {
		a.FirstSeen = now
	}
	if a.LastSeen.IsZero() {
		a.LastSeen = now
	}
	if len(a.Sources) == 0 {
		a.Sources = []string{bianque.SourceManual}
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateAsset(ctx, a); err != nil {
		return err
	}
	return s.audit(ctx, a.TenantID, "asset.create", "asset", a.ID, map[string]any{"name": a.Name, "kind": a.Kind, "ips": a.IPs})
}

// Asset implements bianque.AssetService.
func (s *AssetService) Asset(ctx context.Context, tenantID, id string) (*bianque.Asset, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermAssetRead, tenantID); err != nil {
		return nil, err
	}
	a, err := s.store.Asset(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "asset")
	}
	return a, s.auditRead(ctx, tenantID, "asset.read", "asset", id)
}

// Assets implements bianque.AssetService.
func (s *AssetService) Assets(ctx context.Context, f bianque.AssetFilter) ([]*bianque.Asset, string, error) {
	return listAcross(ctx, s.core, bianque.PermAssetRead, f.TenantIDs, "asset.list", "asset", func(ids []string) ([]*bianque.Asset, string, error) {
		f.TenantIDs, f.Page = ids, f.Page.Normalize()
		return s.store.Assets(ctx, f)
	})
}

// UpdateAsset implements bianque.AssetService. A scan override on a medical
// device (004: active probes can disrupt care) needs scan.override and is
// stamped with who granted it.
func (s *AssetService) UpdateAsset(ctx context.Context, a *bianque.Asset) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermAssetWrite, a.TenantID); err != nil {
		return err
	}
	old, err := s.store.Asset(ctx, a.TenantID, a.ID)
	if err != nil {
		return hideNotFound(err, "asset")
	}
	now := s.clock.Now()
	oldOverride := old.Medical != nil && old.Medical.ScanOverride
	newOverride := a.Medical != nil && a.Medical.ScanOverride
	if oldOverride != newOverride {
		if err := p.Authorize(bianque.PermScanOverride, a.TenantID); err != nil {
			return err
		}
		if newOverride {
			a.Medical.ScanOverrideBy, a.Medical.ScanOverrideAt = p.Username, &now
		}
	} else if a.Medical != nil && old.Medical != nil {
		a.Medical.ScanOverrideBy, a.Medical.ScanOverrideAt = old.Medical.ScanOverrideBy, old.Medical.ScanOverrideAt
	}
	a.CreatedAt, a.UpdatedAt = old.CreatedAt, now
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.store.UpdateAsset(ctx, a); err != nil {
		return err
	}
	detail := map[string]any{"name": a.Name}
	if oldOverride != newOverride {
		detail["scan_override"] = newOverride
	}
	return s.audit(ctx, a.TenantID, "asset.update", "asset", a.ID, detail)
}

// DeleteAsset implements bianque.AssetService.
func (s *AssetService) DeleteAsset(ctx context.Context, tenantID, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.Authorize(bianque.PermAssetWrite, tenantID); err != nil {
		return err
	}
	if err := s.store.DeleteAsset(ctx, tenantID, id); err != nil {
		return hideNotFound(err, "asset")
	}
	return s.audit(ctx, tenantID, "asset.delete", "asset", id, nil)
}
