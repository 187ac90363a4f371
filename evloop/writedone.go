package evloop

import (
	"net"

	"github.com/goafd/afd/internal/sock"
)

// AsyncWriteDone is AsyncWrite with a completion callback: done runs on
// the connection's loop, as a callback of c, once the socket has taken
// all of p (err nil: p is in the system's hands, on its way to the
// peer), or once the connection closes before that, with the error of
// the close (net.ErrClosed for a close without one); p's unsent rest is
// then lost. The callbacks of a connection run in the order of their
// writes. If AsyncWriteDone returns an error, done is never called.
//
// A producer uses it to send the next piece of a long transfer only once
// the last is gone, holding one piece of memory at a time instead of
// queuing the whole.
func (c *Conn) AsyncWriteDone(p []byte, done func(c *Conn, err error)) error {
	return c.asyncWrite(p, done)
}

// A writeDone is a callback of AsyncWriteDone waiting for the socket to
// take its data: all of it once Conn.sent reaches end.
type writeDone struct {
	end int64
	f   func(*Conn, error)
}

// takeAsyncFns takes the callbacks of the data in async; c.mu is held.
func (c *Conn) takeAsyncFns() []func(*Conn, error) {
	fns := c.asyncFns
	c.asyncFns = nil
	return fns
}

// awaitSent has the callbacks of data just written wait for the socket
// to take all of it: the output pending now.
func (c *Conn) awaitSent(fns []func(*Conn, error)) {
	if len(fns) == 0 {
		return
	}
	if c.state == connClosed || c.failed {
		c.dropDones(fns, c.err)
		return
	}
	end := c.sent + int64(len(c.out)-c.outHead)
	for _, f := range fns {
		c.dones = append(c.dones, writeDone{end, f})
	}
	c.l.markDirty(c) // settle calls them, at once if all was sent
}

// callDones calls the callbacks whose data the socket has taken.
func (c *Conn) callDones() {
	l := c.l
	for len(c.dones) > 0 && c.dones[0].end <= c.sent && c.state != connClosed {
		f := c.dones[0].f
		c.dones[0] = writeDone{}
		c.dones = c.dones[1:]
		prev := l.cur
		l.cur = c
		f(c, nil)
		l.cur = prev
	}
	if len(c.dones) == 0 {
		c.dones = nil
	}
}

// dropDones calls the callbacks of a connection closed before their data
// was sent: those waiting, then fns, with err.
func (c *Conn) dropDones(fns []func(*Conn, error), err error) {
	if err == nil {
		err = net.ErrClosed
	}
	ds := c.dones
	c.dones = nil
	for _, d := range ds {
		d.f(c, err)
	}
	for _, f := range fns {
		f(c, err)
	}
}

// Writev writes the buffers in order, as Write of them joined would,
// without joining them: the socket gets them in one system call (writev,
// or WSASend with several buffers; at most sock.MaxSendv per call, and
// on systems without writev one call each), a header and a body, say,
// without copying either. What the socket does not take is buffered, as
// for Write. It returns the bytes accepted, the sum of the lengths, or
// fails as Write does.
func (c *Conn) Writev(bufs [][]byte) (int, error) {
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	switch {
	case c.l.cur != c && c.state == connOpen && !c.failed && c.outboundFull():
		return 0, ErrOutboundFull
	case c.failed:
		return 0, c.err
	case c.state != connOpen:
		return 0, net.ErrClosed
	case total == 0:
		return 0, nil
	case c.tls != nil:
		return c.tlsWritev(bufs)
	}
	n := 0
	if c.outHead == len(c.out) {
		var ok bool
		if n, ok = c.afterSend(sock.Sendv(c.fd, bufs)); !ok {
			return 0, c.err
		}
	}
	if n < total {
		for _, b := range bufs {
			if n >= len(b) {
				n -= len(b)
				continue
			}
			c.buffer(b[n:])
			n = 0
		}
		c.l.markDirty(c)
	}
	return total, nil
}
