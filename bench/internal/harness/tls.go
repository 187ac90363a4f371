package harness

import (
	"crypto/tls"

	"github.com/goafd/afd/internal/selfsigned"
)

// SelfSigned makes the certificate every server serves TLS with (package
// internal/selfsigned: ECDSA P-256, so that the handshakes of all
// contenders cost the same signature). The client does not verify it (the
// benchmark measures serving, not trust).
func SelfSigned() (tls.Certificate, error) { return selfsigned.Certificate() }

// TLSConfig returns the server side of -tls: crypto/tls's defaults (TLS
// 1.2 and 1.3) with a SelfSigned certificate.
func TLSConfig() (*tls.Config, error) {
	cert, err := SelfSigned()
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}
