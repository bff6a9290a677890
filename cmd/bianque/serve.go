package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"bianque"
	"bianque/auth"
	"bianque/demo"
	bqhttp "bianque/http"
	"bianque/service"
)

func init() {
	register(&command{
		Name:    "serve",
		Summary: "run the platform: portal, REST API, metrics",
		Usage: `Usage: bianque serve [flags]

Runs the platform on one port: the portal at /, the REST API under /api/v1
(described at /api/openapi.json), /healthz and Prometheus /metrics.

With no flags it listens on 127.0.0.1:8080 and keeps its SQLite database in
./data. On the first start of an empty database it creates the platform
administrator "admin" and prints its password once; the first sign-in
enrols an authenticator app (TOTP), as every account must.

Try it with demo data:

  bianque serve --demo

prints the demo accounts (one password, each with its TOTP secret; "bianque
totp SECRET" prints the current code) and keeps raising realistic tickets.

Detection runs the Sigma rules of the directories given to --rules (read
in place, e.g. from a SigmaHQ checkout; reloaded when they change or on
POST /api/v1/rules/reload):

  bianque serve --rules sigma/rules,sigma/rules-emerging-threats \
      --rules-reserved sigma/rules-threat-hunting --attack enterprise-techniques.json

For several nodes, point every node at one PostgreSQL database:

  bianque serve --addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem \
      --db postgres://bianque@db.internal/bianque --allow-from 10.0.0.0/8`,
		Run: runServe,
	})
}

type serveConfig struct {
	addr, data, db          string
	demo                    bool
	demoInterval            time.Duration
	demoEvents              int
	tlsCert, tlsKey         string
	secureCookies           bool
	trustedProxies, allowed string
	sessionLifetime         time.Duration
	sessionIdle             time.Duration
	lockoutThreshold        int
	lockoutDuration         time.Duration
	adminUser               string
	fieldKey                string
	signInRate              int
	logLevel, logFormat     string
	grace                   time.Duration
	detect                  detectServeConfig
	ingest                  ingestConfig
}

