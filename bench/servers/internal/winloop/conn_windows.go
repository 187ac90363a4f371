package winloop

import "github.com/goafd/afd/internal/sock"

// keepBuffer is the largest output buffer a connection keeps once its
// output has drained: a burst's larger buffer is dropped, so that idle
// connections hold none.
const keepBuffer = 64 << 10

// conn is a connection of the loop.
type conn struct {
	s sock.Handle
	// out[head:] is the output accepted but not yet sent.
	out  []byte
	head int
	// eof: the peer has closed its side; the loop closes the socket
	// once out is sent.
	eof bool
	// What the waiter watches c for, once registered.
	registered, wantRead, wantWrite bool
}

// pending returns the number of bytes waiting to be sent.
func (c *conn) pending() int { return len(c.out) - c.head }

// write sends p, or what of p the socket takes, and keeps the rest; with
// output already pending, p goes after it.
func (c *conn) write(p []byte) error {
	if c.pending() == 0 {
		n, err := sock.Send(c.s, p)
		if err != nil && !sock.WouldBlock(err) {
			return err
		}
		p = p[n:]
		if len(p) == 0 {
			return nil
		}
	}
	if c.head > 0 { // move the pending rest to the front, then append
		c.out = c.out[:copy(c.out, c.out[c.head:])]
		c.head = 0
	}
	c.out = append(c.out, p...)
	return nil
}

// flush sends what the socket takes of the pending output.
func (c *conn) flush() error {
	if c.pending() == 0 {
		return nil
	}
	n, err := sock.Send(c.s, c.out[c.head:])
	if err != nil && !sock.WouldBlock(err) {
		return err
	}
	c.head += n
	if c.pending() == 0 {
		c.head = 0
		c.out = c.out[:0]
		if cap(c.out) > keepBuffer {
			c.out = nil
		}
	}
	return nil
}
