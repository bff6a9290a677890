package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"bianque"
	"bianque/ingest"
	"bianque/ingest/server"
	"bianque/mask"
	"bianque/parse"
	"bianque/parse/std"
	"bianque/pipeline"
	"bianque/queue"
)

// ingestConfig holds the ingestion flags of bianque serve.
type ingestConfig struct {
	queue, queueSync, listen, hostnames   string
	syslogUDP, syslogTCP, syslogTLS       string
	syslogTenant, syslogHint, syslogFrame string
	caDir, maskKey                        string
	workers                               int
	// detector is detection's pipeline stage, set by serve when it runs.
	detector pipeline.Detector
	// discovery takes collectors' sightings and flow summaries, set by
	// serve when passive discovery runs (serve_discovery.go).
	discovery ingest.DiscoveryReceiver
}

// ingestFlags defines the ingestion flags on fs and returns a function that
// reads them after parsing.
func ingestFlags(fs *flagSet) func() ingestConfig {
	q := fs.String("queue", "BIANQUE_QUEUE", "", "ingest queue: empty for the local disk queue under <data>/ingest, or nats://host:4222 for JetStream (?stream=NAME to name the stream)")
	qs := fs.String("queue-sync", "BIANQUE_QUEUE_SYNC", "always", "local queue fsync policy: always (before acknowledging) or none")
	listen := fs.String("ingest-addr", "BIANQUE_INGEST_ADDR", "", "collector endpoint (enrolment and batches over mutual TLS), e.g. 0.0.0.0:6515; empty: off")
	hosts := fs.String("ingest-hostnames", "BIANQUE_INGEST_HOSTNAMES", "", "comma-separated names and addresses of the collector endpoint's certificate (default: host name, localhost, 127.0.0.1)")
	udp := fs.String("syslog-udp", "BIANQUE_SYSLOG_UDP", "", "receive syslog over UDP on this address (needs --syslog-tenant)")
	tcp := fs.String("syslog-tcp", "BIANQUE_SYSLOG_TCP", "", "receive syslog over TCP on this address (needs --syslog-tenant)")
	tlsAddr := fs.String("syslog-tls", "BIANQUE_SYSLOG_TLS", "", "receive syslog over TLS on this address (needs --syslog-tenant)")
	tenant := fs.String("syslog-tenant", "BIANQUE_SYSLOG_TENANT", "", "tenant code syslog received directly is attributed to")
	hint := fs.String("syslog-hint", "BIANQUE_SYSLOG_HINT", "", "vendor or format of syslog received directly (default: detect)")
	frame := fs.String("syslog-framing", "BIANQUE_SYSLOG_FRAMING", "auto", "TCP/TLS syslog framing: auto, lf or octet")
	caDir := fs.String("ca-dir", "BIANQUE_CA_DIR", "", "directory of the platform CA that issues collector certificates (default <data>/ca; nodes of one platform share it)")
	workers := fs.Int("ingest-workers", "BIANQUE_INGEST_WORKERS", 0, "pipeline workers (default: one per CPU)")
	maskKey := fs.String("mask-key", "BIANQUE_MASK_KEY", "", "master key of PII masking (R2.5), 32+ bytes as hex or base64 (default: kept in <data>/mask.key, created on first start)")
	return func() ingestConfig {
		return ingestConfig{queue: *q, queueSync: *qs, listen: *listen, hostnames: *hosts, syslogUDP: *udp, syslogTCP: *tcp,
			syslogTLS: *tlsAddr, syslogTenant: *tenant, syslogHint: *hint, syslogFrame: *frame, caDir: *caDir, maskKey: *maskKey, workers: *workers}
	}
}

// ingestStages assembles the pipeline stages of the other areas: the parser
// with every shipped vendor, per-tenant PII masking under the master key,
// and the store's event store as the sink (when the store has one).
// Detection joins as the detector stage when serve runs it.
func ingestStages(cfg ingestConfig, dataDir string, store bianque.Store, clock bianque.Clock) (pipeline.Parser, pipeline.Masker, pipeline.EventSink, pipeline.Detector, error) {
	key, err := maskKey(cfg.maskKey, filepath.Join(dataDir, "mask.key"))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// Each hospital's policy comes with its contract; a change applies to
	// its events within maskPolicyRefresh.
	pol, err := mask.NewPoliciesFrom(key, mask.Default(), func(tenantID string) (*bianque.MaskingPolicy, error) {
		// Bounded: the pipeline's workers wait for it.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		t, err := store.Tenant(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		return t.Contract.Masking, nil
	}, maskPolicyRefresh, clock)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	parser := server.ParseStage{Parser: std.NewParser(parse.Options{Clock: clock})}
	sink, _ := store.(pipeline.EventSink)
	return parser, server.MaskStage{Policies: pol}, sink, cfg.detector, nil
}

