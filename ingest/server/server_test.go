package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/ingest"
	"bianque/ingest/ingesttest"
	"bianque/pipeline"
	"bianque/queue"
)

// lineParser is a small real parser for transport tests: the message
// becomes "message"; "BAD" lines are refused.
type lineParser struct{}

func (lineParser) Parse(raw []byte, meta pipeline.Meta) (*event.Event, error) {
	if strings.HasPrefix(string(raw), "BAD") {
		return nil, errors.New("unparseable")
	}
	e := event.New(4)
	e.Set(event.Message, string(raw))
	return e, nil
}

type store struct {
	mu     sync.Mutex
	events map[string]string
	dead   map[string]*bianque.DeadLetter
}

func (s *store) AppendEvents(ctx context.Context, tenantID string, evs []*event.Event) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range evs {
		s.events[e.Str(event.EventID)] = tenantID + ":" + e.Str(event.Message)
	}
	return len(evs), nil
}

func (s *store) AppendDeadLetters(ctx context.Context, dls []*bianque.DeadLetter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range dls {
		s.dead[d.ID] = d
	}
	return nil
}

func (s *store) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events), len(s.dead)
}

func TestServerCollectorToStore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	comps := ingesttest.NewComponents()
	st := &store{events: map[string]string{}, dead: map[string]*bianque.DeadLetter{}}
	srv, err := New(ctx, Config{
		DataDir: filepath.Join(dir, "platform"), Listen: "127.0.0.1:0", SyslogUDP: "127.0.0.1:0", SyslogTenant: "t1",
		Components: comps,
		TenantByCode: func(ctx context.Context, code string) (string, error) {
			if code == "szph" {
				return "t1", nil
			}
			return "", bianque.Errorf(bianque.ENOTFOUND, "no tenant")
		},
		Parser: lineParser{}, Sink: st, DeadLetters: st,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	platform := "https://" + srv.Addr().String()

	// Enrol a collector and approve it as a hospital administrator would.
	idc := make(chan *ingest.Identity, 1)
	go func() {
		id, err := ingest.Enroll(ctx, ingest.EnrollConfig{Platform: platform, CAPin: srv.CA().Fingerprint(), Tenant: "szph",
			Name: "edge", Dir: filepath.Join(dir, "collector", "id"), Poll: 20 * time.Millisecond})
		if err != nil {
			t.Error(err)
		}
		idc <- id
	}()
	var pendingID string
	deadline := time.Now().Add(10 * time.Second)
	for pendingID == "" && time.Now().Before(deadline) {
		cs, _, _ := comps.Components(ctx, bianque.ComponentFilter{})
		if len(cs) == 1 {
			pendingID = cs[0].ID
		}
		time.Sleep(10 * time.Millisecond)
	}
	admin := &bianque.Principal{UserID: "u1", Username: "admin", Role: bianque.RoleHospitalAdmin, TenantID: "t1"}
	viewer := &bianque.Principal{UserID: "u2", Username: "viewer", Role: bianque.RoleHospitalViewer, TenantID: "t1"}
	if _, err := srv.Components().Approve(bianque.NewContextWithPrincipal(ctx, viewer), "t1", pendingID); bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Fatalf("viewer approval: %v, want forbidden", err)
	}
	if _, err := srv.Components().Approve(bianque.NewContextWithPrincipal(ctx, admin), "t1", pendingID); err != nil {
		t.Fatal(err)
	}
	id := <-idc
	if id == nil {
		t.FailNow()
	}

	spool, err := queue.OpenLocal(filepath.Join(dir, "collector", "spool"), queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	var recs []ingest.Raw
	for i := 0; i < 3000; i++ {
		data := fmt.Sprintf("<13>collected %d", i)
		if i%1000 == 7 {
			data = "BAD " + data
		}
		recs = append(recs, ingest.Raw{ID: bianque.NewID(), Received: time.Now(), Transport: "udp", Peer: "10.1.1.1:514", Data: []byte(data)})
	}
	if err := (&ingest.QueueSink{Queue: spool}).Submit(ctx, recs); err != nil {
		t.Fatal(err)
	}
	fwd := &ingest.Forwarder{Spool: spool, URL: platform, Client: &http.Client{Transport: &http.Transport{TLSClientConfig: id.ClientTLS()}},
		MaxWait: 50 * time.Millisecond, ComponentID: id.ComponentID}
	fctx, fcancel := context.WithCancel(ctx)
	go fwd.Run(fctx)
	defer fcancel()

	// Syslog straight to the platform.
	c, err := net.Dial("udp", srv.SyslogAddrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "<13>direct")
	c.Close()

	deadline = time.Now().Add(20 * time.Second)
	for {
		e, d := st.counts()
		if e == 2998 && d == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored %d events and %d dead letters, want 2998 and 3", e, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, v := range st.events {
		if !strings.HasPrefix(v, "t1:<13>") {
			t.Fatalf("event %q", v)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c2, _ := comps.Component(context.Background(), "t1", id.ComponentID)
	if c2.LastSeen == nil || c2.Stats.EventsTotal != 3000 {
		t.Errorf("collector activity: last seen %v, events %d", c2.LastSeen, c2.Stats.EventsTotal)
	}
}
