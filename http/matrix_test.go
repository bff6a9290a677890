package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/auth"
	"bianque/discover"
	bqhttp "bianque/http"
	"bianque/internal/testutil"
	"bianque/postgres"
	"bianque/service"
	"bianque/sqlite"
	"bianque/storetest"
)

// The authorization matrix (acceptance of R1.3, R15.3): every API route ×
// every role × the role's own tenant and a foreign one. For each case the
// expected outcome is derived from role.go alone — the route's scope and
// permission, the principal's tenants — and the test asserts that
//
//   - the status is exactly that: success, 403 for a visible tenant without
//     the permission, 404 for a tenant the caller cannot see;
//   - no response of someone who may not see tenant B contains anything of
//     B (its ID, or the marker every B record carries);
//   - nothing of B changed (tenant, accounts, tickets, assets, and its audit
//     chain, which records every write and every provider read).
//
// A route without a case makes the test fail, so new routes join the matrix.

const bMarker = "zz-b-marker"

type matrixEnv struct {
	t     *testing.T
	st    bianque.Store
	svc   *service.Services
	srv   *bqhttp.Server
	clk   *testutil.FakeClock
	a, b  *bianque.Tenant
	users map[string]*bianque.User // by name: roles (in A), b-admin, b-expert, b-manager
	sess  map[string][2]string     // name → cookie token, CSRF token
	n     int
	disc  *service.DiscoveryService
	// devices holds the key of each tenant's discovered device (foreign → key).
	devices map[bool]string
	// eventRefs holds the ref of a stored event of each tenant (foreign → ref).
	eventRefs map[bool]string
}

func (e *matrixEnv) ctxOf(name string) context.Context {
	p := e.users[name].Principal()
	p.SourceIP = "127.0.0.1"
	return bianque.NewContextWithPrincipal(context.Background(), p)
}

func (e *matrixEnv) uniq(prefix string) string {
	e.n++
	return fmt.Sprintf("%s-%d", prefix, e.n)
}

const pw = "Matrix-Pass-77"

