//go:build unix

package sock

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// Socket returns a new non-blocking, close-on-exec socket.
func Socket(n Network) (Handle, error) {
	family, typ := unix.AF_INET, unix.SOCK_STREAM
	if n.ipv6() {
		family = unix.AF_INET6
	}
	if !n.stream() {
		typ = unix.SOCK_DGRAM
	}
	fd, err := socketNonblock(family, typ)
	if err != nil {
		return 0, fmt.Errorf("sock: socket %v: %w", n, err)
	}
	if n.ipv6() {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	return Handle(fd), nil
}

func sockaddr(a netip.AddrPort) unix.Sockaddr {
	if a.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(a.Port()), Addr: a.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(a.Port()), Addr: a.Addr().As16()}
}

func addrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

func bindListen(h Handle, a netip.AddrPort, listen bool) error {
	fd := int(h)
	if err := unix.Bind(fd, sockaddr(a)); err != nil {
		return fmt.Errorf("sock: bind %v: %w", a, err)
	}
	if listen {
		if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
			return fmt.Errorf("sock: listen %v: %w", a, err)
		}
	}
	return nil
}

func connect(h Handle, a netip.AddrPort) error {
	err := unix.Connect(int(h), sockaddr(a))
	if err != nil && err != unix.EINPROGRESS {
		return fmt.Errorf("sock: connect %v: %w", a, err)
	}
	return nil
}

// Accept accepts a connection on listener l; the new socket is
// non-blocking. With none pending it fails with an error for which
// WouldBlock is true.
func Accept(l Handle) (Handle, error) {
	fd, _, err := acceptNonblock(int(l))
	if err != nil {
		return 0, fmt.Errorf("sock: accept on %d: %w", l, err)
	}
	return Handle(fd), nil
}

// Read reads from h; 0 with a nil error is end of stream.
func Read(h Handle, p []byte) (int, error) {
	n, err := unix.Read(int(h), p)
	if err != nil {
		return 0, fmt.Errorf("sock: read %d: %w", h, err)
	}
	return n, nil
}

// Write writes to h, as much as the send buffer takes.
func Write(h Handle, p []byte) (int, error) {
	n, err := unix.Write(int(h), p)
	if err != nil {
		return 0, fmt.Errorf("sock: write %d: %w", h, err)
	}
	return n, nil
}

// SendOOB sends p as out-of-band (urgent) data.
func SendOOB(h Handle, p []byte) error {
	if err := unix.Sendto(int(h), p, unix.MSG_OOB, nil); err != nil {
		return fmt.Errorf("sock: send oob %d: %w", h, err)
	}
	return nil
}

// ReadOOB reads out-of-band data.
func ReadOOB(h Handle, p []byte) (int, error) {
	n, _, err := unix.Recvfrom(int(h), p, unix.MSG_OOB)
	if err != nil {
		return 0, fmt.Errorf("sock: read oob %d: %w", h, err)
	}
	return n, nil
}

// SendTo sends a datagram to a.
func SendTo(h Handle, p []byte, a netip.AddrPort) error {
	if err := unix.Sendto(int(h), p, 0, sockaddr(a)); err != nil {
		return fmt.Errorf("sock: sendto %d %v: %w", h, a, err)
	}
	return nil
}

// RecvFrom receives a datagram.
func RecvFrom(h Handle, p []byte) (int, netip.AddrPort, error) {
	n, sa, err := unix.Recvfrom(int(h), p, 0)
	if err != nil {
		return 0, netip.AddrPort{}, fmt.Errorf("sock: recvfrom %d: %w", h, err)
	}
	return n, addrPort(sa), nil
}

// ShutdownWrite shuts down the sending side (the peer reads end of stream).
func ShutdownWrite(h Handle) error {
	if err := unix.Shutdown(int(h), unix.SHUT_WR); err != nil {
		return fmt.Errorf("sock: shutdown %d: %w", h, err)
	}
	return nil
}

