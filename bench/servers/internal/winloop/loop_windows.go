package winloop

import (
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"

	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/internal/sock"
)

// Method is how the loop waits for readiness.
type Method int

const (
	// WSAPoll waits with WSAPoll on an array kept between waits.
	WSAPoll Method = iota
	// Select waits with select on fd_sets built for every wait.
	Select
)

func (m Method) String() string {
	if m == Select {
		return "select"
	}
	return "WSAPoll"
}

// readBufferSize is the loop's read buffer, shared by its connections: the
// most one receive takes.
const readBufferSize = 64 << 10

// maxPending caps a connection's pending output, as evloop's default
// MaxOutbound does: above it the loop stops reading from the connection
// until the peer has taken some, so a peer that sends without reading the
// echo holds at most about this much.
const maxPending = 4 << 20

// loop serves a listener and its connections on one OS thread.
type loop struct {
	w        waiter
	mode     harness.Mode
	ln       sock.Handle
	wake     sock.Handle    // a UDP socket that stop sends a datagram to
	wakeAddr netip.AddrPort // its address
	buf      []byte
	conns    map[sock.Handle]*conn
	open     atomic.Int64 // len(conns), for Conns from other goroutines
	stopping atomic.Bool
	done     chan struct{} // closed when run has returned, with err
	err      error
}

// Serve listens on cfg.Addr and serves cfg.Mode on a loop that waits with
// m. The loop is single-threaded by design: cfg.Loops is ignored.
func Serve(cfg harness.Config, m Method) (*harness.Server, error) {
	l, addr, err := start(cfg, m)
	if err != nil {
		return nil, err
	}
	return &harness.Server{
		Addr:  net.TCPAddrFromAddrPort(addr),
		Conns: func() int { return int(l.open.Load()) },
		Stop:  l.stop,
	}, nil
}

// start listens and starts the loop; it returns the loop and the address
// it listens on.
func start(cfg harness.Config, m Method) (*loop, netip.AddrPort, error) {
	tcp, err := net.ResolveTCPAddr("tcp", cfg.Addr)
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("winloop: address %s: %w", cfg.Addr, err)
	}
	l := &loop{
		mode:  cfg.Mode,
		buf:   make([]byte, readBufferSize),
		conns: make(map[sock.Handle]*conn),
		done:  make(chan struct{}),
	}
	if m == Select {
		l.w = newSelectWaiter()
	} else {
		l.w = newPollWaiter()
	}
	ap := tcp.AddrPort() // an IPv4 address comes as IPv4-mapped IPv6
	ln, addr, err := sock.ListenOn(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), false)
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("winloop: listen %s: %w", cfg.Addr, err)
	}
	l.ln = ln
	l.wake, l.wakeAddr, err = sock.BindOn(netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 0))
	if err != nil {
		sock.Close(ln)
		return nil, netip.AddrPort{}, fmt.Errorf("winloop: wake-up socket: %w", err)
	}
	l.w.set(l.ln, true, false)
	l.w.set(l.wake, true, false)
	go func() {
		l.err = l.run()
		close(l.done)
	}()
	return l, addr, nil
}

// run waits and serves until stop, then closes the connections and the
// listener.
func (l *loop) run() error {
	runtime.LockOSThread()
	defer l.closeAll()
	for !l.stopping.Load() {
		events, err := l.w.wait()
		if err != nil {
			return err
		}
		for _, ev := range events {
			switch ev.s {
			case l.ln:
				l.accept()
			case l.wake:
				l.drainWake()
			default:
				l.serve(ev)
			}
		}
	}
	return nil
}

// serve handles an event of a connection: reads first, so that an echo
// goes out in the same pass when it can, then sends pending output.
func (l *loop) serve(ev event) {
	c, ok := l.conns[ev.s]
	if !ok {
		return // closed by an earlier event of this wait
	}
	// After end of stream there is nothing more to read, but WSAPoll
	// keeps reporting POLLHUP while the echo drains.
	if ev.readable && !c.eof && !l.receive(c) {
		return
	}
	if ev.writable && !l.flush(c) {
		return
	}
	l.update(c)
}

// accept takes every pending connection.
func (l *loop) accept() {
	for {
		s, err := sock.Accept(l.ln)
		if err != nil {
			return // none left (would block), or one that failed: the next wait says
		}
		sock.SetNoDelay(s, true) // as evloop does
		c := &conn{s: s}
		l.conns[s] = c
		l.open.Add(1)
		l.update(c)
	}
}

// drainWake empties the wake-up socket.
func (l *loop) drainWake() {
	for {
		if _, _, err := sock.RecvDatagram(l.wake, l.buf); err != nil {
			return
		}
	}
}

// receive reads once from c and echoes or discards what came; it reports
// whether c is still open.
func (l *loop) receive(c *conn) bool {
	n, err := sock.Recv(c.s, l.buf)
	switch {
	case sock.WouldBlock(err):
		return true
	case err != nil:
		l.close(c) // a reset or another failure
		return false
	case n == 0: // end of stream: close once the echo is out
		c.eof = true
		if c.pending() == 0 {
			l.close(c)
			return false
		}
		return true
	case l.mode == harness.Echo:
		if err := c.write(l.buf[:n]); err != nil {
			l.close(c)
			return false
		}
	}
	return true
}

// flush sends c's pending output; it reports whether c is still open.
func (l *loop) flush(c *conn) bool {
	if err := c.flush(); err != nil || (c.eof && c.pending() == 0) {
		l.close(c)
		return false
	}
	return true
}

// update tells the waiter what c waits for now, if that changed: reading
// unless it reached end of stream or its pending output is above
// maxPending, writing while output is pending.
func (l *loop) update(c *conn) {
	read, write := !c.eof && c.pending() < maxPending, c.pending() > 0
	if c.registered && read == c.wantRead && write == c.wantWrite {
		return
	}
	c.registered, c.wantRead, c.wantWrite = true, read, write
	l.w.set(c.s, read, write)
}

// close closes c.
func (l *loop) close(c *conn) {
	l.w.remove(c.s)
	sock.Close(c.s)
	delete(l.conns, c.s)
	l.open.Add(-1)
}

// closeAll closes every connection and the listener.
func (l *loop) closeAll() {
	for _, c := range l.conns {
		l.close(c)
	}
	sock.Close(l.ln)
}

// stop makes the loop stop, wakes it and waits until it has closed the
// connections and the listener. It closes the wake-up socket itself,
// last: the loop may see stopping and finish before the datagram is sent,
// and must not close the socket under it.
func (l *loop) stop() error {
	l.stopping.Store(true)
	if err := sock.SendDatagram(l.wake, []byte{0}, l.wakeAddr); err != nil {
		return fmt.Errorf("winloop: wake the loop: %w", err)
	}
	<-l.done
	sock.Close(l.wake)
	return l.err
}
