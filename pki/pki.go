// Package pki is the platform's certificate authority for collectors
// (R2.3): it issues client certificates from the certificate requests of
// enrolling collectors once a hospital administrator approved them, issues
// the platform's own ingest server certificate, and keeps the revocation
// list that the TLS handshake checks (R16.4).
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"bianque"
)

// CA is the platform's certificate authority: an ECDSA P-256 key and a
// self-signed root, kept as ca.key (mode 0600) and ca.crt in a directory.
type CA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     crypto.Signer
	clock   bianque.Clock
}

// LoadOrCreateCA loads the CA from dir, creating it on first use.
func LoadOrCreateCA(dir string, clock bianque.Clock) (*CA, error) {
	if clock == nil {
		clock = bianque.SystemClock{}
	}
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	certPEM, cerr := os.ReadFile(certPath)
	keyPEM, kerr := os.ReadFile(keyPath)
	if cerr == nil && kerr == nil {
		return parseCA(certPEM, keyPEM, clock)
	}
	if !errors.Is(cerr, os.ErrNotExist) && cerr != nil {
		return nil, fmt.Errorf("read CA certificate: %w", cerr)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("CA dir: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := clock.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "Bianque platform CA", Organization: []string{"Bianque"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, fmt.Errorf("write CA key: %w", err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write CA certificate: %w", err)
	}
	return parseCA(certPEM, keyPEM, clock)
}

func parseCA(certPEM, keyPEM []byte, clock bianque.Clock) (*CA, error) {
	cert, err := ParseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("CA key: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("CA key cannot sign")
	}
	return &CA{cert: cert, certPEM: certPEM, key: signer, clock: clock}, nil
}

// ParseCertPEM parses the first certificate of a PEM text.
func ParseCertPEM(b []byte) (*x509.Certificate, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("no certificate in PEM")
		}
		if blk.Type == "CERTIFICATE" {
			return x509.ParseCertificate(blk.Bytes)
		}
	}
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("pki: crypto/rand failed: " + err.Error())
	}
	return n.Add(n, big.NewInt(1))
}

// SerialHex is how serials are written everywhere (lower-case hex).
func SerialHex(c *x509.Certificate) string { return c.SerialNumber.Text(16) }

// CertPEM returns the CA certificate.
func (ca *CA) CertPEM() []byte { return ca.certPEM }

// Certificate returns the parsed CA certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Pool returns a pool holding the CA certificate.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Fingerprint is the SHA-256 of the CA certificate (hex): what an operator
// gives a collector to pin the platform on its first connection.
func (ca *CA) Fingerprint() string { return Fingerprint(ca.cert) }

// Fingerprint returns the SHA-256 of a certificate's DER (hex).
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// ComponentURI is the URI SAN that names a component in its certificate.
func ComponentURI(tenantID, componentID string) *url.URL {
	return &url.URL{Scheme: "bianque", Opaque: "tenant/" + tenantID + "/component/" + componentID}
}

