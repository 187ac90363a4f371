// Package testpki makes the certificates of TLS tests: a certificate
// authority per test and leaf certificates it issues, for servers (DNS
// names or IP addresses) and for client authentication. Keys are ECDSA
// P-256, valid from an hour ago for a day.
package testpki

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

// CA is a certificate authority made for a test.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// Pool holds Cert alone: a client's RootCAs or a server's ClientCAs.
	Pool *x509.CertPool
}

// NewCA makes a certificate authority named name.
func NewCA(tb testing.TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(nextSerial()),
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
	return &CA{Cert: cert, Key: key, Pool: pool}
}

// Server issues a server certificate for names: DNS names, or IP
// addresses in text form. The first name is also the subject.
func (ca *CA) Server(tb testing.TB, names ...string) tls.Certificate {
	tb.Helper()
	return ca.issue(tb, x509.ExtKeyUsageServerAuth, names)
}

// Client issues a certificate for client authentication, with subject
// name.
func (ca *CA) Client(tb testing.TB, name string) tls.Certificate {
	tb.Helper()
	return ca.issue(tb, x509.ExtKeyUsageClientAuth, []string{name})
}

func (ca *CA) issue(tb testing.TB, usage x509.ExtKeyUsage, names []string) tls.Certificate {
	tb.Helper()
	if len(names) == 0 {
		tb.Fatal("testpki: a certificate needs a name")
	}
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(nextSerial()),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, n)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// serial numbers every certificate of the process apart: a client
// rejects a chain whose issuer and serial repeat another's.
var serial atomic.Int64

func nextSerial() int64 { return serial.Add(1) }
