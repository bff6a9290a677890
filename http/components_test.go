package http_test

import (
	"context"
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
