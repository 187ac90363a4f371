package evloop

import (
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/goafd/afd/evloop/internal/tlssession"
	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/poll"
)

// Batches bound the work one event of a listener does, so that a busy
// listener does not starve the connections of its loop; level-triggered
// polling reports it again for the rest. A TCP listener accepts up to as
// many connections as its loop serves, acceptBatch at least (see
// accept).
const (
	acceptBatch = 64
	packetBatch = 32
)

// acceptPause is how long a listener rests after an accept error that is
// not about one connection (out of file descriptors, of memory): the
// error would come back at once and spin the loop.
const acceptPause = 50 * time.Millisecond

// A Listener is a listening TCP socket or a bound UDP socket of a
// Server, served by one of its loops.
type Listener struct {
	s   *Server
	l   *loop
	fd  sock.Handle
	e   endpoint
	h   Handler
	key uint64
	pkt Packet             // the datagram being handled, reused
	nl  io.Closer          // the net.Listener or net.PacketConn of AddListener or AddPacketConn
	tls *tlssession.Config // of ListenTLS; nil for plaintext

	serving      bool          // registered with the loop, not closed
	resumeAt     time.Duration // when paused after an accept error
	acceptEvents int           // events that found connections to accept (tests read it)
}

// Addr returns the address the listener is bound to; for a Unix-domain
// listener, the zero AddrPort (String has its path).
func (ln *Listener) Addr() netip.AddrPort { return ln.e.ap }

// Network returns "tcp", "udp" or "unix".
func (ln *Listener) Network() string {
	if ln.e.path != "" {
		return "unix"
	}
	if ln.e.stream {
		return "tcp"
	}
	return "udp"
}

// String returns the listener's address in the form Listen takes,
// "tcp://127.0.0.1:8080" or "unix:///run/app.sock".
func (ln *Listener) String() string { return ln.e.String() }

// Close stops the listener: no more connections are accepted (those
// open go on) or datagrams received. It returns once the socket is
// closed; but from a callback of another loop than the listener's, it
// returns at once and that loop closes the socket next (a loop never
// waits for another). Closing a closed listener does nothing.
func (ln *Listener) Close() error {
	switch cl := ln.s.callerLoop(); {
	case cl == ln.l:
		ln.close()
		return nil
	case cl != nil:
		if !ln.l.post(task{kind: taskUnlisten, ln: ln, done: make(chan error, 1)}) {
			return ErrServerClosed
		}
		return nil
	}
	done := make(chan error, 1)
	if !ln.l.post(task{kind: taskUnlisten, ln: ln, done: done}) {
		return ErrServerClosed
	}
	return <-done
}

// open registers the listener with l, on l. On failure the socket is
// left to the caller.
func (ln *Listener) open(l *loop) error {
	if l.shutdown || l.exit {
		return ErrServerClosed
	}
	ln.key = l.register(ln)
	if err := l.p.Add(uintptr(ln.fd), ln.key, poll.In); err != nil {
		l.unregister(ln.key)
		return err
	}
	ln.serving = true
	l.lns = append(l.lns, ln)
	return nil
}

// close closes the listener's socket, on its loop.
func (ln *Listener) close() {
	if !ln.serving {
		return
	}
	ln.serving = false
	l := ln.l
	l.unregister(ln.key)
	l.forget(ln.fd)
	ln.closeSocket()
	for i, x := range l.lns {
		if x == ln {
			l.lns = append(l.lns[:i], l.lns[i+1:]...)
			break
		}
	}
	for i, x := range l.paused {
		if x == ln {
			l.paused = append(l.paused[:i], l.paused[i+1:]...)
			break
		}
	}
}

// closeSocket closes the listener's socket: through the net.Listener or
// net.PacketConn it came from, if any; and removes the socket file of a
// Unix-domain listener of Listen.
func (ln *Listener) closeSocket() {
	switch {
	case ln.fd == badHandle:
		return
	case ln.nl != nil:
		ln.nl.Close()
	default:
		sock.Close(ln.fd)
		sock.RemoveUnix(ln.e.path)
	}
	ln.fd = badHandle
}

func (ln *Listener) onEvent(ev poll.Events) {
	if ln.e.stream {
		ln.accept()
	} else {
		ln.receive()
	}
}

