package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"bianque"
	"bianque/auth"
)

// UserService implements bianque.UserService.
//
// Platform administrators manage every account and assign provider staff to
// tenants. A hospital administrator manages the hospital-side accounts of
// its own hospital and nothing else. Everyone may read and edit the contact
// fields of their own account. Accounts of a hospital are visible to those
// who hold user.read in it; provider staff accounts to those who share a
// tenant with them.
type UserService struct{ *core }

var _ bianque.UserService = (*UserService)(nil)

func isUserManager(p *bianque.Principal) bool {
	return p.AuthorizePlatform(bianque.PermUserManage) == nil
}

// authorizeManage checks that p may create, change or remove account u.
func authorizeManage(p *bianque.Principal, u *bianque.User) error {
	if isUserManager(p) {
		return nil
	}
	if u.Role.IsHospital() {
		return p.Authorize(bianque.PermUserManage, u.TenantID)
	}
	if authorizeRead(p, u) == nil {
		return bianque.Errorf(bianque.EFORBIDDEN, "only platform administrators manage provider staff")
	}
	return notFound("user")
}

// authorizeRead checks that p may see account u.
func authorizeRead(p *bianque.Principal, u *bianque.User) error {
	if p.UserID == u.ID || isUserManager(p) {
		return nil
	}
	if u.Role.IsHospital() {
		return p.Authorize(bianque.PermUserRead, u.TenantID)
	}
	err := notFound("user")
	for _, t := range u.Tenants {
		e := p.Authorize(bianque.PermUserRead, t)
		if e == nil {
			return nil
		}
		if bianque.ErrorCode(e) == bianque.EFORBIDDEN {
			err = e
		}
	}
	return err
}

// sharedTenant returns a tenant of u that p sees, to chain reads of u's record.
func sharedTenant(p *bianque.Principal, u *bianque.User) string {
	if u.Role.IsHospital() {
		return u.TenantID
	}
	for _, t := range u.Tenants {
		if p.SeesTenant(t) {
			return t
		}
	}
	return ""
}

func scrub(u *bianque.User) {
	u.PasswordHash, u.TOTPSecret, u.LastTOTPStep = "", "", 0
}

// CreateUser implements bianque.UserService. Errors: EINVALID for bad fields
// or a weak password, ECONFLICT for a taken username.
func (s *UserService) CreateUser(ctx context.Context, u *bianque.User, password string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := authorizeManage(p, u); err != nil {
		return err
	}
	if u.MFAExempt && !isUserManager(p) {
		return bianque.Errorf(bianque.EFORBIDDEN, "only platform administrators may exempt an account from MFA")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := s.checkTenants(ctx, u); err != nil {
		return err
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return bianque.Errorf(bianque.EINVALID, "%v", err)
	}
	h, err := auth.HashPassword(password, s.opts.Argon2)
	if err != nil {
		return bianque.WrapError(bianque.EINTERNAL, err, "hash password")
	}
	now := s.clock.Now()
	u.ID = bianque.NewIDAt(now)
	u.PasswordHash, u.TOTPSecret, u.MFAEnrolled, u.LastTOTPStep = h, "", false, 0
	u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, nil, nil
	u.CreatedAt, u.UpdatedAt = now, now
	if err := s.store.CreateUser(ctx, u); err != nil {
		return err
	}
	if err := s.audit(ctx, userChain(u), "user.create", "user", u.ID, map[string]any{"username": u.Username, "role": u.Role, "tenants": u.Tenants}); err != nil {
		return err
	}
	for _, t := range u.Tenants {
		if err := s.audit(ctx, t, "staff.assign", "user", u.ID, map[string]any{"username": u.Username, "role": u.Role}); err != nil {
			return err
		}
	}
	return nil
}

// checkTenants makes sure the tenants a user is bound or assigned to exist.
func (s *UserService) checkTenants(ctx context.Context, u *bianque.User) error {
	ids := u.Tenants
	if u.TenantID != "" {
		ids = []string{u.TenantID}
	}
	for _, id := range ids {
		if _, err := s.store.Tenant(ctx, id); err != nil {
			if bianque.ErrorCode(err) == bianque.ENOTFOUND {
				return bianque.Errorf(bianque.EINVALID, "tenant %s does not exist", id)
			}
			return err
		}
	}
	return nil
}

// User implements bianque.UserService.
func (s *UserService) User(ctx context.Context, id string) (*bianque.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return nil, hideNotFound(err, "user")
	}
	if err := authorizeRead(p, u); err != nil {
		return nil, err
	}
	if p.UserID != u.ID {
		if err := s.auditRead(ctx, sharedTenant(p, u), "user.read", "user", u.ID); err != nil {
			return nil, err
		}
	}
	scrub(u)
	return u, nil
}