// Abort closes h with SO_LINGER 0, so that the peer sees a reset.
func Abort(h Handle) error {
	unix.SetsockoptLinger(int(h), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	return Close(h)
}

// Close closes h.
func Close(h Handle) error {
	if err := unix.Close(int(h)); err != nil {
		return fmt.Errorf("sock: close %d: %w", h, err)
	}
	return nil
}

// Error returns and clears the socket's pending error (SO_ERROR): how a
// non-blocking connect ended. nil means it succeeded, or is still running.
func Error(h Handle) error {
	e, err := unix.GetsockoptInt(int(h), unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return fmt.Errorf("sock: so_error %d: %w", h, err)
	}
	if e != 0 {
		return unix.Errno(e)
	}
	return nil
}

// SetBuffers sets the send and receive buffer sizes (0 leaves one alone).
func SetBuffers(h Handle, send, recv int) error {
	if send > 0 {
		if err := unix.SetsockoptInt(int(h), unix.SOL_SOCKET, unix.SO_SNDBUF, send); err != nil {
			return fmt.Errorf("sock: sndbuf %d: %w", h, err)
		}
	}
	if recv > 0 {
		if err := unix.SetsockoptInt(int(h), unix.SOL_SOCKET, unix.SO_RCVBUF, recv); err != nil {
			return fmt.Errorf("sock: rcvbuf %d: %w", h, err)
		}
	}
	return nil
}

// LocalAddr returns the address h is bound to.
func LocalAddr(h Handle) (netip.AddrPort, error) {
	sa, err := unix.Getsockname(int(h))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sock: getsockname %d: %w", h, err)
	}
	return addrPort(sa), nil
}

// WouldBlock reports whether err means the operation would have to wait.
func WouldBlock(err error) bool { return errors.Is(err, unix.EAGAIN) }

// wait polls h for the given events for up to d.
func wait(h Handle, events int16, d time.Duration) error {
	fds := []unix.PollFd{{Fd: int32(h), Events: events}}
	for {
		n, err := unix.Poll(fds, int(d/time.Millisecond))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("sock: poll %d: %w", h, err)
		}
		if n == 0 {
			return fmt.Errorf("sock: poll %d: timed out after %v", h, d)
		}
		return nil
	}
}

// WaitReadable blocks until h is readable (or has an error), at most d.
func WaitReadable(h Handle, d time.Duration) error { return wait(h, unix.POLLIN, d) }

// WaitWritable blocks until h is writable (or has an error), at most d.
func WaitWritable(h Handle, d time.Duration) error { return wait(h, unix.POLLOUT, d) }

func listenOptions(h Handle, reusePort bool) error {
	if err := unix.SetsockoptInt(int(h), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("sock: so_reuseaddr %d: %w", h, err)
	}
	if reusePort {
		return setReusePort(h)
	}
	return nil
}

func datagramOptions(Handle) error { return nil }

// AcceptAddr is Accept that also returns the peer's address, which the
// accept call hands back anyway.
func AcceptAddr(l Handle) (Handle, netip.AddrPort, error) {
	fd, sa, err := acceptNonblock(int(l))
	if err != nil {
		return 0, netip.AddrPort{}, fmt.Errorf("sock: accept on %d: %w", l, err)
	}
	return Handle(fd), addrPort(sa), nil
}

// SetNoDelay sets TCP_NODELAY: on, small writes go out at once instead of
// waiting (Nagle's algorithm) for the acknowledgement of earlier ones.
func SetNoDelay(h Handle, on bool) error {
	v := 0
	if on {
		v = 1
	}
	if err := unix.SetsockoptInt(int(h), unix.IPPROTO_TCP, unix.TCP_NODELAY, v); err != nil {
		return fmt.Errorf("sock: tcp_nodelay %d: %w", h, err)
	}
	return nil
}

// PeerAddr returns the address of h's peer.
func PeerAddr(h Handle) (netip.AddrPort, error) {
	sa, err := unix.Getpeername(int(h))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sock: getpeername %d: %w", h, err)
	}
	return addrPort(sa), nil
}

// Recv is Read for event loops, which meet "would block" all the time:
// its error is the system's own, unwrapped, and comes without allocating
// (x/sys/unix returns EAGAIN preboxed, and errno values below 256 need no
// allocation to become an error). 0 with a nil error is end of stream.
func Recv(h Handle, p []byte) (int, error) {
	n, err := unix.Read(int(h), p)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Send is Write for event loops: the error is the system's own,
// unwrapped, and comes without allocating, as for Recv.
func Send(h Handle, p []byte) (int, error) {
	n, err := unix.Write(int(h), p)
	if err != nil {
		return 0, err
	}
	return n, nil
}