// IssueClient signs a collector's certificate request. The CSR's key is
// kept, its requested names are not: the subject and URI SAN name the
// component and tenant the platform knows it as.
func (ca *CA) IssueClient(csrPEM []byte, tenantID, componentID string, validity time.Duration) (certPEM []byte, serial string, notAfter time.Time, err error) {
	blk, _ := pem.Decode(csrPEM)
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		return nil, "", time.Time{}, bianque.Errorf(bianque.EINVALID, "certificate request is not a PEM CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, "", time.Time{}, bianque.Errorf(bianque.EINVALID, "certificate request: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, "", time.Time{}, bianque.Errorf(bianque.EINVALID, "certificate request signature: %v", err)
	}
	switch k := csr.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < 256 {
			return nil, "", time.Time{}, bianque.Errorf(bianque.EINVALID, "ECDSA key under 256 bits")
		}
	default:
		if bits := keyBits(csr.PublicKey); bits < 2048 {
			return nil, "", time.Time{}, bianque.Errorf(bianque.EINVALID, "key too weak (%d bits)", bits)
		}
	}
	if validity <= 0 {
		validity = 365 * 24 * time.Hour
	}
	now := ca.clock.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: componentID, OrganizationalUnit: []string{tenantID}, Organization: []string{"Bianque collector"}},
		URIs:         []*url.URL{ComponentURI(tenantID, componentID)},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	if err != nil {
		return nil, "", time.Time{}, fmt.Errorf("sign client certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), tmpl.SerialNumber.Text(16), tmpl.NotAfter, nil
}

func keyBits(pub any) int {
	type bitser interface{ Size() int }
	if k, ok := pub.(bitser); ok {
		return k.Size() * 8
	}
	return 0
}

// IssueServer issues the platform's ingest server certificate for hosts
// (names or IP addresses), so collectors that trust the CA trust the server.
func (ca *CA) IssueServer(hosts []string, validity time.Duration) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	if validity <= 0 {
		validity = 90 * 24 * time.Hour
	}
	now := ca.clock.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "Bianque ingest"},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("sign server certificate: %w", err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// RevocationList is the set of revoked certificate serials, checked at every
// TLS handshake. It is refreshed from the component store and updated at
// once when this node revokes.
type RevocationList struct {
	mu      sync.RWMutex
	serials map[string]struct{}
}

// Set replaces the list.
func (r *RevocationList) Set(serials []string) {
	m := make(map[string]struct{}, len(serials))
	for _, s := range serials {
		m[s] = struct{}{}
	}
	r.mu.Lock()
	r.serials = m
	r.mu.Unlock()
}

// Add revokes one serial.
func (r *RevocationList) Add(serial string) {
	r.mu.Lock()
	if r.serials == nil {
		r.serials = map[string]struct{}{}
	}
	r.serials[serial] = struct{}{}
	r.mu.Unlock()
}

// Revoked reports whether serial is revoked.
func (r *RevocationList) Revoked(serial string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.serials[serial]
	return ok
}

// ErrRevoked is the handshake error for a revoked certificate.
var ErrRevoked = errors.New("client certificate revoked")

// ServerTLS returns the TLS configuration of the ingest listener: the server
// certificate, client certificates verified against the CA when presented
// (enrolment itself needs none; batch delivery requires one), and the
// revocation list checked in the handshake.
func (ca *CA) ServerTLS(cert tls.Certificate, revoked *RevocationList) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    ca.Pool(),
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 && revoked != nil && revoked.Revoked(SerialHex(cs.PeerCertificates[0])) {
				return ErrRevoked
			}
			return nil
		},
	}
}

// NewKeyAndCSR generates a collector's key and a certificate request for it.
func NewKeyAndCSR(name string) (keyPEM, csrPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate request: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER}), nil
}

// PinnedClientTLS returns a client configuration that trusts a server whose
// chain contains a CA with the given SHA-256 fingerprint (first contact,
// before the collector holds the CA certificate), presenting cert if any.
func PinnedClientTLS(fingerprint string, cert *tls.Certificate) *tls.Config {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) < 2 {
				return errors.New("server sent no CA certificate to pin")
			}
			root := cs.PeerCertificates[len(cs.PeerCertificates)-1]
			if Fingerprint(root) != fingerprint {
				return fmt.Errorf("platform CA fingerprint %s does not match the pinned %s", Fingerprint(root), fingerprint)
			}
			pool := x509.NewCertPool()
			pool.AddCert(root)
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1 : len(cs.PeerCertificates)-1] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter})
			return err
		},
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return cfg
}

// ParseCSR parses and checks a PEM certificate request.
func ParseCSR(csrPEM []byte) (*x509.CertificateRequest, error) {
	blk, _ := pem.Decode(csrPEM)
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("not a PEM CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, err
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, err
	}
	return csr, nil
}
