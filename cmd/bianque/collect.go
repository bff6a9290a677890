package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"bianque/ingest"
	"bianque/queue"
)

func init() {
	register(&command{
		Name:    "collect",
		Summary: "run the hospital-side collector",
		Usage: `Usage: bianque collect --platform https://HOST:PORT --tenant CODE (--ca-pin SHA256 | --ca-cert FILE) [flags]

Runs at the hospital edge: receives syslog (UDP, TCP, TLS) and tails files,
keeps everything in a disk spool, and forwards it in batches over mutual TLS
to the platform. On first start it enrols: it asks the platform for a
certificate and waits until a hospital administrator approves it in the
portal. Receiving starts at once; events wait in the spool until the
collector is approved and whenever the platform is unreachable.

Passive device discovery: --sniff IFACE (a mirror port or TAP; repeatable),
--pcap FILE (replay a capture; repeatable) and --flows-listen ADDR (NetFlow
v5/v9, IPFIX) feed a bounded sensor at the collector. Every
--sensor-interval it forwards what it learnt — device sightings with their
identities and evidence, and flow summaries per client, server, transport
and port with byte and packet counts — never packets, through the same spool
and link as the logs. Nothing is ever sent to a device.`,
		Run: runCollect,
	})
}

type collectFlags struct {
	platform, tenant, name, caPin, caCert, dataDir         string
	syslogUDP, syslogTCP, syslogTLS, tlsCert, tlsKey, hint string
	framing, tails, metrics, sync                          string
	httpAddr, httpTokens                                   string
	maxMessage, batch                                      int
	spoolMax                                               int64
	compress                                               bool
	poll                                                   time.Duration
	sensor                                                 sensorConfig
}

