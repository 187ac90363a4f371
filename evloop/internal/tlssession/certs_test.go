package tlssession

import (
	"crypto/tls"
	"testing"

	"github.com/goafd/afd/internal/testpki"
)

// pki is the certificates of a test: a CA, a server certificate for
// "server.test" and a client certificate from it, and a client
// certificate from another CA, which the server does not trust.
type pki struct {
	ca, other  *testpki.CA
	server     tls.Certificate
	client     tls.Certificate
	badClient  tls.Certificate
	serverName string
}

func newPKI(tb testing.TB) *pki {
	ca, other := testpki.NewCA(tb, "test CA"), testpki.NewCA(tb, "other CA")
	return &pki{
		ca:         ca,
		other:      other,
		server:     ca.Server(tb, "server.test"),
		client:     ca.Client(tb, "client.test"),
		badClient:  other.Client(tb, "client.test"),
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
		ClientCAs:    p.ca.Pool,
	}
	cli = &tls.Config{
		RootCAs:    p.ca.Pool,
		ServerName: p.serverName,
		MinVersion: version,
		MaxVersion: version,
	}
	return srv, cli
}
