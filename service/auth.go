package service

import (
	"context"
	"net/netip"
	"time"

	"bianque"
	"bianque/auth"
)

// AuthService implements bianque.AuthService.
type AuthService struct {
	*core
	// dummyHash is verified against when the username is unknown, so that
	// response time does not tell which usernames exist.
	dummyHash string
	// hashing bounds concurrent argon2 computations: each takes tens of MiB,
	// and sign-in is reachable without credentials.
	hashing chan struct{}
}

// verifyPassword checks a password under the concurrency bound.
func (s *AuthService) verifyPassword(ctx context.Context, phc, password string) error {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return bianque.WrapError(bianque.EUNAVAILABLE, ctx.Err(), "sign-in cancelled")
	}
	defer func() { <-s.hashing }()
	return auth.VerifyPassword(phc, password)
}

var _ bianque.AuthService = (*AuthService)(nil)

// totpSkew accepts the code of the previous and the next 30-second step,
// for phones whose clocks drift.
const totpSkew = 1

var errBadCredentials = bianque.Errorf(bianque.EUNAUTHORIZED, "invalid username or password")

// userChain is the audit chain of a user's sign-in events: the hospital's
// for hospital staff, the platform's for provider staff.
func userChain(u *bianque.User) string { return u.TenantID }

func loginContext(ctx context.Context, u *bianque.User, username, ip string) context.Context {
	p := &bianque.Principal{Username: username, SourceIP: ip}
	if u != nil {
		p = u.Principal()
		p.SourceIP = ip
	}
	return bianque.NewContextWithPrincipal(ctx, p)
}

// Login implements bianque.AuthService.
func (s *AuthService) Login(ctx context.Context, req bianque.LoginRequest) (*bianque.LoginResult, error) {
	now := s.clock.Now()
	u, err := s.store.UserByUsername(ctx, req.Username)
	if bianque.ErrorCode(err) == bianque.ENOTFOUND {
		_ = s.verifyPassword(ctx, s.dummyHash, req.Password)
		_ = s.audit(loginContext(ctx, nil, req.Username, req.SourceIP), "", "login.fail", "user", "", map[string]string{"reason": "unknown user"})
		return nil, errBadCredentials
	} else if err != nil {
		return nil, err
	}
	actx := loginContext(ctx, u, u.Username, req.SourceIP)
	if u.Disabled {
		_ = s.verifyPassword(ctx, s.dummyHash, req.Password)
		_ = s.audit(actx, userChain(u), "login.fail", "user", u.ID, map[string]string{"reason": "disabled"})
		return nil, errBadCredentials
	}
	if u.Locked(now) {
		_ = s.audit(actx, userChain(u), "login.fail", "user", u.ID, map[string]string{"reason": "locked"})
		return nil, bianque.Errorf(bianque.ELOCKED, "account locked after repeated failures; try again after %s", u.LockedUntil.UTC().Format(time.RFC3339))
	}
	if err := s.checkSource(ctx, u, req.SourceIP); err != nil {
		_ = s.audit(actx, userChain(u), "login.denied", "user", u.ID, map[string]string{"reason": bianque.ErrorMessage(err)})
		return nil, err
	}
	if err := s.verifyPassword(ctx, u.PasswordHash, req.Password); err != nil {
		if bianque.ErrorCode(err) == bianque.EUNAVAILABLE {
			return nil, err
		}
		return nil, s.failure(actx, u, "password")
	}
	// The failure count is reset only when the whole sign-in succeeds:
	// otherwise someone holding the password could guess codes without end
	// by signing in again between guesses.
	if auth.NeedsRehash(u.PasswordHash, s.opts.Argon2) {
		if h, err := auth.HashPassword(req.Password, s.opts.Argon2); err == nil {
			u.PasswordHash = h
		}
	}
	mfaDone := u.MFAExempt
	if mfaDone {
		u.LastLoginAt = &now
		u.FailedLogins = 0
	}
	u.UpdatedAt = now
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	sess, token, err := s.newSession(ctx, u, mfaDone, req.SourceIP, req.UserAgent)
	if err != nil {
		return nil, err
	}
	action := "login.password"
	if mfaDone {
		action = "login.ok"
	}
	if err := s.audit(actx, userChain(u), action, "user", u.ID, map[string]bool{"mfa_exempt": u.MFAExempt}); err != nil {
		return nil, err
	}
	return s.result(u, sess, token), nil
}

