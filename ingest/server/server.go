// Package server assembles the platform side of ingestion for bianque
// serve: the durable queue (local or JetStream), the collector endpoint
// (enrolment and batch delivery over mutual TLS, with the platform CA and its
// revocation list), optional syslog listeners, the HTTP ingest handler for
// token-authenticated components, and the pipeline workers.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bianque"
	"bianque/ingest"
	"bianque/nats"
	"bianque/pipeline"
	"bianque/pki"
	"bianque/queue"
)

// Config configures the ingest side of a platform node.
type Config struct {
	// DataDir holds the local queue, the CA (unless CADir) and the batch ledger.
	DataDir string
	// CADir holds the platform CA; nodes of one platform must share it (DataDir/ca).
	CADir string
	// Queue is "" or "local" for the local disk queue, or a nats:// URL
	// for JetStream (scale-out).
	Queue         string
	QueueSync     queue.SyncPolicy
	QueueMaxBytes int64
	// Listen is the collector endpoint (enrolment and batches, TLS); "" disables it.
	Listen string
	// Hostnames the collector endpoint's certificate names (default: the
	// host name, localhost, 127.0.0.1).
	Hostnames []string
	// SyslogUDP, SyslogTCP and SyslogTLS listen for syslog sent straight to
	// the platform, attributed to SyslogTenant (a tenant ID). SyslogTLS uses
	// the collector endpoint's certificate.
	SyslogUDP, SyslogTCP, SyslogTLS string
	SyslogTenant                    string
	SyslogHint                      string
	SyslogFraming                   ingest.Framing

	Components   bianque.ComponentStore
	TenantByCode func(ctx context.Context, code string) (string, error)
	Audit        bianque.AuditStore // optional

	Parser      pipeline.Parser
	Masker      pipeline.Masker // optional
	Enrichers   []pipeline.Enricher
	Sink        pipeline.EventSink
	Detector    pipeline.Detector // optional
	DeadLetters pipeline.DeadLetterSink
	Workers     int
	Batch       int

	// Discovery takes the sightings and flow summaries of collectors'
	// passive sensors (optional; without it they are counted and dropped).
	Discovery ingest.DiscoveryReceiver

	Clock      bianque.Clock
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// Server is the running ingest side of a node.
type Server struct {
	cfg       Config
	queue     queue.Queue
	ledger    ingest.BatchLedger
	ca        *pki.CA
	revoked   *pki.RevocationList
	enroller  *ingest.Enroller
	service   *ingest.ComponentService
	cache     *ingest.ComponentCache
	touch     *ingest.Toucher
	metrics   *ingest.Metrics
	pipe      *pipeline.Pipeline
	sink      ingest.Sink
	httpIn    *ingest.HTTPHandler
	ln        net.Listener
	tlsCfg    *tls.Config
	receivers []*ingest.SyslogReceiver
	batcher   *ingest.Batcher
	closers   []func() error
}

// New opens the queue, the CA and the ledger and binds the listeners.
func New(ctx context.Context, cfg Config) (s *Server, err error) {
	if cfg.Components == nil {
		return nil, errors.New("ingest server needs a component store")
	}
	if cfg.Clock == nil {
		cfg.Clock = bianque.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CADir == "" {
		cfg.CADir = filepath.Join(cfg.DataDir, "ca")
	}
	if len(cfg.Hostnames) == 0 {
		host, _ := os.Hostname()
		cfg.Hostnames = []string{host, "localhost", "127.0.0.1", "::1"}
	}
	s = &Server{cfg: cfg, revoked: &pki.RevocationList{}}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	s.metrics = ingest.NewMetrics(cfg.Registerer)
	var pmetrics *pipeline.Metrics
	pmetrics = pipeline.NewMetrics(cfg.Registerer)

	// localAckWait frees a batch a stuck pipeline worker holds. It is longer
	// than JetStream's 30 s because it is not needed for crashes here: the
	// local queue delivers everything unacknowledged again on restart.
	const localAckWait = 5 * time.Minute
	switch {
	case cfg.Queue == "" || cfg.Queue == "local":
		q, err := queue.OpenLocal(filepath.Join(cfg.DataDir, "queue"), queue.LocalOptions{Sync: cfg.QueueSync, MaxBacklogBytes: cfg.QueueMaxBytes,
			AckWait: localAckWait})
		if err != nil {
			return nil, fmt.Errorf("open queue: %w", err)
		}
		s.queue = q
		l, err := ingest.OpenFileLedger(filepath.Join(cfg.DataDir, "batches.ledger"), 0)
		if err != nil {
			return nil, err
		}
		s.ledger = l
		s.closers = append(s.closers, l.Close)
	case strings.HasPrefix(cfg.Queue, "nats://") || strings.HasPrefix(cfg.Queue, "tls://"):
		// nats://host:4222?stream=NAME names the stream (and the ledger
		// bucket), so that platforms can share a NATS server.
		url, stream := cfg.Queue, ""
		if i := strings.Index(url, "?"); i >= 0 {
			q, err := neturl.ParseQuery(url[i+1:])
			if err != nil {
				return nil, fmt.Errorf("queue URL: %w", err)
			}
			url, stream = url[:i], q.Get("stream")
		}
		opts := nats.Options{URL: url, MaxBacklogBytes: cfg.QueueMaxBytes}
		bucket := ""
		if stream != "" {
			opts.Stream, opts.Subject, bucket = stream, "bianque.ingest."+strings.ToLower(stream), strings.ToLower(stream)+"_batches"
		}
		q, err := nats.Open(ctx, opts)
		if err != nil {
			return nil, err
		}
		s.queue = q
		l, err := nats.OpenLedger(ctx, url, bucket, 0)
		if err != nil {
			return nil, err
		}
		s.ledger = l
		s.closers = append(s.closers, l.Close)
	default:
		return nil, fmt.Errorf("queue %q: want local or a nats:// URL", cfg.Queue)
	}
	s.sink = &ingest.QueueSink{Queue: s.queue}

	s.ca, err = pki.LoadOrCreateCA(cfg.CADir, cfg.Clock)
	if err != nil {
		return nil, err
	}
	s.cache = &ingest.ComponentCache{Store: cfg.Components, Clock: cfg.Clock}
	s.touch = &ingest.Toucher{Store: cfg.Components, Clock: cfg.Clock}
	s.enroller = &ingest.Enroller{Components: cfg.Components, TenantByCode: cfg.TenantByCode, CA: s.ca, Revoked: s.revoked,
		Cache: s.cache, Clock: cfg.Clock}
	s.service = &ingest.ComponentService{Enroller: s.enroller, Audit: cfg.Audit}
	if err := s.enroller.RefreshRevocations(ctx); err != nil {
		return nil, err
	}
	s.httpIn = &ingest.HTTPHandler{Components: s.cache, Sink: s.sink, Ledger: s.ledger, Touch: s.touch, Clock: cfg.Clock, Metrics: s.metrics}

	if cfg.Parser != nil {
		s.pipe, err = pipeline.New(pipeline.Config{Queue: s.queue, Parser: cfg.Parser, Masker: cfg.Masker, Enrichers: cfg.Enrichers,
			Sink: cfg.Sink, Detector: cfg.Detector, DeadLetters: cfg.DeadLetters, Workers: cfg.Workers, Batch: cfg.Batch,
			Clock: cfg.Clock, Metrics: pmetrics, Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
	}

	if cfg.Listen != "" || cfg.SyslogTLS != "" {
		cert, err := s.ca.IssueServer(cfg.Hostnames, 0)
		if err != nil {
			return nil, err
		}
		s.tlsCfg = s.ca.ServerTLS(cert, s.revoked)
	}
	if cfg.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen for collectors on %s: %w", cfg.Listen, err)
		}
		s.ln = ln
	}
	s.batcher = ingest.NewBatcher(s.sink, 512, 5*time.Millisecond, func(err error) {
		cfg.Logger.Warn("queue write failed; retrying", "err", err)
	})
	src := ingest.FixedSource(ingest.Source{TenantID: cfg.SyslogTenant, Hint: cfg.SyslogHint})
	for _, l := range []struct{ network, addr string }{{"udp", cfg.SyslogUDP}, {"tcp", cfg.SyslogTCP}, {"tls", cfg.SyslogTLS}} {
		if l.addr == "" {
			continue
		}
		if cfg.SyslogTenant == "" {
			return nil, errors.New("syslog listeners on the platform need a tenant to attribute messages to")
		}
		r, err := ingest.ListenSyslog(ingest.SyslogConfig{Network: l.network, Addr: l.addr, Framing: cfg.SyslogFraming, TLS: s.tlsCfg,
			Resolve: src, Clock: cfg.Clock, Metrics: s.metrics, Logger: cfg.Logger}, s.batcher)
		if err != nil {
			return nil, err
		}
		s.receivers = append(s.receivers, r)
	}
	return s, nil
}

// Addr is the collector endpoint's address (nil when disabled).
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// SyslogAddrs are the syslog listeners' addresses.
func (s *Server) SyslogAddrs() []net.Addr {
	var out []net.Addr
	for _, r := range s.receivers {
		out = append(out, r.Addr())
	}
	return out
}

// CA is the platform CA.
func (s *Server) CA() *pki.CA { return s.ca }

// Queue is the ingest queue.
func (s *Server) Queue() queue.Queue { return s.queue }

// IngestHandler is the HTTP ingest endpoint for token-authenticated
// components; the API mounts it (POST /api/v1/ingest).
func (s *Server) IngestHandler() http.Handler { return s.httpIn }

// Components is the component service (approve, reject, revoke, list).
func (s *Server) Components() *ingest.ComponentService { return s.service }

// Enroller is the enrolment side, for the API to call.
func (s *Server) Enroller() *ingest.Enroller { return s.enroller }

// CollectorHandler serves enrolment and batch delivery (the collector endpoint).
func (s *Server) CollectorHandler() http.Handler {
	mux := http.NewServeMux()
	enrol := s.enroller.Handler()
	mux.Handle("/ingest/v1/enroll", enrol)
	mux.Handle("/ingest/v1/enroll/", enrol)
	mux.Handle("/ingest/v1/ca", enrol)
	mux.Handle(ingest.BatchPath, &ingest.BatchHandler{Components: s.cache, Sink: s.sink, Ledger: s.ledger, Touch: s.touch,
		Metrics: s.metrics, Discovery: s.cfg.Discovery, Logger: s.cfg.Logger})
	return mux
}

// Run serves until ctx ends: the collector endpoint, the syslog listeners,
// the pipeline, component activity and revocation refresh. On return the
// queue is closed; what is not yet processed stays on it.
func (s *Server) Run(ctx context.Context) error {
	defer s.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	rctx, stopReceiving := context.WithCancel(ctx)
	defer stopReceiving()
	bctx, stopBatcher := context.WithCancel(context.WithoutCancel(ctx))
	batcherDone := make(chan struct{})
	go func() { s.batcher.Run(bctx); close(batcherDone) }()

	var srv *http.Server
	if s.ln != nil {
		srv = &http.Server{Handler: s.CollectorHandler(), TLSConfig: s.tlsCfg, ReadHeaderTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelDebug)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.ServeTLS(s.ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("collector endpoint: %w", err)
			}
		}()
	}
	for _, r := range s.receivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Serve(rctx); err != nil {
				errs <- err
			}
		}()
	}
	var pwg sync.WaitGroup
	if s.pipe != nil {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			if err := s.pipe.Run(ctx); err != nil {
				errs <- err
			}
		}()
	}
	tctx, stopTouch := context.WithCancel(context.WithoutCancel(ctx))
	touchDone := make(chan struct{})
	go func() { s.touch.Run(tctx); close(touchDone) }()
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.enroller.RefreshRevocations(ctx); err != nil && ctx.Err() == nil {
					s.cfg.Logger.Warn("refresh revocation list", "err", err)
				}
			}
		}
	}()

	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	cancel()
	stopReceiving()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		srv.Shutdown(sctx)
		cancel()
	}
	wg.Wait()
	stopBatcher()
	<-batcherDone
	pwg.Wait()
	stopTouch()
	<-touchDone
	return err
}

func (s *Server) close() {
	if s.ln != nil {
		s.ln.Close()
	}
	for _, c := range s.closers {
		c()
	}
	if s.queue != nil {
		s.queue.Close()
	}
}
