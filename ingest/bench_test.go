package ingest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bianque"
)

var benchLine = "<134>1 2024-05-01T10:00:00Z fw01 fortigate - - - date=2024-05-01 time=10:00:00 devname=fw01 srcip=10.0.0.1 dstip=10.0.0.2 action=accept"

// BenchmarkSyslogUDP sends datagrams as fast as one sender can over
// loopback and reports what was received and what the kernel dropped.
func BenchmarkSyslogUDP(b *testing.B) {
	sink := &countSink{}
	m := NewMetrics(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bt := NewBatcher(sink, 512, 2*time.Millisecond, nil)
	go bt.Run(ctx)
	r, err := ListenSyslog(SyslogConfig{Network: "udp", Addr: "127.0.0.1:0", Metrics: m, Resolve: FixedSource(Source{TenantID: "t1"})}, bt)
	if err != nil {
		b.Fatal(err)
	}
	go r.Serve(ctx)
	c, err := net.Dial("udp", r.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte(benchLine)
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Write(msg)
	}
	// Let the receiver drain; one more datagram carries the final drop count.
	time.Sleep(50 * time.Millisecond)
	c.Write(msg)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if got := counter(b, m.UDPDropped.WithLabelValues("syslog-udp")); int64(got)+sink.n.Load() >= int64(b.N)+1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	dropped := counter(b, m.UDPDropped.WithLabelValues("syslog-udp"))
	b.ReportMetric(float64(sink.n.Load())/b.Elapsed().Seconds(), "received/s")
	b.ReportMetric(dropped, "kernel-drops")
}

// BenchmarkHTTPIngest posts NDJSON batches of 1000 events.
func BenchmarkHTTPIngest(b *testing.B) {
	store := newMemComponents()
	store.CreateComponent(context.Background(), &bianque.Component{ID: "c", TenantID: "t1", Name: "edr", Kind: bianque.ComponentEDR,
		State: bianque.ComponentApproved, TokenHash: HashSecret("tok")})
	sink := &countSink{}
	h := &HTTPHandler{Components: &ComponentCache{Store: store}, Sink: sink}
	srv := httptest.NewServer(h)
	defer srv.Close()
	line := `{"@timestamp":"2024-05-01T10:00:00Z","event":{"code":"4625"},"host":{"name":"ws1"},"user":{"name":"alice"},"source":{"ip":"10.0.0.1"}}`
	body := strings.Repeat(line+"\n", 1000)
	b.SetBytes(int64(len(line) + 1))
	b.ResetTimer()
	for i := 0; i < b.N; i += 1000 {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sink.n.Load())/b.Elapsed().Seconds(), "events/s")
}