func (s *AuthService) result(u *bianque.User, sess *bianque.Session, token string) *bianque.LoginResult {
	r := &bianque.LoginResult{User: u, Session: sess, Token: token}
	if !sess.MFAPassed {
		r.NeedEnrolment = !u.MFAEnrolled
		r.NeedTOTP = u.MFAEnrolled
	}
	return r
}

// failure counts a failed password or code and locks the account at the threshold.
func (s *AuthService) failure(ctx context.Context, u *bianque.User, what string) error {
	now := s.clock.Now()
	u.FailedLogins++
	locked := false
	if u.FailedLogins >= s.opts.LockoutThreshold {
		until := now.Add(s.opts.LockoutDuration)
		u.LockedUntil = &until
		u.FailedLogins = 0
		locked = true
	}
	u.UpdatedAt = now
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	_ = s.audit(ctx, userChain(u), "login.fail", "user", u.ID, map[string]string{"reason": "bad " + what})
	if locked {
		_ = s.audit(ctx, userChain(u), "login.lock", "user", u.ID, map[string]string{"until": u.LockedUntil.UTC().Format(time.RFC3339)})
		return bianque.Errorf(bianque.ELOCKED, "account locked after %d failures; try again after %s", s.opts.LockoutThreshold, u.LockedUntil.UTC().Format(time.RFC3339))
	}
	if what == "code" {
		return bianque.Errorf(bianque.EUNAUTHORIZED, "invalid or already used code")
	}
	return errBadCredentials
}

func (s *AuthService) newSession(ctx context.Context, u *bianque.User, mfaPassed bool, ip, ua string) (*bianque.Session, string, error) {
	now := s.clock.Now()
	token := auth.RandomToken()
	life := s.opts.MFAPending
	if mfaPassed {
		life = s.opts.SessionLifetime
	}
	if len(ua) > 512 {
		ua = ua[:512]
	}
	sess := &bianque.Session{
		ID: bianque.NewIDAt(now), TokenHash: auth.HashToken(token), UserID: u.ID, CSRFToken: auth.RandomToken(),
		MFAPassed: mfaPassed, SourceIP: ip, UserAgent: ua, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(life),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

// session returns the live session of token, deleting it if it expired.
func (s *AuthService) session(ctx context.Context, token string) (*bianque.Session, error) {
	if token == "" {
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "authentication required")
	}
	sess, err := s.store.SessionByTokenHash(ctx, auth.HashToken(token))
	if bianque.ErrorCode(err) == bianque.ENOTFOUND {
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "session expired or signed out")
	} else if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if !now.Before(sess.ExpiresAt) || (sess.MFAPassed && now.Sub(sess.LastSeenAt) > s.opts.SessionIdle) {
		_ = s.store.DeleteSession(ctx, sess.ID)
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "session expired")
	}
	return sess, nil
}

// PendingLogin implements bianque.AuthService.
func (s *AuthService) PendingLogin(ctx context.Context, token string) (*bianque.LoginResult, error) {
	sess, err := s.session(ctx, token)
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil {
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "session user is gone")
	}
	return s.result(u, sess, ""), nil
}

// BeginEnrolment implements bianque.AuthService.
func (s *AuthService) BeginEnrolment(ctx context.Context, token string) (*bianque.TOTPEnrolment, error) {
	sess, err := s.session(ctx, token)
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	if u.MFAEnrolled {
		// Re-enrolling would let a stolen password replace the second factor.
		return nil, bianque.Errorf(bianque.ECONFLICT, "the account already has an authenticator; ask an administrator to reset it")
	}
	// A pending secret is shown again, so that reloading the enrolment page
	// does not invalidate what the person has just scanned.
	secret := u.TOTPSecret
	raw, err := auth.ParseTOTPSecret(secret)
	if secret == "" || err != nil {
		secret = auth.NewTOTPSecret()
		raw, _ = auth.ParseTOTPSecret(secret)
		u.TOTPSecret = secret
		u.UpdatedAt = s.clock.Now()
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
	}
	return &bianque.TOTPEnrolment{Secret: secret, URI: auth.TOTP{Secret: raw}.URI(s.opts.Issuer, u.Username)}, nil
}