// accept accepts a batch of connections and hands each to a loop. The
// batch is as large as the loop's count of connections, acceptBatch at
// least: the listener is reported once per round of the loop's ready
// connections, so a fixed batch makes a backlog of n wait n/acceptBatch
// rounds that grow as it is accepted, where a batch that follows the
// count drains it in rounds that grow geometrically, and gives the
// listener no more of the loop than its connections have together.
func (ln *Listener) accept() {
	s, l := ln.s, ln.l
	batch := max(acceptBatch, int(l.nconn.Load()))
	for i := range batch {
		fd, peer, err := sock.AcceptAddr(ln.fd)
		switch {
		case err == nil:
			if i == 0 {
				ln.acceptEvents++
			}
		case sock.WouldBlock(err):
			return
		case connAborted(err):
			continue // that connection is gone; the next may not be
		default:
			ln.pause()
			return
		}
		if limit := s.cfg.MaxConns; s.conns.Add(1) > int64(limit) && limit > 0 {
			s.conns.Add(-1)
			s.refused.Add(1)
			sock.Close(fd)
			continue
		}
		local := ln.e.ap
		if local.Addr().IsUnspecified() {
			local, _ = sock.LocalAddr(fd)
		}
		s.connOptions(fd)
		c := &Conn{h: &ln.h, ln: ln, fd: fd, local: local, remote: peer, path: ln.e.path, state: connOpen}
		if ln.tls != nil {
			c.tls, c.state = &tlsConn{cfg: ln.tls, role: tlssession.Server}, connHandshaking
		}
		to := s.pick()
		if to == nil { // cannot be: this loop is live
			to = l
			l.nconn.Add(1)
		}
		c.l = to
		if to == l {
			l.open(c)
			if !ln.serving {
				return // OnOpen closed the listener
			}
		} else if !to.post(task{kind: taskAdd, c: c}) {
			c.l = l
			to.nconn.Add(-1)
			l.nconn.Add(1)
			c.closeNow(ErrServerClosed) // never opened: no OnClose
		}
	}
}

// pause stops accepting for acceptPause.
func (ln *Listener) pause() {
	l := ln.l
	if err := l.p.Modify(uintptr(ln.fd), ln.key, 0); err != nil {
		return
	}
	ln.resumeAt = l.now + acceptPause
	l.paused = append(l.paused, ln)
}

// resume accepts again after a pause.
func (ln *Listener) resume() {
	if ln.serving {
		ln.l.p.Modify(uintptr(ln.fd), ln.key, poll.In)
	}
}

// receive reads a batch of datagrams and hands each to OnPacket.
func (ln *Listener) receive() {
	buf := ln.l.buf
	p := &ln.pkt
	for range packetBatch {
		n, from, err := sock.RecvDatagram(ln.fd, buf)
		if err != nil {
			if sock.WouldBlock(err) {
				return
			}
			// An error about one datagram (too big for the buffer on
			// Windows, an ICMP error for an earlier send): go on.
			continue
		}
		p.data, p.from = buf[:n], from
		ln.h.OnPacket(p)
		p.data = nil
		if !ln.serving {
			return // the handler closed the listener
		}
	}
}

// open registers an accepted or dialled connection with l and starts it.
func (l *loop) open(c *Conn) {
	if l.shutdown || l.exit {
		c.closeNow(ErrServerClosed)
		return
	}
	if c.err != nil { // a Dial that failed at once
		c.closeNow(c.err)
		return
	}
	ev := poll.In
	if c.state == connConnecting {
		ev = poll.Out
	}
	c.key = l.register(c)
	if err := l.p.Add(uintptr(c.fd), c.key, ev); err != nil {
		l.unregister(c.key)
		c.key = 0
		c.closeNow(err)
		return
	}
	c.interest = ev
	c.last = l.now
	if l.s.cfg.IdleTimeout > 0 {
		l.idle.push(c)
	}
	switch c.state {
	case connOpen:
		c.start()
	case connHandshaking:
		c.tlsStart()
	}
}

// A Packet is a datagram received by a UDP listener, handed to
// Handler.OnPacket. It is valid during the callback only: the loop reuses
// it and its data for the next datagram.
type Packet struct {
	ln   *Listener
	data []byte
	from netip.AddrPort
}

// Data returns the datagram's payload.
func (p *Packet) Data() []byte { return p.data }

// RemoteAddr returns the address of the datagram's sender.
func (p *Packet) RemoteAddr() netip.AddrPort { return p.from }

// LocalAddr returns the address of the listener that received it.
func (p *Packet) LocalAddr() netip.AddrPort { return p.ln.e.ap }

// Reply sends b to the sender of the datagram, from the listener's
// socket. It does not block: if the socket's send buffer is full the
// datagram is dropped and Reply returns an error for which the packet's
// nature (UDP may lose datagrams) is the only remedy.
func (p *Packet) Reply(b []byte) error { return p.WriteTo(b, p.from) }

// WriteTo sends b to addr from the listener's socket, as Reply does.
func (p *Packet) WriteTo(b []byte, addr netip.AddrPort) error {
	if !p.ln.serving {
		return net.ErrClosed
	}
	if err := sock.SendDatagram(p.ln.fd, b, addr); err != nil {
		return &sendError{to: addr, err: err}
	}
	return nil
}

// sendError is the error of a datagram send, built only when one fails.
type sendError struct {
	to  netip.AddrPort
	err error
}

func (e *sendError) Error() string { return "evloop: send to " + e.to.String() + ": " + e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }
