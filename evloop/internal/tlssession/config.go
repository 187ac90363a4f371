package tlssession

import (
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// Config is what the sessions of a listener or a dialler share. It is
// read, never written, by the sessions made from it: do not change it
// once in use.
type Config struct {
	// TLS is the configuration of crypto/tls, used as it is (one
	// tls.Config for many sessions is what makes session tickets and
	// the client session cache work). Its callbacks (GetCertificate,
	// GetConfigForClient, VerifyPeerCertificate, ...) run on the
	// handshake's goroutine, never on the caller's, so they may block.
	// Renegotiation must be tls.RenegotiateNever (the zero value): a
	// renegotiation would start a handshake inside a read on the
	// caller's goroutine.
	TLS *tls.Config

	// Pool runs the handshakes. Default: a pool with PoolConfig's
	// defaults, shared by all Configs without one.
	Pool *Pool

	// HandshakeTimeout bounds a handshake, counted from the session's
	// creation (so time queued for a worker counts): it then fails with
	// ErrHandshakeTimeout. Default: 10 s.
	HandshakeTimeout time.Duration

	// MaxHandshakeInput is how much ciphertext a session buffers during
	// its handshake before WantInput reports false; Feed fails with
	// ErrInputFull when the caller feeds more regardless. It bounds what
	// a peer that sends more than a handshake's worth makes the session
	// hold before the handshake ends. Default: 64 KiB (crypto/tls caps a
	// handshake message at 64 KiB).
	MaxHandshakeInput int
}

const (
	defaultHandshakeTimeout  = 10 * time.Second
	defaultMaxHandshakeInput = 64 << 10
)

func (c *Config) pool() *Pool {
	if c.Pool != nil {
		return c.Pool
	}
	return defaultPool()
}

func (c *Config) timeout() time.Duration {
	if c.HandshakeTimeout > 0 {
		return c.HandshakeTimeout
	}
	return defaultHandshakeTimeout
}

func (c *Config) maxInput() int {
	if c.MaxHandshakeInput > 0 {
		return c.MaxHandshakeInput
	}
	return defaultMaxHandshakeInput
}

// check refuses a Config that sessions cannot use.
func (c *Config) check() error {
	switch {
	case c == nil || c.TLS == nil:
		return errors.New("tlssession: Config.TLS is nil")
	case c.TLS.Renegotiation != tls.RenegotiateNever:
		return errors.New("tlssession: Config.TLS.Renegotiation must be tls.RenegotiateNever")
	}
	return nil
}

// Options connect one session to its caller.
type Options struct {
	// Send takes ciphertext for the peer: the handshake's flights, the
	// records of Write, alerts, close_notify. It is called on the
	// caller's goroutine only, from Step, Feed, Write and CloseWrite, and
	// p is valid only during the call: the caller copies what the socket
	// does not take at once (evloop's Conn.Write does). An error fails
	// the write that produced the output.
	Send func(p []byte) error

	// Notify says that the session has news for Step: handshake output
	// to send, or the handshake's end. It is called from a handshake
	// worker or a timer's goroutine, never from within a Session method;
	// it must not block and must not call the session, only have the
	// caller's goroutine call Step (evloop posts a task to the
	// connection's loop). Calls coalesce until Step runs, and one may
	// come after Close, to be ignored.
	Notify func()

	// LocalAddr and RemoteAddr are the addresses of the connection,
	// which the tls.Config's callbacks see (ClientHelloInfo.Conn) and
	// errors name. Optional.
	LocalAddr, RemoteAddr net.Addr
}
