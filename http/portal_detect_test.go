package http_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"bianque"
)

// postForm sends a portal form (urlencoded, or multipart when file is set)
// as the role's session.
func (e *matrixEnv) portalPost(role bianque.Role, path string, form url.Values, fileField, fileName, file string) *httptest.ResponseRecorder {
	e.t.Helper()
	creds := e.sess[string(role)]
	form.Set("csrf_token", creds[1])
	var body bytes.Buffer
	ct := "application/x-www-form-urlencoded"
	if fileField != "" {
		mw := multipart.NewWriter(&body)
		for k, vs := range form {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		fw, _ := mw.CreateFormFile(fileField, fileName)
		fw.Write([]byte(file))
		mw.Close()
		ct = mw.FormDataContentType()
	} else {
		body.WriteString(form.Encode())
	}
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", ct)
	req.AddCookie(&http.Cookie{Name: "bianque_session", Value: creds[0]})
	req.RemoteAddr = "127.0.0.1:5000"
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

func (e *matrixEnv) portalGet(role bianque.Role, path string, status int) string {
	e.t.Helper()
	rec := e.send(role, request{method: "GET", path: path})
	if rec.Code != status {
		e.t.Fatalf("GET %s as %s: %d, want %d: %.600s", path, role, rec.Code, status, rec.Body.String())
	}
	return rec.Body.String()
}

func mustShow(t *testing.T, what, body string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: no %q", what, w)
		}
	}
	for _, w := range not {
		if strings.Contains(body, w) {
			t.Errorf("%s: shows %q", what, w)
		}
	}
}

