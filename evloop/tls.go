package evloop

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/goafd/afd/evloop/internal/tlssession"
)

// TLS connections: the loop drives a tlssession.Session for each (see
// the package doc, "TLS"). The handler sees plaintext through the usual
// Conn methods; what goes over the socket is TLS. A connection starts in
// connHandshaking, where the loop feeds the session what it reads and
// sends what the session's Step hands out, and enters connOpen, with
// OnOpen, when Step reports the handshake complete. From then on reads
// go through Session.Feed into the loop's plaintext buffer and on to
// OnTraffic, and Write through Session.Write, whose records take the
// raw path (Conn.send).

var (
	// ErrHandshakeTimeout: a TLS handshake did not complete within
	// Config.TLSHandshakeTimeout. It matches os.ErrDeadlineExceeded too.
	ErrHandshakeTimeout = tlssession.ErrHandshakeTimeout

	// ErrHandshakePoolFull: a TLS handshake was refused because
	// Config.TLSHandshakeWorkers handshakes ran and
	// Config.TLSHandshakeQueue more waited.
	ErrHandshakePoolFull = tlssession.ErrPoolFull

	// ErrTLSDetach: Detach refuses a TLS connection. Its state is
	// crypto/tls's, inside the loop's session, and does not move to a
	// net.Conn. It matches errors.ErrUnsupported.
	ErrTLSDetach = fmt.Errorf("evloop: a TLS connection cannot be detached: %w", errors.ErrUnsupported)
)

// A tlsConn is the TLS part of a Conn.
type tlsConn struct {
	cfg  *tlssession.Config
	role tlssession.Role
	s    *tlssession.Session // made on the loop: at accept, or once connected

	gather bool // Writev under way: records go to the loop's gather buffer

	// sockErr is the socket's failure during the handshake, which
	// closes the connection once the handshake's verdict is in, see
	// tlsSocketFailed.
	sockErr error
}

// ListenTLS is Listen for TLS over TCP (or a Unix-domain socket): it
// serves addr with h, and every connection accepted does a TLS handshake
// as a server with cfg before h sees it. OnOpen comes once the handshake
// has completed (ConnectionState then tells the version, ALPN, SNI, the
// client's certificates, DidResume); OnTraffic gets plaintext, Write
// takes plaintext; Close, Shutdown and the peer's close_notify or end of
// stream (without OnEOF) close with close_notify. A handshake that fails (a client that
// does not speak TLS, an alert, a refused client certificate, the
// timeout) closes the connection without OnOpen or OnClose: it goes to
// h.OnHandshakeError, if set.
//
// cfg is crypto/tls's, used as it is and shared by the connections (its
// session tickets and GetCertificate, SNI and ALPN work as with
// tls.Listen); do not change it afterwards. It needs a certificate
// (Certificates, GetCertificate or GetConfigForClient), and
// Renegotiation must be tls.RenegotiateNever. Its callbacks run on the
// handshake workers, not on a loop: they may block, but they count
// against Config.TLSHandshakeTimeout only in that the handshake fails
// when they return late.
func (s *Server) ListenTLS(addr string, cfg *tls.Config, h Handler) (*Listener, error) {
	if err := checkTLS(cfg, true); err != nil {
		return nil, fmt.Errorf("evloop: listen %s: %w", addr, err)
	}
	return s.listen(addr, h, s.tlsConfig(cfg))
}

// AddListenerTLS is AddListener for TLS: the connections that the
// loops accept from nl (a *net.TCPListener or *net.UnixListener, not a
// listener of crypto/tls) are served as ListenTLS serves its own, with
// cfg. Ownership is as for AddListener.
func (s *Server) AddListenerTLS(nl net.Listener, cfg *tls.Config, h Handler) (*Listener, error) {
	if err := checkTLS(cfg, true); err != nil {
		return nil, fmt.Errorf("evloop: add listener: %w", err)
	}
	return s.addListener(nl, h, s.tlsConfig(cfg))
}

