package ingest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// memSink keeps submitted records; the tests' end of the pipe.
type memSink struct {
	mu   sync.Mutex
	recs []Raw
	fail error // kept and returned after taking the records: queued, but the answer was lost
}

func (s *memSink) Submit(ctx context.Context, recs []Raw) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, recs...)
	return s.fail
}

func (s *memSink) wait(t *testing.T, n int) []Raw {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		if len(s.recs) >= n {
			out := append([]Raw(nil), s.recs...)
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("sink got %d records, want %d", len(s.recs), n)
	return nil
}

func counter(t testing.TB, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func startSyslog(t *testing.T, cfg SyslogConfig) (*SyslogReceiver, *memSink) {
	t.Helper()
	sink := &memSink{}
	ctx, cancel := context.WithCancel(context.Background())
	b := NewBatcher(sink, 100, time.Millisecond, nil)
	go b.Run(ctx)
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	r, err := ListenSyslog(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { r.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r, sink
}

func bodies(recs []Raw) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Data))
	}
	sort.Strings(out)
	return out
}

func TestSyslogUDP(t *testing.T) {
	m := NewMetrics(nil)
	r, sink := startSyslog(t, SyslogConfig{Network: "udp", MaxMessage: 100, Metrics: m,
		Resolve: FixedSource(Source{TenantID: "t1", ComponentID: "c1", Hint: "fortigate"})})
	c, err := net.Dial("udp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 5; i++ {
		fmt.Fprintf(c, "<13>msg %d\n", i)
	}
	c.Write([]byte("<13>" + strings.Repeat("x", 200))) // over the limit
	c.Write([]byte("\n"))                              // empty
	recs := sink.wait(t, 5)
	if got := strings.Join(bodies(recs), "|"); got != "<13>msg 0|<13>msg 1|<13>msg 2|<13>msg 3|<13>msg 4" {
		t.Fatalf("bodies = %s", got)
	}
	rec := recs[0]
	if rec.TenantID != "t1" || rec.ComponentID != "c1" || rec.Hint != "fortigate" || rec.Transport != "udp" || !strings.HasPrefix(rec.Peer, "127.0.0.1:") || rec.ID == "" {
		t.Errorf("record = %+v", rec)
	}
	deadline := time.Now().Add(5 * time.Second)
	for counter(t, m.Rejected.WithLabelValues("syslog-udp", "empty")) < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v := counter(t, m.Rejected.WithLabelValues("syslog-udp", "too_long")); v != 1 {
		t.Errorf("too_long rejections = %v, want 1", v)
	}
	if v := counter(t, m.Rejected.WithLabelValues("syslog-udp", "empty")); v != 1 {
		t.Errorf("empty rejections = %v, want 1", v)
	}
	if v := counter(t, m.Received.WithLabelValues("syslog-udp")); v != 5 {
		t.Errorf("received = %v, want 5", v)
	}
}