// VerifyTOTP implements bianque.AuthService.
func (s *AuthService) VerifyTOTP(ctx context.Context, token, code, ip string) (*bianque.LoginResult, error) {
	sess, err := s.session(ctx, token)
	if err != nil {
		return nil, err
	}
	if sess.MFAPassed {
		return nil, bianque.Errorf(bianque.ECONFLICT, "the session has already passed the second factor")
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	actx := loginContext(ctx, u, u.Username, ip)
	if u.Disabled {
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "account disabled")
	}
	if u.Locked(now) {
		return nil, bianque.Errorf(bianque.ELOCKED, "account locked after repeated failures; try again after %s", u.LockedUntil.UTC().Format(time.RFC3339))
	}
	if err := s.checkSource(ctx, u, ip); err != nil {
		return nil, err
	}
	if u.TOTPSecret == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "no authenticator enrolled yet: start enrolment first")
	}
	raw, err := auth.ParseTOTPSecret(u.TOTPSecret)
	if err != nil {
		return nil, bianque.WrapError(bianque.EINTERNAL, err, "stored TOTP secret unreadable")
	}
	step, ok := auth.TOTP{Secret: raw}.Verify(code, now, totpSkew, u.LastTOTPStep)
	if !ok {
		return nil, s.failure(actx, u, "code")
	}
	enrolled := !u.MFAEnrolled
	u.LastTOTPStep = step
	u.MFAEnrolled = true
	u.FailedLogins = 0
	u.LastLoginAt = &now
	u.UpdatedAt = now
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	// A new token after the second factor: whoever saw the pre-MFA cookie
	// (a shared machine, a log) cannot ride on the completed sign-in.
	_ = s.store.DeleteSession(ctx, sess.ID)
	nsess, ntoken, err := s.newSession(ctx, u, true, ip, sess.UserAgent)
	if err != nil {
		return nil, err
	}
	if enrolled {
		if err := s.audit(actx, userChain(u), "mfa.enrol", "user", u.ID, nil); err != nil {
			return nil, err
		}
	}
	if err := s.audit(actx, userChain(u), "login.ok", "user", u.ID, nil); err != nil {
		return nil, err
	}
	return s.result(u, nsess, ntoken), nil
}

// sessionTouchEvery limits LastSeenAt writes to one a minute per session.
const sessionTouchEvery = time.Minute