func parseServe(env *cmdEnv, c *command, args []string) (*serveConfig, error) {
	fs := newFlagSet(env, c)
	var cfg serveConfig
	addr := fs.String("addr", "BIANQUE_ADDR", "127.0.0.1:8080", "listen address (host:port)")
	data := fs.String("data", "BIANQUE_DATA", "./data", "data directory (SQLite database)")
	db := fs.String("db", "BIANQUE_DB", "", dbFlagUsage)
	demo := fs.Bool("demo", "BIANQUE_DEMO", false, "create demo hospitals, accounts, assets and tickets, and keep raising tickets")
	demoInterval := fs.Duration("demo-interval", "BIANQUE_DEMO_INTERVAL", 45*time.Second, "how often the demo raises a new ticket")
	demoEvents := fs.Int("demo-events", "BIANQUE_DEMO_EVENTS", 2, "raw log messages a second the demo hospitals' devices send through ingestion and detection, with an attack scenario every four demo intervals (0: none)")
	tlsCert := fs.String("tls-cert", "BIANQUE_TLS_CERT", "", "TLS certificate file (PEM); serves HTTPS with --tls-key")
	tlsKey := fs.String("tls-key", "BIANQUE_TLS_KEY", "", "TLS private key file (PEM)")
	secureCookies := fs.Bool("secure-cookies", "BIANQUE_SECURE_COOKIES", false, "mark cookies Secure (implied by --tls-cert; set it behind a TLS-terminating proxy)")
	trustedProxies := fs.String("trusted-proxies", "BIANQUE_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed")
	allowed := fs.String("allow-from", "BIANQUE_ALLOW_FROM", "", "comma-separated CIDRs allowed to connect at all (empty: any); per-tenant, per-role lists are set on tenants")
	sessionLifetime := fs.Duration("session-lifetime", "BIANQUE_SESSION_LIFETIME", 12*time.Hour, "absolute lifetime of a signed-in session")
	sessionIdle := fs.Duration("session-idle", "BIANQUE_SESSION_IDLE", time.Hour, "a session unused this long ends")
	lockoutThreshold := fs.Int("lockout-threshold", "BIANQUE_LOCKOUT_THRESHOLD", 5, "failed passwords or codes in a row that lock an account")
	lockoutDuration := fs.Duration("lockout-duration", "BIANQUE_LOCKOUT_DURATION", 15*time.Minute, "how long a locked account stays locked")
	adminUser := fs.String("admin-user", "BIANQUE_ADMIN_USER", "admin", "name of the platform administrator created on an empty database")
	signInRate := fs.Int("sign-in-rate", "BIANQUE_SIGN_IN_RATE", 30, "sign-in attempts (passwords and codes) per minute allowed from one address; -1 for no limit")
	fieldKey := fs.String("field-key", "BIANQUE_FIELD_KEY", "", fieldKeyUsage)
	logLevel := fs.String("log-level", "BIANQUE_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "BIANQUE_LOG_FORMAT", "text", "log format: text or json")
	grace := fs.Duration("shutdown-grace", "BIANQUE_SHUTDOWN_GRACE", 15*time.Second, "time given to requests in flight on shutdown")
	detectOpts := detectFlags(fs)
	ingestOpts := ingestFlags(fs)
	if err := fs.parse(args); err != nil {
		return nil, err
	}
	cfg.detect = detectOpts()
	cfg.ingest = ingestOpts()
	cfg.addr = *addr
	cfg.data = *data
	cfg.db = *db
	cfg.demo = *demo
	cfg.demoInterval = *demoInterval
	cfg.demoEvents = *demoEvents
	cfg.tlsCert = *tlsCert
	cfg.tlsKey = *tlsKey
	cfg.secureCookies = *secureCookies
	cfg.trustedProxies = *trustedProxies
	cfg.allowed = *allowed
	cfg.sessionLifetime = *sessionLifetime
	cfg.sessionIdle = *sessionIdle
	cfg.lockoutThreshold = *lockoutThreshold
	cfg.lockoutDuration = *lockoutDuration
	cfg.adminUser = *adminUser
	cfg.fieldKey = *fieldKey
	cfg.signInRate = *signInRate
	cfg.logLevel = *logLevel
	cfg.logFormat = *logFormat
	cfg.grace = *grace
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "bianque serve: unexpected argument %q\n", fs.Arg(0))
		return nil, errUsage
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if cfg.tlsCert != "" {
		cfg.secureCookies = true
	}
	return &cfg, nil
}

