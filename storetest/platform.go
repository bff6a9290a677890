package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"bianque"
)

func testTenants(t *testing.T, s bianque.Store) {
	now := at()
	tn := &bianque.Tenant{
		ID:            bianque.NewIDAt(now),
		Code:          "szph",
		Name:          "深圳市人民医院",
		Region:        "Guangdong",
		Contract:      bianque.DefaultContract(),
		RetentionDays: 90,
		AllowedCIDRs:  map[bianque.Role][]string{bianque.RoleAnalyst: {"10.0.0.0/8", "192.0.2.7"}},
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	tn.Contract.Calendar.Holidays = []string{"2026-10-01"}
	off := false
	tn.Contract.Masking = &bianque.MaskingPolicy{Email: &off, Fields: []string{"hospital.patient.name"},
		Patterns: []bianque.MaskingPattern{{Name: "mrn", Regexp: `MRN[0-9]{8}`}}}
	must(t, s.CreateTenant(ctx, tn), "create tenant")

	got, err := s.Tenant(ctx, tn.ID)
	must(t, err, "read tenant")
	same(t, "tenant", got, tn)
	got, err = s.TenantByCode(ctx, "szph")
	must(t, err, "read tenant by code")
	same(t, "tenant by code", got, tn)

	_, err = s.Tenant(ctx, bianque.NewIDAt(at()))
	wantCode(t, err, bianque.ENOTFOUND, "missing tenant")
	_, err = s.TenantByCode(ctx, "nope")
	wantCode(t, err, bianque.ENOTFOUND, "missing tenant code")

	dup := *tn
	dup.ID = bianque.NewIDAt(at())
	wantCode(t, s.CreateTenant(ctx, &dup), bianque.ECONFLICT, "duplicate code")
	dup = *tn
	dup.Code = "other"
	wantCode(t, s.CreateTenant(ctx, &dup), bianque.ECONFLICT, "duplicate id")
	bad := &bianque.Tenant{Code: "X!", Name: "bad"}
	wantCode(t, s.CreateTenant(ctx, bad), bianque.EINVALID, "invalid tenant")

	// Update every mutable field.
	tn.Name = "Shenzhen People's Hospital"
	tn.Region = "广东"
	tn.RetentionDays = 365
	tn.Disabled = true
	tn.AllowedCIDRs = nil
	tn.Contract.Targets = tn.Contract.Targets[:1]
	tn.UpdatedAt = at()
	must(t, s.UpdateTenant(ctx, tn), "update tenant")
	got, err = s.Tenant(ctx, tn.ID)
	must(t, err, "read updated tenant")
	same(t, "updated tenant", got, tn)

	other := newTenant(t, s)
	clash := *other
	clash.Code = "szph"
	wantCode(t, s.UpdateTenant(ctx, &clash), bianque.ECONFLICT, "update to a taken code")
	ghost := *other
	ghost.ID = bianque.NewIDAt(at())
	ghost.Code = "ghost"
	wantCode(t, s.UpdateTenant(ctx, &ghost), bianque.ENOTFOUND, "update missing tenant")

	// Filters.
	list, _, err := s.Tenants(ctx, bianque.TenantFilter{})
	must(t, err, "list tenants")
	if len(list) != 2 || list[0].ID != other.ID || list[1].ID != tn.ID {
		t.Fatalf("tenants newest first: got %v", ids(list))
	}
	list, _, err = s.Tenants(ctx, bianque.TenantFilter{IDs: []string{tn.ID}})
	must(t, err, "list tenants by id")
	if len(list) != 1 || list[0].ID != tn.ID {
		t.Fatalf("tenants by IDs: got %v", ids(list))
	}
	list, _, err = s.Tenants(ctx, bianque.TenantFilter{IDs: []string{}})
	must(t, err, "list tenants with empty visible set")
	if len(list) != 0 {
		t.Fatalf("an empty, non-nil IDs must select nothing, got %v", ids(list))
	}
	list, _, err = s.Tenants(ctx, bianque.TenantFilter{Code: other.Code})
	must(t, err, "list tenants by code")
	if len(list) != 1 || list[0].ID != other.ID {
		t.Fatalf("tenants by code: got %v", ids(list))
	}
}

func ids[T interface {
	*bianque.Tenant | *bianque.User | *bianque.Ticket | *bianque.Asset
}](items []T) []string {
	out := make([]string, len(items))
	for i, it := range items {
		switch x := any(it).(type) {
		case *bianque.Tenant:
			out[i] = x.ID
		case *bianque.User:
			out[i] = x.ID
		case *bianque.Ticket:
			out[i] = x.ID
		case *bianque.Asset:
			out[i] = x.ID
		}
	}
	return out
}

func newUser(t *testing.T, s bianque.Store, name string, role bianque.Role, tenantID string, assigned ...string) *bianque.User {
	t.Helper()
	now := at()
	u := &bianque.User{
		ID:           bianque.NewIDAt(now),
		Username:     name,
		DisplayName:  strings.ToUpper(name),
		Role:         role,
		TenantID:     tenantID,
		Tenants:      assigned,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	must(t, s.CreateUser(ctx, u), "create user "+name)
	return u
}

// sameUser compares users including the fields JSON leaves out.
func sameUser(t *testing.T, what string, got, want *bianque.User) {
	t.Helper()
	same(t, what, got, want)
	if got.PasswordHash != want.PasswordHash || got.TOTPSecret != want.TOTPSecret || got.LastTOTPStep != want.LastTOTPStep {
		t.Fatalf("%s: secrets differ: got %q %q %d, want %q %q %d", what, got.PasswordHash, got.TOTPSecret,
			got.LastTOTPStep, want.PasswordHash, want.TOTPSecret, want.LastTOTPStep)
	}
}

func testUsers(t *testing.T, s bianque.Store) {
	a, b := newTenant(t, s), newTenant(t, s)
	now := at()
	locked := now.Add(15 * time.Minute)
	nurse := &bianque.User{
		ID: bianque.NewIDAt(now), Username: "Li.Na", DisplayName: "李娜", Email: "lina@example.org",
		Phone: "+86 138 0013 8000", Role: bianque.RoleHospitalAdmin, TenantID: a.ID, Locale: "zh-CN",
		PasswordHash: "$argon2id$hash", TOTPSecret: "JBSWY3DPEHPK3PXP", MFAEnrolled: true, LastTOTPStep: 59,
		FailedLogins: 3, LockedUntil: &locked, LastLoginAt: &now, CreatedAt: now, UpdatedAt: now,
	}
	must(t, s.CreateUser(ctx, nurse), "create hospital user")
	got, err := s.User(ctx, nurse.ID)
	must(t, err, "read user")
	sameUser(t, "user", got, nurse)
	got, err = s.UserByUsername(ctx, "li.na")
	must(t, err, "read user by username in another case")
	sameUser(t, "user by name", got, nurse)
	_, err = s.UserByUsername(ctx, "nobody")
	wantCode(t, err, bianque.ENOTFOUND, "missing username")
	_, err = s.User(ctx, bianque.NewIDAt(at()))
	wantCode(t, err, bianque.ENOTFOUND, "missing user")

	dup := &bianque.User{Username: "LI.NA", Role: bianque.RoleHospitalViewer, TenantID: a.ID}
	wantCode(t, s.CreateUser(ctx, dup), bianque.ECONFLICT, "username taken in another case")
	orphan := &bianque.User{Username: "orphan", Role: bianque.RoleHospitalViewer, TenantID: bianque.NewIDAt(at())}
	wantCode(t, s.CreateUser(ctx, orphan), bianque.ENOTFOUND, "user of a missing tenant")
	wantCode(t, s.CreateUser(ctx, &bianque.User{Username: "x", Role: bianque.RoleAnalyst}), bianque.EINVALID, "invalid user")

	analyst := newUser(t, s, "analyst1", bianque.RoleAnalyst, "", a.ID, b.ID)
	got, err = s.User(ctx, analyst.ID)
	must(t, err, "read provider user")
	if !slices.Equal(got.Tenants, sortedIDs(a.ID, b.ID)) {
		t.Fatalf("assignments: got %v want %v", got.Tenants, sortedIDs(a.ID, b.ID))
	}
	_ = newUser(t, s, "responder-b", bianque.RoleResponder, "", b.ID)
	viewerB := newUser(t, s, "viewer-b", bianque.RoleHospitalViewer, b.ID)
	admin := newUser(t, s, "root", bianque.RolePlatformAdmin, "")
	wantCode(t, s.CreateUser(ctx, &bianque.User{Username: "ghost-assign", Role: bianque.RoleAnalyst,
		Tenants: []string{bianque.NewIDAt(at())}}), bianque.ENOTFOUND, "assignment to a missing tenant")
	if _, err := s.UserByUsername(ctx, "ghost-assign"); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("a failed creation must leave no user behind: %v", err)
	}

	// UserFilter.TenantID: hospital users of A and staff assigned to A.
	list, _, err := s.Users(ctx, bianque.UserFilter{TenantID: a.ID})
	must(t, err, "users of tenant A")
	if want := []string{analyst.ID, nurse.ID}; !slices.Equal(ids(list), want) {
		t.Fatalf("users of A: got %v want %v", ids(list), want)
	}
	if !slices.Equal(list[0].Tenants, sortedIDs(a.ID, b.ID)) {
		t.Fatalf("listed users carry their assignments: got %v", list[0].Tenants)
	}
	list, _, err = s.Users(ctx, bianque.UserFilter{TenantID: b.ID, Role: bianque.RoleHospitalViewer})
	must(t, err, "viewers of B")
	if want := []string{viewerB.ID}; !slices.Equal(ids(list), want) {
		t.Fatalf("viewers of B: got %v want %v", ids(list), want)
	}
	list, _, err = s.Users(ctx, bianque.UserFilter{ProviderOnly: true})
	must(t, err, "provider staff")
	if len(list) != 3 || list[0].ID != admin.ID {
		t.Fatalf("provider staff: got %v", ids(list))
	}
	list, _, err = s.Users(ctx, bianque.UserFilter{})
	must(t, err, "all users")
	if len(list) != 5 {
		t.Fatalf("all users: got %d", len(list))
	}

	// Update replaces fields and assignments.
	analyst.Tenants = []string{b.ID}
	analyst.Email = "a1@example.org"
	analyst.Disabled = true
	analyst.MFAExempt = true
	analyst.UpdatedAt = at()
	must(t, s.UpdateUser(ctx, analyst), "update user")
	got, err = s.User(ctx, analyst.ID)
	must(t, err, "read updated user")
	sameUser(t, "updated user", got, analyst)
	list, _, err = s.Users(ctx, bianque.UserFilter{TenantID: a.ID})
	must(t, err, "users of A after unassignment")
	if want := []string{nurse.ID}; !slices.Equal(ids(list), want) {
		t.Fatalf("users of A after unassignment: got %v want %v", ids(list), want)
	}
	ren := *viewerB
	ren.Username = "LI.NA"
	wantCode(t, s.UpdateUser(ctx, &ren), bianque.ECONFLICT, "rename to a taken username")
	ghost := *viewerB
	ghost.ID = bianque.NewIDAt(at())
	ghost.Username = "ghost"
	wantCode(t, s.UpdateUser(ctx, &ghost), bianque.ENOTFOUND, "update missing user")

	// Delete takes sessions and tokens along.
	sess := &bianque.Session{UserID: viewerB.ID, TokenHash: "h-del", ExpiresAt: at().Add(time.Hour)}
	must(t, s.CreateSession(ctx, sess), "create session")
	tok := &bianque.APIToken{UserID: viewerB.ID, Name: "t", TokenHash: "th-del"}
	must(t, s.CreateAPIToken(ctx, tok), "create token")
	must(t, s.DeleteUser(ctx, viewerB.ID), "delete user")
	_, err = s.User(ctx, viewerB.ID)
	wantCode(t, err, bianque.ENOTFOUND, "deleted user")
	_, err = s.SessionByTokenHash(ctx, "h-del")
	wantCode(t, err, bianque.ENOTFOUND, "session of deleted user")
	_, err = s.APITokenByHash(ctx, "th-del")
	wantCode(t, err, bianque.ENOTFOUND, "token of deleted user")
	wantCode(t, s.DeleteUser(ctx, viewerB.ID), bianque.ENOTFOUND, "delete user twice")
}

func sortedIDs(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func testSessions(t *testing.T, s bianque.Store) {
	tn := newTenant(t, s)
	u := newUser(t, s, "sess-user", bianque.RoleHospitalAdmin, tn.ID)
	u2 := newUser(t, s, "sess-user2", bianque.RoleAnalyst, "")
	now := at()
	var sessions []*bianque.Session
	for i, exp := range []time.Duration{-time.Minute, 0, time.Hour, 2 * time.Hour} {
		ss := &bianque.Session{
			UserID: u.ID, TokenHash: "hash-" + string(rune('a'+i)), CSRFToken: "csrf", SourceIP: "10.1.1.1",
			UserAgent: "Firefox", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(exp),
		}
		must(t, s.CreateSession(ctx, ss), "create session")
		sessions = append(sessions, ss)
	}
	other := &bianque.Session{UserID: u2.ID, TokenHash: "hash-u2", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.CreateSession(ctx, other), "create session of another user")

	got, err := s.SessionByTokenHash(ctx, "hash-c")
	must(t, err, "session by hash")
	same(t, "session", got, sessions[2])
	if got.TokenHash != "hash-c" || got.CSRFToken != "csrf" {
		t.Fatalf("session secrets: %+v", got)
	}
	dup := &bianque.Session{UserID: u.ID, TokenHash: "hash-a", ExpiresAt: now}
	wantCode(t, s.CreateSession(ctx, dup), bianque.ECONFLICT, "duplicate token hash")
	wantCode(t, s.CreateSession(ctx, &bianque.Session{UserID: bianque.NewIDAt(at()), TokenHash: "x", ExpiresAt: now}),
		bianque.ENOTFOUND, "session of a missing user")

	ss := sessions[3]
	ss.MFAPassed = true
	ss.CSRFToken = "csrf2"
	ss.LastSeenAt = now.Add(time.Minute)
	ss.ExpiresAt = now.Add(3 * time.Hour)
	must(t, s.UpdateSession(ctx, ss), "update session")
	got, err = s.SessionByTokenHash(ctx, ss.TokenHash)
	must(t, err, "read updated session")
	same(t, "updated session", got, ss)
	if got.CSRFToken != "csrf2" {
		t.Fatalf("csrf token not updated: %q", got.CSRFToken)
	}
	ghost := *ss
	ghost.ID = bianque.NewIDAt(at())
	wantCode(t, s.UpdateSession(ctx, &ghost), bianque.ENOTFOUND, "update missing session")

	// Expiry: expires_at <= now goes.
	n, err := s.DeleteExpiredSessions(ctx, now)
	must(t, err, "delete expired sessions")
	if n != 2 {
		t.Fatalf("expired sessions deleted: got %d want 2", n)
	}
	for _, h := range []string{"hash-a", "hash-b"} {
		_, err := s.SessionByTokenHash(ctx, h)
		wantCode(t, err, bianque.ENOTFOUND, "expired session "+h)
	}
	must(t, s.DeleteSession(ctx, sessions[2].ID), "delete session")
	wantCode(t, s.DeleteSession(ctx, sessions[2].ID), bianque.ENOTFOUND, "delete session twice")
	must(t, s.DeleteUserSessions(ctx, u.ID), "delete user sessions")
	_, err = s.SessionByTokenHash(ctx, "hash-d")
	wantCode(t, err, bianque.ENOTFOUND, "session after sign-out everywhere")
	if _, err := s.SessionByTokenHash(ctx, "hash-u2"); err != nil {
		t.Fatalf("another user's session must survive: %v", err)
	}
}

func testAPITokens(t *testing.T, s bianque.Store) {
	u := newUser(t, s, "robot", bianque.RoleAnalyst, "")
	u2 := newUser(t, s, "robot2", bianque.RoleAnalyst, "")
	exp := at().Add(24 * time.Hour)
	t1 := &bianque.APIToken{UserID: u.ID, Name: "siem", TokenHash: "th1", Prefix: "bq_abc",
		Permissions: []bianque.Permission{bianque.PermTicketRead}, ExpiresAt: &exp, CreatedAt: at()}
	t2 := &bianque.APIToken{UserID: u.ID, Name: "cmdb", TokenHash: "th2", Prefix: "bq_def", CreatedAt: at()}
	t3 := &bianque.APIToken{UserID: u2.ID, Name: "other", TokenHash: "th3", CreatedAt: at()}
	for _, tk := range []*bianque.APIToken{t1, t2, t3} {
		must(t, s.CreateAPIToken(ctx, tk), "create token")
	}
	wantCode(t, s.CreateAPIToken(ctx, &bianque.APIToken{UserID: u.ID, Name: "dup", TokenHash: "th1"}), bianque.ECONFLICT, "duplicate token hash")
	wantCode(t, s.CreateAPIToken(ctx, &bianque.APIToken{UserID: bianque.NewIDAt(at()), Name: "x", TokenHash: "th9"}), bianque.ENOTFOUND, "token of a missing user")

	got, err := s.APITokenByHash(ctx, "th1")
	must(t, err, "token by hash")
	same(t, "token", got, t1)
	if got.TokenHash != "th1" {
		t.Fatalf("token hash: %q", got.TokenHash)
	}
	list, err := s.APITokens(ctx, u.ID)
	must(t, err, "list tokens")
	if len(list) != 2 || list[0].ID != t2.ID || list[1].ID != t1.ID {
		t.Fatalf("tokens of user newest first: got %d", len(list))
	}
	used := at()
	must(t, s.TouchAPIToken(ctx, t2.ID, used), "touch token")
	got, err = s.APITokenByHash(ctx, "th2")
	must(t, err, "read touched token")
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Fatalf("last used: got %v want %v", got.LastUsedAt, used)
	}
	wantCode(t, s.TouchAPIToken(ctx, bianque.NewIDAt(at()), used), bianque.ENOTFOUND, "touch missing token")
	must(t, s.DeleteAPIToken(ctx, t1.ID), "delete token")
	_, err = s.APITokenByHash(ctx, "th1")
	wantCode(t, err, bianque.ENOTFOUND, "deleted token")
	wantCode(t, s.DeleteAPIToken(ctx, t1.ID), bianque.ENOTFOUND, "delete token twice")
}

func testEncryption(t *testing.T, open func(t *testing.T, key []byte) bianque.Store) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s := open(t, key)
	r := raw(t, s)
	tn := newTenant(t, s)
	u := newUser(t, s, "enc-user", bianque.RoleHospitalAdmin, tn.ID)
	u.Email, u.Phone, u.TOTPSecret = "secret.person@example.org", "13800138000", "JBSWY3DPEHPK3PXP"
	must(t, s.UpdateUser(ctx, u), "update user")
	v := newUser(t, s, "enc-user2", bianque.RoleHospitalViewer, tn.ID)
	v.Email = "other@example.org"
	must(t, s.UpdateUser(ctx, v), "update user 2")

	got, err := s.UserByUsername(ctx, "enc-user")
	must(t, err, "read user by name")
	sameUser(t, "decrypted user", got, u)

	rows, err := r.QueryRaw(ctx, "SELECT email, phone, totp_secret FROM users WHERE id = '"+u.ID+"'")
	must(t, err, "raw read")
	var email, phone, totp string
	for rows.Next() {
		must(t, rows.Scan(&email, &phone, &totp), "raw scan")
	}
	rows.Close()
	for _, c := range []struct{ stored, plain string }{{email, u.Email}, {phone, u.Phone}, {totp, u.TOTPSecret}} {
		if c.stored == "" || strings.Contains(c.stored, c.plain) || strings.Contains(c.stored, "example") {
			t.Fatalf("column holds %q for %q: not encrypted", c.stored, c.plain)
		}
	}
	// A ciphertext moved to another row does not decrypt there.
	_, err = r.ExecRaw(ctx, "UPDATE users SET email = '"+email+"' WHERE id = '"+v.ID+"'")
	must(t, err, "move ciphertext")
	if _, err := s.User(ctx, v.ID); err == nil {
		t.Fatalf("a ciphertext copied from another user must not decrypt")
	}
}