// Authenticate implements bianque.AuthService.
func (s *AuthService) Authenticate(ctx context.Context, token, ip string) (*bianque.Principal, *bianque.Session, error) {
	sess, err := s.session(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if !sess.MFAPassed {
		return nil, nil, bianque.Errorf(bianque.EUNAUTHORIZED, "second factor required")
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil || u.Disabled {
		_ = s.store.DeleteSession(ctx, sess.ID)
		return nil, nil, bianque.Errorf(bianque.EUNAUTHORIZED, "account disabled or removed")
	}
	p, err := s.principalFrom(ctx, u, ip)
	if err != nil {
		return nil, nil, err
	}
	if now := s.clock.Now(); now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		sess.LastSeenAt = now
		if err := s.store.UpdateSession(ctx, sess); err != nil {
			s.log.Warn("session touch failed", "err", err)
		}
	}
	return p, sess, nil
}

// AuthenticateAPIToken implements bianque.AuthService.
func (s *AuthService) AuthenticateAPIToken(ctx context.Context, secret, ip string) (*bianque.Principal, error) {
	bad := bianque.Errorf(bianque.EUNAUTHORIZED, "invalid or expired API token")
	if !auth.LooksLikeAPIToken(secret) {
		return nil, bad
	}
	t, err := s.store.APITokenByHash(ctx, auth.HashToken(secret))
	if bianque.ErrorCode(err) == bianque.ENOTFOUND {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return nil, bad
	}
	u, err := s.store.User(ctx, t.UserID)
	if err != nil || u.Disabled {
		return nil, bad
	}
	p, err := s.principalFrom(ctx, u, ip)
	if err != nil {
		return nil, err
	}
	p.TokenID = t.ID
	if len(t.Permissions) > 0 {
		p.Permissions = append([]bianque.Permission{}, t.Permissions...)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= sessionTouchEvery {
		if err := s.store.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.log.Warn("api token touch failed", "err", err)
		}
	}
	return p, nil
}

// principalFrom builds the principal of u acting from ip, applying the
// tenants' source allow-lists (R15.1): a hospital user outside its
// hospital's list is refused; provider staff lose, for this request, the
// tenants whose list does not admit the address.
func (s *AuthService) principalFrom(ctx context.Context, u *bianque.User, ip string) (*bianque.Principal, error) {
	p := u.Principal()
	p.SourceIP = ip
	if u.Role.IsHospital() {
		if err := s.checkSource(ctx, u, ip); err != nil {
			return nil, err
		}
		return p, nil
	}
	addr, _ := netip.ParseAddr(ip)
	kept := p.Tenants[:0]
	for _, id := range p.Tenants {
		t, err := s.tenant(ctx, id)
		if err != nil {
			continue // a tenant purged since the assignment
		}
		if !t.Disabled && sourceAllowed(t, u.Role, addr) {
			kept = append(kept, id)
		}
	}
	p.Tenants = kept
	return p, nil
}

func sourceAllowed(t *bianque.Tenant, role bianque.Role, addr netip.Addr) bool {
	if len(t.AllowedCIDRs[role]) == 0 {
		return true
	}
	return addr.IsValid() && t.AllowsSource(role, addr)
}

// checkSource refuses a hospital user whose hospital is disabled or whose
// allow-list does not admit ip. Provider staff are filtered per tenant instead.
func (s *AuthService) checkSource(ctx context.Context, u *bianque.User, ip string) error {
	if !u.Role.IsHospital() {
		return nil
	}
	t, err := s.tenant(ctx, u.TenantID)
	if err != nil {
		return bianque.Errorf(bianque.EFORBIDDEN, "the hospital of this account is not available")
	}
	if t.Disabled {
		return bianque.Errorf(bianque.EFORBIDDEN, "the hospital of this account is disabled")
	}
	addr, _ := netip.ParseAddr(ip)
	if !sourceAllowed(t, u.Role, addr) {
		return bianque.Errorf(bianque.EFORBIDDEN, "sign-in from %s is not allowed for this account", ip)
	}
	return nil
}

// Logout implements bianque.AuthService.
func (s *AuthService) Logout(ctx context.Context, token string) error {
	sess, err := s.store.SessionByTokenHash(ctx, auth.HashToken(token))
	if bianque.ErrorCode(err) == bianque.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if err := s.store.DeleteSession(ctx, sess.ID); err != nil {
		return err
	}
	if u, err := s.store.User(ctx, sess.UserID); err == nil {
		return s.audit(ctx, userChain(u), "logout", "user", u.ID, nil)
	}
	return nil
}

// ResetMFA implements bianque.AuthService.
func (s *AuthService) ResetMFA(ctx context.Context, userID string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return hideNotFound(err, "user")
	}
	if err := authorizeManage(p, u); err != nil {
		return err
	}
	u.TOTPSecret, u.MFAEnrolled, u.LastTOTPStep = "", false, 0
	u.UpdatedAt = s.clock.Now()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	return s.audit(ctx, userChain(u), "user.mfa_reset", "user", u.ID, nil)
}

func hideNotFound(err error, what string) error {
	if bianque.ErrorCode(err) == bianque.ENOTFOUND {
		return notFound(what)
	}
	return err
}
