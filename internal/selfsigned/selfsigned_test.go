package selfsigned

import (
	"crypto/ecdsa"
	"crypto/x509"
	"testing"
)

// TestTrustedAsItsOwnRoot: a client that trusts the certificate verifies
// it for each of its names, and two certificates differ in key and
// serial.
func TestTrustedAsItsOwnRoot(t *testing.T) {
	a, err := Certificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(a.Leaf)
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := a.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := a.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "example.com"}); err == nil {
		t.Error("verified for a name it does not have")
	}
	b, err := Certificate()
	if err != nil {
		t.Fatal(err)
	}
	if a.Leaf.SerialNumber.Cmp(b.Leaf.SerialNumber) == 0 || a.Leaf.PublicKey.(*ecdsa.PublicKey).Equal(b.Leaf.PublicKey) {
		t.Error("two certificates share a serial or a key")
	}
}
