// Package sock creates and drives non-blocking sockets the same way on
// every platform: file descriptors on Unix, SOCKET handles on Windows. The
// poller's tests, the driver explorer and the event loop use it to make the
// sockets they poll.
package sock

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go

import (
	"fmt"
	"net/netip"
)

// Handle is a socket: a file descriptor on Unix, a SOCKET on Windows.
type Handle uintptr

// Network selects a socket type and address family.
type Network int

// The networks Socket understands.
const (
	TCP4 Network = iota
	TCP6
	UDP4
	UDP6
)

func (n Network) String() string {
	return [...]string{"tcp4", "tcp6", "udp4", "udp6"}[n]
}

func (n Network) stream() bool { return n == TCP4 || n == TCP6 }
func (n Network) ipv6() bool   { return n == TCP6 || n == UDP6 }

// Loopback returns the loopback address of n's family, port 0.
func (n Network) Loopback() netip.AddrPort {
	if n.ipv6() {
		return netip.AddrPortFrom(netip.IPv6Loopback(), 0)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 0)
}

// Listen returns a non-blocking TCP socket listening on a loopback port of
// n's family, and its address.
func Listen(n Network) (Handle, netip.AddrPort, error) {
	if !n.stream() {
		return 0, netip.AddrPort{}, fmt.Errorf("sock: listen on %v: not a stream network", n)
	}
	h, err := Socket(n)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	if err := bindListen(h, n.Loopback(), true); err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	a, err := LocalAddr(h)
	if err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	return h, a, nil
}

// Bind returns a non-blocking UDP socket bound to a loopback port of n's
// family, and its address.
func Bind(n Network) (Handle, netip.AddrPort, error) {
	if n.stream() {
		return 0, netip.AddrPort{}, fmt.Errorf("sock: bind %v: not a datagram network", n)
	}
	h, err := Socket(n)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	if err := bindListen(h, n.Loopback(), false); err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	a, err := LocalAddr(h)
	if err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	return h, a, nil
}

// Dial returns a non-blocking TCP socket with a connect to addr under way:
// poll it for writability (success) or an error (failure), then read the
// outcome with Error.
func Dial(addr netip.AddrPort) (Handle, error) {
	n := TCP4
	if addr.Addr().Is6() {
		n = TCP6
	}
	h, err := Socket(n)
	if err != nil {
		return 0, err
	}
	if err := connect(h, addr); err != nil {
		Close(h)
		return 0, err
	}
	return h, nil
}

// Pair returns both ends of a connected TCP pair over loopback: a dialled
// socket and the one the listener accepted. Both are non-blocking.
func Pair(n Network) (client, server Handle, err error) {
	l, addr, err := Listen(n)
	if err != nil {
		return 0, 0, err
	}
	defer Close(l)
	c, err := Dial(addr)
	if err != nil {
		return 0, 0, err
	}
	s, err := acceptWait(l)
	if err != nil {
		Close(c)
		return 0, 0, err
	}
	if err := waitConnected(c); err != nil {
		Close(c)
		Close(s)
		return 0, 0, err
	}
	return c, s, nil
}