var cheap = auth.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func newMatrixEnv(t *testing.T, backend string) *matrixEnv {
	ctx := context.Background()
	clk := testutil.NewFakeClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	var st bianque.Store
	if backend == "postgres" {
		st = storetest.NewPostgres(t, postgres.WithClock(clk))
	} else {
		st = storetest.NewSQLite(t, sqlite.WithClock(clk))
	}
	opts := service.Options{Clock: clk, Argon2: cheap, LockoutThreshold: 1000}
	svc := service.New(st, opts)
	components := componentService(t, st, clk)
	// Retests re-probe through a prober; the matrix checks who may ask, so
	// this one reports every finding gone without touching the network.
	findings := service.NewFindingService(svc, nil, func(ctx context.Context, f *bianque.Finding) (bool, string, error) {
		return false, "gone (matrix prober)", nil
	})
	scans := service.NewScanService(svc, findings)
	scans.BannerWait, scans.DialTimeout, scans.PollInterval = 100*time.Millisecond, 200*time.Millisecond, 20*time.Millisecond
	t.Cleanup(scans.Wait)
	alerts, rules, iocs := detectionServices(t, st, svc, clk)
	disc, err := service.NewDiscoveryService(svc, service.NewAlertService(svc))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := bqhttp.New(bqhttp.Config{Clock: clk, SignInRate: -1, Services: bqhttp.Services{Auth: svc.Auth, Tenants: svc.Tenants, Users: svc.Users,
		Tickets: svc.Tickets, Assets: svc.Assets, Audit: svc.Audit, Dashboard: svc.Dashboard, Findings: findings, Scans: scans, Discovery: disc,
		Alerts: alerts, Rules: rules, Indicators: iocs, Components: components, DeadLetters: components,
		Events: service.NewEventService(svc), Export: service.NewExportService(svc)}})
	if err != nil {
		t.Fatal(err)
	}
	e := &matrixEnv{t: t, st: st, svc: svc, srv: srv, clk: clk, users: map[string]*bianque.User{}, sess: map[string][2]string{}, disc: disc,
		devices: map[bool]string{}, eventRefs: map[bool]string{}}
	if _, _, err := service.Bootstrap(ctx, st, opts, "root"); err != nil {
		t.Fatal(err)
	}
	e.users["root"], _ = st.UserByUsername(ctx, "root")
	e.a = &bianque.Tenant{Code: "hosp-a", Name: "Hospital A"}
	e.b = &bianque.Tenant{Code: "hosp-b", Name: "Hospital B " + bMarker}
	for _, tn := range []*bianque.Tenant{e.a, e.b} {
		if err := svc.Tenants.CreateTenant(e.ctxOf("root"), tn); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range bianque.Roles {
		u := &bianque.User{Username: string(r), DisplayName: string(r), Role: r}
		if r.IsHospital() {
			u.TenantID = e.a.ID
		} else {
			u.Tenants = []string{e.a.ID}
		}
		e.createUser(u)
	}
	e.createUser(&bianque.User{Username: "b-admin", DisplayName: "B admin " + bMarker, Role: bianque.RoleHospitalAdmin, TenantID: e.b.ID})
	e.createUser(&bianque.User{Username: "b-expert", DisplayName: "B expert " + bMarker, Role: bianque.RoleExpert, Tenants: []string{e.b.ID}})
	e.createUser(&bianque.User{Username: "b-manager", DisplayName: "B manager " + bMarker, Role: bianque.RoleServiceManager, Tenants: []string{e.b.ID}})
	for _, r := range bianque.Roles {
		e.sess[string(r)] = e.signIn(string(r))
	}
	return e
}

func (e *matrixEnv) createUser(u *bianque.User) *bianque.User {
	e.t.Helper()
	if err := e.svc.Users.CreateUser(e.ctxOf("root"), u, pw); err != nil {
		e.t.Fatalf("create %s: %v", u.Username, err)
	}
	e.users[u.Username] = u
	return u
}

// signIn runs the whole sign-in of an account (enrolling it) and returns
// its cookie and CSRF token.
func (e *matrixEnv) signIn(name string) [2]string {
	e.t.Helper()
	ctx := context.Background()
	res, err := e.svc.Auth.Login(ctx, bianque.LoginRequest{Username: name, Password: pw, SourceIP: "127.0.0.1"})
	if err != nil {
		e.t.Fatalf("login %s: %v", name, err)
	}
	enr, err := e.svc.Auth.BeginEnrolment(ctx, res.Token)
	if err != nil {
		e.t.Fatalf("enrol %s: %v", name, err)
	}
	raw, _ := auth.ParseTOTPSecret(enr.Secret)
	done, err := e.svc.Auth.VerifyTOTP(ctx, res.Token, auth.TOTP{Secret: raw}.Code(e.clk.Now()), "127.0.0.1")
	if err != nil {
		e.t.Fatalf("TOTP %s: %v", name, err)
	}
	return [2]string{done.Token, done.Session.CSRFToken}
}

// tenantOf returns the tenant and, for building fixtures in it, the names
// of its hospital administrator, expert and service manager.
func (e *matrixEnv) side(foreign bool) (tn *bianque.Tenant, hadmin, expert, manager string) {
	if foreign {
		return e.b, "b-admin", "b-expert", "b-manager"
	}
	return e.a, "hospital_admin", "expert", "service_manager"
}

func (e *matrixEnv) title(foreign bool, s string) string {
	if foreign {
		return s + " " + bMarker
	}
	return s
}

// ticketIn returns a fresh ticket of the tenant in state s.
func (e *matrixEnv) ticketIn(foreign bool, s bianque.TicketState) *bianque.Ticket {
	e.t.Helper()
	tn, hadmin, expert, _ := e.side(foreign)
	ctx := e.ctxOf(expert)
	tk := &bianque.Ticket{TenantID: tn.ID, Type: bianque.TicketThreat, Severity: bianque.SeverityMajor, Title: e.title(foreign, "ticket")}
	if err := e.svc.Tickets.CreateTicket(ctx, tk); err != nil {
		e.t.Fatal(err)
	}
	var path []bianque.TicketAction
	switch s {
	case bianque.StateNew:
	case bianque.StateTriaged:
		path = []bianque.TicketAction{bianque.ActionAcknowledge}
	case bianque.StateConfirmed:
		path = []bianque.TicketAction{bianque.ActionAcknowledge, bianque.ActionConfirm}
	case bianque.StateEscalated:
		path = []bianque.TicketAction{bianque.ActionAcknowledge, bianque.ActionEscalate}
	case bianque.StateFalsePositive:
		path = []bianque.TicketAction{bianque.ActionFalsePositive}
	case bianque.StateContained:
		path = []bianque.TicketAction{bianque.ActionAcknowledge, bianque.ActionConfirm, bianque.ActionContain}
	case bianque.StateClosed:
		path = []bianque.TicketAction{bianque.ActionAcknowledge, bianque.ActionConfirm, bianque.ActionContain, bianque.ActionClose}
	}
	_ = hadmin
	for _, a := range path {
		if _, err := e.svc.Tickets.Act(ctx, tn.ID, tk.ID, a, "fixture"); err != nil {
			e.t.Fatalf("fixture %s: %v", a, err)
		}
	}
	got, _ := e.st.Ticket(context.Background(), tn.ID, tk.ID)
	return got
}

func (e *matrixEnv) assetIn(foreign bool) *bianque.Asset {
	e.t.Helper()
	tn, _, _, manager := e.side(foreign)
	a := &bianque.Asset{TenantID: tn.ID, Name: e.title(foreign, e.uniq("server")), Kind: bianque.AssetServer, IPs: []string{"10.0.0.9"}, Importance: 3}
	if err := e.svc.Assets.CreateAsset(e.ctxOf(manager), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// findingIn returns a fresh open finding of the tenant (on port 445).
func (e *matrixEnv) findingIn(foreign bool) *bianque.Finding {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	f := &bianque.Finding{TenantID: tn.ID, Title: e.title(foreign, e.uniq("SMBv1")), Severity: bianque.VulnHigh, Scanner: "nessus",
		PluginID: e.uniq("p"), Host: "10.0.0.9", Port: 445, Protocol: "tcp", CVEs: []string{"CVE-2017-0144"}, Count: 1}
	if _, err := e.st.(bianque.FindingStore).UpsertFinding(context.Background(), f); err != nil {
		e.t.Fatal(err)
	}
	return f
}

// scopeIn returns a fresh scan scope of the tenant authorising 127.0.0.1.
func (e *matrixEnv) scopeIn(foreign bool) *bianque.ScanScope {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	sc := &bianque.ScanScope{TenantID: tn.ID, Name: e.title(foreign, e.uniq("scope")), Include: []string{"127.0.0.1"}}
	if err := e.st.(bianque.ScanStore).CreateScanScope(context.Background(), sc); err != nil {
		e.t.Fatal(err)
	}
	return sc
}

// jobIn returns a scan job record of the tenant in state st.
func (e *matrixEnv) jobIn(foreign bool, st bianque.ScanJobState) *bianque.ScanJob {
	e.t.Helper()
	sc := e.scopeIn(foreign)
	j := &bianque.ScanJob{TenantID: sc.TenantID, Spec: bianque.ScanJobSpec{ScopeID: sc.ID, Ports: "1"}, ScopeName: sc.Name, State: st}
	if err := e.st.(bianque.ScanStore).CreateScanJob(context.Background(), j); err != nil {
		e.t.Fatal(err)
	}
	return j
}

// patchIn returns a requested virtual patch of a fresh finding of the tenant.
func (e *matrixEnv) patchIn(foreign bool) *bianque.VirtualPatch {
	e.t.Helper()
	f := e.findingIn(foreign)
	v := &bianque.VirtualPatch{TenantID: f.TenantID, FindingID: f.ID, Host: f.Host, Port: f.Port, Protocol: "tcp", Direction: "inbound",
		Title: f.Title, CVEs: f.CVEs, Reason: "matrix", State: bianque.PatchRequested, RequestedBy: "x"}
	if err := e.st.(bianque.ScanStore).CreateVirtualPatch(context.Background(), v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// deviceIn returns the key of a device discovered in the tenant: a CT
// storing images on a PACS, handed in as a sensor would.
func (e *matrixEnv) deviceIn(foreign bool) string {
	e.t.Helper()
	if k, ok := e.devices[foreign]; ok {
		return k
	}
	tn, _, _, manager := e.side(foreign)
	now := e.clk.Now()
	ct := discover.Device{IP: "10.1.0.10", MACs: []string{"02:00:00:00:00:10"}, MAC: "02:00:00:00:00:10", Address: discover.AddrUnicast,
		Vendor: "SIEMENS", Names: []string{e.title(foreign, "CT01")}, DeviceType: "ct", Kind: "medical", Confidence: 0.9,
		Medical: &bianque.MedicalProfile{FDAClass: 2, PHI: "large", Disruption: "care"}, MedicalInferred: true, PHI: "large",
		Identities: discover.Identities{"dicom": {"calling_ae": {"CT01"}}}, FirstSeen: now, LastSeen: now}
	pacs := discover.Device{IP: "10.1.0.50", Address: discover.AddrUnicast, DeviceType: "pacs", Kind: "server", PHI: "large",
		Identities: discover.Identities{}, FirstSeen: now, LastSeen: now}
	fl := discover.Flow{Client: ct.IP, Server: pacs.IP, Transport: "tcp", Port: 104, App: []string{"dicom"}, Category: "clinical",
		Clinical: true, PHI: true, Connections: 1, Packets: 10, Bytes: 1000, FirstSeen: now, LastSeen: now}
	if err := e.disc.Ingest(e.ctxOf(manager), tn.ID, "matrix-sensor", now, []discover.Device{ct, pacs}, []discover.Flow{fl}); err != nil {
		e.t.Fatal(err)
	}
	e.devices[foreign] = ct.IP
	return ct.IP
}

func findingPathOf(f *bianque.Finding, rest string) string {
	return "/api/v1/tenants/" + f.TenantID + "/findings/" + f.ID + rest
}

// hospitalUserIn returns a fresh hospital viewer account of the tenant.
func (e *matrixEnv) hospitalUserIn(foreign bool) *bianque.User {
	tn, _, _, _ := e.side(foreign)
	return e.createUser(&bianque.User{Username: e.uniq("viewer"), DisplayName: e.title(foreign, "viewer"), Role: bianque.RoleHospitalViewer, TenantID: tn.ID})
}

// request is one case: what to send and, where it differs from the route's
// declaration, the permission it needs.
type request struct {
	method, path string
	body         any
	perm         bianque.Permission // "" = the route's
	// filteredList: a list call that names nothing of B; it succeeds and
	// must simply not show B.
	filteredList bool
	// fresh: sign in a new session of the role for this case (sign-out ends it).
	fresh   bool
	pending bool // the fresh session stops before MFA
	// newAccount: the fresh session is of a new, not yet enrolled account of the role.
	newAccount bool
	public     bool // no credentials
	// expectNotFound: the request names a record of another account or
	// tenant that no role reaches through this route.
	expectNotFound bool
}

type caseFunc func(e *matrixEnv, role bianque.Role, foreign bool) []request

func tenantPath(tn *bianque.Tenant, rest string) string { return "/api/v1/tenants/" + tn.ID + rest }

func ticketCases(build func(e *matrixEnv, foreign bool) request) caseFunc {
	return func(e *matrixEnv, role bianque.Role, foreign bool) []request { return []request{build(e, foreign)} }
}

var matrixCases = map[string]caseFunc{
	"components.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		e.componentIn(foreign, bianque.ComponentApproved)
		return []request{{method: "GET", path: tenantPath(tn, "/components?state=approved,pending")}}
	},
	"components.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		c := e.componentIn(foreign, bianque.ComponentApproved)
		return []request{{method: "GET", path: "/api/v1/tenants/" + c.TenantID + "/components/" + c.ID}}
	},
	"components.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "POST", path: tenantPath(tn, "/components"), body: map[string]string{"name": e.uniq("edr"), "kind": "edr", "product": "sysmon"}}}
	},
	"components.approve": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		c := e.componentIn(foreign, bianque.ComponentPending)
		return []request{{method: "POST", path: "/api/v1/tenants/" + c.TenantID + "/components/" + c.ID + "/approve"}}
	},
	"components.reject": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		c := e.componentIn(foreign, bianque.ComponentPending)
		return []request{{method: "POST", path: "/api/v1/tenants/" + c.TenantID + "/components/" + c.ID + "/reject"}}
	},
	"components.revoke": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		c := e.componentIn(foreign, bianque.ComponentApproved)
		return []request{{method: "POST", path: "/api/v1/tenants/" + c.TenantID + "/components/" + c.ID + "/revoke"}}
	},
	"deadletters.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		e.deadLetterIn(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/dead-letters?stage=parse")}}
	},
	"deadletters.count": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/dead-letters/count")}}
	},
	"auth.login": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"username": string(role), "password": pw}, public: true}}
	},
	"auth.enrol": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: "/api/v1/auth/enrol", fresh: true, pending: true, newAccount: true}}
	},
	"auth.totp": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: "/api/v1/auth/totp", fresh: true, pending: true, body: "totp"}}
	},
	"auth.logout": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: "/api/v1/auth/logout", fresh: true}}
	},
	"me.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "GET", path: "/api/v1/me"}}
	},
	"me.password": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "PUT", path: "/api/v1/me/password", body: map[string]string{"password": pw}}}
	},
	"me.tokens.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "GET", path: "/api/v1/me/tokens"}}
	},
	"me.tokens.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: "/api/v1/me/tokens", body: map[string]any{"name": e.uniq("token")}}}
	},
	"me.tokens.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		owner := string(role)
		if foreign {
			owner = "b-expert" // someone else's token is never reachable
		}
		tok := &bianque.APIToken{Name: e.uniq("tok")}
		if _, err := e.svc.Users.CreateAPIToken(e.ctxOf(owner), tok); err != nil {
			e.t.Fatal(err)
		}
		return []request{{method: "DELETE", path: "/api/v1/me/tokens/" + tok.ID, expectNotFound: foreign}}
	},
	"tenants.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		if foreign {
			return []request{{method: "GET", path: "/api/v1/tenants?code=hosp-b", filteredList: true}}
		}
		return []request{{method: "GET", path: "/api/v1/tenants"}}
	},
	"tenants.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: "/api/v1/tenants", body: map[string]any{"code": e.uniq("new"), "name": "New hospital"}}}
	},
	"tenants.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "")}}
	},
	"tenants.update": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		cur, _ := e.st.Tenant(context.Background(), tn.ID)
		cur.Contract.Targets[0].Within = bianque.Duration(time.Duration(40+e.n%10) * time.Minute)
		e.n++
		return []request{{method: "PUT", path: tenantPath(tn, ""), body: cur}}
	},
	"tenants.purge": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		c := &bianque.Tenant{Code: e.uniq("gone"), Name: "To purge", Disabled: true}
		if err := e.svc.Tenants.CreateTenant(e.ctxOf("root"), c); err != nil {
			e.t.Fatal(err)
		}
		return []request{{method: "DELETE", path: tenantPath(c, "?confirm="+c.Code)}}
	},
	"users.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: "/api/v1/users?tenant=" + tn.ID}}
	},
	"users.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "POST", path: "/api/v1/users", body: map[string]any{"username": e.uniq("created"), "display_name": "x",
			"role": "hospital_viewer", "tenant_id": tn.ID, "password": pw}}}
	},
	"users.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "GET", path: "/api/v1/users/" + e.hospitalUserIn(foreign).ID}}
	},
	"users.update": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		u := e.hospitalUserIn(foreign)
		return []request{{method: "PUT", path: "/api/v1/users/" + u.ID, body: map[string]any{"username": u.Username, "display_name": "renamed",
			"role": u.Role, "tenant_id": u.TenantID}}}
	},
	"users.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "DELETE", path: "/api/v1/users/" + e.hospitalUserIn(foreign).ID}}
	},
	"users.password": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "PUT", path: "/api/v1/users/" + e.hospitalUserIn(foreign).ID + "/password", body: map[string]string{"password": "Reset-Pass-123"}}}
	},
	"users.mfa_reset": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "DELETE", path: "/api/v1/users/" + e.hospitalUserIn(foreign).ID + "/mfa"}}
	},
	"tickets.search": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: "/api/v1/tickets?tenant=" + tn.ID}}
	},
	"tickets.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/tickets")}}
	},
	"tickets.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "POST", path: tenantPath(tn, "/tickets"), body: map[string]any{"type": "emergency", "title": "help"}}}
	},
	"tickets.get": ticketCases(func(e *matrixEnv, foreign bool) request {
		tk := e.ticketIn(foreign, bianque.StateNew)
		return request{method: "GET", path: tenantPathID(tk, "")}
	}),
	"tickets.timeline": ticketCases(func(e *matrixEnv, foreign bool) request {
		return request{method: "GET", path: tenantPathID(e.ticketIn(foreign, bianque.StateTriaged), "/timeline")}
	}),
	"tickets.sla": ticketCases(func(e *matrixEnv, foreign bool) request {
		return request{method: "GET", path: tenantPathID(e.ticketIn(foreign, bianque.StateNew), "/sla")}
	}),
	"tickets.act": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		// One case per transition of the state machine, from its first source state.
		var out []request
		for _, tr := range bianque.TicketTransitions() {
			tk := e.ticketIn(foreign, tr.From[0])
			out = append(out, request{method: "POST", path: tenantPathID(tk, "/actions"), perm: tr.Permission,
				body: map[string]string{"action": string(tr.Action), "note": "matrix"}})
		}
		return out
	},
	"tickets.assign": ticketCases(func(e *matrixEnv, foreign bool) request {
		_, _, expert, _ := e.side(foreign)
		return request{method: "POST", path: tenantPathID(e.ticketIn(foreign, bianque.StateTriaged), "/assign"),
			body: map[string]any{"assignee_id": e.users[expert].ID, "tier": 2}}
	}),
	"tickets.comment": ticketCases(func(e *matrixEnv, foreign bool) request {
		return request{method: "POST", path: tenantPathID(e.ticketIn(foreign, bianque.StateNew), "/comments"), body: map[string]string{"note": "hello"}}
	}),
	"tickets.attainment": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/attainment")}}
	},
	"dashboard.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: "/api/v1/dashboard?tenant=" + tn.ID}}
	},
	"assets.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/assets")}}
	},
	"assets.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "POST", path: tenantPath(tn, "/assets"), body: map[string]any{"name": "new box", "kind": "server", "importance": 2, "ips": []string{"10.9.9.9"}}}}
	},
	"assets.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		a := e.assetIn(foreign)
		return []request{{method: "GET", path: "/api/v1/tenants/" + a.TenantID + "/assets/" + a.ID}}
	},
	"assets.update": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		a := e.assetIn(foreign)
		cur, _ := e.st.Asset(context.Background(), a.TenantID, a.ID)
		cur.Department = "changed"
		return []request{{method: "PUT", path: "/api/v1/tenants/" + a.TenantID + "/assets/" + a.ID, body: cur}}
	},
	"assets.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		a := e.assetIn(foreign)
		return []request{{method: "DELETE", path: "/api/v1/tenants/" + a.TenantID + "/assets/" + a.ID}}
	},
	"findings.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/findings?overdue=false&severity=high")}}
	},
	"findings.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "GET", path: findingPathOf(e.findingIn(foreign), "")}}
	},
	"findings.history": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "GET", path: findingPathOf(e.findingIn(foreign), "/history")}}
	},
	"findings.act": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		until := e.clk.Now().Add(30 * 24 * time.Hour)
		return []request{
			{method: "POST", path: findingPathOf(e.findingIn(foreign), "/actions"), body: map[string]any{"action": "start_fix"}},
			{method: "POST", path: findingPathOf(e.findingIn(foreign), "/actions"), body: map[string]any{"action": "accept_risk", "reason": "matrix", "until": until}},
		}
	},
	"findings.retest": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: findingPathOf(e.findingIn(foreign), "/retest")}}
	},
	"findings.protect": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "POST", path: findingPathOf(e.findingIn(foreign), "/protect"), body: map[string]any{"reason": "matrix"}}}
	},
	"virtual_patches.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/virtual-patches?state=requested")}}
	},
	"virtual_patches.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		v := e.patchIn(foreign)
		return []request{{method: "GET", path: "/api/v1/tenants/" + v.TenantID + "/virtual-patches/" + v.ID}}
	},
	"virtual_patches.state": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		v := e.patchIn(foreign)
		return []request{{method: "POST", path: "/api/v1/tenants/" + v.TenantID + "/virtual-patches/" + v.ID + "/state", body: map[string]any{"state": "in_progress"}}}
	},
	"scan_scopes.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/scan-scopes")}}
	},
	"scan_scopes.create": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "POST", path: tenantPath(tn, "/scan-scopes"), body: map[string]any{"name": "wards", "include": []string{"10.20.0.0/16"},
			"exclude": []string{"10.20.9.0/24"}, "windows": []map[string]any{{"weekdays": []int{6, 0}, "start": "22:00", "end": "06:00"}}, "time_zone": "Asia/Shanghai"}}}
	},
	"scan_scopes.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		sc := e.scopeIn(foreign)
		return []request{{method: "GET", path: "/api/v1/tenants/" + sc.TenantID + "/scan-scopes/" + sc.ID}}
	},
	"scan_scopes.update": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		sc := e.scopeIn(foreign)
		body := *sc
		body.Exclude = []string{"127.0.0.2"}
		return []request{{method: "PUT", path: "/api/v1/tenants/" + sc.TenantID + "/scan-scopes/" + sc.ID, body: body}}
	},
	"scan_scopes.delete": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		sc := e.scopeIn(foreign)
		return []request{{method: "DELETE", path: "/api/v1/tenants/" + sc.TenantID + "/scan-scopes/" + sc.ID}}
	},
	"scans.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/scans")}}
	},
	"scans.start": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		sc := e.scopeIn(foreign)
		return []request{{method: "POST", path: "/api/v1/tenants/" + sc.TenantID + "/scans", body: map[string]any{"scope_id": sc.ID, "targets": "127.0.0.1", "ports": "1"}}}
	},
	"scans.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		j := e.jobIn(foreign, bianque.ScanDone)
		return []request{{method: "GET", path: "/api/v1/tenants/" + j.TenantID + "/scans/" + j.ID}}
	},
	"scans.cancel": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		j := e.jobIn(foreign, bianque.ScanRunning)
		return []request{{method: "POST", path: "/api/v1/tenants/" + j.TenantID + "/scans/" + j.ID + "/cancel"}}
	},
	"scans.override": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		a := &bianque.Asset{TenantID: tn.ID, Name: e.title(foreign, e.uniq("pump")), Kind: bianque.AssetMedical, IPs: []string{"10.0.0.7"}, Importance: 5,
			Medical: &bianque.MedicalProfile{LifeSupporting: true}}
		if err := e.st.CreateAsset(context.Background(), a); err != nil {
			e.t.Fatal(err)
		}
		return []request{{method: "POST", path: "/api/v1/tenants/" + tn.ID + "/assets/" + a.ID + "/scan-override", body: map[string]any{"allow": true, "reason": "vendor present"}}}
	},
	"exposure.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/exposure")}}
	},
	"devices.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		e.deviceIn(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/devices?medical=true&risk=below")}}
	},
	"devices.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/devices/"+e.deviceIn(foreign))}}
	},
	"devices.peers": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/devices/"+e.deviceIn(foreign)+"/peers")}}
	},
	"devices.profile": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "PUT", path: tenantPath(tn, "/devices/"+e.deviceIn(foreign)+"/profile"),
			body: map[string]any{"fda_class": 2, "phi": "large", "life_supporting": false, "disruption": "care", "managed_by": "clinical_engineering"}}}
	},
	"device_anomalies.list": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/device-anomalies?device="+e.deviceIn(foreign))}}
	},
	"discovery_settings.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/discovery-settings")}}
	},
	"discovery_settings.update": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		e.deviceIn(foreign)
		cur, err := e.disc.Store().Settings(context.Background(), tn.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		e.n++
		return []request{{method: "PUT", path: tenantPath(tn, "/discovery-settings"), body: map[string]any{"version": cur.Version,
			"risk_threshold": 30 + e.n%20, "site_map": map[string]any{"entries": []map[string]any{{"subnet": "10.1.0.0/24", "department": "Radiology"}}}}}}
	},
	"segmentation.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		e.deviceIn(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/segmentation?format=nft")}}
	},
	"segmentation.check": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		e.deviceIn(foreign)
		return []request{{method: "POST", path: tenantPath(tn, "/segmentation/check"),
			body: map[string]any{"acl_csv": "action,source,destination,protocol,port\ndeny,any,10.1.0.50,tcp,104\n"}}}
	},
	"audit.platform": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "GET", path: "/api/v1/audit"}}
	},
	"audit.tenant": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		tn, _, _, _ := e.side(foreign)
		return []request{{method: "GET", path: tenantPath(tn, "/audit")}}
	},
	"audit.verify": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
		return []request{{method: "GET", path: "/api/v1/audit/verify"}}
	},
}

