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
	return loopback(n, true)
}

// Bind returns a non-blocking UDP socket bound to a loopback port of n's
// family, and its address.
func Bind(n Network) (Handle, netip.AddrPort, error) {
	if n.stream() {
		return 0, netip.AddrPort{}, fmt.Errorf("sock: bind %v: not a datagram network", n)
	}
	return loopback(n, false)
}

// loopback returns a new socket bound to a loopback port of n's family,
// listening if listen is set, and its address.
func loopback(n Network, listen bool) (Handle, netip.AddrPort, error) {
	h, err := Socket(n)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	if err := bindListen(h, n.Loopback(), listen); err != nil {
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

// netOf returns the network of a's family: TCP4 or TCP6 when stream,
// UDP4 or UDP6 otherwise.
func netOf(a netip.AddrPort, stream bool) Network {
	switch {
	case stream && a.Addr().Is4():
		return TCP4
	case stream:
		return TCP6
	case a.Addr().Is4():
		return UDP4
	}
	return UDP6
}

// ListenOn returns a non-blocking TCP socket listening on a, and the
// address it got (port 0 picks a free one). An IPv6 socket serves IPv6
// only (IPV6_V6ONLY): listen on both families for both. On Unix it sets
// SO_REUSEADDR, so that a restarted server can bind its port while old
// connections linger in TIME_WAIT; Windows is left alone, where that
// option would let another socket take the port over. reusePort sets
// SO_REUSEPORT, which Linux and the BSDs have and Windows has not (an
// error there).
func ListenOn(a netip.AddrPort, reusePort bool) (Handle, netip.AddrPort, error) {
	h, err := Socket(netOf(a, true))
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	if err := listenOptions(h, reusePort); err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	if err := bindListen(h, a, true); err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	got, err := LocalAddr(h)
	if err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	return h, got, nil
}

// BindOn returns a non-blocking UDP socket bound to a, and the address it
// got. On Windows it also turns off SIO_UDP_CONNRESET: otherwise an ICMP
// "port unreachable" for a datagram it sent fails its next receive with
// WSAECONNRESET, whoever the next datagram is from.
func BindOn(a netip.AddrPort) (Handle, netip.AddrPort, error) {
	h, err := Socket(netOf(a, false))
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	if err := datagramOptions(h); err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	if err := bindListen(h, a, false); err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	got, err := LocalAddr(h)
	if err != nil {
		Close(h)
		return 0, netip.AddrPort{}, err
	}
	return h, got, nil
}
