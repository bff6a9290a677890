// Package e2e runs the bianque binary as separate processes and kills them,
// to check that ingestion loses nothing and stores nothing twice.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/ingest/ingesttest"
	"bianque/ingest/server"
	"bianque/internal/testutil"
	"bianque/nats"
	"bianque/pipeline"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// bianqueBinary builds cmd/bianque once per test run.
func bianqueBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bianque-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bianque")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/bianque")
		cmd.Dir = testutil.RepoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a child process whose output goes to a log file.
type proc struct {
	cmd *exec.Cmd
	log string
}

func start(t *testing.T, logPath string, bin string, args ...string) *proc {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p := &proc{cmd: cmd, log: logPath}
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.kill()
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// lineParser turns a line into an event carrying it as the message.
type lineParser struct{}

func (lineParser) Parse(raw []byte, meta pipeline.Meta) (*event.Event, error) {
	e := event.New(4)
	e.Set(event.Message, string(raw))
	return e, nil
}

// idStore is an event sink idempotent on event.id, like the event stores,
// that remembers which IDs each message was stored under.
type idStore struct {
	mu    sync.Mutex
	byID  map[string]string
	byMsg map[string]map[string]bool
}

func newIDStore() *idStore {
	return &idStore{byID: map[string]string{}, byMsg: map[string]map[string]bool{}}
}

func (s *idStore) AppendEvents(ctx context.Context, tenantID string, evs []*event.Event) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range evs {
		id, msg := e.Str(event.EventID), e.Str(event.Message)
		s.byID[id] = msg
		if s.byMsg[msg] == nil {
			s.byMsg[msg] = map[string]bool{}
		}
		s.byMsg[msg][id] = true
	}
	return len(evs), nil
}

func (s *idStore) AppendDeadLetters(ctx context.Context, dls []*bianque.DeadLetter) error {
	if len(dls) > 0 {
		return fmt.Errorf("unexpected dead letter: %s: %s", dls[0].Stage, dls[0].Reason)
	}
	return nil
}

