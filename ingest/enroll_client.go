package ingest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"bianque/pki"
)

// EnrollConfig configures the collector's side of enrolment.
type EnrollConfig struct {
	// Platform is the ingest endpoint, https://host:port.
	Platform string
	// CAFile holds the platform CA certificate, or CAPin its SHA-256
	// fingerprint (from the portal) for the first contact.
	CAFile string
	CAPin  string
	// Tenant is the hospital's tenant code; Name the collector's display name.
	Tenant string
	Name   string
	// Dir keeps the key, the certificate and the pending request.
	Dir string
	// Poll is the interval between checks for approval (10s).
	Poll   time.Duration
	Logger *slog.Logger
}

// Identity is an enrolled collector's credentials.
type Identity struct {
	ComponentID string
	Cert        tls.Certificate
	CAs         *x509.CertPool
}

// ClientTLS is the TLS configuration for talking to the platform.
func (id *Identity) ClientTLS() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{id.Cert}, RootCAs: id.CAs}
}

type pendingEnrolment struct {
	ComponentID string `json:"component_id"`
	Secret      string `json:"secret"`
}

// LoadIdentity loads the credentials in dir, if enrolment completed.
func LoadIdentity(dir string) (*Identity, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("ca.crt holds no certificate")
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, err
	}
	return &Identity{ComponentID: leaf.Subject.CommonName, Cert: cert, CAs: pool}, nil
}

// Enroll returns the collector's identity, enrolling first if needed: it
// creates a key and certificate request, sends it, and waits (polling) until
// a hospital administrator approved the collector. A restart while waiting
// resumes the same request.
func Enroll(ctx context.Context, cfg EnrollConfig) (*Identity, error) {
	if id, err := LoadIdentity(cfg.Dir); err == nil {
		return id, nil
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("identity dir: %w", err)
	}
	tlsCfg, err := firstContactTLS(cfg)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}, Timeout: 30 * time.Second}
	keyPath, pendPath := filepath.Join(cfg.Dir, "client.key"), filepath.Join(cfg.Dir, "enrolment.json")
	var pend pendingEnrolment
	if b, err := os.ReadFile(pendPath); err == nil && json.Unmarshal(b, &pend) == nil && pend.ComponentID != "" {
		logger.Info("resuming enrolment", "component", pend.ComponentID)
	} else {
		keyPEM, csrPEM, err := pki.NewKeyAndCSR(cfg.Name)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
			return nil, fmt.Errorf("write key: %w", err)
		}
		body, _ := json.Marshal(EnrollRequest{Tenant: cfg.Tenant, Name: cfg.Name, Kind: "collector", CSR: string(csrPEM)})
		var resp EnrollResponse
		if err := doJSON(ctx, client, http.MethodPost, cfg.Platform+"/ingest/v1/enroll", "", body, http.StatusAccepted, &resp); err != nil {
			return nil, fmt.Errorf("enrol: %w", err)
		}
		pend = pendingEnrolment{ComponentID: resp.ComponentID, Secret: resp.Secret}
		b, _ := json.Marshal(pend)
		if err := os.WriteFile(pendPath, b, 0o600); err != nil {
			return nil, fmt.Errorf("write enrolment: %w", err)
		}
		logger.Info("enrolment requested; waiting for a hospital administrator to approve this collector", "component", pend.ComponentID)
	}
	poll := cfg.Poll
	if poll <= 0 {
		poll = 10 * time.Second
	}
	for {
		var resp EnrollResponse
		err := doJSON(ctx, client, http.MethodGet, cfg.Platform+"/ingest/v1/enroll/"+pend.ComponentID, pend.Secret, nil, http.StatusOK, &resp)
		if err == nil {
			if err := os.WriteFile(filepath.Join(cfg.Dir, "client.crt"), []byte(resp.Cert), 0o644); err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(cfg.Dir, "ca.crt"), []byte(resp.CA), 0o644); err != nil {
				return nil, err
			}
			os.Remove(pendPath)
			logger.Info("collector approved; certificate installed", "component", pend.ComponentID)
			return LoadIdentity(cfg.Dir)
		}
		var se *statusError
		if errors.As(err, &se) && se.code == http.StatusForbidden {
			os.Remove(pendPath)
			return nil, fmt.Errorf("enrolment of %s was rejected", pend.ComponentID)
		}
		if errors.As(err, &se) && se.code == http.StatusNotFound {
			os.Remove(pendPath)
			return nil, fmt.Errorf("the platform does not know enrolment %s; start again", pend.ComponentID)
		}
		if !(errors.As(err, &se) && se.code == http.StatusAccepted) {
			logger.Warn("enrolment poll failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}

func firstContactTLS(cfg EnrollConfig) (*tls.Config, error) {
	switch {
	case cfg.CAFile != "":
		b, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s holds no certificate", cfg.CAFile)
		}
		return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
	case cfg.CAPin != "":
		return pki.PinnedClientTLS(cfg.CAPin, nil), nil
	}
	return nil, errors.New("the platform CA is needed for enrolment: give its certificate file or its SHA-256 fingerprint")
}

type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string { return fmt.Sprintf("status %d: %s", e.code, e.body) }

func doJSON(ctx context.Context, client *http.Client, method, url, bearer string, body []byte, want int, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return &statusError{code: resp.StatusCode, body: string(bytes.TrimSpace(b))}
	}
	return json.Unmarshal(b, out)
}
