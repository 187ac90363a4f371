package evloop

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"syscall"

	"github.com/goafd/afd/evloop/internal/tlssession"
	"github.com/goafd/afd/internal/sock"
)

// Servers take sockets from Go's net too: a listener, a connection or a
// packet connection that a program already has (made with net.Listen, a
// net.Dialer, handed over by systemd, ...) is served by the loops like one
// of Listen or Dial. The net value stays the owner of its socket, and the
// server closes the socket through it; Conn.Detach hands a connection
// back.

// goNetBlocking says whether Go's net leaves its sockets in blocking
// mode. On Windows it does: it opens them overlapped and does their I/O
// on its own completion port, which the loops' pollers never touch (they
// poll through AFD devices). On Unix its sockets are non-blocking. A
// socket taken from net is made non-blocking for the loop, and is given
// back in net's own mode.
const goNetBlocking = runtime.GOOS == "windows"

// errNotSyscallConn is the error for a net value whose socket cannot be
// reached: a wrapper that does not implement syscall.Conn (tls.Conn,
// net.Pipe, a type of the program's own).
var errNotSyscallConn = errors.New("not a syscall.Conn: its socket cannot be reached")

// socketOf returns the socket of a net value, through syscall.Conn.
func socketOf(x any) (sock.Handle, error) {
	sc, ok := x.(syscall.Conn)
	if !ok {
		return 0, fmt.Errorf("%T: %w", x, errNotSyscallConn)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd uintptr
	if err := rc.Control(func(h uintptr) { fd = h }); err != nil {
		return 0, err
	}
	return sock.Handle(fd), nil
}

// adopt checks that x is a socket of Go's net on one of the networks and
// makes it non-blocking, returning it and the network its address names.
func (s *Server) adopt(x any, addr func() net.Addr, networks ...string) (sock.Handle, string, error) {
	fd, err := socketOf(x)
	if err != nil {
		return 0, "", err
	}
	switch network := addr().Network(); {
	case !slices.Contains(networks, network):
		return 0, "", fmt.Errorf("network %q not served here (only %q)", network, networks)
	case network == "unix" && runtime.GOOS == "windows":
		return 0, "", errors.New("unix sockets are not supported on Windows")
	}
	if s.state.Load() != stateRunning {
		return 0, "", ErrServerClosed
	}
	if err := sock.SetNonblock(fd, true); err != nil {
		return 0, "", err
	}
	return fd, addr().Network(), nil
}

// giveBack restores net's blocking mode on a socket taken from it.
func giveBack(fd sock.Handle) {
	if goNetBlocking {
		sock.SetNonblock(fd, false)
	}
}

// AddListener serves nl with h, as Listen serves its own listeners: nl
// is a *net.TCPListener, or a *net.UnixListener off Windows (anything
// that implements syscall.Conn over such a socket). Once AddListener
// returns without an error the server owns nl: do not use it (its
// Accept would compete with the loop's); Listener.Close, Server.Close
// and Shutdown close it, with nl.Close. On an error nl is left as it was,
// open.
func (s *Server) AddListener(nl net.Listener, h Handler) (*Listener, error) {
	return s.addListener(nl, h, nil)
}

// addListener is AddListener, and AddListenerTLS with tc.
func (s *Server) addListener(nl net.Listener, h Handler, tc *tlssession.Config) (*Listener, error) {
	if nl == nil {
		return nil, errors.New("evloop: add listener: nil net.Listener")
	}
	fd, network, err := s.adopt(nl, nl.Addr, "tcp", "unix")
	if err != nil {
		return nil, fmt.Errorf("evloop: add listener: %w", err)
	}
	e := endpoint{stream: true}
	if network == "unix" {
		e.path = nl.Addr().String()
	} else {
		e.ap, _ = sock.LocalAddr(fd)
	}
	ln := &Listener{s: s, fd: fd, e: e, h: h, nl: nl, tls: tc}
	if err := s.serve(ln); err != nil {
		giveBack(fd)
		return nil, fmt.Errorf("evloop: add listener %s: %w", e, err)
	}
	return ln, nil
}

// AddPacketConn serves the UDP socket of pc (a *net.UDPConn) with
// h.OnPacket, as Listen serves its own UDP listeners. Ownership is as
// for AddListener: after a successful call, Listener.Close closes pc.
//
// Under Wine 8.0, Go's net cannot make UDP sockets at all (see the
// repository's WINE.md); on Windows itself it works.
func (s *Server) AddPacketConn(pc net.PacketConn, h Handler) (*Listener, error) {
	if pc == nil {
		return nil, errors.New("evloop: add packet conn: nil net.PacketConn")
	}
	if h.OnPacket == nil {
		return nil, errors.New("evloop: add packet conn: a UDP listener needs Handler.OnPacket")
	}
	fd, _, err := s.adopt(pc, pc.LocalAddr, "udp")
	if err != nil {
		return nil, fmt.Errorf("evloop: add packet conn: %w", err)
	}
	e := endpoint{}
	e.ap, _ = sock.LocalAddr(fd)
	ln := &Listener{s: s, fd: fd, e: e, h: h, nl: pc}
	if err := s.serve(ln); err != nil {
		giveBack(fd)
		return nil, fmt.Errorf("evloop: add packet conn %s: %w", e, err)
	}
	return ln, nil
}

// AddConn serves nc with h on one of the loops, as a connection accepted
// by a listener: h.OnOpen runs on its loop, then OnTraffic as data comes,
// and OnClose once it closes. nc is a *net.TCPConn, or a *net.UnixConn off
// Windows (anything that implements syscall.Conn over such a socket);
// data that nc's reader had buffered is not seen. Like a dialled
// connection, it does not count toward Config.MaxConns.
//
// Once AddConn returns without an error the server owns nc: do not use
// it; the server closes it, with nc.Close, when the connection closes.
// Conn.Detach hands it back. On an error nc is left as it was, open.
func (s *Server) AddConn(nc net.Conn, h Handler) (*Conn, error) {
	if nc == nil {
		return nil, errors.New("evloop: add conn: nil net.Conn")
	}
	fd, network, err := s.adopt(nc, nc.LocalAddr, "tcp", "unix")
	if err != nil {
		return nil, fmt.Errorf("evloop: add conn: %w", err)
	}
	c := &Conn{h: &h, nc: nc, fd: fd, state: connOpen}
	if network == "unix" {
		if c.path = nc.RemoteAddr().String(); c.path == "" {
			c.path = nc.LocalAddr().String() // accepted: the peer is unnamed
		}
	} else {
		c.local, _ = sock.LocalAddr(fd)
		c.remote, _ = sock.PeerAddr(fd)
	}
	s.connOptions(fd)
	l := s.pick()
	if l == nil {
		giveBack(fd)
		return nil, fmt.Errorf("evloop: add conn %s: %w", c.peer(), s.failure())
	}
	c.l = l
	if !l.post(task{kind: taskAdd, c: c}) {
		l.nconn.Add(-1)
		giveBack(fd)
		return nil, fmt.Errorf("evloop: add conn %s: %w", c.peer(), ErrServerClosed)
	}
	return c, nil
}
