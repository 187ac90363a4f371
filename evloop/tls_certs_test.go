package evloop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync/atomic"
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

var certSerial atomic.Int64

// leaf issues a certificate for names (DNS names, or IP addresses) for
// a server or, with client, for client authentication.
func (ca *testCA) leaf(tb testing.TB, client bool, names ...string) tls.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(100 + certSerial.Add(1)),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
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

// testPKI is the certificates of a test: a CA and a server certificate
// for "server.test" and 127.0.0.1.
type testPKI struct {
	ca     *testCA
	server tls.Certificate
}

func newPKI(tb testing.TB) *testPKI {
	ca := newCA(tb, "evloop test CA")
	return &testPKI{ca: ca, server: ca.leaf(tb, false, "server.test", "127.0.0.1")}
}

// serverConfig is a server's tls.Config with the server certificate.
func (p *testPKI) serverConfig(version uint16) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{p.server},
		MinVersion:   version,
		MaxVersion:   version,
	}
}

// clientConfig is a client's tls.Config that trusts the CA.
func (p *testPKI) clientConfig(version uint16) *tls.Config {
	return &tls.Config{RootCAs: p.ca.pool, ServerName: "server.test", MinVersion: version, MaxVersion: version}
}

// versions are the TLS versions the tests run with.
var versions = []struct {
	name string
	v    uint16
}{{"TLS12", tls.VersionTLS12}, {"TLS13", tls.VersionTLS13}}
