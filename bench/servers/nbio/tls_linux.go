package main

import (
	"github.com/lesismal/llib/std/crypto/tls"
	"github.com/lesismal/nbio"
	ntls "github.com/lesismal/nbio/extension/tls"

	"github.com/goafd/afd/bench/internal/harness"
)

// tlsReadBuffer is the plaintext buffer of one read of a TLS connection,
// which extension/tls makes for every read (2 KiB by default), sized to
// the largest record so that one read takes a record whole.
const tlsReadBuffer = 16 << 10

// tlsHandlers returns an engine's open and data handlers for TLS, through
// extension/tls with the certificate of harness.SelfSigned in llib's
// types: open counts the connection, data gets plaintext and, in echo
// mode, writes it back through the TLS connection.
func tlsHandlers(mode harness.Mode, open func(*nbio.Conn)) (func(*nbio.Conn), func(*nbio.Conn, []byte), error) {
	std, err := harness.SelfSigned()
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: std.Certificate, PrivateKey: std.PrivateKey}}}
	onOpen := ntls.WrapOpen(cfg, false, func(c *nbio.Conn, _ *tls.Conn) { open(c) })
	onPlain := func(_ *nbio.Conn, tc *tls.Conn, p []byte) { tc.Write(p) }
	if mode == harness.Sink {
		onPlain = func(*nbio.Conn, *tls.Conn, []byte) {}
	}
	onData := ntls.WrapData(onPlain, func() []byte { return make([]byte, tlsReadBuffer) })
	return onOpen, onData, nil
}
