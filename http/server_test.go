package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
	"bianque/mock"
)

// mockServices returns services whose every method is unset (a call
// panics) except sign-in: the cookie "good" is a session of an analyst of
// tenant t1 with CSRF token "csrf", and the bearer token bq_... is an API
// token of the same analyst.
func mockServices() (Services, *mock.TicketService) {
	analyst := &bianque.Principal{UserID: "u1", Username: "ana", Role: bianque.RoleAnalyst, Tenants: []string{"t1"}}
	sess := &bianque.Session{ID: "s1", UserID: "u1", CSRFToken: "csrf", MFAPassed: true}
	authSvc := &mock.AuthService{
		AuthenticateFn: func(ctx context.Context, token, ip string) (*bianque.Principal, *bianque.Session, error) {
			if token != "good" {
				return nil, nil, bianque.Errorf(bianque.EUNAUTHORIZED, "session expired")
			}
			p := *analyst
			p.SourceIP = ip
			return &p, sess, nil
		},
	}
	authSvc.AuthenticateAPITokenFn = func(ctx context.Context, secret, ip string) (*bianque.Principal, error) {
		if secret != "bq_secret" {
			return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "invalid or expired API token")
		}
		p := *analyst
		p.TokenID, p.SourceIP = "tok1", ip
		return &p, nil
	}
	tickets := &mock.TicketService{}
	return Services{Auth: authSvc, Tenants: &mock.TenantService{}, Users: &mock.UserService{}, Tickets: tickets,
		Assets: &mock.AssetService{}, Audit: &mock.AuditService{}, Dashboard: &mock.DashboardService{}, Findings: &mock.FindingService{},
		Scans: &mock.ScanService{}, Discovery: noDiscovery{}, Components: &mock.ComponentService{}, DeadLetters: &mock.DeadLetterService{},
		Alerts: &mock.AlertService{}, Rules: &mock.RuleService{}, Indicators: &mock.IndicatorService{},
		Events: &mock.EventService{}, Export: &mock.TenantExportService{}}, tickets
}

func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Services.Auth == nil {
		cfg.Services, _ = mockServices()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func do(s *Server, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.RemoteAddr = "192.0.2.10:40000"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body %q: %v", rec.Body.String(), err)
	}
	return b.Error.Code
}

func TestErrorStatusTable(t *testing.T) {
	for code, want := range map[string]int{
		bianque.EINVALID: 400, bianque.EUNAUTHORIZED: 401, bianque.EFORBIDDEN: 403, bianque.ENOTFOUND: 404,
		bianque.ECONFLICT: 409, bianque.ELOCKED: 423, bianque.ERATELIMIT: 429, bianque.EUNAVAILABLE: 503, bianque.EINTERNAL: 500,
	} {
		if got := ErrorStatus(bianque.Errorf(code, "x")); got != want {
			t.Errorf("%s → %d, want %d", code, got, want)
		}
	}
	if ErrorStatus(io.EOF) != 500 {
		t.Error("a foreign error must be 500")
	}
}

