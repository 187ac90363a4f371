package evloop

import (
	"crypto/tls"
	"testing"

	"github.com/goafd/afd/internal/testpki"
)

// testPKI is the certificates of a test: a CA and a server certificate
// for "server.test" and 127.0.0.1.
type testPKI struct {
	ca     *testpki.CA
	server tls.Certificate
}

func newPKI(tb testing.TB) *testPKI {
	ca := testpki.NewCA(tb, "evloop test CA")
	return &testPKI{ca: ca, server: ca.Server(tb, "server.test", "127.0.0.1")}
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
	return &tls.Config{RootCAs: p.ca.Pool, ServerName: "server.test", MinVersion: version, MaxVersion: version}
}

// versions are the TLS versions the tests run with.
var versions = []struct {
	name string
	v    uint16
}{{"TLS12", tls.VersionTLS12}, {"TLS13", tls.VersionTLS13}}