func parsePrefixes(flag, s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := bianque.ParsePrefixOrAddr(part)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// passwordCost is the argon2id cost of new password hashes; tests lower it.
var passwordCost = auth.DefaultArgon2

func runServe(ctx context.Context, env *cmdEnv, args []string) error {
	cfg, err := parseServe(env, commands["serve"], args)
	if err != nil {
		return err
	}
	log, err := newLogger(env.Stderr, cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	trusted, err := parsePrefixes("trusted-proxies", cfg.trustedProxies)
	if err != nil {
		return err
	}
	allowed, err := parsePrefixes("allow-from", cfg.allowed)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	return serve(ctx, env, cfg, log, ln, trusted, allowed)
}

// serve runs the server on ln until ctx ends. Tests call it with their own listener.
func serve(ctx context.Context, env *cmdEnv, cfg *serveConfig, log *slog.Logger, ln net.Listener, trusted, allowed []netip.Prefix) error {
	key, err := parseFieldKey(cfg.fieldKey)
	if err != nil {
		return err
	}
	store, where, err := openStore(ctx, cfg.db, cfg.data, key)
	if err != nil {
		return err
	}
	defer store.Close()
	log.Info("store open", "db", where)

	clock := bianque.SystemClock{}
	opts := service.Options{
		Clock: clock, Logger: log, Argon2: passwordCost,
		LockoutThreshold: cfg.lockoutThreshold, LockoutDuration: cfg.lockoutDuration,
		SessionLifetime: cfg.sessionLifetime, SessionIdle: cfg.sessionIdle,
	}
	var demoRes *demo.Result
	if cfg.demo {
		res, err := demo.Seed(ctx, store, clock.Now(), passwordCost)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		demoRes = res
		printDemo(env.Stdout, res, ln.Addr().String(), cfg.tlsCert != "")
	} else {
		pw, created, err := service.Bootstrap(ctx, store, opts, cfg.adminUser)
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if created {
			fmt.Fprintf(env.Stdout, "Created the platform administrator %q with password %s\n(shown once; the first sign-in enrols an authenticator app)\n", cfg.adminUser, pw)
		}
	}

	// Wiring: the services over the store, then the HTTP server over the
	// services. A new area adds its service here and to bqhttp.Services.
	svcs := service.New(store, opts)
	findings, scans := vulnServices(svcs)
	defer func() { scans.CancelAll(); scans.Wait() }() // before the store closes
	det, err := startDetection(ctx, cfg.detect, store, svcs, clock, log)
	if err != nil {
		return err
	}
	alerts, rules, indicators := det.services()
	disc := discoveryService(svcs, log)
	defer saveBaselines(ctx, disc, log)
	if demoRes != nil && demoRes.Created {
		if err := demoDiscovery(ctx, store, disc, demoRes, clock.Now()); err != nil {
			log.Warn("demo discovery", "err", err)
		}
	}
	cfg.ingest.detector = det.stage()
	cfg.ingest.discovery = collectorDiscoveryReceiver(disc)
	ing, err := startIngest(ctx, cfg.ingest, cfg.data, store, clock, log)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	components, deadLetters, ingestHandler := ing.services()
	events := service.NewEventService(svcs)
	srv, err := bqhttp.New(bqhttp.Config{
		Services: bqhttp.Services{
			Auth: svcs.Auth, Tenants: svcs.Tenants, Users: svcs.Users, Tickets: svcs.Tickets,
			Assets: svcs.Assets, Audit: svcs.Audit, Dashboard: svcs.Dashboard,
			Findings: findings, Scans: scans, Discovery: discoveryHTTP(disc),
			Alerts: alerts, Rules: rules, Indicators: indicators,
			Components: components, DeadLetters: deadLetters,
			Events: events, Export: service.NewExportService(svcs),
		},
		Ingest: ingestHandler, Registry: ing.registry,
		Clock: clock, Logger: log, TrustedProxies: trusted, AllowedSources: allowed,
		SecureCookies: cfg.secureCookies, Ping: store.Ping, Version: bianque.Version, SignInRate: cfg.signInRate,
	})
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ingestDone := make(chan error, 1)
	go func() { ingestDone <- ing.run(ctx) }()
	defer func() {
		cancel()
		if err := <-ingestDone; err != nil {
			log.Error("ingest stopped", "err", err)
		}
	}()
	go sweepSessions(ctx, store, clock, log)
	if runner := jobRunner(store, clock, log, findings, scans); runner != nil {
		det.addJobs(runner, log)
		addEventJobs(runner, events, log)
		go runner.Run(ctx)
	}
	go det.run(ctx)
	if cfg.demo {
		go demo.Stream(ctx, svcs.Tickets, store, cfg.demoInterval, func(err error) { log.Warn("demo stream", "err", err) })
		startDemoLogs(ctx, cfg, store, rules, ing, clock, log)
	}
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	log.Info("serving", "url", scheme+"://"+ln.Addr().String()+"/", "version", bianque.Version)
	err = srv.Serve(ctx, ln, cfg.tlsCert, cfg.tlsKey, cfg.grace)
	log.Info("stopped")
	return err
}

// sweepSessions deletes expired sessions every ten minutes.
func sweepSessions(ctx context.Context, store bianque.Store, clock bianque.Clock, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := store.DeleteExpiredSessions(ctx, clock.Now()); err != nil {
				log.Warn("delete expired sessions", "err", err)
			} else if n > 0 {
				log.Debug("deleted expired sessions", "n", n)
			}
		}
	}
}

func printDemo(w io.Writer, res *demo.Result, addr string, tls bool) {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	fmt.Fprintf(w, "\nBianque demo — open %s://%s/ and sign in.\n\n", scheme, addr)
	fmt.Fprintf(w, "Password of every demo account: %s\n", res.Password)
	fmt.Fprintf(w, "Second factor: add the TOTP secret to an authenticator app, or run\n  go run ./cmd/bianque totp SECRET\n\n")
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tHOSPITAL\tTOTP SECRET")
	for _, a := range res.Accounts {
		secret := a.TOTPSecret
		if secret == "" {
			secret = "(enrols at first sign-in: QR code)"
		}
		hosp := a.Hospital
		if hosp == "" {
			hosp = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Username, a.Role, hosp, secret)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
