package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
)

func TestCAIssueAndReload(t *testing.T) {
	dir := t.TempDir()
	clock := testutil.NewFakeClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	ca, err := LoadOrCreateCA(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateCA(dir, clock)
	if err != nil || again.Fingerprint() != ca.Fingerprint() {
		t.Fatalf("reloaded CA differs: %v", err)
	}
	_, csr, err := NewKeyAndCSR("edge-1")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, serial, notAfter, err := ca.IssueClient(csr, "t1", "c1", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCertPEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if SerialHex(cert) != serial || !cert.NotAfter.Equal(notAfter) || cert.Subject.CommonName != "c1" ||
		cert.Subject.OrganizationalUnit[0] != "t1" || cert.URIs[0].String() != "bianque:tenant/t1/component/c1" {
		t.Fatalf("certificate: serial %s cn %s ou %v uris %v", SerialHex(cert), cert.Subject.CommonName, cert.Subject.OrganizationalUnit, cert.URIs)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		CurrentTime: clock.Now()}); err != nil {
		t.Fatalf("client certificate does not verify: %v", err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		CurrentTime: clock.Now()}); err == nil {
		t.Fatal("client certificate is accepted for server authentication")
	}
}

func TestIssueRejectsBadRequests(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, weak)
	_, csr, _ := NewKeyAndCSR("x")
	tampered := append([]byte(nil), csr...)
	blk, _ := pem.Decode(tampered)
	blk.Bytes[len(blk.Bytes)-5] ^= 0xff
	for name, in := range map[string][]byte{
		"garbage":   []byte("not a csr"),
		"weak RSA":  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
		"signature": pem.EncodeToMemory(blk),
	} {
		if _, _, _, err := ca.IssueClient(in, "t1", "c1", 0); bianque.ErrorCode(err) != bianque.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

// TestRevocationAtHandshake: a revoked client certificate fails the TLS
// handshake; the pinned client refuses a server of another CA.
func TestRevocationAtHandshake(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := ca.IssueServer([]string{"127.0.0.1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	revoked := &RevocationList{}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", ca.ServerTLS(srvCert, revoked))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c.(*tls.Conn).Handshake()
				c.Write([]byte("ok"))
				c.Close()
			}()
		}
	}()
	keyPEM, csr, _ := NewKeyAndCSR("edge")
	certPEM, serial, _, err := ca.IssueClient(csr, "t1", "c1", 0)
	if err != nil {
		t.Fatal(err)
	}
	client, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(cfg *tls.Config) error {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), cfg)
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 2)
		_, err = c.Read(buf)
		return err
	}
	if err := dial(PinnedClientTLS(ca.Fingerprint(), &client)); err != nil {
		t.Fatalf("valid client: %v", err)
	}
	revoked.Add(serial)
	if err := dial(PinnedClientTLS(ca.Fingerprint(), &client)); err == nil {
		t.Fatal("revoked certificate still connects")
	}
	other, _ := LoadOrCreateCA(t.TempDir(), nil)
	if err := dial(PinnedClientTLS(other.Fingerprint(), nil)); err == nil {
		t.Fatal("client pinned to another CA accepted the server")
	}
}
