package demo

import (
	"context"
	"testing"
	"time"

	"bianque"
	"bianque/auth"
	"bianque/service"
	"bianque/sqlite"
)

var cheap = auth.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/demo.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)
	res, err := Seed(ctx, st, now, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || len(res.Tenants) != 2 || len(res.Accounts) != len(people) {
		t.Fatalf("seed result: created=%v tenants=%d accounts=%d", res.Created, len(res.Tenants), len(res.Accounts))
	}
	if _, err := st.UserByUsername(ctx, "bootstrap"); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("the bootstrap account must be gone: %v", err)
	}
	states := map[bianque.TicketState]int{}
	for _, tn := range res.Tenants {
		ts, _, err := st.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{tn.ID}, Page: bianque.Page{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) < 15 {
			t.Fatalf("%s: only %d tickets", tn.Code, len(ts))
		}
		for _, tk := range ts {
			states[tk.State]++
			if tk.CreatedAt.After(now) || tk.CreatedAt.Before(now.AddDate(0, 0, -31)) {
				t.Fatalf("ticket raised at %v, outside the demo month", tk.CreatedAt)
			}
		}
		as, _, err := st.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{tn.ID}, Page: bianque.Page{Limit: 100}})
		if err != nil || len(as) < 10 {
			t.Fatalf("%s: %d assets, %v", tn.Code, len(as), err)
		}
	}
	for _, s := range []bianque.TicketState{bianque.StateNew, bianque.StateTriaged, bianque.StateClosed} {
		if states[s] == 0 {
			t.Errorf("no demo ticket is %s: %v", s, states)
		}
	}
	rep, err := service.VerifyAudit(ctx, st, nil)
	if err != nil || !rep.OK() || rep.Entries < 100 {
		t.Fatalf("audit after seeding: %+v %v", rep, err)
	}

	// The printed credentials work: password and a TOTP code of the printed secret.
	svc := service.New(st, service.Options{Argon2: cheap})
	acc := res.Accounts[2]
	lr, err := svc.Auth.Login(ctx, bianque.LoginRequest{Username: acc.Username, Password: res.Password, SourceIP: "127.0.0.1"})
	if err != nil || !lr.NeedTOTP {
		t.Fatalf("login %s: %+v %v", acc.Username, lr, err)
	}
	secret, _ := auth.ParseTOTPSecret(acc.TOTPSecret)
	if _, err := svc.Auth.VerifyTOTP(ctx, lr.Token, auth.TOTP{Secret: secret}.Code(time.Now()), "127.0.0.1"); err != nil {
		t.Fatalf("TOTP of the printed secret: %v", err)
	}

	// A second start keeps the data and issues new credentials.
	again, err := Seed(ctx, st, now.Add(time.Hour), cheap)
	if err != nil || again.Created || again.Password == res.Password || again.Accounts[2].TOTPSecret == acc.TOTPSecret {
		t.Fatalf("re-seed: %+v %v", again, err)
	}
}
