package tlssession

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// testCA is a certificate authority made for a test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(tb testing.TB, name string) *testCA {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

var serial int64 = 100

// leaf issues a certificate for the DNS names (a server's) or, with
// client, for client authentication.
func (ca *testCA) leaf(tb testing.TB, client bool, names ...string) tls.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// pki is the certificates of a test: a CA, a server certificate for
// "server.test" and a client certificate from it, and a client
// certificate from another CA, which the server does not trust.
type pki struct {
	ca, other  *testCA
	server     tls.Certificate
	client     tls.Certificate
	badClient  tls.Certificate
	serverName string
}

func newPKI(tb testing.TB) *pki {
	ca, other := newCA(tb, "test CA"), newCA(tb, "other CA")
	return &pki{
		ca:         ca,
		other:      other,
		server:     ca.leaf(tb, false, "server.test"),
		client:     ca.leaf(tb, true, "client.test"),
		badClient:  other.leaf(tb, true, "client.test"),
		serverName: "server.test",
	}
}

// configs returns a server and a client configuration limited to one
// TLS version.
func (p *pki) configs(version uint16) (srv, cli *tls.Config) {
	srv = &tls.Config{
		Certificates: []tls.Certificate{p.server},
		MinVersion:   version,
		MaxVersion:   version,
		ClientCAs:    p.ca.pool,
	}
	cli = &tls.Config{
		RootCAs:    p.ca.pool,
		ServerName: p.serverName,
		MinVersion: version,
		MaxVersion: version,
	}
	return srv, cli
}
