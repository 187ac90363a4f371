package testpki

import (
	"crypto/x509"
	"testing"
)

// TestVerify: a server certificate verifies against its CA's pool for
// each of its names and IP addresses and for server use only; a client
// certificate for client use only; another CA's pool rejects both.
func TestVerify(t *testing.T) {
	ca, other := NewCA(t, "test CA"), NewCA(t, "other CA")
	srv := ca.Server(t, "server.test", "127.0.0.1")
	cli := ca.Client(t, "client.test")
	parse := func(der []byte) *x509.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	s, c := parse(srv.Certificate[0]), parse(cli.Certificate[0])
	for _, name := range []string{"server.test", "127.0.0.1"} {
		if _, err := s.Verify(x509.VerifyOptions{Roots: ca.Pool, DNSName: name}); err != nil {
			t.Errorf("server certificate for %s: %v", name, err)
		}
	}
	if _, err := s.Verify(x509.VerifyOptions{Roots: ca.Pool, DNSName: "other.test"}); err == nil {
		t.Error("server certificate verified for a name it does not have")
	}
	clientUse := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool, KeyUsages: clientUse}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := s.Verify(x509.VerifyOptions{Roots: ca.Pool, KeyUsages: clientUse}); err == nil {
		t.Error("server certificate verified for client use")
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool}); err == nil {
		t.Error("client certificate verified for server use")
	}
	if _, err := s.Verify(x509.VerifyOptions{Roots: other.Pool, DNSName: "server.test"}); err == nil {
		t.Error("server certificate verified against another CA")
	}
	if s.SerialNumber.Cmp(c.SerialNumber) == 0 {
		t.Error("two certificates share a serial number")
	}
}