func tenantPathID(tk *bianque.Ticket, rest string) string {
	return "/api/v1/tenants/" + tk.TenantID + "/tickets/" + tk.ID + rest
}

// expect derives the outcome from role.go: the route's scope and
// permission, and the tenants the role's account (assigned to A) sees.
// platformWide reports an allowed case that reaches beyond the account's
// tenants by a platform permission.
func expect(rt *bqhttp.Route, rq request, role bianque.Role, foreign bool) (status int, platformWide bool) {
	perm := rt.Perm
	if rq.perm != "" {
		perm = rq.perm
	}
	ok := rt.Status
	switch {
	case rq.expectNotFound:
		return http.StatusNotFound, false
	case rq.filteredList:
		if !role.IsHospital() && rt.PlatformPerm != "" && role.HasPermission(rt.PlatformPerm) {
			return ok, true
		}
		return ok, false
	}
	platform := !role.IsHospital() && role.HasPermission(perm)
	switch rt.Scope {
	case bqhttp.ScopeNone:
		return ok, false
	case bqhttp.ScopePlatform:
		if platform {
			return ok, true
		}
		return http.StatusForbidden, false
	case bqhttp.ScopeTenantOrPlatform:
		if !role.IsHospital() && role.HasPermission(rt.PlatformPerm) {
			return ok, true
		}
	}
	if foreign {
		return http.StatusNotFound, false
	}
	if !role.HasPermission(perm) {
		return http.StatusForbidden, false
	}
	return ok, false
}