// maskPolicyRefresh is how long a hospital's masking policy is used before
// it is read again from its contract.
const maskPolicyRefresh = 30 * time.Second

// maskKey returns the master key of PII masking: --mask-key (32 bytes or
// more, base64 or hex), else the key kept in path, created on first use.
// Tokens stay stable only while the key does; nodes of one platform share it.
func maskKey(flag, path string) ([]byte, error) {
	if flag != "" {
		if b, err := hex.DecodeString(flag); err == nil && len(b) >= 32 {
			return b, nil
		}
		if b, err := base64.StdEncoding.DecodeString(flag); err == nil && len(b) >= 32 {
			return b, nil
		}
		return nil, errors.New("--mask-key must be at least 32 bytes as hex or base64")
	}
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("write mask key: %w", err)
	}
	return key, nil
}

// ingestRuntime is the ingestion side of a running bianque serve.
type ingestRuntime struct {
	srv      *server.Server
	registry *prometheus.Registry
}

// startIngest builds the ingestion side over the store: queue, CA,
// collector endpoint, syslog listeners, HTTP ingest and pipeline.
func startIngest(ctx context.Context, cfg ingestConfig, dataDir string, store bianque.Store, clock bianque.Clock, log *slog.Logger) (*ingestRuntime, error) {
	comps, ok := store.(bianque.ComponentStore)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no components", store)
	}
	deadLetters, _ := store.(bianque.DeadLetterStore)
	syncPolicy, err := queue.ParseSyncPolicy(cfg.queueSync)
	if err != nil {
		return nil, err
	}
	framing, err := ingest.ParseFraming(cfg.syslogFrame)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var hostnames []string
	for _, h := range strings.Split(cfg.hostnames, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hostnames = append(hostnames, h)
		}
	}
	tenantByCode := func(ctx context.Context, code string) (string, error) {
		t, err := store.TenantByCode(ctx, code)
		if err != nil {
			return "", err
		}
		return t.ID, nil
	}
	syslogTenant := ""
	if cfg.syslogTenant != "" {
		if syslogTenant, err = tenantByCode(ctx, cfg.syslogTenant); err != nil {
			return nil, fmt.Errorf("--syslog-tenant %q: %w", cfg.syslogTenant, err)
		}
	}
	parser, masker, sink, detector, err := ingestStages(cfg, dataDir, store, clock)
	if err != nil {
		return nil, err
	}
	scfg := server.Config{
		DataDir: filepath.Join(dataDir, "ingest"), CADir: cfg.caDir, Queue: cfg.queue, QueueSync: syncPolicy,
		Listen: cfg.listen, Hostnames: hostnames,
		SyslogUDP: cfg.syslogUDP, SyslogTCP: cfg.syslogTCP, SyslogTLS: cfg.syslogTLS, SyslogTenant: syslogTenant,
		SyslogHint: cfg.syslogHint, SyslogFraming: framing,
		Components: comps, TenantByCode: tenantByCode, Audit: store,
		Enrichers: []pipeline.Enricher{&pipeline.AssetEnricher{Assets: store, Clock: clock}, &pipeline.TenantEnricher{Tenants: store}},
		Workers:   cfg.workers, Clock: clock, Registerer: reg, Logger: log,
		Discovery: cfg.discovery,
	}
	if cfg.caDir == "" {
		scfg.CADir = filepath.Join(dataDir, "ca")
	}
	if parser != nil && sink != nil && deadLetters != nil {
		scfg.Parser, scfg.Masker, scfg.Sink, scfg.Detector, scfg.DeadLetters = parser, masker, sink, detector, deadLetters
	} else {
		log.Warn("ingest pipeline not running: the store keeps no events; received events wait on the queue")
	}
	srv, err := server.New(ctx, scfg)
	if err != nil {
		return nil, err
	}
	if a := srv.Addr(); a != nil {
		log.Info("collector endpoint", "addr", a.String(), "ca_fingerprint", srv.CA().Fingerprint())
	}
	for _, a := range srv.SyslogAddrs() {
		log.Info("receiving syslog", "addr", a.String())
	}
	srv.Components().DeadLetterStore = deadLetters
	return &ingestRuntime{srv: srv, registry: reg}, nil
}

// services are what the HTTP layer serves of ingestion.
func (r *ingestRuntime) services() (bianque.ComponentService, bianque.DeadLetterService, http.Handler) {
	return r.srv.Components(), r.srv.Components(), r.srv.IngestHandler()
}

// run serves until ctx ends.
func (r *ingestRuntime) run(ctx context.Context) error { return r.srv.Run(ctx) }
