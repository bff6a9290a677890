package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"bianque"
	"bianque/pki"
)

// Enroller runs the platform side of collector enrolment (R2.3):
//
//  1. The collector generates a key and sends a certificate request:
//     POST /ingest/v1/enroll {"tenant": "<tenant code>", "name": "...", "kind": "collector", "csr": "<PEM>"}
//     → 202 {"component_id": "...", "secret": "..."}; the component is pending.
//  2. A hospital administrator approves it in the portal or API (Approve);
//     the platform's CA signs the request.
//  3. The collector polls GET /ingest/v1/enroll/<component id> with
//     "Authorization: Bearer <secret>" → 202 while pending, 200 {"cert": "<PEM>",
//     "ca": "<PEM>"} once approved, 403 when rejected or revoked.
//
// Revoke marks the component revoked and puts its certificate serial on the
// revocation list, so its next TLS handshake fails and its current
// connections are refused at the next batch (R16.4).
type Enroller struct {
	Components bianque.ComponentStore
	// TenantByCode resolves the tenant code a collector names.
	TenantByCode func(ctx context.Context, code string) (tenantID string, err error)
	CA           *pki.CA
	Revoked      *pki.RevocationList
	Cache        *ComponentCache
	Clock        bianque.Clock
	// Validity of issued certificates (one year).
	Validity time.Duration
}

// EnrollRequest is what a collector sends to enrol.
type EnrollRequest struct {
	Tenant          string `json:"tenant"`
	Name            string `json:"name"`
	Kind            string `json:"kind,omitempty"`
	CSR             string `json:"csr"`
	SoftwareVersion string `json:"software_version,omitempty"`
}

// EnrollResponse answers an enrolment or a poll.
type EnrollResponse struct {
	ComponentID string `json:"component_id"`
	Secret      string `json:"secret,omitempty"`
	State       string `json:"state"`
	Cert        string `json:"cert,omitempty"`
	CA          string `json:"ca,omitempty"`
}

// Handler serves the enrolment endpoints under /ingest/v1/.
func (e *Enroller) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ingest/v1/enroll", e.handleEnroll)
	mux.HandleFunc("GET /ingest/v1/enroll/{id}", e.handlePoll)
	mux.HandleFunc("GET /ingest/v1/ca", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(e.CA.CertPEM())
	})
	return mux
}

func (e *Enroller) handleEnroll(w http.ResponseWriter, r *http.Request) {
	var req EnrollRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, bianque.EINVALID, "bad enrolment request: "+err.Error())
		return
	}
	resp, err := e.Enroll(r.Context(), req, r.RemoteAddr)
	if err != nil {
		writeDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, resp)
}

// Enroll registers a pending component from a collector's request.
func (e *Enroller) Enroll(ctx context.Context, req EnrollRequest, address string) (*EnrollResponse, error) {
	if req.Tenant == "" || req.CSR == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "tenant and csr are required")
	}
	kind := bianque.ComponentKind(req.Kind)
	if kind == "" {
		kind = bianque.ComponentCollector
	}
	if !slices.Contains(bianque.ComponentKinds, kind) {
		return nil, bianque.Errorf(bianque.EINVALID, "kind %q is unknown", req.Kind)
	}
	if _, err := pki.ParseCSR([]byte(req.CSR)); err != nil {
		return nil, bianque.Errorf(bianque.EINVALID, "csr: %v", err)
	}
	tenantID, err := e.TenantByCode(ctx, req.Tenant)
	if err != nil {
		if bianque.ErrorCode(err) == bianque.ENOTFOUND {
			return nil, bianque.Errorf(bianque.EINVALID, "tenant %q is unknown", req.Tenant)
		}
		return nil, err
	}
	secret := randomSecret()
	now := e.Clock.Now()
	c := &bianque.Component{
		ID: bianque.NewIDAt(now), TenantID: tenantID, Name: strings.TrimSpace(req.Name), Kind: kind,
		State: bianque.ComponentPending, CSR: req.CSR, SoftwareVersion: req.SoftwareVersion, Address: address,
		EnrollSecretHash: HashSecret(secret), CreatedAt: now, UpdatedAt: now,
	}
	if c.Name == "" {
		c.Name = "collector " + c.ID[len(c.ID)-6:]
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := e.Components.CreateComponent(ctx, c); err != nil {
		return nil, err
	}
	return &EnrollResponse{ComponentID: c.ID, Secret: secret, State: string(c.State)}, nil
}