func runCollect(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["collect"]
	fs := newFlagSet(env, c)
	var f collectFlags
	host, _ := os.Hostname()
	p_platform := fs.String("platform", "BIANQUE_PLATFORM", "", "platform ingest endpoint, https://HOST:PORT")
	p_tenant := fs.String("tenant", "BIANQUE_TENANT", "", "tenant (hospital) code to enrol under")
	p_name := fs.String("name", "BIANQUE_COLLECTOR_NAME", host, "collector name shown in the portal")
	p_caPin := fs.String("ca-pin", "BIANQUE_CA_PIN", "", "SHA-256 fingerprint of the platform CA (shown in the portal)")
	p_caCert := fs.String("ca-cert", "BIANQUE_CA_CERT", "", "file holding the platform CA certificate (instead of --ca-pin)")
	p_dataDir := fs.String("data-dir", "BIANQUE_COLLECT_DATA", "bianque-collect", "directory for the spool, identity and file positions")
	p_syslogUDP := fs.String("syslog-udp", "BIANQUE_SYSLOG_UDP", "", "listen for syslog over UDP on this address (e.g. :514)")
	p_syslogTCP := fs.String("syslog-tcp", "BIANQUE_SYSLOG_TCP", "", "listen for syslog over TCP on this address (e.g. :601)")
	p_syslogTLS := fs.String("syslog-tls", "BIANQUE_SYSLOG_TLS", "", "listen for syslog over TLS on this address (e.g. :6514)")
	p_tlsCert := fs.String("syslog-tls-cert", "BIANQUE_SYSLOG_TLS_CERT", "", "certificate file of the syslog TLS listener")
	p_tlsKey := fs.String("syslog-tls-key", "BIANQUE_SYSLOG_TLS_KEY", "", "key file of the syslog TLS listener")
	p_hint := fs.String("hint", "BIANQUE_HINT", "", "vendor or format of what the syslog listeners receive (default: detect)")
	p_framing := fs.String("framing", "BIANQUE_FRAMING", "auto", "TCP/TLS framing: auto, lf or octet")
	p_tails := fs.String("tail", "BIANQUE_TAIL", "", "comma-separated files to follow, each PATH or PATH=HINT")
	p_httpAddr := fs.String("http", "BIANQUE_HTTP", "", "accept HTTP JSON/NDJSON batches on this address (POST /api/v1/ingest)")
	p_httpTokens := fs.String("http-tokens", "BIANQUE_HTTP_TOKENS", "", "comma-separated TOKEN or TOKEN=HINT the HTTP listener accepts")
	p_metrics := fs.String("metrics", "BIANQUE_METRICS", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9464)")
	p_sync := fs.String("sync", "BIANQUE_SPOOL_SYNC", "always", "spool fsync policy: always or none")
	p_maxMessage := fs.Int("max-message", "BIANQUE_MAX_MESSAGE", ingest.DefaultMaxMessage, "largest message accepted, bytes")
	p_batch := fs.Int("batch", "BIANQUE_BATCH", 1000, "most events per forwarded batch")
	p_spoolMax := fs.Int("spool-max-bytes", "BIANQUE_SPOOL_MAX", 4<<30, "spool size at which receiving is slowed down")
	p_compress := fs.Bool("compress", "BIANQUE_COMPRESS", true, "gzip forwarded batches")
	p_poll := fs.Duration("enrol-poll", "BIANQUE_ENROL_POLL", 10*time.Second, "interval between checks for approval")
	sensorOpts := sensorFlags(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	f.sensor = sensorOpts()
	f.platform = *p_platform
	f.tenant = *p_tenant
	f.name = *p_name
	f.caPin = *p_caPin
	f.caCert = *p_caCert
	f.dataDir = *p_dataDir
	f.syslogUDP = *p_syslogUDP
	f.syslogTCP = *p_syslogTCP
	f.syslogTLS = *p_syslogTLS
	f.tlsCert = *p_tlsCert
	f.tlsKey = *p_tlsKey
	f.hint = *p_hint
	f.framing = *p_framing
	f.tails = *p_tails
	f.metrics = *p_metrics
	f.httpAddr = *p_httpAddr
	f.httpTokens = *p_httpTokens
	f.sync = *p_sync
	f.maxMessage = *p_maxMessage
	f.batch = *p_batch
	f.spoolMax = int64(*p_spoolMax)
	f.compress = *p_compress
	f.poll = *p_poll
	if f.platform == "" || f.tenant == "" {
		fmt.Fprintln(env.Stderr, "bianque collect: --platform and --tenant are required")
		return errUsage
	}
	if f.syslogUDP == "" && f.syslogTCP == "" && f.syslogTLS == "" && f.tails == "" && f.httpAddr == "" && !f.sensor.enabled() {
		fmt.Fprintln(env.Stderr, "bianque collect: nothing to receive: give --syslog-udp, --syslog-tcp, --syslog-tls, --http, --tail, --sniff, --pcap or --flows-listen")
		return errUsage
	}
	return collect(ctx, env, f)
}

func collect(ctx context.Context, env *cmdEnv, f collectFlags) error {
	logger := slog.New(slog.NewTextHandler(env.Stderr, nil))
	framing, err := ingest.ParseFraming(f.framing)
	if err != nil {
		return err
	}
	syncPolicy, err := queue.ParseSyncPolicy(f.sync)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	metrics := ingest.NewMetrics(reg)
	spool, err := queue.OpenLocal(filepath.Join(f.dataDir, "spool"), queue.LocalOptions{Sync: syncPolicy, MaxBacklogBytes: f.spoolMax})
	if err != nil {
		return fmt.Errorf("open spool: %w", err)
	}
	defer spool.Close()

	rctx, stopReceiving := context.WithCancel(context.WithoutCancel(ctx))
	defer stopReceiving()
	batcher := ingest.NewBatcher(&ingest.QueueSink{Queue: spool}, 512, 5*time.Millisecond, func(err error) {
		logger.Warn("spool write failed; retrying", "err", err)
	})
	var wg sync.WaitGroup
	batcherDone := make(chan struct{})
	go func() { batcher.Run(rctx); close(batcherDone) }()

	src := ingest.FixedSource(ingest.Source{Hint: f.hint})
	listen := func(network, addr string, tlsCfg *tls.Config) error {
		r, err := ingest.ListenSyslog(ingest.SyslogConfig{Network: network, Addr: addr, Framing: framing, MaxMessage: f.maxMessage,
			TLS: tlsCfg, Resolve: src, Metrics: metrics, Logger: logger}, batcher)
		if err != nil {
			return err
		}
		logger.Info("receiving syslog", "network", network, "addr", r.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Serve(rctx); err != nil {
				logger.Error("syslog receiver stopped", "network", network, "err", err)
			}
		}()
		return nil
	}
	if f.syslogUDP != "" {
		if err := listen("udp", f.syslogUDP, nil); err != nil {
			return err
		}
	}
	if f.syslogTCP != "" {
		if err := listen("tcp", f.syslogTCP, nil); err != nil {
			return err
		}
	}
	if f.syslogTLS != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return fmt.Errorf("syslog TLS listener needs --syslog-tls-cert and --syslog-tls-key: %w", err)
		}
		if err := listen("tls", f.syslogTLS, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}); err != nil {
			return err
		}
	}
	for _, spec := range strings.Split(f.tails, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		path, hint, _ := strings.Cut(spec, "=")
		t := ingest.NewTailer(ingest.TailConfig{Path: path, Source: ingest.Source{Hint: hint}, StateDir: filepath.Join(f.dataDir, "tail"),
			MaxMessage: f.maxMessage, Metrics: metrics, Logger: logger}, &ingest.QueueSink{Queue: spool})
		logger.Info("following file", "path", path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.Run(rctx); err != nil {
				logger.Error("tail stopped", "path", path, "err", err)
			}
		}()
	}
	if f.httpAddr != "" {
		tokens := map[string]string{}
		for _, spec := range strings.Split(f.httpTokens, ",") {
			if tok, hint, _ := strings.Cut(strings.TrimSpace(spec), "="); tok != "" {
				tokens[tok] = hint
			}
		}
		if len(tokens) == 0 {
			return errors.New("--http needs --http-tokens")
		}
		h := &ingest.HTTPHandler{Components: &ingest.ComponentCache{Store: ingest.NewLocalTokens(tokens)},
			Sink: &ingest.QueueSink{Queue: spool}, Metrics: metrics}
		mux := http.NewServeMux()
		mux.Handle("/api/v1/ingest", h)
		ln, err := net.Listen("tcp", f.httpAddr)
		if err != nil {
			return fmt.Errorf("http listener: %w", err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
		logger.Info("receiving HTTP ingest", "addr", ln.Addr().String())
		go srv.Serve(ln)
		defer srv.Close()
	}
	if err := startSensor(rctx, f.sensor, &ingest.QueueSink{Queue: spool}, reg, logger, &wg); err != nil {
		return err
	}
	if f.metrics != "" {
		ln, err := net.Listen("tcp", f.metrics)
		if err != nil {
			return fmt.Errorf("metrics listener: %w", err)
		}
		srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
		go srv.Serve(ln)
		defer srv.Close()
	}

	// Stop receiving first, then let the batcher flush into the spool.
	defer func() {
		stopReceiving()
		wg.Wait()
		<-batcherDone
	}()

	id, err := ingest.Enroll(ctx, ingest.EnrollConfig{Platform: f.platform, CAFile: f.caCert, CAPin: f.caPin, Tenant: f.tenant,
		Name: f.name, Dir: filepath.Join(f.dataDir, "identity"), Poll: f.poll, Logger: logger})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("enrolment: %w", err)
	}
	logger.Info("collector enrolled", "component", id.ComponentID)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: id.ClientTLS(), MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}}
	fwd := &ingest.Forwarder{Spool: spool, URL: f.platform, Client: client, BatchSize: f.batch, Compress: f.compress,
		Metrics: metrics, Logger: logger, ComponentID: id.ComponentID}
	if err := fwd.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