// DialTLS is Dial for TLS: once connected, the connection does a TLS
// handshake as a client with cfg, and OnOpen follows when it has
// completed. A failure of the connect or of the handshake comes as
// OnClose with the error and no OnOpen before; errors.As finds
// tls.AlertError, *tls.CertificateVerificationError and the x509 errors
// in it, *tls.RecordHeaderError. Data given to AsyncWrite before then is
// sent once the handshake has completed.
//
// Without cfg.ServerName, the host of addr is the name verified (and
// sent in SNI), as tls.Dial does; a Unix-domain address needs
// ServerName, or InsecureSkipVerify. Use one cfg for many dials, with a
// ClientSessionCache, to resume sessions.
func (s *Server) DialTLS(addr string, cfg *tls.Config, h Handler) (*Conn, error) {
	if err := checkTLS(cfg, false); err != nil {
		return nil, fmt.Errorf("evloop: dial %s: %w", addr, err)
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		host := ""
		if scheme, hp, ok := strings.Cut(addr, "://"); !ok || scheme != "unix" {
			if !ok {
				hp = addr
			}
			host, _, _ = net.SplitHostPort(hp)
		}
		if host == "" {
			return nil, fmt.Errorf("evloop: dial %s: tls.Config.ServerName is needed to verify the server", addr)
		}
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	return s.dial(addr, h, s.tlsConfig(cfg))
}

// checkTLS refuses a tls.Config that cannot serve: what tls.Listen
// refuses, and renegotiation (it would run a handshake inside a read on
// the loop).
func checkTLS(cfg *tls.Config, server bool) error {
	switch {
	case cfg == nil:
		return errors.New("nil tls.Config")
	case server && len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil:
		return errors.New("tls.Config has neither Certificates, GetCertificate nor GetConfigForClient")
	case cfg.Renegotiation != tls.RenegotiateNever:
		return errors.New("tls.Config.Renegotiation must be tls.RenegotiateNever")
	}
	return nil
}

// tlsConfig returns the session configuration of a listener or a dial
// with cfg, over the server's handshake pool.
func (s *Server) tlsConfig(cfg *tls.Config) *tlssession.Config {
	s.tlsOnce.Do(func() {
		s.tlsPool = tlssession.NewPool(tlssession.PoolConfig{
			Workers: s.cfg.TLSHandshakeWorkers,
			Queue:   s.cfg.TLSHandshakeQueue,
		})
	})
	return &tlssession.Config{TLS: cfg, Pool: s.tlsPool, HandshakeTimeout: s.cfg.TLSHandshakeTimeout}
}

// ConnectionState returns the state of a TLS connection's session (the
// version, the cipher suite, ALPN's NegotiatedProtocol, SNI's
// ServerName, the peer's certificates, DidResume) and true, once its
// handshake has completed: from OnOpen on, OnClose included. For a
// plaintext connection, or before, it returns the zero value and false.
// It belongs to the connection's loop, like Peek.
func (c *Conn) ConnectionState() (tls.ConnectionState, bool) {
	if c.tls == nil || c.tls.s == nil || !c.opened {
		return tls.ConnectionState{}, false
	}
	return c.tls.s.ConnectionState(), true
}

// tlsStart makes the session of an accepted connection, or of a dialled
// one that has connected, and waits for its handshake.
func (c *Conn) tlsStart() {
	l := c.l
	if l.plain == nil {
		l.plain = make([]byte, l.s.cfg.ReadBufferSize)
	}
	c.state = connHandshaking
	s, err := tlssession.New(c.tls.cfg, c.tls.role, tlssession.Options{
		Send:       c.tlsSend,
		Notify:     c.tlsNotify,
		LocalAddr:  c.LocalNetAddr(),
		RemoteAddr: c.RemoteNetAddr(),
	})
	if err != nil {
		c.closeNow(c.tlsError(err))
		return
	}
	c.tls.s = s
	l.markDirty(c)
}

// tlsNotify is the session's Notify, from a handshake worker or timer:
// the loop calls tlsStep. A loop that has exited has closed the
// connection.
func (c *Conn) tlsNotify() {
	c.l.post(task{kind: taskTLS, c: c})
}

// tlsSend is the session's Send: the raw write path, or the loop's
// gather buffer during a Writev.
func (c *Conn) tlsSend(p []byte) error {
	if c.failed {
		return c.err
	}
	if c.tls.gather {
		c.l.gather = append(c.l.gather, p...)
		return nil
	}
	if c.tls.sockErr != nil {
		return nil // the socket has failed: the handshake's last words go nowhere
	}
	c.send(p)
	if c.failed {
		return c.err
	}
	return nil
}

// tlsStep takes the session's news on the loop: handshake output is
// sent; a completed handshake opens the connection for the handler, a
// failed one closes it.
func (c *Conn) tlsStep() {
	if c.state != connHandshaking || c.failed {
		return // closed meanwhile: a Notify late
	}
	opened, err := c.tls.s.Step()
	switch {
	case c.tls.sockErr != nil && (err != nil || opened):
		c.fail(c.socketVerdict(err))
	case err != nil:
		c.fail(c.tlsError(err))
	case opened:
		c.l.touch(c)
		c.start()
		if c.state == connOpen && !c.failed {
			c.tlsFeed(nil, false) // data that came with the handshake's end
		}
	default:
		c.l.markDirty(c)
	}
}

// tlsSocketFailed handles a failure of the socket (a reset) during the
// handshake. The peer may have sent an alert just before, which says
// more than the reset (a client that refuses the server's certificate
// sends one and closes with unread input, which resets), and the loop
// may read the reset before the handshake's worker has read the alert:
// so the session gets end of stream after what it was fed, and the
// connection closes once the handshake's verdict is in (tlsStep). The
// socket leaves the poller meanwhile, which would report its failure at
// every Wait. A handshake that has not started has nothing to say: the
// connection closes at once.
func (c *Conn) tlsSocketFailed(err error) {
	if c.tls.sockErr != nil || c.failed {
		return
	}
	c.tls.sockErr = err
	c.eof = true
	if c.tls.s.FeedEOF() != nil {
		c.fail(err)
		return
	}
	c.l.forget(c.fd) // closeNow's Delete then finds nothing, which it ignores
	c.interest = 0
	c.out, c.outHead = c.out[:0], 0 // nothing more can be sent: settle wants nothing
	c.outLen.Store(0)
	c.l.markDirty(c)
}

// socketVerdict is the error of a connection whose socket failed during
// the handshake, given the handshake's (nil if it completed): the
// handshake's own, unless it only says that the input ended.
func (c *Conn) socketVerdict(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, ErrHandshakeTimeout) {
		return c.tls.sockErr
	}
	return c.tlsError(err)
}