// Users implements bianque.UserService. Without a tenant in the filter a
// hospital user lists its hospital; provider staff other than platform
// administrators must name a tenant unless they are assigned to one only.
func (s *UserService) Users(ctx context.Context, f bianque.UserFilter) ([]*bianque.User, string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, "", err
	}
	if !isUserManager(p) {
		if f.TenantID == "" {
			vis := p.VisibleTenants()
			if len(vis) != 1 {
				return nil, "", bianque.Errorf(bianque.EINVALID, "tenant is required")
			}
			f.TenantID = vis[0]
		}
		if err := p.Authorize(bianque.PermUserRead, f.TenantID); err != nil {
			return nil, "", err
		}
	}
	f.Page = f.Page.Normalize()
	us, next, err := s.store.Users(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if err := s.auditRead(ctx, f.TenantID, "user.list", "user", ""); err != nil {
		return nil, "", err
	}
	for _, u := range us {
		scrub(u)
	}
	return us, next, nil
}

// UpdateUser implements bianque.UserService. It changes the profile, role,
// tenant binding, assignments and the disabled flag; credentials change
// through SetPassword and AuthService.ResetMFA. People who may not manage
// the account may change their own contact fields and locale only.
func (s *UserService) UpdateUser(ctx context.Context, u *bianque.User) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	old, err := s.store.User(ctx, u.ID)
	if err != nil {
		return hideNotFound(err, "user")
	}
	if err := authorizeRead(p, old); err != nil {
		return err
	}
	if u.Username != "" && u.Username != old.Username {
		return bianque.Errorf(bianque.EINVALID, "username cannot change")
	}
	next := *old
	next.DisplayName, next.Email, next.Phone, next.Locale = u.DisplayName, u.Email, u.Phone, u.Locale
	next.Role, next.TenantID, next.Tenants, next.Disabled, next.MFAExempt = u.Role, u.TenantID, u.Tenants, u.Disabled, u.MFAExempt
	if next.Role == "" {
		next.Role = old.Role
	}
	privileged := next.Role != old.Role || next.TenantID != old.TenantID || !slices.Equal(next.Tenants, old.Tenants) ||
		next.Disabled != old.Disabled || next.MFAExempt != old.MFAExempt
	if privileged || p.UserID != old.ID {
		if err := authorizeManage(p, old); err != nil {
			return err
		}
		if err := authorizeManage(p, &next); err != nil {
			return err
		}
	}
	if next.MFAExempt != old.MFAExempt && !isUserManager(p) {
		return bianque.Errorf(bianque.EFORBIDDEN, "only platform administrators may exempt an account from MFA")
	}
	if p.UserID == old.ID && (next.Disabled || next.Role != old.Role) {
		return bianque.Errorf(bianque.ECONFLICT, "you cannot disable your own account or change your own role")
	}
	if err := next.Validate(); err != nil {
		return err
	}
	if err := s.checkTenants(ctx, &next); err != nil {
		return err
	}
	next.UpdatedAt = s.clock.Now()
	if next.Disabled && !old.Disabled {
		if err := s.store.DeleteUserSessions(ctx, old.ID); err != nil {
			return err
		}
	}
	if err := s.store.UpdateUser(ctx, &next); err != nil {
		return err
	}
	if err := s.audit(ctx, userChain(&next), "user.update", "user", next.ID, userChanges(old, &next)); err != nil {
		return err
	}
	for _, t := range next.Tenants {
		if !slices.Contains(old.Tenants, t) {
			if err := s.audit(ctx, t, "staff.assign", "user", next.ID, map[string]any{"username": next.Username, "role": next.Role}); err != nil {
				return err
			}
		}
	}
	for _, t := range old.Tenants {
		if !slices.Contains(next.Tenants, t) {
			if err := s.audit(ctx, t, "staff.unassign", "user", next.ID, map[string]any{"username": next.Username}); err != nil {
				return err
			}
		}
	}
	*u = next
	scrub(u)
	return nil
}

func userChanges(a, b *bianque.User) map[string]any {
	ch := map[string]any{}
	add := func(name string, x, y any, differ bool) {
		if differ {
			ch[name] = []any{x, y}
		}
	}
	add("display_name", a.DisplayName, b.DisplayName, a.DisplayName != b.DisplayName)
	// Contact fields are personal data (R15.4): the log says they changed, not to what.
	add("email", "…", "…", a.Email != b.Email)
	add("phone", "…", "…", a.Phone != b.Phone)
	add("locale", a.Locale, b.Locale, a.Locale != b.Locale)
	add("role", a.Role, b.Role, a.Role != b.Role)
	add("tenant_id", a.TenantID, b.TenantID, a.TenantID != b.TenantID)
	add("tenants", a.Tenants, b.Tenants, !slices.Equal(a.Tenants, b.Tenants))
	add("disabled", a.Disabled, b.Disabled, a.Disabled != b.Disabled)
	add("mfa_exempt", a.MFAExempt, b.MFAExempt, a.MFAExempt != b.MFAExempt)
	return ch
}

