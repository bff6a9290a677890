package service

import (
	"context"
	"sort"

	"bianque"
)

// AuditService implements bianque.AuditService.
type AuditService struct{ *core }

var _ bianque.AuditService = (*AuditService)(nil)

// AuditEntries implements bianque.AuditService: a tenant's chain needs
// audit.read in the tenant; the platform chain needs audit.read as provider staff.
func (s *AuditService) AuditEntries(ctx context.Context, f bianque.AuditFilter) ([]*bianque.AuditEntry, string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.TenantID == "" {
		err = p.AuthorizePlatform(bianque.PermAuditRead)
	} else {
		err = p.Authorize(bianque.PermAuditRead, f.TenantID)
	}
	if err != nil {
		return nil, "", err
	}
	f.Page = f.Page.Normalize()
	es, next, err := s.store.AuditEntries(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return es, next, s.auditRead(ctx, f.TenantID, "audit.read", "audit", "")
}

// Verify implements bianque.AuditService: it verifies the platform chain and
// the chains of the tenants the principal may audit (all of them for
// platform administrators).
func (s *AuditService) Verify(ctx context.Context) (*bianque.AuditReport, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.AuthorizePlatform(bianque.PermAuditRead); err != nil {
		return nil, err
	}
	all := isTenantManager(p)
	return VerifyAudit(ctx, s.store, func(tenantID string) bool {
		return tenantID == "" || all || p.Authorize(bianque.PermAuditRead, tenantID) == nil
	})
}

// VerifyAudit checks every audit chain of the store that include accepts (nil
// = all): the chains with a head record and the chains of every tenant, so
// that a chain whose head was deleted is still read. It is what
// "bianque audit verify" runs.
func VerifyAudit(ctx context.Context, store bianque.AuditStore, include func(tenantID string) bool) (*bianque.AuditReport, error) {
	heads, err := store.AuditHeads(ctx)
	if err != nil {
		return nil, err
	}
	chains := map[string]*bianque.AuditHead{"": nil}
	for _, h := range heads {
		chains[h.TenantID] = h
	}
	if ts, ok := store.(bianque.TenantStore); ok {
		f := bianque.TenantFilter{Page: bianque.Page{Limit: bianque.MaxPageLimit}}
		for {
			tenants, next, err := ts.Tenants(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, t := range tenants {
				if _, ok := chains[t.ID]; !ok {
					chains[t.ID] = nil
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
	ids := make([]string, 0, len(chains))
	for id := range chains {
		if include == nil || include(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	rep := &bianque.AuditReport{}
	for _, id := range ids {
		v := bianque.NewChainVerifier(id)
		n := int64(0)
		if err := store.ScanAudit(ctx, id, func(e *bianque.AuditEntry) error {
			v.Add(e)
			n++
			return nil
		}); err != nil {
			return nil, err
		}
		if n == 0 && chains[id] == nil {
			continue // a tenant that has no audit entries yet
		}
		rep.Chains++
		rep.Entries += n
		rep.Problems = append(rep.Problems, v.Finish(chains[id])...)
	}
	return rep, nil
}
