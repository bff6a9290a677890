package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"bianque"
)

const userCols = `id, username, display_name, email, phone, role, tenant_id, locale, password_hash, totp_secret,
	mfa_enrolled, mfa_exempt, last_totp_step, failed_logins, locked_until, disabled, last_login_at, created_at, updated_at`

func (s *Store) scanUser(row interface{ Scan(...any) error }) (*bianque.User, error) {
	u := &bianque.User{}
	var email, phone, totp string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &email, &phone, &u.Role, NullStr{&u.TenantID}, &u.Locale,
		&u.PasswordHash, &totp, &u.MFAEnrolled, &u.MFAExempt, &u.LastTOTPStep, &u.FailedLogins,
		NullTimeCol{&u.LockedUntil}, &u.Disabled, NullTimeCol{&u.LastLoginAt}, TimeCol{&u.CreatedAt}, TimeCol{&u.UpdatedAt})
	if err != nil {
		return nil, err
	}
	if u.Email, err = s.open(u.ID, "email", email); err != nil {
		return nil, err
	}
	if u.Phone, err = s.open(u.ID, "phone", phone); err != nil {
		return nil, err
	}
	if u.TOTPSecret, err = s.open(u.ID, "totp_secret", totp); err != nil {
		return nil, err
	}
	return u, nil
}

// userArgs returns the values of userCols after id.
func (s *Store) userArgs(u *bianque.User) ([]any, error) {
	email, err := s.seal(u.ID, "email", u.Email)
	if err != nil {
		return nil, err
	}
	phone, err := s.seal(u.ID, "phone", u.Phone)
	if err != nil {
		return nil, err
	}
	totp, err := s.seal(u.ID, "totp_secret", u.TOTPSecret)
	if err != nil {
		return nil, err
	}
	return []any{u.Username, u.DisplayName, email, phone, string(u.Role), nullIfEmpty(u.TenantID), u.Locale,
		u.PasswordHash, totp, u.MFAEnrolled, u.MFAExempt, u.LastTOTPStep, u.FailedLogins,
		s.NT(u.LockedUntil), u.Disabled, s.NT(u.LastLoginAt), s.T(u.CreatedAt), s.T(u.UpdatedAt)}, nil
}

// CreateUser stores a new user with its tenant assignments. A username
// taken (case-insensitively) is ECONFLICT; an unknown tenant is ENOTFOUND.
func (s *Store) CreateUser(ctx context.Context, u *bianque.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.clock.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	if u.ID == "" {
		u.ID = bianque.NewIDAt(u.CreatedAt)
	}
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			append([]any{u.ID}, args...)...); err != nil {
			return s.dbErr(err, "create user "+u.Username)
		}
		return s.setAssignments(ctx, tx, u)
	})
}

