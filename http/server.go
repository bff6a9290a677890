// Package http serves the REST API under /api/v1 (described by the OpenAPI
// document at /api/openapi.json), the server-rendered portal, /healthz and
// the Prometheus /metrics. It authenticates requests (session cookies with
// CSRF tokens, or API tokens), applies the source allow-lists, and hands the
// principal to the services, which authorize and audit.
//
// Routes are registered by feature: each file of a feature area calls
// registerFeature in its init with a function that adds the area's API
// routes (s.api) and portal pages (s.page, s.nav). The route table is the
// single source of the mux, the OpenAPI document and the authorization
// matrix test. See docs/portal.md.
package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bianque"
	"bianque/discover/inventory"
)

// Services are the domain services the server calls. A nil service leaves
// its routes unregistered.
type Services struct {
	Auth      bianque.AuthService
	Tenants   bianque.TenantService
	Users     bianque.UserService
	Tickets   bianque.TicketService
	Assets    bianque.AssetService
	Audit     bianque.AuditService
	Dashboard bianque.DashboardService
	Findings  bianque.FindingService
	Scans     bianque.ScanService
	// Discovery serves passively discovered devices (discover/inventory).
	Discovery inventory.Service
	// Components and DeadLetters are the ingestion area's (optional).
	Components  bianque.ComponentService
	DeadLetters bianque.DeadLetterService
	// Alerts, Rules and Indicators are detection's (R3).
	Alerts     bianque.AlertService
	Rules      bianque.RuleService
	Indicators bianque.IndicatorService
	// Events searches the event store; Export exports a tenant (R2.4).
	Events bianque.EventService
	Export bianque.TenantExportService
}

// Config configures a Server.
type Config struct {
	Services Services
	Clock    bianque.Clock
	Logger   *slog.Logger
	// TrustedProxies are the addresses whose X-Forwarded-For is believed;
	// empty means the peer address is the client.
	TrustedProxies []netip.Prefix
	// AllowedSources, when set, admit only these client addresses to
	// everything but /healthz (R15.1: the platform is not for the internet).
	AllowedSources []netip.Prefix
	// SecureCookies marks cookies Secure and uses the __Host- prefix; set
	// when serving TLS or behind a TLS-terminating proxy.
	SecureCookies bool
	// Ping checks the store for /healthz.
	Ping func(ctx context.Context) error
	// Registry receives the server's metrics; nil makes a new one with the
	// Go and process collectors.
	Registry *prometheus.Registry
	// Version is shown in /healthz and the OpenAPI document.
	Version string
	// Ingest, when set, is mounted at POST /api/v1/ingest: components push
	// events there with their ingest token (it authenticates them itself).
	Ingest http.Handler
	// SignInRate is how many sign-in steps (passwords and codes) one client
	// address may try per minute, with as many in a burst; 0 means 30,
	// negative means no limit.
	SignInRate int
}

// Server is the HTTP face of the platform.
type Server struct {
	cfg     Config
	svc     Services
	clock   bianque.Clock
	log     *slog.Logger
	mux     *http.ServeMux
	routes  []*Route
	pages   []*Page
	navs    []NavItem
	metrics *metrics
	portal  *portal
	signIn  *limiter
	handler http.Handler
}

// feature registers one area's routes and pages.
type feature struct {
	name     string
	register func(*Server)
}

var features []feature

// registerFeature adds an area; called from init functions of the area's files.
func registerFeature(name string, register func(*Server)) {
	features = append(features, feature{name, register})
}

// New builds the server and its route table.
func New(cfg Config) (*Server, error) {
	if cfg.Clock == nil {
		cfg.Clock = bianque.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Services.Auth == nil {
		return nil, errors.New("http: an AuthService is required")
	}
	if cfg.Registry == nil {
		cfg.Registry = newRegistry()
	}
	s := &Server{cfg: cfg, svc: cfg.Services, clock: cfg.Clock, log: cfg.Logger, mux: http.NewServeMux()}
	s.metrics = newMetrics(cfg.Registry)
	s.signIn = newLimiter(cfg.SignInRate, cfg.Clock)
	p, err := newPortal()
	if err != nil {
		return nil, err
	}
	s.portal = p
	sorted := append([]feature(nil), features...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, f := range sorted {
		f.register(s)
	}
	sort.SliceStable(s.navs, func(i, j int) bool { return s.navs[i].Order < s.navs[j].Order })
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttpHandler(cfg.Registry))
	s.mux.HandleFunc("GET /api/openapi.json", s.serveOpenAPI)
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	s.handler = s.recoverer(s.securityHeaders(s.sourceGate(s.mux)))
	return s, nil
}

// Routes returns the API route table (for documentation and tests).
func (s *Server) Routes() []*Route { return append([]*Route(nil), s.routes...) }

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	status, code := "ok", http.StatusOK
	if s.cfg.Ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ping(ctx); err != nil {
			s.log.Warn("health check failed", "err", err)
			status, code = "store unavailable", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, map[string]string{"status": status, "version": s.cfg.Version})
}

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully,
// giving requests in flight up to grace to finish. With certFile and keyFile
// it serves TLS 1.2+.
func (s *Server) ListenAndServe(ctx context.Context, addr, certFile, keyFile string, grace time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln, certFile, keyFile, grace)
}

// Serve is ListenAndServe on a listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener, certFile, keyFile string, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
