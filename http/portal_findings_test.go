package http_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"bianque"
)

// The findings, scans and exposure pages render for a manager (with every
// form) and a hospital viewer (read only), and the portal forms act.
func TestFindingPagesRender(t *testing.T) {
	e := newMatrixEnv(t, "sqlite")
	f := e.findingIn(false)
	e.jobIn(false, bianque.ScanRunning)
	e.patchIn(false)
	get := func(role bianque.Role, path string) string {
		t.Helper()
		rec := e.send(role, request{method: "GET", path: path})
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s as %s: %d %.400s", path, role, rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}
	for _, tc := range []struct {
		role bianque.Role
		path string
		want []string
		not  []string
	}{
		{bianque.RoleExpert, "/findings?state=any", []string{`data-finding="` + f.ID + `"`, "SMBv1"}, nil},
		{bianque.RoleExpert, "/t/" + e.a.ID + "/findings/" + f.ID, []string{`id="retest"`, `id="protect"`, `id="action-start_fix"`, `name="until"`}, nil},
		{bianque.RoleHospitalViewer, "/t/" + e.a.ID + "/findings/" + f.ID, []string{`id="finding-state"`}, []string{`id="retest"`, `id="protect"`, `action-start_fix`}},
		{bianque.RoleServiceManager, "/scans?tenant=" + e.a.ID, []string{`id="new-scope"`, `id="start-scan"`, `hx-trigger="every 2s"`, "/cancel"}, nil},
		{bianque.RoleHospitalViewer, "/scans", []string{`id="scopes"`}, []string{`id="new-scope"`, `id="start-scan"`, "/cancel"}},
		{bianque.RoleHospitalAdmin, "/exposure", []string{`id="exposure"`}, nil},
	} {
		body := get(tc.role, tc.path)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s as %s: no %q", tc.path, tc.role, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(body, w) {
				t.Errorf("%s as %s: shows %q", tc.path, tc.role, w)
			}
		}
	}
	// Accept the risk through the page's form: reason and expiry date.
	form := url.Values{"csrf_token": {e.sess["analyst"][1]}, "action": {"accept_risk"}, "reason": {"compensating control"}, "until": {"2026-06-30"}}
	req := httptest.NewRequest("POST", "/t/"+e.a.ID+"/findings/"+f.ID+"/act", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "bianque_session", Value: e.sess["analyst"][0]})
	req.RemoteAddr = "127.0.0.1:5000"
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=accept_risk") {
		t.Fatalf("accept through the form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	got, _ := e.st.(bianque.FindingStore).Finding(req.Context(), e.a.ID, f.ID)
	if got.State != bianque.FindingAccepted || got.AcceptedUntil == nil || got.AcceptedUntil.Format("2006-01-02") != "2026-06-30" && got.AcceptedUntil.UTC().Format("2006-01-02") != "2026-06-30" {
		t.Fatalf("accepted finding %+v", got)
	}
}
