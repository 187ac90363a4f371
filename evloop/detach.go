package evloop

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrOutputPending: Detach was refused because the connection has output
// that the socket did not take at once. The connection goes on being
// served, and the loop sends that output as usual.
var ErrOutputPending = errors.New("evloop: output pending")

// Detach takes the connection off its loop and hands it back as a
// blocking net.Conn, for code that wants plain reads and writes: a
// protocol switch to a library built on net.Conn, a long transfer better
// done with io.Copy. Call it from a callback of the connection's loop.
//
// The connection leaves the loop at once: its socket is deleted from the
// poller, no callback of h follows (no OnClose either: the connection is
// not closed), AsyncWrite and Close fail with net.ErrClosed. Inbound
// bytes that the handler has not consumed are not lost: the returned
// net.Conn reads them first, then what arrives on the socket.
//
// The pending output must have gone: Detach first writes what AsyncWrite
// queued and tries to send what is buffered, and if the socket does not
// take it all, fails with ErrOutputPending and changes nothing; call it
// again once OutboundBuffered is 0. It fails with net.ErrClosed once the
// connection is closing (Close, the peer's end of stream without OnEOF,
// Shutdown) or has failed.
//
// What comes back: for a connection of AddConn, the net.Conn that was
// given, in its own mode again (blocking, on Windows); on Linux, macOS and
// the BSDs, for an accepted or dialled one, a *net.TCPConn (or
// *net.UnixConn) on the same socket, from net.FileConn. On Windows an
// accepted or dialled connection cannot be detached, as Go's net cannot
// take over a socket there: Detach fails with errors.ErrUnsupported. With
// unconsumed inbound bytes, the net.Conn is a wrapper that reads those
// first (type-assert to *net.TCPConn only when InboundBuffered is 0).
// A TLS connection cannot be detached: Detach fails with ErrTLSDetach.
func (c *Conn) Detach() (net.Conn, error) {
	if c.tls != nil {
		return nil, fmt.Errorf("evloop: detach %s: %w", c.peer(), ErrTLSDetach)
	}
	if c.state != connOpen || c.failed {
		return nil, fmt.Errorf("evloop: detach %s: %w", c.peer(), net.ErrClosed)
	}
	c.mu.Lock()
	closeReq := c.closeReq
	data := c.async
	c.async, c.asyncBuf = c.asyncBuf[:0], nil
	fns := c.takeAsyncFns()
	c.mu.Unlock()
	c.writeAsync(data)
	c.awaitSent(fns)
	if closeReq {
		return nil, fmt.Errorf("evloop: detach %s: %w", c.peer(), net.ErrClosed)
	}
	if c.outHead < len(c.out) {
		c.flush()
	}
	c.callDones()
	switch {
	case c.failed:
		return nil, c.err
	case c.state != connOpen:
		return nil, fmt.Errorf("evloop: detach %s: %w", c.peer(), net.ErrClosed)
	case c.outHead < len(c.out):
		return nil, fmt.Errorf("evloop: detach %s: %d bytes: %w", c.peer(), len(c.out)-c.outHead, ErrOutputPending)
	}

	// No AsyncWrite or Close may come in between the last look at them
	// and the connection leaving.
	c.mu.Lock()
	if len(c.async) > 0 || c.closeReq {
		c.mu.Unlock()
		return nil, fmt.Errorf("evloop: detach %s: %w", c.peer(), ErrOutputPending)
	}
	nc := c.nc
	if nc == nil {
		var err error
		if nc, err = handBack(c.fd); err != nil {
			c.mu.Unlock()
			return nil, fmt.Errorf("evloop: detach %s: %w", c.peer(), err)
		}
	}
	c.closeReq, c.closed = true, true
	c.async, c.asyncBuf = nil, nil
	c.mu.Unlock()

	var rest []byte
	if len(c.view) > 0 {
		rest = append(rest, c.view...)
	}
	c.leave()
	if rest != nil {
		return &detachedConn{Conn: nc, rest: rest}, nil
	}
	return nc, nil
}

// leave takes a detached connection off its loop: the poller, the loop's
// table and lists and counts; then the socket goes back to net's mode,
// or, for a socket that handBack duplicated, is closed.
func (c *Conn) leave() {
	l := c.l
	c.state = connClosed
	l.unregister(c.key)
	l.forget(c.fd)
	if c.list != nil {
		c.list.remove(c)
	}
	if len(c.timers) > 0 {
		l.dropTimers(c)
	}
	if c.nc != nil {
		giveBack(c.fd)
	} else {
		c.closeSocket()
	}
	l.nconn.Add(-1)
	if c.ln != nil {
		l.s.conns.Add(-1)
	}
	l.putBuf(c.in)
	l.putBuf(c.out)
	c.in, c.view, c.out, c.outHead = nil, nil, nil, 0
	c.outLen.Store(0)
}

// A detachedConn is the net.Conn of Detach for a connection that had
// inbound bytes the handler left unconsumed: Read returns them first.
type detachedConn struct {
	net.Conn
	mu   sync.Mutex
	rest []byte
}

func (d *detachedConn) Read(p []byte) (int, error) {
	d.mu.Lock()
	if len(d.rest) > 0 {
		n := copy(p, d.rest)
		d.rest = d.rest[n:]
		d.mu.Unlock()
		return n, nil
	}
	d.mu.Unlock()
	return d.Conn.Read(p)
}
