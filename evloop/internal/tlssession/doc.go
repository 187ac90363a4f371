// Package tlssession drives a crypto/tls connection for a caller that
// must never block, such as an event loop: the caller feeds it the
// ciphertext it reads from a socket, gets plaintext back in a buffer of
// its own, writes plaintext, and sends the ciphertext the session hands
// out. It uses Go's crypto/tls and a tls.Config as they are, so all they
// offer works: certificates, GetCertificate and SNI, ALPN, client
// certificates, session resumption, TLS 1.2 and 1.3.
//
// # Model
//
// A Session has two phases.
//
// The handshake runs on a goroutine of a Pool, in tls.Conn.Handshake,
// over a transport whose Read blocks until the caller feeds ciphertext
// (Feed), and whose Write collects the handshake's output. The worker
// announces news with Options.Notify (output to send, the handshake's
// end); the caller answers on its own goroutine with Step, which hands
// the output to Options.Send and reports "opened" (then
// ConnectionState has ALPN, SNI, DidResume, the peer's certificates) or
// the failure. The worker then returns to the pool, and a pool with no
// handshake to run has no goroutine.
//
// After the handshake, everything happens on the caller's goroutine:
// Feed hands ciphertext to tls.Conn.Read through the transport, which
// answers "would block" once the fed bytes are used up; Write goes
// through tls.Conn.Write to Send; CloseWrite sends close_notify. The
// caller's ciphertext is read in place during Feed and copied only if a
// full plaintext buffer stops Feed before crypto/tls has taken it all.
//
// An idle session thus holds no goroutine and no read buffer of its
// own. crypto/tls keeps some buffers of each connection, though: the
// record input buffer grows to the largest record received (plus 512
// bytes) and the output buffer to the largest record sent, and neither
// shrinks; the README of this package has the figures, beside those of
// a tls.Conn served by a goroutine on Go's net.
//
// # Why a goroutine for the handshake and none after
//
// Two behaviours of crypto/tls (conn.go of Go 1.26) decide this, and
// tests pin them down. A net.Error with Temporary true from the
// underlying Read does not break tls.Conn.Read: readRecordOrCCS keeps
// the partial record and returns the error without recording it
// (TestFactTemporaryReadErrorIsNotSticky). So records can be driven by
// feeding bytes as they come. But any handshake error, a temporary one
// included, is recorded for good in the connection's handshake error
// (TestFactHandshakeErrorIsSticky): a handshake cannot stop at "would
// block" and resume later. Without a fork of crypto/tls, the handshake
// needs a goroutine whose Read blocks.
//
// # Bounds
//
// Config.HandshakeTimeout, counted from New, ends every handshake that
// has not completed, queued or running, with ErrHandshakeTimeout. A
// server session takes a worker only once the peer's first record is
// complete (or its header is plainly not TLS): a peer that connects and
// sends nothing, or part of a ClientHello, costs a timer and the bytes
// it sent, no goroutine. A peer that stalls later holds a worker until
// the timeout. PoolConfig bounds the workers and the queue behind them;
// a handshake that finds both full fails with ErrPoolFull. Ciphertext
// fed during the handshake is held up to Config.MaxHandshakeInput:
// WantInput says when to stop reading. A peer that sends garbage is
// refused by crypto/tls at the first record header.
//
// # After the handshake
//
// TLS 1.3 servers send NewSessionTicket messages as part of their
// handshake flights, so they leave with the handshake's output; a client
// session reads them in Feed and stores them in the tls.Config's
// ClientSessionCache. A KeyUpdate that asks for an answer makes
// tls.Conn.Read write one, so Feed may call Send. Renegotiation is
// refused: New rejects a tls.Config whose Renegotiation is not
// RenegotiateNever (a renegotiation would run a handshake inside Feed),
// and crypto/tls servers never renegotiate. 0-RTT data is neither sent
// by crypto/tls clients nor accepted by its servers.
//
// # Goroutines
//
// A Session belongs to its caller's goroutine: call its methods one at a
// time, from the goroutine (or loop) that owns the connection; Send is
// called from within them. Notify is the one call that comes from
// elsewhere (a pool worker, a timer): it must only arrange for Step to
// run on the caller's goroutine; for a client session it may come
// before New has returned. The tls.Config's callbacks run on the pool's
// workers, where they may block; the handshake timeout does not
// interrupt a callback (it breaks the handshake's reads only), so one
// that may wait long needs a bound of its own. A Pool is safe for
// concurrent use and may serve any number of callers.
//
// # Errors
//
// Failures come as an *Error with the operation and the cause, which
// errors.Is and errors.As see through: *tls.RecordHeaderError for a peer
// that does not speak TLS, *tls.CertificateVerificationError and
// x509.UnknownAuthorityError and the like for a refused certificate,
// tls.AlertError for an alert from the peer, ErrHandshakeTimeout,
// ErrPoolFull, io.EOF for the peer's end of stream mid-handshake. The
// peer's close_notify is not a failure: Feed returns io.EOF.
package tlssession
