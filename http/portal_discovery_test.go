package http_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/discover/capture"
	"bianque/discover/pipeline"
	"bianque/discover/sample"
	"bianque/discover/sensor"
	"bianque/service"
)

// postForm sends a portal form as role.
func (e *matrixEnv) postForm(role bianque.Role, path string, form url.Values) *httptest.ResponseRecorder {
	form.Set("csrf_token", e.sess[string(role)][1])
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "bianque_session", Value: e.sess[string(role)][0]})
	req.RemoteAddr = "127.0.0.1:5000"
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// The device pages render for a hospital engineer (with the profile form)
// and a viewer (without), and the forms act: the profile confirmation is
// stored and audited, the site map moves the device, the export downloads,
// and the what-would-break check reports the clinical flow a proposal cuts.
func TestDevicePagesRender(t *testing.T) {
	e := newMatrixEnv(t, "sqlite")
	key := e.deviceIn(false)
	tn := e.a.ID
	get := func(role bianque.Role, path string) string {
		t.Helper()
		rec := e.send(role, request{method: "GET", path: path})
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s as %s: %d %.600s", path, role, rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}
	for _, tc := range []struct {
		role bianque.Role
		path string
		want []string
		not  []string
	}{
		{bianque.RoleHospitalEngineer, "/devices", []string{`data-device="` + key + `"`, `id="device-summary" data-total="2"`, `id="to-segmentation"`}, nil},
		{bianque.RoleHospitalEngineer, "/devices?medical=true", []string{`data-device="` + key + `"`, `data-total="1"`}, []string{`data-device="10.1.0.50"`}},
		{bianque.RoleHospitalEngineer, "/t/" + tn + "/devices/" + key, []string{`id="profile-form"`, `id="peers-data"`, `data-protocol="dicom"`,
			`id="device-type" data-type="ct"`, "10.1.0.50", `id="profile-state" data-confirmed="false"`}, nil},
		{bianque.RoleHospitalViewer, "/t/" + tn + "/devices/" + key, []string{`id="peers-chart"`}, []string{`id="profile-form"`}},
		{bianque.RoleAnalyst, "/t/" + tn + "/segmentation", []string{`id="rules"`, `id="check-form"`, "dicom"}, nil},
		{bianque.RoleHospitalAdmin, "/t/" + tn + "/discovery-settings", []string{`id="settings-form"`, `id="settings-submit"`}, nil},
		{bianque.RoleHospitalViewer, "/t/" + tn + "/discovery-settings", []string{`id="site-map"`}, []string{`id="settings-submit"`}},
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
		if strings.Contains(body, "device.type.") || strings.Contains(body, "%!") {
			t.Errorf("%s as %s: a message is missing from the catalogue", tc.path, tc.role)
		}
	}

	// Confirm the profile as the engineer: life-supporting, class III.
	rec := e.postForm(bianque.RoleHospitalEngineer, "/t/"+tn+"/devices/"+key+"/profile", url.Values{"fda_class": {"3"}, "phi": {"large"},
		"life_supporting": {"true"}, "disruption": {"critical"}, "managed_by": {"clinical_engineering"}})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "done=profile") {
		t.Fatalf("profile form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	body := get(bianque.RoleHospitalEngineer, "/t/"+tn+"/devices/"+key)
	if !strings.Contains(body, `data-confirmed="true"`) || !strings.Contains(body, "hospital_engineer") {
		t.Fatalf("the confirmed profile is not shown")
	}
	var audited bool
	_ = e.st.ScanAudit(context.Background(), tn, func(a *bianque.AuditEntry) error {
		if a.Action == "device.profile.confirm" && a.ActorName == "hospital_engineer" && strings.Contains(a.Detail, `"corrected":["fda_class","life_supporting","disruption"]`) {
			audited = true
		}
		return nil
	})
	if !audited {
		t.Error("the confirmation is not in the audit log with what it corrected")
	}
	// The viewer may not.
	if rec := e.postForm(bianque.RoleHospitalViewer, "/t/"+tn+"/devices/"+key+"/profile", url.Values{"fda_class": {"1"}, "phi": {"none"},
		"disruption": {"none"}}); rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "error=") {
		t.Fatalf("viewer's profile form: %d %s", rec.Code, rec.Header().Get("Location"))
	}

	// The site map moves the device (and its ledger entry) to radiology.
	st, _ := e.disc.Store().Settings(context.Background(), tn)
	rec = e.postForm(bianque.RoleHospitalAdmin, "/t/"+tn+"/discovery-settings", url.Values{"version": {strconv.FormatInt(st.Version, 10)},
		"risk_threshold": {"35"}, "site_map": {"subnet,vlan,department,room\n10.1.0.0/24,,放射科,CT 室\n"}})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "moved=2") {
		t.Fatalf("settings form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if body := get(bianque.RoleHospitalEngineer, "/devices?department=放射科"); !strings.Contains(body, `data-device="`+key+`"`) {
		t.Error("the device is not in radiology after the site map")
	}
	rec = e.postForm(bianque.RoleHospitalAdmin, "/t/"+tn+"/discovery-settings", url.Values{"version": {strconv.FormatInt(st.Version, 10)}, "site_map": {"bad,,x"}})
	if !strings.Contains(rec.Header().Get("Location"), "error=") {
		t.Errorf("a bad site map with a stale version: %s", rec.Header().Get("Location"))
	}

	// Exports download.
	for format, want := range map[string]string{"nft": "table inet bianque_seg", "csv": "rule,action,source", "json": `"rules"`} {
		rec := e.send(bianque.RoleAnalyst, request{method: "GET", path: "/t/" + tn + "/segmentation/export?format=" + format})
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("export %s: %d %q", format, rec.Code, rec.Body.String())
		}
	}

	// What would break: an ACL that denies DICOM to the PACS, uploaded.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", e.sess["analyst"][1])
	fw, _ := mw.CreateFormFile("file", "proposal.csv")
	_, _ = fw.Write([]byte("rule,action,source,destination,protocol,port\nr1,deny,any,10.1.0.50,tcp,104\n"))
	mw.Close()
	req := httptest.NewRequest("POST", "/t/"+tn+"/segmentation/check", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "bianque_session", Value: e.sess["analyst"][0]})
	req.RemoteAddr = "127.0.0.1:5000"
	rw := httptest.NewRecorder()
	e.srv.ServeHTTP(rw, req)
	if rw.Code != 200 || !strings.Contains(rw.Body.String(), `data-denied="1" data-clinical="1"`) {
		t.Fatalf("check: %d %s", rw.Code, rw.Body.String()[strings.Index(rw.Body.String(), "<main>"):])
	}
	// The generated policy itself breaks nothing.
	gen := get(bianque.RoleAnalyst, "/t/"+tn+"/segmentation/export?format=json")
	rec = e.postForm(bianque.RoleAnalyst, "/t/"+tn+"/segmentation/check", url.Values{"proposal": {gen}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `data-denied="0" data-clinical="0"`) {
		t.Fatalf("check of the generated policy: %d %.600s", rec.Code, rec.Body.String())
	}
}

// ingestSample runs an hour of the sample hospital network through a sensor
// into the tenant, as a collector would.
func ingestSample(t *testing.T, disc *service.DiscoveryService, ctx context.Context, tenantID string) {
	t.Helper()
	sink, err := disc.Sink(ctx, tenantID, "test-sensor")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := pipeline.NewEnricher(pipeline.EnrichOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sensor.DefaultConfig()
	cfg.Sink, cfg.Enrich = sink, enr.Enrich
	eng := sensor.New(cfg)
	b, err := sample.Hour(sample.Options{Start: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.Open(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for {
		fr, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		eng.Packet(fr.Link, fr.Data, fr.Time)
	}
	if err := eng.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}