// The detection pages render for those who may act (with their forms) and
// for readers (without), and their forms act: triage, false positive with
// its suppression, rule settings, custom rule check and upload, protection
// periods, rule reload, indicator import and feeds.
func TestDetectionPagesRender(t *testing.T) {
	e := newMatrixEnv(t, "sqlite")
	a := e.alertIn(false)
	a.Events = []bianque.AlertEvent{{Time: a.FirstSeen, Ref: "evt-1", Data: []byte(`{"Event":{"System":{"EventID":"4625"}}}`)}}
	a.Trend = []bianque.TrendPoint{{Start: a.FirstSeen, Count: 3}, {Start: a.FirstSeen.Add(60e9), Count: 5}}
	if err := e.ds().(bianque.AlertStore).UpdateAlert(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	ap := "/t/" + e.a.ID + "/alerts/" + a.ID
	mustShow(t, "alert list", e.portalGet(bianque.RoleAnalyst, "/alerts?status=any&technique=T1110", 200),
		[]string{`data-alert="` + a.ID + `"`, "Failed logon", "203.0.113.7"}, nil)
	mustShow(t, "alert list filtered away", e.portalGet(bianque.RoleAnalyst, "/alerts?attacker=198.51.100.1", 200), []string{`id="no-alerts"`}, []string{a.ID})
	mustShow(t, "alert page (analyst)", e.portalGet(bianque.RoleAnalyst, ap, 200),
		[]string{`id="action-acknowledge"`, `id="action-confirm"`, `id="action-false_positive"`, `id="chart-trend"`, `id="trend-data"`, `"counts":[3,5]`,
			`data-event="0"`, "4625", `<code>selection</code>`, "his-db01", "T1110.001"}, nil)
	mustShow(t, "alert page (responder)", e.portalGet(bianque.RoleResponder, ap, 200), []string{`id="action-acknowledge"`}, []string{`id="action-confirm"`})
	mustShow(t, "alert page (viewer)", e.portalGet(bianque.RoleHospitalViewer, ap, 200), []string{`id="alert-status"`}, []string{`id="action-acknowledge"`})
	e.portalGet(bianque.RoleAnalyst, "/t/"+e.b.ID+"/alerts/"+a.ID, 404)

	rec := e.portalPost(bianque.RoleAnalyst, ap+"/act", url.Values{"action": {"acknowledge"}, "note": {"looking"}}, "", "", "")
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=acknowledge") {
		t.Fatalf("acknowledge through the form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	rec = e.portalPost(bianque.RoleAnalyst, ap+"/act", url.Values{"action": {"false_positive"}, "note": {"the hospital's scanner"},
		"field": {"attacker.ip"}, "days": {"7"}}, "", "", "")
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=false_positive") {
		t.Fatalf("false positive through the form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	mustShow(t, "alert after triage", e.portalGet(bianque.RoleAnalyst, ap, 200),
		[]string{`data-status="false_positive"`, `data-action="acknowledge"`, `data-action="false_positive"`, "the hospital&#39;s scanner", "looking"}, nil)
	mustShow(t, "whitelist", e.portalGet(bianque.RoleAnalyst, "/suppressions?tenant="+e.a.ID, 200), []string{"203.0.113.7", "the hospital&#39;s scanner", "/delete"}, nil)
	mustShow(t, "whitelist (viewer)", e.portalGet(bianque.RoleHospitalViewer, "/suppressions", 200), []string{"203.0.113.7"}, []string{"/delete"})

	// Rules: settings through the row form.
	rp := "/rules?tenant=" + e.a.ID
	mustShow(t, "rules (expert)", e.portalGet(bianque.RoleExpert, rp, 200), []string{`data-rule="` + matrixRule + `"`, `class="rule-setting"`, `id="tab-coverage"`}, nil)
	mustShow(t, "rules (viewer)", e.portalGet(bianque.RoleHospitalViewer, rp, 200), []string{`data-rule="` + matrixRule + `"`}, []string{`class="rule-setting"`})
	rec = e.portalPost(bianque.RoleExpert, "/t/"+e.a.ID+"/rules/"+matrixRule, url.Values{"setting": {"disabled"}, "level": {""}, "back": {"tenant=" + e.a.ID}}, "", "", "")
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=saved") {
		t.Fatalf("disable through the form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	mustShow(t, "rules after disabling", e.portalGet(bianque.RoleExpert, rp+"&enabled=false", 200), []string{`data-rule="` + matrixRule + `" data-enabled="false"`}, nil)
	mustShow(t, "coverage", e.portalGet(bianque.RoleHospitalViewer, "/rules/coverage?tenant="+e.a.ID, 200),
		[]string{`id="chart-coverage"`, `id="coverage-data"`, `data-technique="T1033"`}, []string{`data-technique="T1110.001"`})

	// Custom rules: a broken file is shown with its problems and not kept; a good one is saved.
	cp := "/t/" + e.a.ID + "/custom-rules"
	rec = e.portalPost(bianque.RoleExpert, cp, url.Values{"name": {"broken.yml"}}, "file", "broken.yml",
		"title: Broken\nid: broken-1\nlogsource: {product: windows}\ndetection:\n    selection: {Image|nosuch: x}\n    condition: selection\n")
	mustShow(t, "broken upload", rec.Body.String(), []string{`id="custom-problems"`, "nosuch", `id="custom-error"`}, []string{`id="custom-saved"`})
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("broken upload: %d", rec.Code)
	}
	rec = e.portalPost(bianque.RoleExpert, cp, url.Values{"name": {"his.yml"}, "content": {customDoc("his-export-1", "HIS export")}, "check": {"1"}}, "", "", "")
	mustShow(t, "check", rec.Body.String(), []string{`id="custom-ok"`, "HIS export"}, []string{`id="custom-saved"`})
	rec = e.portalPost(bianque.RoleExpert, cp, url.Values{"name": {"his.yml"}, "content": {customDoc("his-export-1", "HIS export")}}, "", "", "")
	mustShow(t, "save", rec.Body.String(), []string{`id="custom-saved"`, "his-export-1"}, nil)
	mustShow(t, "custom rules (viewer)", e.portalGet(bianque.RoleHospitalViewer, "/rules/custom?tenant="+e.a.ID, 200), []string{"his.yml"}, []string{`id="custom-form"`})

	// Protection periods.
	rec = e.portalPost(bianque.RoleExpert, "/t/"+e.a.ID+"/protection-periods", url.Values{"name": {"全国两会"}, "preparation_start": {"2026-03-01T08:00"},
		"live_start": {"2026-03-04T08:00"}, "closing_start": {"2026-03-12T08:00"}, "end": {"2026-03-15T00:00"}, "raise_live": {"1"},
		"extra_rules": {"50000000-0000-0000-0000-000000000002"}}, "", "", "")
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=saved") {
		t.Fatalf("period through the form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	mustShow(t, "periods", e.portalGet(bianque.RoleHospitalViewer, "/rules/periods?tenant="+e.a.ID, 200), []string{"全国两会", `data-phase="preparation"`}, []string{`id="period-form"`})

	// Rule sets: provider staff with rule.manage only.
	mustShow(t, "rule status", e.portalGet(bianque.RoleServiceManager, "/rules/status", 200), []string{`id="reload"`, `id="rule-count">3<`, "自定义规则 1 条"}, nil)
	e.portalGet(bianque.RoleHospitalAdmin, "/rules/status", 403)
	rec = e.portalPost(bianque.RoleServiceManager, "/rules/reload", url.Values{}, "", "", "")
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=reloaded") {
		t.Fatalf("reload through the form: %d %s", rec.Code, rec.Header().Get("Location"))
	}

	// Indicators: import a CSV through the multipart form, add a feed.
	rec = e.portalPost(bianque.RoleExpert, "/indicators/import", url.Values{"scope": {e.a.ID}, "ttl_days": {"30"}}, "file", "blocklist.csv",
		"type,value,tags\nip,203.0.113.50,scanner\ndomain,bad.example,phishing\nbogus,x,\n")
	mustShow(t, "import", rec.Body.String(), []string{`id="import-result"`, "203.0.113.50", "bad.example"}, nil)
	rec = e.portalPost(bianque.RoleExpert, "/intel-feeds", url.Values{"scope": {e.a.ID}, "name": {"ISAC"}, "kind": {"taxii"},
		"url": {"https://taxii.invalid/api1/"}, "collection": {"c1"}, "hours": {"6"}}, "", "", "")
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=feed_added") {
		t.Fatalf("feed through the form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	mustShow(t, "indicators (viewer)", e.portalGet(bianque.RoleHospitalViewer, "/indicators", 200), []string{"203.0.113.50", "ISAC"}, []string{`id="import-form"`, `value="platform"`})
	mustShow(t, "indicators (analyst)", e.portalGet(bianque.RoleAnalyst, "/indicators?scope=platform", 200), []string{`value="platform" selected`}, []string{`id="import-form"`})
	e.portalGet(bianque.RoleHospitalViewer, "/indicators?scope=platform", 403)
}