// TestSyslogUDPKernelDrops fills the socket's receive buffer while the
// receiver is blocked (its batcher is not running) and checks the drops the
// kernel reports are counted.
func TestSyslogUDPKernelDrops(t *testing.T) {
	m := NewMetrics(nil)
	sink := &memSink{}
	b := NewBatcher(sink, 1, time.Millisecond, nil) // not run yet: Add blocks once its buffer is full
	r, err := ListenSyslog(SyslogConfig{Network: "udp", Addr: "127.0.0.1:0", ReadBuffer: 4096, Metrics: m,
		Resolve: FixedSource(Source{TenantID: "t1"})}, b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Serve(ctx); close(done) }()
	c, err := net.Dial("udp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("<13>" + strings.Repeat("d", 500))
	const sent = 3000
	for i := 0; i < sent; i++ {
		c.Write(payload)
	}
	c.Close()
	bctx, bcancel := context.WithCancel(context.Background())
	go b.Run(bctx)
	time.Sleep(300 * time.Millisecond)
	// One more datagram carries the final drop count.
	c2, _ := net.Dial("udp", r.Addr().String())
	c2.Write(payload)
	c2.Close()
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-done
	bcancel()
	received := counter(t, m.Received.WithLabelValues("syslog-udp"))
	dropped := counter(t, m.UDPDropped.WithLabelValues("syslog-udp"))
	if dropped == 0 {
		t.Fatalf("no kernel drops counted (received %v of %d)", received, sent+1)
	}
	if received+dropped != sent+1 {
		t.Errorf("received %v + dropped %v != sent %d", received, dropped, sent+1)
	}
}

func TestSyslogTCPFramingAndLimits(t *testing.T) {
	m := NewMetrics(nil)
	r, sink := startSyslog(t, SyslogConfig{Network: "tcp", MaxMessage: 64, Metrics: m,
		Resolve: FixedSource(Source{TenantID: "t1"})})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var stream []byte
	stream = append(stream, "<13>lf one\n"...)
	stream = AppendOctetFrame(stream, []byte("<13>octet\nwith newline"))
	stream = append(stream, "<13>"+strings.Repeat("o", 100)+"\n"...)
	stream = append(stream, "<13>lf two\n"...)
	// Written in small pieces: partial reads.
	for i := 0; i < len(stream); i += 7 {
		c.Write(stream[i:min(i+7, len(stream))])
		time.Sleep(time.Millisecond)
	}
	c.Close()
	recs := sink.wait(t, 3)
	if got := strings.Join(bodies(recs), "|"); got != "<13>lf one|<13>lf two|<13>octet\nwith newline" {
		t.Fatalf("bodies = %q", got)
	}
	if v := counter(t, m.Rejected.WithLabelValues("syslog-tcp", "too_long")); v != 1 {
		t.Errorf("too_long = %v", v)
	}
}

func TestSyslogUnknownSourceRejected(t *testing.T) {
	m := NewMetrics(nil)
	allowed := netip.MustParseAddr("192.0.2.1")
	r, sink := startSyslog(t, SyslogConfig{Network: "tcp", Metrics: m, Resolve: func(a netip.Addr) (Source, bool) {
		return Source{TenantID: "t1"}, a == allowed
	}})
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "<13>hello\n")
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for counter(t, m.Rejected.WithLabelValues("syslog-tcp", "unknown_source")) < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v := counter(t, m.Rejected.WithLabelValues("syslog-tcp", "unknown_source")); v != 1 {
		t.Fatalf("unknown_source = %v", v)
	}
	if len(sink.recs) != 0 {
		t.Fatalf("records from an unknown source were accepted")
	}
}

func selfSigned(t testing.TB) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestSyslogTLS(t *testing.T) {
	m := NewMetrics(nil)
	cert := selfSigned(t)
	r, sink := startSyslog(t, SyslogConfig{Network: "tls", Metrics: m, TLS: &tls.Config{Certificates: []tls.Certificate{cert}},
		Resolve: FixedSource(Source{TenantID: "t1"})})
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool.AddCert(leaf)
	c, err := tls.Dial("tcp", r.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c.Write(AppendOctetFrame(nil, []byte("<13>over tls")))
	c.Close()
	recs := sink.wait(t, 1)
	if string(recs[0].Data) != "<13>over tls" || recs[0].Transport != "tls" {
		t.Fatalf("record = %+v", recs[0])
	}
	// A plain TCP client speaking to the TLS port fails the handshake: counted.
	p, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("<13>plain text\n"))
	deadline := time.Now().Add(5 * time.Second)
	for counter(t, m.Rejected.WithLabelValues("syslog-tls", "tls_handshake")) < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	p.Close()
	if v := counter(t, m.Rejected.WithLabelValues("syslog-tls", "tls_handshake")); v != 1 {
		t.Fatalf("tls_handshake rejections = %v", v)
	}
}

func BenchmarkSyslogTCP(b *testing.B) {
	sink := &countSink{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bt := NewBatcher(sink, 512, 2*time.Millisecond, nil)
	go bt.Run(ctx)
	r, err := ListenSyslog(SyslogConfig{Network: "tcp", Addr: "127.0.0.1:0", Resolve: FixedSource(Source{TenantID: "t1"})}, bt)
	if err != nil {
		b.Fatal(err)
	}
	go r.Serve(ctx)
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	line := []byte("<134>1 2024-05-01T10:00:00Z fw01 fortigate - - - date=2024-05-01 time=10:00:00 devname=fw01 srcip=10.0.0.1 dstip=10.0.0.2 action=accept\n")
	chunk := make([]byte, 0, 64<<10)
	for len(chunk)+len(line) <= cap(chunk) {
		chunk = append(chunk, line...)
	}
	per := len(chunk) / len(line)
	b.SetBytes(int64(len(line)))
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += per {
		c.Write(chunk)
	}
	c.Close()
	want := int64((b.N + per - 1) / per * per)
	for sink.n.Load() < want {
		time.Sleep(time.Millisecond)
	}
}