func (s *Store) setAssignments(ctx context.Context, tx *sql.Tx, u *bianque.User) error {
	if _, err := tx.ExecContext(ctx, s.Q(`DELETE FROM user_tenants WHERE user_id = ?`), u.ID); err != nil {
		return s.dbErr(err, "replace tenant assignments")
	}
	tenants := slices.Clone(u.Tenants)
	slices.Sort(tenants)
	tenants = slices.Compact(tenants)
	for _, t := range tenants {
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO user_tenants (user_id, tenant_id) VALUES (?, ?)`), u.ID, t); err != nil {
			return s.dbErr(err, "assign tenant "+t)
		}
	}
	return nil
}

// loadAssignments fills Tenants of the given users.
func (s *Store) loadAssignments(ctx context.Context, q Querier, users ...*bianque.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[string]*bianque.User, len(users))
	var w where
	ids := make([]string, 0, len(users))
	for _, u := range users {
		byID[u.ID] = u
		ids = append(ids, u.ID)
	}
	in(&w, "user_id", ids)
	rows, err := q.QueryContext(ctx, s.Q(`SELECT user_id, tenant_id FROM user_tenants`+w.sql()+` ORDER BY user_id, tenant_id`), w.args...)
	if err != nil {
		return s.dbErr(err, "read tenant assignments")
	}
	defer rows.Close()
	for rows.Next() {
		var uid, tid string
		if err := rows.Scan(&uid, &tid); err != nil {
			return s.dbErr(err, "read tenant assignments")
		}
		if u := byID[uid]; u != nil {
			u.Tenants = append(u.Tenants, tid)
		}
	}
	return s.dbErr(rows.Err(), "read tenant assignments")
}

func (s *Store) userWhere(ctx context.Context, cond string, arg any) (*bianque.User, error) {
	u, err := s.scanUser(s.r.QueryRowContext(ctx, s.Q(`SELECT `+userCols+` FROM users WHERE `+cond), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	}
	if err != nil {
		return nil, s.dbErr(err, "read user")
	}
	return u, s.loadAssignments(ctx, s.r, u)
}

// User returns the user with id, or ENOTFOUND.
func (s *Store) User(ctx context.Context, id string) (*bianque.User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

// UserByUsername returns the user with the name (case-insensitive), or ENOTFOUND.
func (s *Store) UserByUsername(ctx context.Context, username string) (*bianque.User, error) {
	return s.userWhere(ctx, "lower(username) = lower(?)", username)
}

// Users lists users newest first. With f.TenantID it returns the hospital
// users of that tenant and the provider staff assigned to it.
func (s *Store) Users(ctx context.Context, f bianque.UserFilter) ([]*bianque.User, string, error) {
	var w where
	if f.TenantID != "" {
		w.add(`(tenant_id = ? OR EXISTS (SELECT 1 FROM user_tenants ut WHERE ut.user_id = users.id AND ut.tenant_id = ?))`, f.TenantID, f.TenantID)
	}
	if f.Role != "" {
		w.add("role = ?", string(f.Role))
	}
	if f.ProviderOnly {
		w.add("tenant_id IS NULL")
	}
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+userCols+` FROM users`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list users")
	}
	var out []*bianque.User
	for rows.Next() {
		u, err := s.scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, "", s.dbErr(err, "list users")
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list users")
	}
	out, next := trim(out, limit, func(u *bianque.User) string { return u.ID })
	if err := s.loadAssignments(ctx, s.r, out...); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// UpdateUser replaces the user's fields and tenant assignments.
func (s *Store) UpdateUser(ctx context.Context, u *bianque.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = s.clock.Now()
	}
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	// Drop created_at (second to last) from the SET list.
	args = append(args[:len(args)-2], args[len(args)-1], u.ID)
	return s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`UPDATE users SET username = ?, display_name = ?, email = ?, phone = ?, role = ?,
			tenant_id = ?, locale = ?, password_hash = ?, totp_secret = ?, mfa_enrolled = ?, mfa_exempt = ?,
			last_totp_step = ?, failed_logins = ?, locked_until = ?, disabled = ?, last_login_at = ?, updated_at = ?
			WHERE id = ?`), args...)
		if err != nil {
			return s.dbErr(err, "update user "+u.Username)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user")
		}
		return s.setAssignments(ctx, tx, u)
	})
}

// DeleteUser deletes the user with its assignments, sessions and API tokens.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, s.Q(`DELETE FROM users WHERE id = ?`), id)
	if err != nil {
		return s.dbErr(err, "delete user")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user")
	}
	return nil
}

const sessionCols = `id, token_hash, user_id, csrf_token, mfa_passed, source_ip, user_agent, created_at, last_seen_at, expires_at`

// CreateSession stores a session; the user must exist (else ENOTFOUND).
func (s *Store) CreateSession(ctx context.Context, ss *bianque.Session) error {
	if ss.UserID == "" || ss.TokenHash == "" {
		return bianque.Errorf(bianque.EINVALID, "session needs a user and a token hash")
	}
	if ss.CreatedAt.IsZero() {
		ss.CreatedAt = s.clock.Now()
	}
	if ss.LastSeenAt.IsZero() {
		ss.LastSeenAt = ss.CreatedAt
	}
	if ss.ID == "" {
		ss.ID = bianque.NewIDAt(ss.CreatedAt)
	}
	_, err := s.w.ExecContext(ctx, s.Q(`INSERT INTO sessions (`+sessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		ss.ID, ss.TokenHash, ss.UserID, ss.CSRFToken, ss.MFAPassed, ss.SourceIP, ss.UserAgent,
		s.T(ss.CreatedAt), s.T(ss.LastSeenAt), s.T(ss.ExpiresAt))
	return s.dbErr(err, "create session")
}

// SessionByTokenHash returns the session with the token hash, or ENOTFOUND.
// It does not check expiry: the caller compares ExpiresAt with its clock.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string) (*bianque.Session, error) {
	ss := &bianque.Session{}
	err := s.r.QueryRowContext(ctx, s.Q(`SELECT `+sessionCols+` FROM sessions WHERE token_hash = ?`), hash).Scan(
		&ss.ID, &ss.TokenHash, &ss.UserID, &ss.CSRFToken, &ss.MFAPassed, &ss.SourceIP, &ss.UserAgent,
		TimeCol{&ss.CreatedAt}, TimeCol{&ss.LastSeenAt}, TimeCol{&ss.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("session")
	}
	if err != nil {
		return nil, s.dbErr(err, "read session")
	}
	return ss, nil
}

// UpdateSession stores the session's mutable fields (MFA step, CSRF token,
// source, last seen, expiry).
func (s *Store) UpdateSession(ctx context.Context, ss *bianque.Session) error {
	res, err := s.w.ExecContext(ctx, s.Q(`UPDATE sessions SET token_hash = ?, csrf_token = ?, mfa_passed = ?, source_ip = ?,
		user_agent = ?, last_seen_at = ?, expires_at = ? WHERE id = ?`),
		ss.TokenHash, ss.CSRFToken, ss.MFAPassed, ss.SourceIP, ss.UserAgent, s.T(ss.LastSeenAt), s.T(ss.ExpiresAt), ss.ID)
	if err != nil {
		return s.dbErr(err, "update session")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("session")
	}
	return nil
}

// DeleteSession deletes one session, or ENOTFOUND.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, s.Q(`DELETE FROM sessions WHERE id = ?`), id)
	if err != nil {
		return s.dbErr(err, "delete session")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("session")
	}
	return nil
}

// DeleteUserSessions deletes every session of the user (sign out everywhere).
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.w.ExecContext(ctx, s.Q(`DELETE FROM sessions WHERE user_id = ?`), userID)
	return s.dbErr(err, "delete user sessions")
}

// DeleteExpiredSessions deletes sessions that expired at or before now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.Q(`DELETE FROM sessions WHERE expires_at <= ?`), s.T(now))
	if err != nil {
		return 0, s.dbErr(err, "delete expired sessions")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

const tokenCols = `id, user_id, name, token_hash, prefix, permissions, expires_at, last_used_at, created_at`

func scanToken(row interface{ Scan(...any) error }) (*bianque.APIToken, error) {
	t := &bianque.APIToken{}
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Prefix, JSONCol{&t.Permissions},
		NullTimeCol{&t.ExpiresAt}, NullTimeCol{&t.LastUsedAt}, TimeCol{&t.CreatedAt})
	return t, err
}

// CreateAPIToken stores a token; the user must exist (else ENOTFOUND).
func (s *Store) CreateAPIToken(ctx context.Context, t *bianque.APIToken) error {
	if t.UserID == "" || t.TokenHash == "" {
		return bianque.Errorf(bianque.EINVALID, "API token needs a user and a token hash")
	}
	if strings.TrimSpace(t.Name) == "" {
		return bianque.Errorf(bianque.EINVALID, "API token name is required")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.clock.Now()
	}
	if t.ID == "" {
		t.ID = bianque.NewIDAt(t.CreatedAt)
	}
	var perms any
	if len(t.Permissions) > 0 {
		p, err := JSON(t.Permissions)
		if err != nil {
			return err
		}
		perms = p
	}
	_, err := s.w.ExecContext(ctx, s.Q(`INSERT INTO api_tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ID, t.UserID, t.Name, t.TokenHash, t.Prefix, perms, s.NT(t.ExpiresAt), s.NT(t.LastUsedAt), s.T(t.CreatedAt))
	return s.dbErr(err, "create API token")
}

// APITokenByHash returns the token with the hash, or ENOTFOUND. It does not
// check expiry.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (*bianque.APIToken, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.Q(`SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("API token")
	}
	if err != nil {
		return nil, s.dbErr(err, "read API token")
	}
	return t, nil
}

// APITokens lists the user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID string) ([]*bianque.APIToken, error) {
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+tokenCols+` FROM api_tokens WHERE user_id = ? ORDER BY id DESC`), userID)
	if err != nil {
		return nil, s.dbErr(err, "list API tokens")
	}
	defer rows.Close()
	var out []*bianque.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.dbErr(err, "list API tokens")
		}
		out = append(out, t)
	}
	return out, s.dbErr(rows.Err(), "list API tokens")
}

// TouchAPIToken records the token's last use.
func (s *Store) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, s.Q(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), s.T(at), id)
	if err != nil {
		return s.dbErr(err, "touch API token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("API token")
	}
	return nil
}

// DeleteAPIToken deletes a token, or ENOTFOUND.
func (s *Store) DeleteAPIToken(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, s.Q(`DELETE FROM api_tokens WHERE id = ?`), id)
	if err != nil {
		return s.dbErr(err, "delete API token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("API token")
	}
	return nil
}