// SetPassword implements bianque.UserService: a manager resets an account's
// password (which also lifts a lockout and ends its sessions), or a person
// signed in with a session sets their own.
func (s *UserService) SetPassword(ctx context.Context, id, password string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return hideNotFound(err, "user")
	}
	self := p.UserID == u.ID
	if self && p.TokenID != "" {
		return bianque.Errorf(bianque.EFORBIDDEN, "an API token cannot change its owner's password")
	}
	if !self {
		if err := authorizeManage(p, u); err != nil {
			return err
		}
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return bianque.Errorf(bianque.EINVALID, "%v", err)
	}
	h, err := auth.HashPassword(password, s.opts.Argon2)
	if err != nil {
		return bianque.WrapError(bianque.EINTERNAL, err, "hash password")
	}
	u.PasswordHash = h
	if !self {
		u.FailedLogins, u.LockedUntil = 0, nil
	}
	u.UpdatedAt = s.clock.Now()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	if !self {
		if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
	}
	return s.audit(ctx, userChain(u), "user.password", "user", u.ID, map[string]bool{"self": self})
}

// DeleteUser implements bianque.UserService.
func (s *UserService) DeleteUser(ctx context.Context, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return hideNotFound(err, "user")
	}
	if err := authorizeManage(p, u); err != nil {
		return err
	}
	if u.ID == p.UserID {
		return bianque.Errorf(bianque.ECONFLICT, "you cannot delete your own account")
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	return s.audit(ctx, userChain(u), "user.delete", "user", u.ID, map[string]any{"username": u.Username, "role": u.Role})
}

// CreateAPIToken implements bianque.UserService: people create tokens for
// themselves, from a signed-in session (a token cannot mint tokens), with
// permissions narrowed to a subset of their role's. The secret is returned
// once; only its hash is stored.
func (s *UserService) CreateAPIToken(ctx context.Context, t *bianque.APIToken) (string, error) {
	p, err := principal(ctx)
	if err != nil {
		return "", err
	}
	if p.TokenID != "" {
		return "", bianque.Errorf(bianque.EFORBIDDEN, "API tokens cannot create API tokens")
	}
	if t.UserID == "" {
		t.UserID = p.UserID
	}
	if t.UserID != p.UserID {
		return "", bianque.Errorf(bianque.EFORBIDDEN, "tokens are created by their owner")
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || len(t.Name) > 100 {
		return "", bianque.Errorf(bianque.EINVALID, "token name is required (at most 100 bytes)")
	}
	for _, perm := range t.Permissions {
		if !p.Role.HasPermission(perm) {
			return "", bianque.Errorf(bianque.EINVALID, "permission %q is not held by role %s", perm, p.Role)
		}
	}
	now := s.clock.Now()
	if t.ExpiresAt != nil && !t.ExpiresAt.After(now) {
		return "", bianque.Errorf(bianque.EINVALID, "expires_at must be in the future")
	}
	if t.ExpiresAt != nil && t.ExpiresAt.Sub(now) > tokenLifetimeMax {
		return "", bianque.Errorf(bianque.EINVALID, "expires_at must be within two years")
	}
	secret := auth.NewAPIToken()
	t.ID = bianque.NewIDAt(now)
	t.TokenHash = auth.HashToken(secret)
	t.Prefix = secret[:len(auth.APITokenPrefix)+6]
	t.CreatedAt, t.LastUsedAt = now, nil
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return "", err
	}
	if err := s.audit(ctx, chainOf(p), "token.create", "api_token", t.ID, map[string]any{"name": t.Name, "permissions": t.Permissions}); err != nil {
		return "", err
	}
	return secret, nil
}

// chainOf is the audit chain of a principal's own account events.
func chainOf(p *bianque.Principal) string {
	if p.Role.IsHospital() {
		return p.TenantID
	}
	return ""
}

// APITokens implements bianque.UserService: one's own tokens, or any
// account's for user managers.
func (s *UserService) APITokens(ctx context.Context, userID string) ([]*bianque.APIToken, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if userID != p.UserID {
		u, err := s.store.User(ctx, userID)
		if err != nil {
			return nil, hideNotFound(err, "user")
		}
		if err := authorizeManage(p, u); err != nil {
			return nil, err
		}
	}
	return s.store.APITokens(ctx, userID)
}

// DeleteAPIToken implements bianque.UserService: revokes one of one's own tokens.
func (s *UserService) DeleteAPIToken(ctx context.Context, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	ts, err := s.store.APITokens(ctx, p.UserID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ts, func(t *bianque.APIToken) bool { return t.ID == id }) {
		return notFound("API token")
	}
	if err := s.store.DeleteAPIToken(ctx, id); err != nil {
		return err
	}
	return s.audit(ctx, chainOf(p), "token.delete", "api_token", id, nil)
}

// tokenLifetimeMax bounds how far ahead a token's expiry may be set.
const tokenLifetimeMax = 2 * 365 * 24 * time.Hour