// tlsRead handles ciphertext just read.
func (c *Conn) tlsRead(ct []byte) {
	switch c.state {
	case connHandshaking:
		c.l.touch(c)
		if _, err := c.tls.s.Feed(ct, nil); err != nil {
			c.fail(c.tlsError(err))
		}
	case connOpen:
		c.l.touch(c)
		c.tlsFeed(ct, false)
	}
	// Closing: discarded, as plaintext is.
}

// tlsFeed decrypts ct, and what the session holds, into the loop's
// plaintext buffer and delivers it, until the session has no more or
// the handler pauses: the session then keeps the records not decrypted
// yet (ct's included), and crypto/tls the plaintext of a record not
// copied out, for ResumeRead (Conn.redeliver, with again: the input the
// handler left is delivered even if the session has nothing new). The
// peer's close_notify is its end of stream (Conn.inputEnded: OnEOF or a
// graceful close), but not while the connection is paused: the session
// reports it again on resume, after the input left. It reports false if the connection failed.
func (c *Conn) tlsFeed(ct []byte, again bool) bool {
	l := c.l
	for c.reading() {
		m, err := c.tls.s.Feed(ct, l.plain)
		ct = nil
		if c.state == connOpen && !c.failed {
			switch {
			case m > 0:
				c.take(l.plain[:m])
			case again:
				if c.syncIn(); len(c.in) > 0 {
					c.deliver(false)
				}
			}
		}
		again = false
		switch {
		case err == io.EOF && c.reading():
			if c.state == connOpen && !c.failed {
				c.inputEnded()
			}
			return true
		case err == io.EOF:
			return true
		case err != nil:
			c.fail(c.tlsError(err))
			return false
		case m < len(l.plain) || c.state != connOpen || c.failed:
			return !c.failed
		}
	}
	return !c.failed
}

