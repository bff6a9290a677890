package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
	"bianque/nats"
	"bianque/postgres"
	"bianque/sqlite"
	"bianque/storetest"
)

// The acceptance test of "no loss": 1,000,000 events through bianque collect
// to bianque serve, while the server is killed (SIGKILL) and restarted twice
// and the collector is killed once and restarted gracefully once; every
// event must be stored exactly once. Once with the embedded defaults (SQLite,
// local queue), once with PostgreSQL and JetStream.

const noLossEvents = 1_000_000

func TestServeNoLoss(t *testing.T) {
	serveNoLoss(t, "", "")
}

func TestServeNoLossPostgresJetStream(t *testing.T) {
	db := storetest.PostgresSchema(t)
	stream := fmt.Sprintf("BQNOLOSS_%d", time.Now().UnixNano()%1e9)
	t.Cleanup(func() {
		nats.DeleteStream(context.Background(), testutil.NATSURL(), stream)
		nats.DeleteKeyValue(context.Background(), testutil.NATSURL(), strings.ToLower(stream)+"_batches")
	})
	serveNoLoss(t, db, testutil.NATSURL()+"?stream="+stream)
}

// eventStore is what the test reads of the platform's store.
type eventStore interface {
	bianque.Store
	bianque.EventStore
}

func openEvents(t *testing.T, db, data string) eventStore {
	t.Helper()
	ctx := context.Background()
	var st bianque.Store
	var err error
	if db == "" {
		st, err = sqlite.Open(ctx, filepath.Join(data, "bianque.db"))
	} else {
		st, err = postgres.Open(ctx, db)
	}
	if err != nil {
		t.Fatal(err)
	}
	es, ok := st.(eventStore)
	if !ok {
		t.Fatalf("%T keeps no events", st)
	}
	return es
}

func countEvents(ctx context.Context, es eventStore, tenantID string) (int64, error) {
	parts, err := es.EventPartitions(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range parts {
		n += p.Events
	}
	return n, nil
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("bianque %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func serveNoLoss(t *testing.T, db, queueURL string) {
	bin := bianqueBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	httpAddr, ingestAddr := freeAddr(t, "tcp"), freeAddr(t, "tcp")
	serveArgs := []string{"serve", "--demo", "--demo-interval", "1h", "--demo-events", "0", "--data", data, "--addr", httpAddr,
		"--ingest-addr", ingestAddr, "--ingest-hostnames", "127.0.0.1"}
	storeArgs := []string{"--data", data}
	if db != "" {
		serveArgs = append(serveArgs, "--db", db)
		storeArgs = append(storeArgs, "--db", db)
	}
	if queueURL != "" {
		serveArgs = append(serveArgs, "--queue", queueURL)
	}
	serveLog := filepath.Join(dir, "serve.log")
	startServe := func() *proc {
		p := start(t, serveLog, bin, serveArgs...)
		deadline := time.Now().Add(60 * time.Second)
		for !listening(ingestAddr) {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not listen on %s:\n%s", ingestAddr, tail(serveLog))
			}
			time.Sleep(50 * time.Millisecond)
		}
		return p
	}
	srv := startServe()

	logFile := filepath.Join(dir, "events.log")
	collectArgs := []string{"collect", "--platform", "https://" + ingestAddr, "--tenant", "demo-szph",
		"--ca-cert", filepath.Join(data, "ca", "ca.crt"), "--data-dir", filepath.Join(dir, "collector"),
		"--tail", logFile, "--enrol-poll", "100ms", "--batch", "2000"}
	collectLog := filepath.Join(dir, "collect.log")
	collector := start(t, collectLog, bin, collectArgs...)

	// The hospital administrator's approval, from the platform host.
	deadline := time.Now().Add(60 * time.Second)
	for approved := false; !approved; {
		if time.Now().After(deadline) {
			t.Fatalf("no pending collector:\n%s", tail(collectLog))
		}
		out := run(t, bin, append([]string{"components", "list", "demo-szph", "--state", "pending"}, storeArgs...)...)
		for _, line := range strings.Split(out, "\n")[1:] {
			if f := strings.Fields(line); len(f) > 0 {
				run(t, bin, append([]string{"components", "approve", "demo-szph", f[0]}, storeArgs...)...)
				approved = true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}

	written := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			written <- err
			return
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 1<<20)
		for i := 0; i < noLossEvents; i++ {
			fmt.Fprintf(w, "no-loss event %07d from the collector test\n", i)
			if i%20000 == 19999 {
				w.Flush()
				time.Sleep(5 * time.Millisecond)
			}
		}
		written <- w.Flush()
	}()

	es := openEvents(t, db, data)
	defer es.Close()
	ctx := context.Background()
	tenant, err := es.TenantByCode(ctx, "demo-szph")
	if err != nil {
		t.Fatal(err)
	}
	base, err := countEvents(ctx, es, tenant.ID) // events of the demo data, if any
	if err != nil {
		t.Fatal(err)
	}
	stored := func() int64 {
		n, err := countEvents(ctx, es, tenant.ID)
		if err != nil {
			t.Logf("count: %v", err)
		}
		return n - base
	}
	waitStored := func(min int64) {
		deadline := time.Now().Add(5 * time.Minute)
		for stored() < min {
			if time.Now().After(deadline) {
				t.Fatalf("stored %d, waiting for %d\nserve:\n%s\ncollector:\n%s", stored(), min, tail(serveLog), tail(collectLog))
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Logf("%d stored", stored())
	}
	waitStored(noLossEvents / 10)
	srv.kill() // SIGKILL in the middle of batches
	srv = startServe()
	waitStored(noLossEvents * 3 / 10)
	collector.kill()
	collector = start(t, collectLog, bin, collectArgs...)
	waitStored(noLossEvents / 2)
	srv.kill()
	time.Sleep(time.Second) // the collector spools meanwhile
	srv = startServe()
	waitStored(noLossEvents * 7 / 10)
	collector.stop() // a graceful restart
	collector = start(t, collectLog, bin, collectArgs...)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Minute)
	for stored() < noLossEvents && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // anything beyond N would show now
	collector.stop()
	srv.stop()

	// Every line exactly once.
	seen := make([]uint8, noLossEvents)
	pr, pw := io.Pipe()
	go func() {
		_, err := es.ExportTenantEvents(ctx, tenant.ID, pw)
		pw.CloseWithError(err)
	}()
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	total := 0
	for sc.Scan() {
		var ev struct {
			Event struct {
				Original string `json:"original"`
			} `json:"event"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("export line: %v", err)
		}
		text := ev.Event.Original
		if text == "" {
			text = ev.Message
		}
		i := strings.Index(text, "no-loss event ")
		if i < 0 {
			continue // demo data of the tenant
		}
		n, err := strconv.Atoi(text[i+14 : i+21])
		if err != nil || n < 0 || n >= noLossEvents {
			t.Fatalf("unexpected event text %q", text)
		}
		seen[n]++
		total++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	missing, twice := 0, 0
	for _, c := range seen {
		switch {
		case c == 0:
			missing++
		case c > 1:
			twice++
		}
	}
	if missing > 0 || twice > 0 || total != noLossEvents {
		t.Fatalf("%d events sent: %d stored, %d missing, %d stored more than once\nserve:\n%s\ncollector:\n%s",
			noLossEvents, total, missing, twice, tail(serveLog), tail(collectLog))
	}
}

func listening(addr string) bool {
	c, err := netDial(addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
