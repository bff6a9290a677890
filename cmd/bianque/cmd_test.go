package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"bianque"
	"bianque/auth"
	"bianque/service"
	"bianque/sqlite"
)

var cheap = auth.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// runCmd runs the command line args and returns the exit status and output.
func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &cmdEnv{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

// auditedDatabase makes a SQLite database under dir with a few audited
// changes on the platform chain and one tenant's chain.
func auditedDatabase(t *testing.T, dir string) *bianque.Tenant {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir+"/bianque.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opts := service.Options{Argon2: cheap}
	if _, _, err := service.Bootstrap(ctx, st, opts, "root"); err != nil {
		t.Fatal(err)
	}
	root, _ := st.UserByUsername(ctx, "root")
	svc := service.New(st, opts)
	rctx := bianque.NewContextWithPrincipal(ctx, root.Principal())
	tn := &bianque.Tenant{Code: "verify-h", Name: "Verify"}
	if err := svc.Tenants.CreateTenant(rctx, tn); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		tk := &bianque.Ticket{TenantID: tn.ID, Type: bianque.TicketThreat, Title: "t"}
		root.Tenants = []string{tn.ID}
		p := root.Principal()
		p.Role = bianque.RoleExpert // an expert on this tenant raises tickets
		if err := svc.Tickets.CreateTicket(bianque.NewContextWithPrincipal(ctx, p), tk); err != nil {
			t.Fatal(err)
		}
	}
	return tn
}

func exec(t *testing.T, path, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows", query, n)
	}
}

// "bianque audit verify" passes on an intact database and fails, listing
// the problem, once a row is edited or deleted behind the platform's back.
func TestAuditVerify(t *testing.T) {
	for _, tc := range []struct {
		name, query, want string
	}{
		{"edited detail", `UPDATE audit_entries SET detail = '{"number":99}' WHERE tenant_id = ? AND seq = 2`, "entry 2: entry content does not match its hash (edited)"},
		{"edited actor", `UPDATE audit_entries SET actor_name = 'mallory' WHERE tenant_id = ? AND seq = 3`, "entry 3: entry content does not match its hash"},
		{"deleted entry", `DELETE FROM audit_entries WHERE tenant_id = ? AND seq = 2`, "entry 3: sequence gap: expected 2"},
		{"deleted newest entry", `DELETE FROM audit_entries WHERE tenant_id = ? AND seq = 4`, "entry 4: chain head (seq 4) does not match the last entry (seq 3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tn := auditedDatabase(t, dir)
			code, out, errOut := runCmd(t, nil, "audit", "verify", "--data", dir)
			if code != 0 || !strings.Contains(out, "0 problems") {
				t.Fatalf("intact database: exit %d\n%s%s", code, out, errOut)
			}
			exec(t, dir+"/bianque.db", tc.query, tn.ID)
			code, out, errOut = runCmd(t, map[string]string{"BIANQUE_DATA": dir}, "audit", "verify")
			if code != 1 || !strings.Contains(out, "tenant "+tn.ID+", "+tc.want) || !strings.Contains(errOut, "verification failed") {
				t.Fatalf("tampered database: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
}

func TestAuditVerifyUsage(t *testing.T) {
	if code, _, _ := runCmd(t, nil, "audit"); code != 2 {
		t.Fatalf("bianque audit without verify: exit %d", code)
	}
	if code, _, errOut := runCmd(t, nil, "audit", "verify", "--db", "mysql://x"); code != 1 || !strings.Contains(errOut, "--db") {
		t.Fatalf("unknown database: exit %d %s", code, errOut)
	}
}