// tlsEOF handles the socket's end of stream, and reports whether the
// plaintext end of stream follows (Conn.read): not during the handshake,
// which fails (Step says how), nor after a record cut short, nor while
// the handler has paused the connection.
func (c *Conn) tlsEOF() bool {
	switch c.state {
	case connHandshaking:
		c.eof = true // no more reads: the socket would report it again and again
		if err := c.tls.s.FeedEOF(); err != nil {
			c.fail(c.tlsError(err))
		}
		c.l.markDirty(c)
		return false
	case connOpen:
		c.tls.s.FeedEOF()
		if !c.tlsFeed(nil, false) {
			return false
		}
		// Paused by the handler meanwhile: the socket reports its end
		// of stream again once reading resumes, after the rest.
		return c.reading()
	}
	return true
}

// tlsWrite is Write of an open TLS connection.
func (c *Conn) tlsWrite(p []byte) (int, error) {
	n, err := c.tls.s.Write(p)
	switch {
	case c.failed:
		return 0, c.err
	case err != nil:
		c.fail(c.tlsError(err))
		return n, c.err
	}
	return n, nil
}

// tlsWritev is Writev of an open TLS connection: the records of all
// the buffers are gathered in the loop's buffer and sent with one
// system call, as Writev promises, instead of one per record.
func (c *Conn) tlsWritev(bufs [][]byte) (int, error) {
	l := c.l
	c.tls.gather = true
	total := 0
	var err error
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		var n int
		n, err = c.tls.s.Write(b)
		total += n
		if err != nil {
			break
		}
	}
	c.tls.gather = false
	if len(l.gather) > 0 {
		c.send(l.gather)
	}
	l.gather = l.gather[:0]
	if cap(l.gather) > 2*l.s.cfg.ReadBufferSize {
		l.gather = nil // one large Writev does not keep its size
	}
	switch {
	case c.failed:
		return 0, c.err
	case err != nil:
		c.fail(c.tlsError(err))
		return total, c.err
	}
	return total, nil
}

// tlsCloseWrite sends close_notify, after the output written before, at
// the start of a graceful close.
func (c *Conn) tlsCloseWrite() {
	if err := c.tls.s.CloseWrite(); err != nil && !c.failed {
		c.fail(c.tlsError(err))
	}
}

// tlsClosed ends the session of a connection that closed (its handshake
// stops, if it ran) and reports a handshake that did not complete on an
// accepted connection.
func (c *Conn) tlsClosed(err error) {
	if c.tls.s != nil {
		c.tls.s.Close()
	}
	if !c.opened && c.ln != nil && c.h.OnHandshakeError != nil {
		if err == nil {
			err = net.ErrClosed
		}
		c.h.OnHandshakeError(c, err)
	}
}

// tlsError wraps an error of the session with the connection's peer.
func (c *Conn) tlsError(err error) error {
	var se *tlssession.Error
	if errors.As(err, &se) {
		return &TLSError{Op: se.Op, Peer: c.peer(), err: se}
	}
	return &TLSError{Op: "handshake", Peer: c.peer(), err: err}
}

// A TLSError is the failure of a TLS connection: Op is "handshake",
// "read", "write" or "close", Peer the peer's address. errors.As and
// errors.Is see through it to the cause: *tls.RecordHeaderError for a
// peer that does not speak TLS, tls.AlertError for an alert from the
// peer, *tls.CertificateVerificationError and the x509 errors within for
// a certificate refused, ErrHandshakeTimeout, ErrHandshakePoolFull,
// io.EOF for a peer that closed mid-handshake.
//
// A failure of the socket during the handshake (a reset) is reported as
// it is, not in a TLSError, unless the handshake had more to say: the
// alert that a peer sent just before resetting, for one.
type TLSError struct {
	Op   string
	Peer string
	err  error
}

func (e *TLSError) Error() string {
	msg := e.err.Error()
	var se *tlssession.Error
	if errors.As(e.err, &se) {
		msg = se.Err.Error()
	}
	return "evloop: tls " + e.Op + " with " + e.Peer + ": " + msg
}

// Unwrap returns the cause.
func (e *TLSError) Unwrap() error { return e.err }
