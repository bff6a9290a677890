package ingest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
	"bianque/pki"
	"bianque/queue"
)

// platform is the server side of collector delivery for tests: the real
// enrolment and batch handlers on a real TLS listener.
type platform struct {
	store    *memComponents
	enroller *Enroller
	sink     *memSink
	disc     DiscoveryReceiver // nil: none
	ledger   *FileLedger
	metrics  *Metrics
	tlsCfg   *tls.Config
	addr     string
	srv      *http.Server
	mu       sync.Mutex
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	dir := t.TempDir()
	clock := testutil.NewFakeClock(time.Now())
	ca, err := pki.LoadOrCreateCA(filepath.Join(dir, "ca"), clock)
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := ca.IssueServer([]string{"127.0.0.1", "localhost"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	store := newMemComponents()
	revoked := &pki.RevocationList{}
	cache := &ComponentCache{Store: store, Clock: clock, TTL: time.Millisecond}
	p := &platform{store: store, sink: &memSink{}, metrics: NewMetrics(nil)}
	p.enroller = &Enroller{Components: store, CA: ca, Revoked: revoked, Cache: cache, Clock: clock,
		TenantByCode: func(ctx context.Context, code string) (string, error) {
			if code == "szph" {
				return "t1", nil
			}
			return "", bianque.Errorf(bianque.ENOTFOUND, "no tenant %s", code)
		}}
	p.ledger, err = OpenFileLedger(filepath.Join(dir, "ledger"), 1000)
	if err != nil {
		t.Fatal(err)
	}
	p.tlsCfg = ca.ServerTLS(serverCert, revoked)
	p.start(t, "127.0.0.1:0")
	t.Cleanup(p.stop)
	return p
}

func (p *platform) start(t *testing.T, addr string) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/ingest/v1/enroll", p.enroller.Handler())
	mux.Handle("/ingest/v1/enroll/", p.enroller.Handler())
	mux.Handle(BatchPath, &BatchHandler{Components: p.enroller.Cache, Sink: p.sink, Ledger: p.ledger, Metrics: p.metrics, Discovery: p.disc})
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after a stop
		ln, err = tls.Listen("tcp", addr, p.tlsCfg)
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.addr = ln.Addr().String()
	p.srv = &http.Server{Handler: mux, ErrorLog: nil}
	srv := p.srv
	p.mu.Unlock()
	go srv.Serve(ln)
}

func (p *platform) stop() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (p *platform) url() string { return "https://" + p.addr }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEnrolForwardRevoke(t *testing.T) {
	p := newPlatform(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()

	// 1. The collector asks for a certificate; the component is pending.
	type result struct {
		id  *Identity
		err error
	}
	enrolled := make(chan result, 1)
	go func() {
		id, err := Enroll(ctx, EnrollConfig{Platform: p.url(), CAPin: p.enroller.CA.Fingerprint(), Tenant: "szph",
			Name: "edge-1", Dir: filepath.Join(dir, "id"), Poll: 20 * time.Millisecond})
		enrolled <- result{id, err}
	}()
	var pending *bianque.Component
	waitFor(t, "a pending component", func() bool {
		cs, _, _ := p.store.Components(ctx, bianque.ComponentFilter{States: []bianque.ComponentState{bianque.ComponentPending}})
		if len(cs) == 1 {
			pending = cs[0]
		}
		return pending != nil
	})
	if pending.TenantID != "t1" || pending.Kind != bianque.ComponentCollector || pending.CSR == "" {
		t.Fatalf("pending component = %+v", pending)
	}
	select {
	case r := <-enrolled:
		t.Fatalf("enrolment finished before approval: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}

	// A wrong pin is refused at first contact.
	if _, err := Enroll(ctx, EnrollConfig{Platform: p.url(), CAPin: "00", Tenant: "szph", Name: "x", Dir: filepath.Join(dir, "bad")}); err == nil {
		t.Fatal("enrolment with a wrong CA pin succeeded")
	}

	// 2. The hospital administrator approves; the CA issues the certificate.
	approved, err := p.enroller.Approve(ctx, "t1", pending.ID, "admin")
	if err != nil {
		t.Fatal(err)
	}
	r := <-enrolled
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.id.ComponentID != pending.ID || approved.CertSerial == "" {
		t.Fatalf("identity %s, serial %q", r.id.ComponentID, approved.CertSerial)
	}
	// A restart loads the identity without asking again.
	again, err := LoadIdentity(filepath.Join(dir, "id"))
	if err != nil || again.ComponentID != pending.ID {
		t.Fatalf("reload identity: %v", err)
	}

	// 3. Events received at the collector are spooled and forwarded.
	spool, err := queue.OpenLocal(filepath.Join(dir, "spool"), queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	spoolSink := &QueueSink{Queue: spool}
	submit := func(from, n int) {
		recs := make([]Raw, n)
		for i := range recs {
			recs[i] = Raw{ID: fmt.Sprintf("r%d", from+i), TenantID: "forged-tenant", Received: time.Unix(1714557600, 0), Transport: TransportUDP,
				Peer: "10.0.0.9:514", Data: fmt.Appendf(nil, "<13>event %d", from+i)}
		}
		if err := spoolSink.Submit(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	submit(0, 2500)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: r.id.ClientTLS()}}
	fwd := &Forwarder{Spool: spool, URL: p.url(), Client: client, BatchSize: 1000, MaxWait: 50 * time.Millisecond,
		Compress: true, Metrics: NewMetrics(nil), ComponentID: r.id.ComponentID}
	fctx, fcancel := context.WithCancel(ctx)
	fdone := make(chan error, 1)
	go func() { fdone <- fwd.Run(fctx) }()
	got := p.sink.wait(t, 2500)
	for _, rec := range got {
		if rec.TenantID != "t1" || rec.ComponentID != pending.ID {
			t.Fatalf("record attributed to %s/%s, want t1/%s", rec.TenantID, rec.ComponentID, pending.ID)
		}
	}
	if got[0].ID != DeriveID(time.Time{}, pending.ID, "r0") {
		t.Errorf("event ID not derived from component and record ID")
	}

	// 4. The platform goes away: events spool; it comes back: they arrive.
	addr := p.addr
	p.stop()
	submit(2500, 1500)
	time.Sleep(300 * time.Millisecond)
	if st, _ := spool.Stats(ctx); st.Backlog == 0 {
		t.Fatal("nothing spooled while the platform was down")
	}
	p.start(t, addr)
	p.sink.wait(t, 4000)

	// 5. A batch sent twice (the answer was lost) is stored once.
	body := AppendBatch(nil, AppendRaw(nil, &Raw{ID: "dup", Received: time.Unix(1714557600, 0), Data: []byte("<13>dup")}))
	for i := 0; i < 2; i++ {
		if err := fwd.send(ctx, "manual-batch", body, 0); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(p.sink.recs); n != 4001 {
		t.Fatalf("%d records after a duplicate batch, want 4001", n)
	}

	// 6. Revocation cuts the collector off at the handshake; events stay spooled.
	if _, err := p.enroller.Revoke(ctx, "t1", pending.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	client.CloseIdleConnections()
	fcancel()
	<-fdone
	if err := fwd.send(ctx, "after-revoke", body, 0); err == nil || !errorsIsRevoked(err) {
		t.Fatalf("send after revocation: %v, want ErrRevoked", err)
	}
	submit(4000, 10)
	if st, _ := spool.Stats(ctx); st.Backlog != 10 {
		t.Fatalf("backlog after revocation = %d, want the 10 undelivered events", st.Backlog)
	}
	if n := len(p.sink.recs); n != 4001 {
		t.Fatalf("events accepted after revocation: %d", n)
	}
}

func errorsIsRevoked(err error) bool {
	for e := err; e != nil; {
		if e == ErrRevoked {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

func TestBatchHandlerRequiresClientCert(t *testing.T) {
	p := newPlatform(t)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.PinnedClientTLS(p.enroller.CA.Fingerprint(), nil)}}
	resp, err := client.Post(p.url()+BatchPath, BatchContentType, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
}

func TestDecodeBatchRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{{0xff}, {5, 1, 2}, AppendBatch(nil, []byte{9, 9})} {
		if _, err := DecodeBatch(b); err == nil {
			t.Errorf("DecodeBatch(%x) accepted garbage", b)
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(AppendBatch(nil, AppendRaw(nil, &Raw{ID: "a", Data: []byte("x")})))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := DecodeBatch(b)
		if err != nil {
			return
		}
		var again []byte
		for i := range recs {
			again = AppendBatch(again, AppendRaw(nil, &recs[i]))
		}
		if _, err := DecodeBatch(again); err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
	})
}