func (s *idStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// TestCollectorKilledNoLoss runs bianque collect as a child process that
// follows a file growing to N lines, kills it with SIGKILL twice and
// restarts it, and stops and restarts the platform's ingest side in
// between: every line must be stored, and stored once.
func TestCollectorKilledNoLoss(t *testing.T) { collectorKilledNoLoss(t, "", 200000) }

// TestCollectorKilledNoLossJetStream is the same with JetStream as the
// platform's queue.
func TestCollectorKilledNoLossJetStream(t *testing.T) {
	stream := fmt.Sprintf("BQE2E_%d", time.Now().UnixNano()%1e9)
	t.Cleanup(func() {
		nats.DeleteStream(context.Background(), testutil.NATSURL(), stream)
		nats.DeleteKeyValue(context.Background(), testutil.NATSURL(), strings.ToLower(stream)+"_batches")
	})
	collectorKilledNoLoss(t, testutil.NATSURL()+"?stream="+stream, 100000)
}

func collectorKilledNoLoss(t *testing.T, queueURL string, n int) {
	bin := bianqueBinary(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	comps := ingesttest.NewComponents()
	store := newIDStore()
	var srvMu sync.Mutex
	var srvCancel context.CancelFunc
	var srvDone chan error
	listen := "127.0.0.1:0"
	startPlatform := func() string {
		srv, err := server.New(ctx, server.Config{DataDir: filepath.Join(dir, "platform"), Listen: listen, Components: comps,
			Queue:        queueURL,
			TenantByCode: func(ctx context.Context, code string) (string, error) { return "t1", nil },
			Parser:       lineParser{}, Sink: store, DeadLetters: store})
		if err != nil {
			t.Fatal(err)
		}
		listen = srv.Addr().String()
		sctx, c := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Run(sctx) }()
		srvMu.Lock()
		srvCancel, srvDone = c, done
		srvMu.Unlock()
		os.WriteFile(filepath.Join(dir, "ca.crt"), srv.CA().CertPEM(), 0o644)
		// Approve the collector as soon as it asks, as the administrator would.
		go func() {
			for ctx.Err() == nil {
				cs, _, _ := comps.Components(ctx, bianque.ComponentFilter{States: []bianque.ComponentState{bianque.ComponentPending}})
				for _, c := range cs {
					srv.Enroller().Approve(ctx, c.TenantID, c.ID, "admin")
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		return listen
	}
	stopPlatform := func() {
		srvMu.Lock()
		c, done := srvCancel, srvDone
		srvMu.Unlock()
		c()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	addr := startPlatform()

	logFile := filepath.Join(dir, "app.log")
	args := []string{"collect", "--platform", "https://" + addr, "--tenant", "szph", "--ca-cert", filepath.Join(dir, "ca.crt"),
		"--data-dir", filepath.Join(dir, "collector"), "--tail", logFile, "--enrol-poll", "50ms", "--batch", "2000"}
	collector := start(t, filepath.Join(dir, "collect.log"), bin, args...)

	written := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			written <- err
			return
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 1<<20)
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, "line %07d of the no-loss test\n", i)
			if i%(n/40) == n/40-1 {
				w.Flush()
				time.Sleep(10 * time.Millisecond)
			}
		}
		written <- w.Flush()
	}()

	waitStored := func(min int) {
		defer func(start time.Time) { t.Logf("%d stored after %v", store.count(), time.Since(start)) }(time.Now())
		deadline := time.Now().Add(60 * time.Second)
		for store.count() < min {
			if time.Now().After(deadline) {
				t.Fatalf("stored %d, waiting for %d; collector log:\n%s", store.count(), min, tail(collector.log))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStored(n / 10)
	collector.kill() // SIGKILL
	collector = start(t, filepath.Join(dir, "collect.log"), bin, args...)
	waitStored(n / 3)
	stopPlatform()
	time.Sleep(500 * time.Millisecond) // the collector spools meanwhile
	startPlatform()
	waitStored(n / 2)
	collector.kill()
	collector = start(t, filepath.Join(dir, "collect.log"), bin, args...)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(120 * time.Second)
	for store.count() < n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	collector.stop()
	stopPlatform()

	store.mu.Lock()
	defer store.mu.Unlock()
	missing, twice := 0, 0
	for i := 0; i < n; i++ {
		ids := store.byMsg[fmt.Sprintf("line %07d of the no-loss test", i)]
		switch {
		case len(ids) == 0:
			missing++
		case len(ids) > 1:
			twice++
		}
	}
	if missing > 0 || twice > 0 || len(store.byID) != n {
		t.Fatalf("%d lines written: %d stored, %d missing, %d stored under more than one ID; collector log:\n%s",
			n, len(store.byID), missing, twice, tail(collector.log))
	}
}

// freeAddr returns a loopback address nobody listens on at the moment.
func freeAddr(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().String()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestCollectorInputs checks the collect command's receivers end to end:
// syslog over UDP and TCP and an HTTP NDJSON batch with a local token.
func TestCollectorInputs(t *testing.T) {
	bin := bianqueBinary(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	comps := ingesttest.NewComponents()
	store := newIDStore()
	srv, err := server.New(ctx, server.Config{DataDir: filepath.Join(dir, "platform"), Listen: "127.0.0.1:0", Components: comps,
		TenantByCode: func(ctx context.Context, code string) (string, error) { return "t1", nil },
		Parser:       lineParser{}, Sink: store, DeadLetters: store})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	os.WriteFile(filepath.Join(dir, "ca.crt"), srv.CA().CertPEM(), 0o644)
	go func() {
		for ctx.Err() == nil {
			cs, _, _ := comps.Components(ctx, bianque.ComponentFilter{States: []bianque.ComponentState{bianque.ComponentPending}})
			for _, c := range cs {
				srv.Enroller().Approve(ctx, c.TenantID, c.ID, "admin")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	udp, tcp, httpAddr := freeAddr(t, "udp"), freeAddr(t, "tcp"), freeAddr(t, "tcp")
	collector := start(t, filepath.Join(dir, "collect.log"), bin, "collect", "--platform", "https://"+srv.Addr().String(),
		"--tenant", "szph", "--ca-cert", filepath.Join(dir, "ca.crt"), "--data-dir", filepath.Join(dir, "collector"),
		"--syslog-udp", udp, "--syslog-tcp", tcp, "--http", httpAddr, "--http-tokens", "s3cret=sysmon", "--enrol-poll", "50ms")
	waitListening := func(addr string) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("collector not listening on %s:\n%s", addr, tail(collector.log))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitListening(tcp)
	waitListening(httpAddr)
	u, err := net.Dial("udp", udp)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(u, "<13>over udp")
	u.Close()
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "<13>over tcp\n")
	c.Close()
	req, _ := http.NewRequest("POST", "http://"+httpAddr+"/api/v1/ingest", strings.NewReader(`{"over":"http"}`+"\n"))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP ingest: %s", resp.Status)
	}
	req, _ = http.NewRequest("POST", "http://"+httpAddr+"/api/v1/ingest", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("wrong token: %v %v", resp, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for store.count() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	store.mu.Lock()
	got := []string{}
	for _, m := range store.byID {
		got = append(got, m)
	}
	store.mu.Unlock()
	slices.Sort(got)
	if strings.Join(got, "|") != `<13>over tcp|<13>over udp|{"over":"http"}` {
		t.Fatalf("stored %q; collector log:\n%s", got, tail(collector.log))
	}
	collector.stop()
	cancel()
	<-done
}

func netDial(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, time.Second) }
