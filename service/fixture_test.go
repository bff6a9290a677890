package service_test

import (
	"context"
	"testing"
	"time"

	"bianque"
	"bianque/auth"
	"bianque/internal/testutil"
	"bianque/service"
	"bianque/sqlite"
)

var cheap = auth.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

const password = "Correct-Horse-9"

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// monday10 is Monday 2 March 2026, 10:00 in Shanghai: working hours.
var monday10 = time.Date(2026, 3, 2, 10, 0, 0, 0, shanghai)

// fixture is a real SQLite store with two tenants (A and B) and one account
// per role, named by the role: provider staff (the platform administrator
// included) assigned to A only, hospital staff of A, plus "b-admin", the
// hospital administrator of B, and "root", the bootstrap administrator.
type fixture struct {
	t     *testing.T
	st    bianque.Store
	svc   *service.Services
	clk   *testutil.FakeClock
	a, b  *bianque.Tenant
	users map[string]*bianque.User
	opts  service.Options
	// secrets are the TOTP secrets of accounts signed in with signIn.
	secrets map[string]string
}

func newFixture(t *testing.T, mod ...func(*service.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := testutil.NewFakeClock(monday10)
	st, err := sqlite.Open(ctx, t.TempDir()+"/bianque.db", sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts := service.Options{Clock: clk, Argon2: cheap}
	for _, m := range mod {
		m(&opts)
	}
	f := &fixture{t: t, st: st, clk: clk, svc: service.New(st, opts), users: map[string]*bianque.User{}, opts: opts}
	if _, _, err := service.Bootstrap(ctx, st, opts, "root"); err != nil {
		t.Fatal(err)
	}
	root, _ := st.UserByUsername(ctx, "root")
	f.users["root"] = root
	rctx := f.as("root")
	f.a = &bianque.Tenant{Code: "hosp-a", Name: "Hospital A"}
	f.b = &bianque.Tenant{Code: "hosp-b", Name: "Hospital B"}
	for _, tn := range []*bianque.Tenant{f.a, f.b} {
		if err := f.svc.Tenants.CreateTenant(rctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range bianque.Roles {
		u := &bianque.User{Username: string(r), DisplayName: string(r), Role: r}
		switch {
		case r.IsHospital():
			u.TenantID = f.a.ID
		default: // the platform administrator too: assigned, yet without access to tenant data
			u.Tenants = []string{f.a.ID}
		}
		f.create(rctx, u)
	}
	f.create(rctx, &bianque.User{Username: "b-admin", Role: bianque.RoleHospitalAdmin, TenantID: f.b.ID})
	return f
}

func (f *fixture) create(ctx context.Context, u *bianque.User) *bianque.User {
	f.t.Helper()
	if err := f.svc.Users.CreateUser(ctx, u, password); err != nil {
		f.t.Fatalf("create %s: %v", u.Username, err)
	}
	f.users[u.Username] = u
	return u
}

// as returns a context acting as the named account from 10.0.0.5.
func (f *fixture) as(name string) context.Context {
	u, ok := f.users[name]
	if !ok {
		f.t.Fatalf("no account %s", name)
	}
	p := u.Principal()
	p.SourceIP = "10.0.0.5"
	return bianque.NewContextWithPrincipal(context.Background(), p)
}

func (f *fixture) ticket(who, tenant string, tt bianque.TicketType, sev bianque.Severity) *bianque.Ticket {
	f.t.Helper()
	tk := &bianque.Ticket{TenantID: tenant, Type: tt, Severity: sev, Title: string(tt) + " " + string(sev)}
	if err := f.svc.Tickets.CreateTicket(f.as(who), tk); err != nil {
		f.t.Fatalf("create ticket: %v", err)
	}
	return tk
}

func (f *fixture) act(who string, tk *bianque.Ticket, a bianque.TicketAction, note string) *bianque.Ticket {
	f.t.Helper()
	got, err := f.svc.Tickets.Act(f.as(who), tk.TenantID, tk.ID, a, note)
	if err != nil {
		f.t.Fatalf("%s %s: %v", who, a, err)
	}
	return got
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := bianque.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// auditEntries returns a chain's entries, oldest first.
func (f *fixture) auditEntries(tenantID string) []*bianque.AuditEntry {
	f.t.Helper()
	var out []*bianque.AuditEntry
	if err := f.st.ScanAudit(context.Background(), tenantID, func(e *bianque.AuditEntry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}