func TestCSRFAndCredentials(t *testing.T) {
	svcs, tickets := mockServices()
	var comments int
	tickets.CommentFn = func(ctx context.Context, tenantID, id, note string) (*bianque.TimelineEntry, error) {
		comments++
		if bianque.PrincipalFromContext(ctx) == nil {
			t.Fatal("no principal in the service call")
		}
		return &bianque.TimelineEntry{ID: "e1", Note: note}, nil
	}
	s := newTestServer(t, Config{Services: svcs})
	const target = "/api/v1/tenants/t1/tickets/k1/comments"
	const body = `{"note":"hello"}`
	cookie := map[string]string{"Cookie": sessionCookieName + "=good", "Content-Type": "application/json"}
	withCSRF := map[string]string{"Cookie": sessionCookieName + "=good", "Content-Type": "application/json", "X-CSRF-Token": "csrf"}
	tests := []struct {
		name   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"no credentials", map[string]string{}, 401, bianque.EUNAUTHORIZED},
		{"cookie without CSRF token", cookie, 403, bianque.EFORBIDDEN},
		{"cookie with wrong CSRF token", map[string]string{"Cookie": sessionCookieName + "=good", "X-CSRF-Token": "nope"}, 403, bianque.EFORBIDDEN},
		{"expired session", map[string]string{"Cookie": sessionCookieName + "=stale", "X-CSRF-Token": "csrf"}, 401, bianque.EUNAUTHORIZED},
		{"cookie with CSRF token", withCSRF, 201, ""},
		{"cross-origin with CSRF token", map[string]string{"Cookie": sessionCookieName + "=good", "X-CSRF-Token": "csrf", "Origin": "https://evil.example"}, 403, bianque.EFORBIDDEN},
		{"same origin", map[string]string{"Cookie": sessionCookieName + "=good", "X-CSRF-Token": "csrf", "Origin": "http://example.com"}, 201, ""},
		{"bearer token needs no CSRF", map[string]string{"Authorization": "Bearer bq_secret"}, 201, ""},
		{"bad bearer token", map[string]string{"Authorization": "Bearer bq_wrong"}, 401, bianque.EUNAUTHORIZED},
	}
	for _, tc := range tests {
		before := comments
		rec := do(s, "POST", target, body, tc.hdr)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.code != "" {
			if got := errorCode(t, rec); got != tc.code {
				t.Errorf("%s: code %s, want %s", tc.name, got, tc.code)
			}
			if comments != before {
				t.Errorf("%s: the service was called", tc.name)
			}
		}
	}
	// A form post carries the token as a field.
	rec := do(s, "POST", "/t/t1/tickets/k1/comment", "note=hi&csrf_token=csrf", map[string]string{"Cookie": sessionCookieName + "=good", "Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("form post with CSRF field: %d %s", rec.Code, rec.Body)
	}
	rec = do(s, "POST", "/t/t1/tickets/k1/comment", "note=hi", map[string]string{"Cookie": sessionCookieName + "=good", "Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("form post without CSRF field: %d", rec.Code)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		s := newTestServer(t, Config{SecureCookies: secure})
		rec := httptest.NewRecorder()
		s.setSession(rec, "tok", s.clock.Now().Add(3600e9))
		c := rec.Result().Cookies()[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure != secure {
			t.Fatalf("secure=%v: cookie %+v", secure, c)
		}
		if secure && c.Name != "__Host-"+sessionCookieName {
			t.Fatalf("secure cookie name %q", c.Name)
		}
	}
}

func TestClientAddressAndAllowList(t *testing.T) {
	svcs, _ := mockServices()
	var seen string
	svcs.Auth.(*mock.AuthService).AuthenticateAPITokenFn = func(ctx context.Context, secret, ip string) (*bianque.Principal, error) {
		seen = ip
		return &bianque.Principal{UserID: "u1", Role: bianque.RoleAnalyst}, nil
	}
	svcs.Users.(*mock.UserService).UserFn = func(ctx context.Context, id string) (*bianque.User, error) {
		return &bianque.User{ID: id}, nil
	}
	s := newTestServer(t, Config{Services: svcs,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		AllowedSources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24")}})
	bearer := map[string]string{"Authorization": "Bearer bq_x"}
	for _, tc := range []struct {
		xff    string
		status int
		ip     string
	}{
		{"", 200, "192.0.2.10"},
		{"10.1.2.3", 200, "10.1.2.3"},
		{"203.0.113.9, 10.1.2.3", 200, "10.1.2.3"},      // the right-most untrusted hop is the client
		{"10.1.2.3, 192.0.2.77", 200, "10.1.2.3"},       // trusted hops are skipped
		{"203.0.113.9", 403, ""},                        // outside the allow-list
		{"not-an-address, 10.1.2.3", 200, "10.1.2.3"},   // junk left of the client is never read
		{"10.1.2.3, not-an-address", 200, "192.0.2.10"}, // a broken chain falls back to the proxy
	} {
		seen = ""
		h := map[string]string{"Authorization": bearer["Authorization"]}
		if tc.xff != "" {
			h["X-Forwarded-For"] = tc.xff
		}
		rec := do(s, "GET", "/api/v1/me", "", h)
		if rec.Code != tc.status || (tc.status == 200 && seen != tc.ip) {
			t.Errorf("XFF %q: status %d ip %q, want %d %q", tc.xff, rec.Code, seen, tc.status, tc.ip)
		}
	}
	if rec := do(s, "GET", "/healthz", "", map[string]string{"X-Forwarded-For": "203.0.113.9"}); rec.Code != 200 {
		t.Errorf("/healthz must stay reachable: %d", rec.Code)
	}
}

func TestBadRequests(t *testing.T) {
	s := newTestServer(t, Config{})
	h := map[string]string{"Authorization": "Bearer bq_secret"}
	for _, tc := range []struct{ method, target, body string }{
		{"POST", "/api/v1/tenants/t1/tickets/k1/comments", `{"note":"x","extra":1}`},
		{"POST", "/api/v1/tenants/t1/tickets/k1/comments", `{"note":`},
		{"POST", "/api/v1/tenants/t1/tickets/k1/comments", ``},
		{"GET", "/api/v1/tenants/t1/tickets?limit=0", ``},
		{"GET", "/api/v1/tenants/t1/tickets?limit=abc", ``},
		{"GET", "/api/v1/tenants/t1/tickets?state=nonsense", ``},
		{"GET", "/api/v1/tenants/t1/tickets?from=yesterday", ``},
		{"GET", "/api/v1/tenants/t1/tickets?open=maybe", ``},
	} {
		rec := do(s, tc.method, tc.target, tc.body, h)
		if rec.Code != 400 || errorCode(t, rec) != bianque.EINVALID {
			t.Errorf("%s %s %q: %d %s", tc.method, tc.target, tc.body, rec.Code, rec.Body)
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	svcs, _ := mockServices()
	down := false
	s := newTestServer(t, Config{Services: svcs, Version: "test", Ping: func(context.Context) error {
		if down {
			return bianque.Errorf(bianque.EUNAVAILABLE, "db down")
		}
		return nil
	}})
	if rec := do(s, "GET", "/healthz", "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Fatalf("healthz: %d %s", rec.Code, rec.Body)
	}
	down = true
	if rec := do(s, "GET", "/healthz", "", nil); rec.Code != 503 {
		t.Fatalf("healthz with the store down: %d", rec.Code)
	}
	do(s, "GET", "/api/v1/me", "", nil)
	rec := do(s, "GET", "/metrics", "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `bianque_http_requests_total{code="401",method="GET",route="/api/v1/me"} 1`) ||
		!strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Fatalf("metrics:\n%.2000s", rec.Body)
	}
}

func TestSecurityHeadersAndStatic(t *testing.T) {
	s := newTestServer(t, Config{})
	rec := do(s, "GET", "/static/vendor/htmx.min.js", "", nil)
	if rec.Code != 200 || rec.Body.Len() < 10000 {
		t.Fatalf("vendored htmx: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if do(s, "GET", "/static/", "", nil).Code != 404 {
		t.Fatal("directory listing of static")
	}
	if rec := do(s, "GET", "/login", "", map[string]string{"Accept-Language": "en"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Sign in") {
		t.Fatalf("login page (en): %d", rec.Code)
	}
	if rec := do(s, "GET", "/login", "", nil); !strings.Contains(rec.Body.String(), "登录") {
		t.Fatal("login page must default to Chinese")
	}
	if rec := do(s, "GET", "/tickets", "", nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
		t.Fatalf("unauthenticated portal page: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/tickets?x=1": "/tickets?x=1", "//evil.example": "/", "https://evil.example": "/", `/\evil`: "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q", in, got)
		}
	}
}

func TestSignInRateLimit(t *testing.T) {
	svcs, _ := mockServices()
	calls := 0
	svcs.Auth.(*mock.AuthService).LoginFn = func(ctx context.Context, req bianque.LoginRequest) (*bianque.LoginResult, error) {
		calls++
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "invalid username or password")
	}
	clk := testutil.NewFakeClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	s := newTestServer(t, Config{Services: svcs, Clock: clk, SignInRate: 3})
	try := func(ip string) int {
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"a","password":"b"}`))
		req.RemoteAddr = ip + ":1000"
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := 0; i < 3; i++ {
		if code := try("192.0.2.1"); code != 401 {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	if code := try("192.0.2.1"); code != 429 {
		t.Fatalf("4th attempt in a minute: %d", code)
	}
	if code := try("192.0.2.2"); code != 401 {
		t.Fatalf("another address: %d", code)
	}
	clk.Advance(20 * time.Second) // one token back at 3 a minute
	if code := try("192.0.2.1"); code != 401 {
		t.Fatalf("after 20 s: %d", code)
	}
	if calls != 5 {
		t.Fatalf("the service saw %d attempts, want 5", calls)
	}
}
