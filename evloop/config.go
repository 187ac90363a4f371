package evloop

import (
	"runtime"
	"time"
)

// Config sets up a Server. The zero value is usable: every field has a
// default, given with it.
type Config struct {
	// Loops is the number of event loops: goroutines, each with a poller
	// of its own, among which connections are spread. Default:
	// runtime.GOMAXPROCS(0). More loops than processors pay off where
	// system calls leave the thread for long: under Wine each one waits
	// for the wine server, and 4 loops per processor instead of 1 took
	// echo at 1,000 connections on 2 cores from about 6,200 to 10,100
	// round trips a second (bench/servers/evloop runs so on Windows).
	Loops int

	// ReadBufferSize is the size of each loop's read buffer, which is
	// the most a single read takes from a connection. Connections share
	// their loop's buffer: a connection keeps inbound bytes of its own
	// only when its handler leaves some unconsumed. Default: 64 KiB.
	ReadBufferSize int

	// MaxOutbound caps a connection's pending output: bytes accepted by
	// Write or AsyncWrite that the socket did not take yet. At it the
	// loop stops reading from the connection (no OnTraffic, so a
	// request-response handler writes no more) until the output has
	// drained to half of it; AsyncWrite, and Write from the callbacks of
	// other connections, fail with ErrOutboundFull meanwhile. A peer
	// that never reads thus holds at most MaxOutbound plus the answers to
	// one read: one answer, for a handler that stops answering at
	// Conn.OutboundFull (see the package doc, "Bad peers"). Default:
	// 4 MiB; negative: no cap.
	MaxOutbound int

	// MaxInbound caps the inbound bytes a handler may leave unconsumed
	// (a request still incomplete, for instance). A connection that
	// exceeds it is closed with ErrInboundFull. Default: 4 MiB;
	// negative: no cap.
	MaxInbound int

	// IdleTimeout closes, with ErrIdleTimeout, a connection that has
	// neither read nor written a byte for this long: a stalled peer, one
	// that sent half a request and stopped, one that never reads what it
	// is sent. It also bounds a Dial's connect. Default: 0, no timeout.
	IdleTimeout time.Duration

	// LingerTimeout bounds a graceful close (Conn.Close, Shutdown, a
	// peer's end of stream). The close first flushes pending output: a
	// connection whose output makes no progress for LingerTimeout is
	// closed with ErrCloseTimeout, and the unsent rest is lost. It then
	// shuts down its sending side and waits up to LingerTimeout for the
	// peer to close its own, discarding what the peer still sends, so
	// that closing the socket with unread data does not reset the
	// connection and destroy the output in flight. Default: 5 s.
	LingerTimeout time.Duration

	// MaxConns caps the accepted connections open at once, over all
	// listeners. Beyond it a new connection is accepted and closed at
	// once: the peer reads end of stream. Dialled connections do not
	// count. Default: 0, no cap.
	MaxConns int

	// SendBuffer and RecvBuffer set the kernel's socket buffers of
	// connections and UDP listeners (SO_SNDBUF, SO_RCVBUF); a UDP
	// listener drops the datagrams its receive buffer has no room for.
	// Default: 0, the system's (which Linux sizes by itself for TCP as
	// traffic goes).
	SendBuffer int
	RecvBuffer int

	// Nagle leaves Nagle's algorithm on for TCP connections: small writes
	// then wait for the acknowledgement of earlier ones and go out
	// together. Default: false, TCP_NODELAY set, each Write goes out at
	// once (what request-response protocols want).
	Nagle bool

	// KeepAlive turns on TCP keep-alive for connections (accepted,
	// dialled and of AddConn): after KeepAlive without traffic the system
	// sends a probe, again every KeepAlive, and a peer that has gone
	// without a word (a crashed host, a cable pulled) fails the connection
	// after a few unanswered ones. It is rounded to whole seconds, except
	// on Windows. Default: 0, off (the system's default); IdleTimeout
	// closes connections that are silent but alive.
	KeepAlive time.Duration

	// There is no SO_LINGER setting: a close that must deliver what was
	// written is what Conn.Close does (flush, shut down, wait for the
	// peer, see LingerTimeout) without blocking the loop in close, and a
	// close that resets is what IdleTimeout and Server.Close do.

	// ReusePort sets SO_REUSEPORT on TCP listeners, so that other
	// processes (or servers) can listen on the same port and the kernel
	// spreads connections among them. Linux and the BSDs only: on
	// Windows Listen fails with it.
	ReusePort bool

	// TLSHandshakeTimeout bounds the TLS handshake of a connection of
	// ListenTLS or DialTLS, counted from its accept or connect: a
	// handshake not complete by then fails with ErrHandshakeTimeout, and
	// the connection closes. It bounds what a client that connects and
	// stalls (or never sends a ClientHello) holds. Default: 10 s.
	TLSHandshakeTimeout time.Duration

	// TLSHandshakeWorkers caps the TLS handshakes that run at once,
	// each on a goroutine (see the package doc, "TLS"): a handshake
	// holds its goroutine while it waits for the peer, from the peer's
	// first record to its end, so size it for the peers that may stall
	// (each until TLSHandshakeTimeout), not for the processors.
	// TLSHandshakeQueue caps the handshakes waiting for a worker; one
	// that finds the queue full fails with ErrHandshakePoolFull.
	// Defaults: 256 workers, a queue of 4096.
	TLSHandshakeWorkers int
	TLSHandshakeQueue   int

	// OnError, if set, is called with an error that the server met
	// outside of any one connection: an event loop whose poller failed
	// (ErrLoopFailed). Such a loop has closed its connections (OnClose
	// gets the error) and listeners, and takes no more: the server goes
	// on with its other loops, and Shutdown and Close return the error
	// too. OnError runs on the failed loop's goroutine, after its last
	// callback.
	OnError func(err error)
}

// Defaults of Config.
const (
	defaultReadBuffer = 64 << 10
	defaultMaxOut     = 4 << 20
	defaultMaxIn      = 4 << 20
	defaultLinger     = 5 * time.Second
)

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Loops <= 0 {
		c.Loops = runtime.GOMAXPROCS(0)
	}
	if c.ReadBufferSize <= 0 {
		c.ReadBufferSize = defaultReadBuffer
	}
	if c.MaxOutbound == 0 {
		c.MaxOutbound = defaultMaxOut
	}
	if c.MaxInbound == 0 {
		c.MaxInbound = defaultMaxIn
	}
	if c.LingerTimeout <= 0 {
		c.LingerTimeout = defaultLinger
	}
	return c
}
