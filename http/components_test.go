package http_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"bianque"
	"bianque/ingest"
	"bianque/internal/testutil"
	"bianque/pki"
)

var (
	csrOnce sync.Once
	csrPEM  string
)

// componentService is the ingestion area's component and dead-letter
// service over the test store, with a CA of its own.
func componentService(t *testing.T, st bianque.Store, clk *testutil.FakeClock) *ingest.ComponentService {
	t.Helper()
	ca, err := pki.LoadOrCreateCA(t.TempDir(), clk)
	if err != nil {
		t.Fatal(err)
	}
	enr := &ingest.Enroller{Components: st.(bianque.ComponentStore), CA: ca, Revoked: &pki.RevocationList{}, Clock: clk}
	return &ingest.ComponentService{Enroller: enr, Audit: st, DeadLetterStore: st.(bianque.DeadLetterStore)}
}

// componentIn returns a fresh component of the tenant in state s; a pending
// one carries a certificate request, as an enrolling collector's does.
func (e *matrixEnv) componentIn(foreign bool, s bianque.ComponentState) *bianque.Component {
	e.t.Helper()
	csrOnce.Do(func() {
		_, csr, err := pki.NewKeyAndCSR("edge")
		if err != nil {
			e.t.Fatal(err)
		}
		csrPEM = string(csr)
	})
	tn, _, _, _ := e.side(foreign)
	c := &bianque.Component{TenantID: tn.ID, Name: e.title(foreign, e.uniq("collector")), Kind: bianque.ComponentCollector,
		State: s, CSR: csrPEM, CertSerial: e.uniq("serial")}
	if err := e.st.(bianque.ComponentStore).CreateComponent(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *matrixEnv) deadLetterIn(foreign bool) {
	e.t.Helper()
	tn, _, _, _ := e.side(foreign)
	now := e.clk.Now()
	d := &bianque.DeadLetter{TenantID: tn.ID, Stage: "parse", Reason: "unrecognised", Raw: e.title(foreign, "garbage"), ReceivedAt: now, CreatedAt: now}
	if err := e.st.(bianque.DeadLetterStore).AppendDeadLetters(context.Background(), []*bianque.DeadLetter{d}); err != nil {
		e.t.Fatal(err)
	}
}

// The device page lists each component with its state and activity; the
// hospital administrator approves and revokes from it, a viewer only looks.
func TestDevicePage(t *testing.T) {
	e := newMatrixEnv(t, "sqlite")
	pending := e.componentIn(false, bianque.ComponentPending)
	approved := e.componentIn(false, bianque.ComponentApproved)
	seen := e.clk.Now()
	if err := e.st.(bianque.ComponentStore).TouchComponent(context.Background(), approved.ID, seen, "192.0.2.9:40000",
		bianque.ComponentStats{EventsTotal: 1234, ErrorsTotal: 5, EventsPerSecond: 12.5, BacklogEvents: 77, LastError: "platform unreachable"}); err != nil {
		t.Fatal(err)
	}
	foreign := e.componentIn(true, bianque.ComponentPending)

	rec := e.send(bianque.RoleHospitalAdmin, request{method: "GET", path: "/components"})
	if rec.Code != 200 {
		t.Fatalf("device page: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{pending.ID, approved.ID, "1234", "12.5", "77", "platform unreachable", "192.0.2.9:40000",
		"/components/" + pending.ID + "/approve", "/components/" + approved.ID + "/revoke"} {
		if !strings.Contains(body, want) {
			t.Errorf("device page lacks %q", want)
		}
	}
	if strings.Contains(body, foreign.ID) || strings.Contains(body, bMarker) {
		t.Error("device page shows another hospital's component")
	}
	rec = e.send(bianque.RoleHospitalViewer, request{method: "GET", path: "/components"})
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "/approve") {
		t.Errorf("viewer: %d, approve button shown: %v", rec.Code, strings.Contains(rec.Body.String(), "/approve"))
	}
	if rec := e.send(bianque.RoleHospitalViewer, request{method: "POST", path: "/t/" + e.a.ID + "/components/" + pending.ID + "/approve"}); rec.Code != 403 {
		t.Errorf("viewer approving: %d, want 403", rec.Code)
	}
	if rec := e.send(bianque.RoleHospitalAdmin, request{method: "POST", path: "/t/" + e.b.ID + "/components/" + foreign.ID + "/approve"}); rec.Code != 404 {
		t.Errorf("approving another hospital's component: %d, want 404", rec.Code)
	}
	rec = e.send(bianque.RoleHospitalAdmin, request{method: "POST", path: "/t/" + e.a.ID + "/components/" + pending.ID + "/approve"})
	if rec.Code != http.StatusSeeOther && rec.Code != http.StatusFound {
		t.Fatalf("approve: %d %s", rec.Code, rec.Body)
	}
	c, _ := e.st.(bianque.ComponentStore).Component(context.Background(), e.a.ID, pending.ID)
	if c.State != bianque.ComponentApproved || c.CertPEM == "" || c.ApprovedBy != "hospital_admin" {
		t.Fatalf("after approval: state %s, certificate %v, by %q", c.State, c.CertPEM != "", c.ApprovedBy)
	}
	// Approving again is a conflict shown on the page, not an error page.
	rec = e.send(bianque.RoleHospitalAdmin, request{method: "POST", path: "/t/" + e.a.ID + "/components/" + pending.ID + "/approve"})
	if loc := rec.Header().Get("Location"); !strings.Contains(loc, "error=") {
		t.Errorf("second approval redirects to %q, want an error notice", loc)
	}
}
