package http_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/auth"
)

// client is a JSON client of the API holding a session cookie.
type client struct {
	t      *testing.T
	e      *matrixEnv
	cookie string
	csrf   string
}

func (c *client) do(method, path string, body any, out any) int {
	c.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "127.0.0.1:5000"
	req.Header.Set("Content-Type", "application/json")
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "bianque_session", Value: c.cookie})
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	rec := httptest.NewRecorder()
	c.e.srv.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "bianque_session" {
			c.cookie = ck.Value
		}
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			c.t.Fatalf("%s %s: %d %q: %v", method, path, rec.Code, rec.Body, err)
		}
	}
	return rec.Code
}

// The API as a client sees it: sign-in with enrolment through the API,
// SLA clocks moving with the clock, pagination, error bodies.
func TestAPIFlow(t *testing.T) {
	e := newMatrixEnv(t, "sqlite")
	e.createUser(&bianque.User{Username: "api-analyst", Role: bianque.RoleAnalyst, Tenants: []string{e.a.ID}})
	c := &client{t: t, e: e}

	var lr struct {
		NeedEnrolment bool   `json:"need_enrolment"`
		CSRFToken     string `json:"csrf_token"`
	}
	if code := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "api-analyst", "password": "wrong-password"}, nil); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	if code := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "api-analyst", "password": pw}, &lr); code != 200 || !lr.NeedEnrolment {
		t.Fatalf("login: %d %+v", code, lr)
	}
	c.csrf = lr.CSRFToken
	if code := c.do("GET", "/api/v1/me", nil, nil); code != 401 {
		t.Fatalf("before the second factor /me answers %d", code)
	}
	var enr struct {
		Secret string `json:"secret"`
		URI    string `json:"uri"`
		QRSVG  string `json:"qr_svg"`
	}
	if code := c.do("POST", "/api/v1/auth/enrol", nil, &enr); code != 200 || !strings.HasPrefix(enr.QRSVG, "<svg") || !strings.HasPrefix(enr.URI, "otpauth://totp/") {
		t.Fatalf("enrol: %d %+v", code, enr)
	}
	raw, _ := auth.ParseTOTPSecret(enr.Secret)
	if code := c.do("POST", "/api/v1/auth/totp", map[string]string{"code": auth.TOTP{Secret: raw}.Code(e.clk.Now())}, &lr); code != 200 {
		t.Fatalf("totp: %d", code)
	}
	c.csrf = lr.CSRFToken
	var me struct {
		Principal   bianque.Principal    `json:"principal"`
		Permissions []bianque.Permission `json:"permissions"`
	}
	if code := c.do("GET", "/api/v1/me", nil, &me); code != 200 || me.Principal.Username != "api-analyst" || len(me.Permissions) == 0 {
		t.Fatalf("me: %d %+v", code, me)
	}

	// SLA clocks through the API, driven by the clock.
	var tk bianque.Ticket
	if code := c.do("POST", "/api/v1/tenants/"+e.a.ID+"/tickets", map[string]any{"type": "incident", "severity": "major", "title": "lateral movement"}, &tk); code != 201 {
		t.Fatalf("create: %d", code)
	}
	var view struct {
		Ticket  bianque.Ticket         `json:"ticket"`
		SLA     []bianque.SLAClock     `json:"sla"`
		Actions []bianque.TicketAction `json:"actions"`
	}
	c.do("GET", "/api/v1/tenants/"+e.a.ID+"/tickets/"+tk.ID, nil, &view)
	if len(view.SLA) != 3 || view.SLA[2].Status != bianque.SLAPending || view.SLA[0].Status != bianque.SLARunning || !containsAction(view.Actions, bianque.ActionAcknowledge) || containsAction(view.Actions, bianque.ActionContain) {
		t.Fatalf("view: %+v", view)
	}
	e.clk.Advance(20 * time.Minute) // 10:20 on a Monday in Shanghai: past the 15-minute target
	c.do("GET", "/api/v1/tenants/"+e.a.ID+"/tickets/"+tk.ID, nil, &view)
	if view.SLA[0].Metric != bianque.MetricAcknowledge || view.SLA[0].Status != bianque.SLABreached || view.SLA[0].DueIn.Std() != -5*time.Minute {
		t.Fatalf("after 20 minutes: %+v", view.SLA[0])
	}
	var after bianque.Ticket
	if code := c.do("POST", "/api/v1/tenants/"+e.a.ID+"/tickets/"+tk.ID+"/actions", map[string]string{"action": "acknowledge"}, &after); code != 200 || after.State != bianque.StateTriaged {
		t.Fatalf("acknowledge: %d %+v", code, after)
	}
	var errBody struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if code := c.do("POST", "/api/v1/tenants/"+e.a.ID+"/tickets/"+tk.ID+"/actions", map[string]string{"action": "acknowledge"}, &errBody); code != 409 || errBody.Error.Code != "conflict" {
		t.Fatalf("second acknowledgement: %d %+v", code, errBody)
	}
	if code := c.do("POST", "/api/v1/tenants/"+e.a.ID+"/tickets/"+tk.ID+"/actions", map[string]string{"action": "close"}, &errBody); code != 400 || errBody.Error.Code != "invalid" {
		t.Fatalf("close without a note: %d %+v", code, errBody)
	}
	if code := c.do("GET", "/api/v1/tenants/"+e.b.ID+"/tickets/"+tk.ID, nil, &errBody); code != 404 || errBody.Error.Code != "not_found" {
		t.Fatalf("through the other tenant: %d %+v", code, errBody)
	}

	// Pagination: newest first, every ticket once.
	for i := 0; i < 6; i++ {
		c.do("POST", "/api/v1/tenants/"+e.a.ID+"/tickets", map[string]any{"type": "threat", "title": "page test"}, nil)
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		var l struct {
			Items      []bianque.Ticket `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		path := "/api/v1/tenants/" + e.a.ID + "/tickets?limit=3&type=threat"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if code := c.do("GET", path, nil, &l); code != 200 {
			t.Fatalf("page: %d", code)
		}
		pages++
		for i, it := range l.Items {
			if seen[it.ID] {
				t.Fatalf("ticket %s on two pages", it.ID)
			}
			seen[it.ID] = true
			if i > 0 && l.Items[i-1].ID < it.ID {
				t.Fatal("not newest first")
			}
		}
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	if len(seen) < 6 || pages < 2 {
		t.Fatalf("%d tickets over %d pages", len(seen), pages)
	}

	// API tokens: created from the session, used without CSRF, revoked.
	var tr struct {
		Token  bianque.APIToken `json:"token"`
		Secret string           `json:"secret"`
	}
	if code := c.do("POST", "/api/v1/me/tokens", map[string]any{"name": "export", "permissions": []string{"ticket.read"}}, &tr); code != 201 || !auth.LooksLikeAPIToken(tr.Secret) {
		t.Fatalf("token: %d %+v", code, tr)
	}
	bearer := func(method, path string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(`{"note":"x"}`))
		req.Header.Set("Authorization", "Bearer "+tr.Secret)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := bearer("GET", "/api/v1/tickets"); code != 200 {
		t.Fatalf("token read: %d", code)
	}
	if code := bearer("POST", "/api/v1/tenants/"+e.a.ID+"/tickets/"+tk.ID+"/comments"); code != 403 {
		t.Fatalf("token beyond its permissions: %d", code)
	}
	if code := c.do("DELETE", "/api/v1/me/tokens/"+tr.Token.ID, nil, nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code := bearer("GET", "/api/v1/tickets"); code != 401 {
		t.Fatalf("revoked token: %d", code)
	}
	if code := c.do("POST", "/api/v1/auth/logout", nil, nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code := c.do("GET", "/api/v1/me", nil, nil); code != 401 {
		t.Fatalf("after logout: %d", code)
	}
}

func containsAction(as []bianque.TicketAction, a bianque.TicketAction) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
