package server

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/ingest"
	"bianque/ingest/ingesttest"
	"bianque/queue"
)

type countingSink struct{ n atomic.Int64 }

func (s *countingSink) AppendEvents(ctx context.Context, tenantID string, evs []*event.Event) (int, error) {
	s.n.Add(int64(len(evs)))
	return len(evs), nil
}

func (s *countingSink) AppendDeadLetters(ctx context.Context, dls []*bianque.DeadLetter) error {
	s.n.Add(int64(len(dls)))
	return nil
}

// BenchmarkTransport measures the transport end to end on one machine:
// syslog over TCP into a collector, its fsynced spool, batches over mutual
// TLS to the platform, the platform's fsynced queue, and the pipeline
// workers — with a one-field parser and a counting sink, so that parse and
// store costs (measured in their own packages) are excluded.
func BenchmarkTransport(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	comps := ingesttest.NewComponents()
	sink := &countingSink{}
	// BIANQUE_BENCH_QUEUE=nats://…?stream=NAME runs the platform side on JetStream.
	srv, err := New(ctx, Config{DataDir: filepath.Join(dir, "p"), Listen: "127.0.0.1:0", Components: comps, Queue: os.Getenv("BIANQUE_BENCH_QUEUE"),
		TenantByCode: func(ctx context.Context, code string) (string, error) { return "t1", nil },
		Parser:       lineParser{}, Sink: sink, DeadLetters: sink})
	if err != nil {
		b.Fatal(err)
	}
	go srv.Run(ctx)
	platform := "https://" + srv.Addr().String()
	idc := make(chan *ingest.Identity, 1)
	go func() {
		id, _ := ingest.Enroll(ctx, ingest.EnrollConfig{Platform: platform, CAPin: srv.CA().Fingerprint(), Tenant: "t",
			Name: "bench", Dir: filepath.Join(dir, "id"), Poll: 10 * time.Millisecond})
		idc <- id
	}()
	for {
		cs, _, _ := comps.Components(ctx, bianque.ComponentFilter{})
		if len(cs) == 1 {
			srv.Enroller().Approve(ctx, "t1", cs[0].ID, "admin")
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	id := <-idc
	spool, err := queue.OpenLocal(filepath.Join(dir, "spool"), queue.LocalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer spool.Close()
	batcher := ingest.NewBatcher(&ingest.QueueSink{Queue: spool}, 512, 5*time.Millisecond, nil)
	go batcher.Run(ctx)
	rcv, err := ingest.ListenSyslog(ingest.SyslogConfig{Network: "tcp", Addr: "127.0.0.1:0", Resolve: ingest.FixedSource(ingest.Source{})}, batcher)
	if err != nil {
		b.Fatal(err)
	}
	go rcv.Serve(ctx)
	fwd := &ingest.Forwarder{Spool: spool, URL: platform, BatchSize: 2000, MaxWait: 20 * time.Millisecond,
		Client: &http.Client{Transport: &http.Transport{TLSClientConfig: id.ClientTLS()}}}
	go fwd.Run(ctx)

	c, err := net.Dial("tcp", rcv.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	line := []byte("<134>1 2024-05-01T10:00:00Z fw01 fortigate - - - date=2024-05-01 time=10:00:00 devname=fw01 srcip=10.0.0.1 dstip=10.0.0.2 action=accept\n")
	chunk := make([]byte, 0, 64<<10)
	for len(chunk)+len(line) <= cap(chunk) {
		chunk = append(chunk, line...)
	}
	per := len(chunk) / len(line)
	b.ResetTimer()
	sent := 0
	for sent < b.N {
		c.Write(chunk)
		sent += per
	}
	for sink.n.Load() < int64(sent) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "events/s")
	c.Close()
}
