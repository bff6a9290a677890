package service

import (
	"context"
	"maps"
	"reflect"
	"slices"

	"bianque"
)

// TenantService implements bianque.TenantService.
//
// Tenant records are platform data: platform administrators (tenant.manage)
// see and change all of them. Others see the tenants they belong to or are
// assigned to (tenant.read), and service managers edit the contract and the
// source allow-lists of theirs (tenant.contract).
type TenantService struct{ *core }

var _ bianque.TenantService = (*TenantService)(nil)

func isTenantManager(p *bianque.Principal) bool {
	return p.AuthorizePlatform(bianque.PermTenantManage) == nil
}

// CreateTenant implements bianque.TenantService. An empty contract gets the
// defaults of R13.1.
func (s *TenantService) CreateTenant(ctx context.Context, t *bianque.Tenant) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.AuthorizePlatform(bianque.PermTenantManage); err != nil {
		return err
	}
	if len(t.Contract.Targets) == 0 && t.Contract.Calendar.Start == "" {
		t.Contract = bianque.DefaultContract()
	}
	if err := t.Validate(); err != nil {
		return err
	}
	now := s.clock.Now()
	t.ID = bianque.NewIDAt(now)
	t.CreatedAt, t.UpdatedAt = now, now
	if err := s.store.CreateTenant(ctx, t); err != nil {
		return err
	}
	detail := map[string]string{"code": t.Code, "name": t.Name}
	if err := s.audit(ctx, "", "tenant.create", "tenant", t.ID, detail); err != nil {
		return err
	}
	return s.audit(ctx, t.ID, "tenant.create", "tenant", t.ID, detail)
}

// Tenant implements bianque.TenantService.
func (s *TenantService) Tenant(ctx context.Context, id string) (*bianque.Tenant, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if !isTenantManager(p) {
		if err := p.Authorize(bianque.PermTenantRead, id); err != nil {
			return nil, err
		}
	}
	t, err := s.store.Tenant(ctx, id)
	if err != nil {
		return nil, hideNotFound(err, "tenant")
	}
	if err := s.auditRead(ctx, id, "tenant.read", "tenant", id); err != nil {
		return nil, err
	}
	return t, nil
}

// Tenants implements bianque.TenantService.
func (s *TenantService) Tenants(ctx context.Context, f bianque.TenantFilter) ([]*bianque.Tenant, string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, "", err
	}
	if !isTenantManager(p) {
		ids, err := readableTenants(p, bianque.PermTenantRead, f.IDs)
		if err != nil {
			return nil, "", err
		}
		if len(ids) == 0 {
			return nil, "", nil
		}
		f.IDs = ids
	}
	f.Page = f.Page.Normalize()
	return s.store.Tenants(ctx, f)
}

// UpdateTenant implements bianque.TenantService. Holders of tenant.contract
// (service managers of the tenant) may change the contract and the
// allow-lists only; everything else needs tenant.manage.
func (s *TenantService) UpdateTenant(ctx context.Context, t *bianque.Tenant) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	manager := isTenantManager(p)
	if !manager {
		if err := p.Authorize(bianque.PermTenantContract, t.ID); err != nil {
			return err
		}
	}
	old, err := s.store.Tenant(ctx, t.ID)
	if err != nil {
		return hideNotFound(err, "tenant")
	}
	changed := tenantChanges(old, t)
	if !manager {
		for _, f := range changed {
			if f != "contract" && f != "allowed_cidrs" {
				return bianque.Errorf(bianque.EFORBIDDEN, "role %s may change only the contract and allow-lists, not %s", p.Role, f)
			}
		}
	}
	if err := t.Validate(); err != nil {
		return err
	}
	t.CreatedAt, t.UpdatedAt = old.CreatedAt, s.clock.Now()
	if err := s.store.UpdateTenant(ctx, t); err != nil {
		return err
	}
	s.forgetTenant(t.ID)
	return s.audit(ctx, t.ID, "tenant.update", "tenant", t.ID, map[string]any{"changed": changed})
}

func tenantChanges(a, b *bianque.Tenant) []string {
	var out []string
	if a.Code != b.Code {
		out = append(out, "code")
	}
	if a.Name != b.Name {
		out = append(out, "name")
	}
	if a.Region != b.Region {
		out = append(out, "region")
	}
	if a.RetentionDays != b.RetentionDays {
		out = append(out, "retention_days")
	}
	if a.Disabled != b.Disabled {
		out = append(out, "disabled")
	}
	if !reflect.DeepEqual(normContract(a.Contract), normContract(b.Contract)) {
		out = append(out, "contract")
	}
	if !maps.EqualFunc(a.AllowedCIDRs, b.AllowedCIDRs, slices.Equal) {
		out = append(out, "allowed_cidrs")
	}
	return out
}

// normContract makes nil and empty lists compare equal.
func normContract(c bianque.Contract) bianque.Contract {
	if len(c.Targets) == 0 {
		c.Targets = nil
	}
	if len(c.Calendar.Holidays) == 0 {
		c.Calendar.Holidays = nil
	}
	if len(c.Calendar.Workdays) == 0 {
		c.Calendar.Workdays = nil
	}
	if len(c.Calendar.Weekdays) == 0 {
		c.Calendar.Weekdays = nil
	}
	return c
}

// PurgeTenant implements bianque.TenantService (R2.4, R16.4): it deletes every
// record of a disabled tenant, its audit chain included, and records on the
// platform chain who purged what, how many rows, and the purged chain's
// last hash, so the purge itself stays verifiable.
func (s *TenantService) PurgeTenant(ctx context.Context, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := p.AuthorizePlatform(bianque.PermTenantManage); err != nil {
		return err
	}
	t, err := s.store.Tenant(ctx, id)
	if err != nil {
		return hideNotFound(err, "tenant")
	}
	if !t.Disabled {
		return bianque.Errorf(bianque.ECONFLICT, "disable tenant %s before purging it", t.Code)
	}
	var head *bianque.AuditHead
	heads, err := s.store.AuditHeads(ctx)
	if err != nil {
		return err
	}
	for _, h := range heads {
		if h.TenantID == id {
			head = h
		}
	}
	rows, err := s.store.PurgeTenant(ctx, id)
	if err != nil {
		return err
	}
	s.forgetTenant(id)
	detail := map[string]any{"code": t.Code, "name": t.Name, "rows": rows}
	if head != nil {
		detail["chain_seq"], detail["chain_hash"] = head.Seq, head.Hash
	}
	return s.audit(ctx, "", "tenant.purge", "tenant", id, detail)
}
