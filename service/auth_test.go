package service_test

import (
	"context"
	"testing"
	"time"

	"bianque"
	"bianque/auth"
	"bianque/service"
)

func codeFor(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	raw, err := auth.ParseTOTPSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return auth.TOTP{Secret: raw}.Code(at)
}

func TestSignInWithEnrolment(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	login := func(pw string) (*bianque.LoginResult, error) {
		return f.svc.Auth.Login(ctx, bianque.LoginRequest{Username: "analyst", Password: pw, SourceIP: "10.0.0.5"})
	}
	if _, err := login("wrong-password-1"); bianque.ErrorCode(err) != bianque.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
	res, err := login(password)
	if err != nil || !res.NeedEnrolment || res.NeedTOTP || res.Token == "" {
		t.Fatalf("first login: %+v %v", res, err)
	}
	if _, _, err := f.svc.Auth.Authenticate(ctx, res.Token, "10.0.0.5"); bianque.ErrorCode(err) != bianque.EUNAUTHORIZED {
		t.Fatalf("a session before MFA must not authenticate: %v", err)
	}
	if _, err := f.svc.Auth.VerifyTOTP(ctx, res.Token, "123456", "10.0.0.5"); bianque.ErrorCode(err) != bianque.EINVALID {
		t.Fatalf("a code before enrolment started: %v", err)
	}
	enr, err := f.svc.Auth.BeginEnrolment(ctx, res.Token)
	if err != nil || enr.Secret == "" || enr.URI == "" {
		t.Fatalf("begin enrolment: %+v %v", enr, err)
	}
	again, _ := f.svc.Auth.BeginEnrolment(ctx, res.Token)
	if again.Secret != enr.Secret {
		t.Fatal("reloading the enrolment page must show the same pending secret")
	}
	if _, err := f.svc.Auth.VerifyTOTP(ctx, res.Token, "000000", "10.0.0.5"); bianque.ErrorCode(err) != bianque.EUNAUTHORIZED {
		t.Fatalf("wrong code: %v", err)
	}
	code := codeFor(t, enr.Secret, f.clk.Now())
	done, err := f.svc.Auth.VerifyTOTP(ctx, res.Token, code, "10.0.0.5")
	if err != nil || done.Token == "" || done.Token == res.Token || !done.Session.MFAPassed {
		t.Fatalf("enrolment code: %+v %v", done, err)
	}
	if _, _, err := f.svc.Auth.Authenticate(ctx, res.Token, "10.0.0.5"); bianque.ErrorCode(err) != bianque.EUNAUTHORIZED {
		t.Fatal("the pre-MFA token must end when MFA passes")
	}
	p, sess, err := f.svc.Auth.Authenticate(ctx, done.Token, "10.0.0.5")
	if err != nil || p.Username != "analyst" || p.SourceIP != "10.0.0.5" || sess.CSRFToken == "" {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	if _, err := f.svc.Auth.BeginEnrolment(ctx, done.Token); bianque.ErrorCode(err) != bianque.ECONFLICT {
		t.Fatalf("re-enrolment of an enrolled account: %v", err)
	}

	// Second sign-in: the code of the step already used is refused (replay),
	// the next step's code is accepted.
	res2, err := login(password)
	if err != nil || !res2.NeedTOTP || res2.NeedEnrolment {
		t.Fatalf("second login: %+v %v", res2, err)
	}
	if _, err := f.svc.Auth.VerifyTOTP(ctx, res2.Token, code, "10.0.0.5"); bianque.ErrorCode(err) != bianque.EUNAUTHORIZED {
		t.Fatalf("replayed code: %v", err)
	}
	f.clk.Advance(30 * time.Second)
	if _, err := f.svc.Auth.VerifyTOTP(ctx, res2.Token, codeFor(t, enr.Secret, f.clk.Now()), "10.0.0.5"); err != nil {
		t.Fatalf("next code: %v", err)
	}

	// Sign-in events are on the platform chain with the source address.
	var actions []string
	for _, e := range f.auditEntries("") {
		if e.ObjectID == f.users["analyst"].ID {
			actions = append(actions, e.Action)
			if e.Action == "login.ok" && e.SourceIP != "10.0.0.5" {
				t.Errorf("login.ok without source address: %+v", e)
			}
		}
	}
	want := map[string]bool{"login.fail": true, "login.password": true, "mfa.enrol": true, "login.ok": true}
	for _, a := range actions {
		delete(want, a)
	}
	if len(want) > 0 {
		t.Fatalf("missing audit actions %v in %v", want, actions)
	}
}

// signIn signs name in (enrolling on the first call) and returns its TOTP
// secret and session token.
func (f *fixture) signIn(name string) (string, string) {
	f.t.Helper()
	ctx := context.Background()
	res, err := f.svc.Auth.Login(ctx, bianque.LoginRequest{Username: name, Password: password, SourceIP: "10.0.0.5"})
	if err != nil {
		f.t.Fatal(err)
	}
	if f.secrets == nil {
		f.secrets = map[string]string{}
	}
	if res.NeedEnrolment {
		enr, err := f.svc.Auth.BeginEnrolment(ctx, res.Token)
		if err != nil {
			f.t.Fatal(err)
		}
		f.secrets[name] = enr.Secret
	}
	done, err := f.svc.Auth.VerifyTOTP(ctx, res.Token, codeFor(f.t, f.secrets[name], f.clk.Now()), "10.0.0.5")
	if err != nil {
		f.t.Fatal(err)
	}
	f.clk.Advance(30 * time.Second) // the next sign-in needs a fresh step
	return f.secrets[name], done.Token
}

func TestLockout(t *testing.T) {
	f := newFixture(t, func(o *service.Options) { o.LockoutThreshold, o.LockoutDuration = 3, 15*time.Minute })
	ctx := context.Background()
	secret, _ := f.signIn("responder")
	login := func(pw string) (*bianque.LoginResult, error) {
		return f.svc.Auth.Login(ctx, bianque.LoginRequest{Username: "responder", Password: pw, SourceIP: "10.0.0.5"})
	}
	login("bad-password-1")
	// A wrong code counts too.
	res, _ := login(password)
	if _, err := f.svc.Auth.VerifyTOTP(ctx, res.Token, "000000", "10.0.0.5"); bianque.ErrorCode(err) != bianque.EUNAUTHORIZED {
		t.Fatal(err)
	}
	_, err := login("bad-password-2")
	wantCode(t, err, bianque.ELOCKED)
	_, err = login(password)
	wantCode(t, err, bianque.ELOCKED)
	f.clk.Advance(14 * time.Minute)
	_, err = login(password)
	wantCode(t, err, bianque.ELOCKED)
	f.clk.Advance(2 * time.Minute)
	res, err = login(password)
	if err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	if _, err := f.svc.Auth.VerifyTOTP(ctx, res.Token, codeFor(t, secret, f.clk.Now()), "10.0.0.5"); err != nil {
		t.Fatal(err)
	}
	// A manager's password reset lifts a lock at once.
	for i := 0; i < 3; i++ {
		login("bad-password-3")
	}
	_, err = login(password)
	wantCode(t, err, bianque.ELOCKED)
	if err := f.svc.Users.SetPassword(f.as("platform_admin"), f.users["responder"].ID, "Another-Pass-42"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Auth.Login(ctx, bianque.LoginRequest{Username: "responder", Password: "Another-Pass-42"}); err != nil {
		t.Fatalf("after a reset: %v", err)
	}
}

func TestUnknownAndDisabledAccounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.Auth.Login(ctx, bianque.LoginRequest{Username: "nobody", Password: password})
	wantCode(t, err, bianque.EUNAUTHORIZED)
	u := *f.users["auditor"]
	u.Disabled = true
	if err := f.svc.Users.UpdateUser(f.as("platform_admin"), &u); err != nil {
		t.Fatal(err)
	}
	_, err2 := f.svc.Auth.Login(ctx, bianque.LoginRequest{Username: "auditor", Password: password})
	wantCode(t, err2, bianque.EUNAUTHORIZED)
	if bianque.ErrorMessage(err) != bianque.ErrorMessage(err2) {
		t.Fatal("unknown and disabled accounts must fail alike")
	}
}

func TestSessionLifetimes(t *testing.T) {
	f := newFixture(t, func(o *service.Options) { o.SessionIdle, o.SessionLifetime = 30*time.Minute, 2*time.Hour })
	ctx := context.Background()
	_, tok := f.signIn("expert")
	for i := 0; i < 4; i++ { // used every 25 minutes: idle never reached
		f.clk.Advance(25 * time.Minute)
		if _, _, err := f.svc.Auth.Authenticate(ctx, tok, "10.0.0.5"); err != nil {
			t.Fatalf("after %d×25 min: %v", i+1, err)
		}
	}
	f.clk.Advance(25 * time.Minute) // 2h05 after sign-in: lifetime over
	_, _, err := f.svc.Auth.Authenticate(ctx, tok, "10.0.0.5")
	wantCode(t, err, bianque.EUNAUTHORIZED)

	_, tok = f.signIn("expert")
	f.clk.Advance(31 * time.Minute)
	_, _, err = f.svc.Auth.Authenticate(ctx, tok, "10.0.0.5")
	wantCode(t, err, bianque.EUNAUTHORIZED)

	_, tok = f.signIn("expert")
	if err := f.svc.Auth.Logout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Auth.Authenticate(ctx, tok, "10.0.0.5")
	wantCode(t, err, bianque.EUNAUTHORIZED)
}

func TestSourceAllowLists(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, viewerTok := f.signIn("hospital_viewer")
	_, analystTok := f.signIn("analyst")
	a := *f.a
	a.AllowedCIDRs = map[bianque.Role][]string{
		bianque.RoleHospitalViewer: {"10.0.0.0/8"},
		bianque.RoleAnalyst:        {"10.1.0.0/16", "192.0.2.7"},
	}
	if err := f.svc.Tenants.UpdateTenant(f.as("service_manager"), &a); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(10 * time.Second) // past the tenant cache
	_, _, err := f.svc.Auth.Authenticate(ctx, viewerTok, "10.9.9.9")
	if err != nil {
		t.Fatalf("viewer inside the list: %v", err)
	}
	_, _, err = f.svc.Auth.Authenticate(ctx, viewerTok, "203.0.113.5")
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = f.svc.Auth.Login(ctx, bianque.LoginRequest{Username: "hospital_viewer", Password: password, SourceIP: "203.0.113.5"})
	wantCode(t, err, bianque.EFORBIDDEN)

	p, _, err := f.svc.Auth.Authenticate(ctx, analystTok, "10.1.2.3")
	if err != nil || !p.SeesTenant(f.a.ID) {
		t.Fatalf("analyst inside the list: %+v %v", p, err)
	}
	p, _, err = f.svc.Auth.Authenticate(ctx, analystTok, "10.2.2.3")
	if err != nil || p.SeesTenant(f.a.ID) {
		t.Fatalf("analyst outside the list must lose the tenant: %+v %v", p, err)
	}
	// ...and so its tickets are not found, not forbidden.
	tk := f.ticket("analyst", f.a.ID, bianque.TicketThreat, bianque.SeverityGeneral)
	_, err = f.svc.Tickets.Ticket(bianque.NewContextWithPrincipal(ctx, p), f.a.ID, tk.ID)
	wantCode(t, err, bianque.ENOTFOUND)
	if p, _, _ := f.svc.Auth.Authenticate(ctx, analystTok, "192.0.2.7"); !p.SeesTenant(f.a.ID) {
		t.Fatal("a bare address in the list must admit that address")
	}
}

func TestAPITokens(t *testing.T) {
	f := newFixture(t)
	ctx := f.as("analyst")
	tok := &bianque.APIToken{Name: "exporter", Permissions: []bianque.Permission{bianque.PermTicketRead}}
	secret, err := f.svc.Users.CreateAPIToken(ctx, tok)
	if err != nil || !auth.LooksLikeAPIToken(secret) || tok.TokenHash == secret {
		t.Fatalf("create: %q %v", secret, err)
	}
	_, err = f.svc.Users.CreateAPIToken(ctx, &bianque.APIToken{Name: "x", Permissions: []bianque.Permission{bianque.PermTenantManage}})
	wantCode(t, err, bianque.EINVALID)
	p, err := f.svc.Auth.AuthenticateAPIToken(context.Background(), secret, "10.0.0.9")
	if err != nil || p.TokenID != tok.ID || !p.Can(bianque.PermTicketRead) || p.Can(bianque.PermTicketTriage) {
		t.Fatalf("token principal %+v %v", p, err)
	}
	tctx := bianque.NewContextWithPrincipal(context.Background(), p)
	tk := f.ticket("analyst", f.a.ID, bianque.TicketThreat, bianque.SeverityGeneral)
	if _, err := f.svc.Tickets.Ticket(tctx, f.a.ID, tk.ID); err != nil {
		t.Fatalf("narrowed token reads: %v", err)
	}
	_, err = f.svc.Tickets.Act(tctx, f.a.ID, tk.ID, bianque.ActionAcknowledge, "")
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = f.svc.Users.CreateAPIToken(tctx, &bianque.APIToken{Name: "child"})
	wantCode(t, err, bianque.EFORBIDDEN)
	_, err = f.svc.Auth.AuthenticateAPIToken(context.Background(), secret[:len(secret)-1]+"x", "10.0.0.9")
	wantCode(t, err, bianque.EUNAUTHORIZED)
	if err := f.svc.Users.DeleteAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Auth.AuthenticateAPIToken(context.Background(), secret, "10.0.0.9")
	wantCode(t, err, bianque.EUNAUTHORIZED)

	exp := f.clk.Now().Add(time.Hour)
	secret, _ = f.svc.Users.CreateAPIToken(ctx, &bianque.APIToken{Name: "short", ExpiresAt: &exp})
	f.clk.Advance(61 * time.Minute)
	_, err = f.svc.Auth.AuthenticateAPIToken(context.Background(), secret, "10.0.0.9")
	wantCode(t, err, bianque.EUNAUTHORIZED)
}