func (e *Enroller) handlePoll(w http.ResponseWriter, r *http.Request) {
	secret, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c, err := e.Components.Component(r.Context(), "", r.PathValue("id"))
	if err != nil || secret == "" || c.EnrollSecretHash == "" || HashSecret(secret) != c.EnrollSecretHash {
		httpError(w, http.StatusNotFound, bianque.ENOTFOUND, "no such enrolment")
		return
	}
	resp := EnrollResponse{ComponentID: c.ID, State: string(c.State)}
	switch c.State {
	case bianque.ComponentPending:
		w.Header().Set("Retry-After", "10")
		writeJSON(w, http.StatusAccepted, resp)
	case bianque.ComponentApproved:
		resp.Cert, resp.CA = c.CertPEM, string(e.CA.CertPEM())
		writeJSON(w, http.StatusOK, resp)
	default:
		writeJSON(w, http.StatusForbidden, resp)
	}
}

// Approve approves a pending component and, for an enrolling collector,
// issues its certificate. by names the approver (for the record).
func (e *Enroller) Approve(ctx context.Context, tenantID, id, by string) (*bianque.Component, error) {
	c, err := e.Components.Component(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	now := e.Clock.Now()
	if err := c.Approve(by, now); err != nil {
		return nil, err
	}
	if c.CSR != "" {
		certPEM, serial, notAfter, err := e.CA.IssueClient([]byte(c.CSR), c.TenantID, c.ID, e.Validity)
		if err != nil {
			return nil, err
		}
		c.CertPEM, c.CertSerial, c.CertNotAfter = string(certPEM), serial, &notAfter
	}
	c.UpdatedAt = now
	if err := e.Components.UpdateComponent(ctx, c); err != nil {
		return nil, err
	}
	e.invalidate()
	return c, nil
}

// Reject refuses a pending component.
func (e *Enroller) Reject(ctx context.Context, tenantID, id, by string) (*bianque.Component, error) {
	c, err := e.Components.Component(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	now := e.Clock.Now()
	if err := c.Reject(by, now); err != nil {
		return nil, err
	}
	c.UpdatedAt = now
	if err := e.Components.UpdateComponent(ctx, c); err != nil {
		return nil, err
	}
	e.invalidate()
	return c, nil
}

// Revoke cuts a component off: its certificate is refused from the next
// handshake on, and its token and open connections from the next request.
func (e *Enroller) Revoke(ctx context.Context, tenantID, id, by string) (*bianque.Component, error) {
	c, err := e.Components.Component(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	now := e.Clock.Now()
	if err := c.Revoke(by, now); err != nil {
		return nil, err
	}
	c.UpdatedAt = now
	if err := e.Components.UpdateComponent(ctx, c); err != nil {
		return nil, err
	}
	if c.CertSerial != "" && e.Revoked != nil {
		e.Revoked.Add(c.CertSerial)
	}
	e.invalidate()
	return c, nil
}

// CreateTokenComponent registers a component that pushes over HTTP with a
// token, approved at once by its creator, and returns the token (shown once).
func (e *Enroller) CreateTokenComponent(ctx context.Context, c *bianque.Component, by string) (string, error) {
	now := e.Clock.Now()
	token := randomSecret()
	c.ID = bianque.NewIDAt(now)
	c.State = bianque.ComponentPending
	c.TokenHash = HashSecret(token)
	c.CreatedAt, c.UpdatedAt = now, now
	if err := c.Approve(by, now); err != nil {
		return "", err
	}
	if err := c.Validate(); err != nil {
		return "", err
	}
	if err := e.Components.CreateComponent(ctx, c); err != nil {
		return "", err
	}
	return token, nil
}

// RefreshRevocations reloads the revocation list from the store (other
// nodes' revocations); run it periodically.
func (e *Enroller) RefreshRevocations(ctx context.Context) error {
	serials, err := e.Components.RevokedCertSerials(ctx)
	if err != nil {
		return fmt.Errorf("load revoked serials: %w", err)
	}
	e.Revoked.Set(serials)
	return nil
}

func (e *Enroller) invalidate() {
	if e.Cache != nil {
		e.Cache.Invalidate()
	}
}

func randomSecret() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ingest: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func writeDomainError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch bianque.ErrorCode(err) {
	case bianque.EINVALID:
		status = http.StatusBadRequest
	case bianque.ENOTFOUND:
		status = http.StatusNotFound
	case bianque.ECONFLICT:
		status = http.StatusConflict
	case bianque.EFORBIDDEN:
		status = http.StatusForbidden
	case bianque.EUNAUTHORIZED:
		status = http.StatusUnauthorized
	case bianque.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	}
	httpError(w, status, bianque.ErrorCode(err), bianque.ErrorMessage(err))
}