// snapshotB captures everything of tenant B that a request could change.
func (e *matrixEnv) snapshotB() string {
	ctx := context.Background()
	var b strings.Builder
	tn, err := e.st.Tenant(ctx, e.b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	j, _ := json.Marshal(tn)
	b.Write(j)
	ts, _, _ := e.st.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{e.b.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, t := range ts {
		fmt.Fprintf(&b, "|t %s %d %s %s", t.ID, t.Version, t.State, t.AssigneeID)
	}
	us, _, _ := e.st.Users(ctx, bianque.UserFilter{TenantID: e.b.ID, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, u := range us {
		fmt.Fprintf(&b, "|u %s %s %s %v %v %s %d", u.ID, u.UpdatedAt, u.PasswordHash, u.MFAEnrolled, u.Disabled, u.DisplayName, len(u.Tenants))
	}
	as, _, _ := e.st.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{e.b.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, a := range as {
		fmt.Fprintf(&b, "|a %s %d", a.ID, a.Version)
	}
	cs, _, _ := e.st.(bianque.ComponentStore).Components(ctx, bianque.ComponentFilter{TenantIDs: []string{e.b.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, c := range cs {
		fmt.Fprintf(&b, "|c %s %d %s", c.ID, c.Version, c.State)
	}
	fs, _, _ := e.st.(bianque.FindingStore).Findings(ctx, bianque.FindingFilter{TenantIDs: []string{e.b.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, f := range fs {
		fmt.Fprintf(&b, "|f %s %d %s", f.ID, f.Version, f.State)
	}
	ss := e.st.(bianque.ScanStore)
	scopes, _ := ss.ScanScopes(ctx, e.b.ID)
	for _, sc := range scopes {
		fmt.Fprintf(&b, "|s %s %d", sc.ID, sc.Version)
	}
	jobs, _, _ := ss.ScanJobs(ctx, bianque.ScanJobFilter{TenantIDs: []string{e.b.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, j := range jobs {
		fmt.Fprintf(&b, "|j %s %d %s", j.ID, j.Version, j.State)
	}
	vps, _, _ := ss.VirtualPatches(ctx, bianque.VirtualPatchFilter{TenantIDs: []string{e.b.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	for _, v := range vps {
		fmt.Fprintf(&b, "|v %s %d %s", v.ID, v.Version, v.State)
	}
	b.WriteString(e.detectionSnapshotB())
	if e.disc != nil {
		rows, _ := e.disc.Store().DeviceRows(ctx, e.b.ID)
		for _, r := range rows {
			fmt.Fprintf(&b, "|d %s %s %s %+v", r.Key, r.AssetID, r.LastSeen, r.Summary.Location)
		}
		if st, err := e.disc.Store().Settings(ctx, e.b.ID); err == nil {
			fmt.Fprintf(&b, "|ds %d", st.Version)
		}
	}
	if parts, err := e.st.(bianque.EventStore).EventPartitions(ctx, e.b.ID); err == nil {
		for _, p := range parts {
			fmt.Fprintf(&b, "|ev %s %d", p.Day.Format("2006-01-02"), p.Events)
		}
	}
	heads, _ := e.st.AuditHeads(ctx)
	for _, h := range heads {
		if h.TenantID == e.b.ID {
			fmt.Fprintf(&b, "|audit %d", h.Seq)
		}
	}
	return b.String()
}

func (e *matrixEnv) send(role bianque.Role, rq request) *httptest.ResponseRecorder {
	e.t.Helper()
	creds := e.sess[string(role)]
	var body []byte
	switch {
	case rq.fresh:
		name := string(role)
		if rq.newAccount {
			u := &bianque.User{Username: e.uniq(name), Role: role}
			if role.IsHospital() {
				u.TenantID = e.a.ID
			} else {
				u.Tenants = []string{e.a.ID}
			}
			name = e.createUser(u).Username
		}
		res, err := e.svc.Auth.Login(context.Background(), bianque.LoginRequest{Username: name, Password: pw, SourceIP: "127.0.0.1"})
		if err != nil {
			e.t.Fatal(err)
		}
		creds = [2]string{res.Token, res.Session.CSRFToken}
		if !rq.pending {
			e.clk.Advance(30 * time.Second)
			creds = e.freshSession(string(role), res.Token)
		}
		if rq.body == "totp" {
			// The account is enrolled: the code of its secret, a step later than any used.
			e.clk.Advance(30 * time.Second)
			u, _ := e.st.UserByUsername(context.Background(), string(role))
			raw, _ := auth.ParseTOTPSecret(u.TOTPSecret)
			body, _ = json.Marshal(map[string]string{"code": auth.TOTP{Secret: raw}.Code(e.clk.Now())})
			rq.body = nil
		}
	}
	if rq.body != nil {
		body, _ = json.Marshal(rq.body)
	}
	req := httptest.NewRequest(rq.method, rq.path, strings.NewReader(string(body)))
	req.RemoteAddr = "127.0.0.1:5000"
	req.Header.Set("Content-Type", "application/json")
	if !rq.public {
		req.AddCookie(&http.Cookie{Name: "bianque_session", Value: creds[0]})
		req.Header.Set("X-CSRF-Token", creds[1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// freshSession completes the sign-in of a pending session.
func (e *matrixEnv) freshSession(name, token string) [2]string {
	u, _ := e.st.UserByUsername(context.Background(), name)
	raw, _ := auth.ParseTOTPSecret(u.TOTPSecret)
	done, err := e.svc.Auth.VerifyTOTP(context.Background(), token, auth.TOTP{Secret: raw}.Code(e.clk.Now()), "127.0.0.1")
	if err != nil {
		e.t.Fatalf("fresh session of %s: %v", name, err)
	}
	return [2]string{done.Token, done.Session.CSRFToken}
}

func TestAuthorizationMatrix(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			walkMatrix(t, newMatrixEnv(t, backend))
		})
	}
}

func walkMatrix(t *testing.T, e *matrixEnv) {
	routes := e.srv.Routes()
	var missing []string
	for _, rt := range routes {
		if matrixCases[rt.ID] == nil {
			missing = append(missing, rt.ID)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("routes without a matrix case: %v", missing)
	}
	if len(matrixCases) != len(routes) {
		t.Fatalf("%d cases for %d routes: remove cases of routes that are gone", len(matrixCases), len(routes))
	}
	cases, allowed, denied := 0, 0, 0
	for _, rt := range routes {
		for _, role := range bianque.Roles {
			for _, foreign := range []bool{false, true} {
				for _, rq := range matrixCases[rt.ID](e, role, foreign) {
					cases++
					want, platformWide := expect(rt, rq, role, foreign)
					before := e.snapshotB()
					rec := e.send(role, rq)
					after := e.snapshotB()
					where := fmt.Sprintf("%s %s as %s (%s tenant)", rq.method, rq.path, role, map[bool]string{false: "own", true: "foreign"}[foreign])
					if rq.perm != "" {
						where += " needing " + string(rq.perm)
					}
					if rec.Code != want {
						t.Errorf("%s: status %d, want %d: %s", where, rec.Code, want, strings.TrimSpace(rec.Body.String()))
						continue
					}
					if want < 300 {
						allowed++
					} else {
						denied++
					}
					if platformWide {
						continue // a platform administrator's legitimate reach
					}
					body := rec.Body.String()
					if strings.Contains(body, e.b.ID) || strings.Contains(body, bMarker) {
						t.Errorf("%s: response shows tenant B: %.300s", where, body)
					}
					if before != after {
						t.Errorf("%s: tenant B changed", where)
					}
				}
			}
		}
	}
	t.Logf("%d cases over %d routes × %d roles × own/foreign: %d allowed, %d denied", cases, len(routes), len(bianque.Roles), allowed, denied)
	if allowed == 0 || denied == 0 {
		t.Fatal("a matrix that never allows or never denies proves nothing")
	}
}

// Sanity of the expectation itself against a few hand-written facts of R1.3/R15.3.
func TestMatrixExpectation(t *testing.T) {
	rt := func(scope bqhttp.Scope, perm, plat bianque.Permission) *bqhttp.Route {
		return &bqhttp.Route{Scope: scope, Perm: perm, PlatformPerm: plat, Status: 200}
	}
	read := rt(bqhttp.ScopeTenant, bianque.PermTicketRead, "")
	for _, tc := range []struct {
		r       *bqhttp.Route
		role    bianque.Role
		foreign bool
		want    int
	}{
		{read, bianque.RoleAnalyst, false, 200},
		{read, bianque.RoleAnalyst, true, 404},
		{read, bianque.RolePlatformAdmin, false, 403}, // no tenant data for the platform administrator
		{read, bianque.RoleHospitalViewer, true, 404},
		{rt(bqhttp.ScopeTenant, bianque.PermTicketContain, ""), bianque.RoleAnalyst, false, 403}, // triage ≠ containment
		{rt(bqhttp.ScopeTenant, bianque.PermTicketTriage, ""), bianque.RoleResponder, false, 403},
		{rt(bqhttp.ScopePlatform, bianque.PermTenantManage, ""), bianque.RoleServiceManager, false, 403},
		{rt(bqhttp.ScopeTenantOrPlatform, bianque.PermUserManage, bianque.PermUserManage), bianque.RoleHospitalAdmin, true, 404},
		{rt(bqhttp.ScopeTenantOrPlatform, bianque.PermUserManage, bianque.PermUserManage), bianque.RolePlatformAdmin, true, 200},
	} {
		if got, _ := expect(tc.r, request{}, tc.role, tc.foreign); got != tc.want {
			t.Errorf("%s %s foreign=%v: %d, want %d", tc.r.Perm, tc.role, tc.foreign, got, tc.want)
		}
	}
}
