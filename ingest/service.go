package ingest

import (
	"context"
	"fmt"
	"slices"

	"bianque"
)

// ComponentService is bianque.ComponentService: component reads need
// tenant.read, approval, rejection, revocation and token creation need
// component.manage (the hospital administrator, or the service manager),
// and every change is written to the tenant's audit chain.
type ComponentService struct {
	Enroller        *Enroller
	Audit           bianque.AuditStore
	DeadLetterStore bianque.DeadLetterStore // for the DeadLetterService methods
}

var (
	_ bianque.ComponentService  = (*ComponentService)(nil)
	_ bianque.DeadLetterService = (*ComponentService)(nil)
)

// Component returns one component.
func (s *ComponentService) Component(ctx context.Context, tenantID, id string) (*bianque.Component, error) {
	if err := bianque.PrincipalFromContext(ctx).Authorize(bianque.PermTenantRead, tenantID); err != nil {
		return nil, err
	}
	return s.Enroller.Components.Component(ctx, tenantID, id)
}

// Components lists the components of the tenants the caller sees.
func (s *ComponentService) Components(ctx context.Context, f bianque.ComponentFilter) ([]*bianque.Component, string, error) {
	p := bianque.PrincipalFromContext(ctx)
	if p == nil {
		return nil, "", bianque.Errorf(bianque.EUNAUTHORIZED, "authentication required")
	}
	visible := p.VisibleTenants()
	if len(f.TenantIDs) == 0 {
		f.TenantIDs = visible
	}
	for _, t := range f.TenantIDs {
		if err := p.Authorize(bianque.PermTenantRead, t); err != nil {
			return nil, "", err
		}
	}
	if len(f.TenantIDs) == 0 {
		return nil, "", nil
	}
	return s.Enroller.Components.Components(ctx, f)
}

// CreateComponent registers a token-authenticated product (approved by its
// creator) and returns its ingest token, shown once.
func (s *ComponentService) CreateComponent(ctx context.Context, c *bianque.Component) (string, error) {
	p := bianque.PrincipalFromContext(ctx)
	if err := p.Authorize(bianque.PermComponentManage, c.TenantID); err != nil {
		return "", err
	}
	token, err := s.Enroller.CreateTokenComponent(ctx, c, p.Username)
	if err != nil {
		return "", err
	}
	return token, s.audit(ctx, p, c, "component.create")
}

// Approve approves a pending component (issuing its certificate).
func (s *ComponentService) Approve(ctx context.Context, tenantID, id string) (*bianque.Component, error) {
	return s.act(ctx, tenantID, id, "component.approve", s.Enroller.Approve)
}

// Reject refuses a pending component.
func (s *ComponentService) Reject(ctx context.Context, tenantID, id string) (*bianque.Component, error) {
	return s.act(ctx, tenantID, id, "component.reject", s.Enroller.Reject)
}

// Revoke cuts a component off (R16.4).
func (s *ComponentService) Revoke(ctx context.Context, tenantID, id string) (*bianque.Component, error) {
	return s.act(ctx, tenantID, id, "component.revoke", s.Enroller.Revoke)
}

func (s *ComponentService) act(ctx context.Context, tenantID, id, action string,
	fn func(ctx context.Context, tenantID, id, by string) (*bianque.Component, error)) (*bianque.Component, error) {
	p := bianque.PrincipalFromContext(ctx)
	if err := p.Authorize(bianque.PermComponentManage, tenantID); err != nil {
		return nil, err
	}
	c, err := fn(ctx, tenantID, id, p.Username)
	if err != nil {
		return nil, err
	}
	return c, s.audit(ctx, p, c, action)
}

func (s *ComponentService) audit(ctx context.Context, p *bianque.Principal, c *bianque.Component, action string) error {
	if s.Audit == nil {
		return nil
	}
	detail := fmt.Sprintf(`{"name":%q,"kind":%q,"state":%q,"cert_serial":%q}`, c.Name, c.Kind, c.State, c.CertSerial)
	e := &bianque.AuditEntry{TenantID: c.TenantID, At: s.Enroller.Clock.Now(), ActorID: p.UserID, ActorName: p.Username,
		ActorRole: p.Role, SourceIP: p.SourceIP, Action: action, ObjectType: "component", ObjectID: c.ID, Detail: detail}
	if err := s.Audit.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// DeadLetters lists dead letters of tenants the caller may read events of.
func (s *ComponentService) DeadLetters(ctx context.Context, f bianque.DeadLetterFilter) ([]*bianque.DeadLetter, string, error) {
	if err := s.authorizeEvents(ctx, &f); err != nil {
		return nil, "", err
	}
	return s.DeadLetterStore.DeadLetters(ctx, f)
}

// CountDeadLetters counts dead letters of tenants the caller may read events of.
func (s *ComponentService) CountDeadLetters(ctx context.Context, f bianque.DeadLetterFilter) (int64, error) {
	if err := s.authorizeEvents(ctx, &f); err != nil {
		return 0, err
	}
	return s.DeadLetterStore.CountDeadLetters(ctx, f)
}

func (s *ComponentService) authorizeEvents(ctx context.Context, f *bianque.DeadLetterFilter) error {
	p := bianque.PrincipalFromContext(ctx)
	if p == nil {
		return bianque.Errorf(bianque.EUNAUTHORIZED, "authentication required")
	}
	if len(f.TenantIDs) == 0 {
		f.TenantIDs = p.VisibleTenants()
	}
	if len(f.TenantIDs) == 0 {
		return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
	}
	for _, t := range f.TenantIDs {
		if err := p.Authorize(bianque.PermEventRead, t); err != nil {
			return err
		}
	}
	if s.DeadLetterStore == nil {
		return bianque.Errorf(bianque.EUNAVAILABLE, "dead letters are not available")
	}
	return nil
}

// ComponentStates lists the states in display order (for filters).
var ComponentStates = slices.Clone([]bianque.ComponentState{bianque.ComponentPending, bianque.ComponentApproved, bianque.ComponentRejected, bianque.ComponentRevoked})
