//go:build unix && !linux

package sock

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// RecvDatagram receives a datagram and its sender, like RecvFrom; the
// error is the system's own, unwrapped. Here x/sys/unix allocates the
// sender's address (Linux and Windows do without).
func RecvDatagram(h Handle, p []byte) (int, netip.AddrPort, error) {
	n, sa, err := unix.Recvfrom(int(h), p, 0)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return n, addrPort(sa), nil
}

// SendDatagram sends a datagram to a, like SendTo; the error is the
// system's own, unwrapped.
func SendDatagram(h Handle, p []byte, a netip.AddrPort) error {
	return unix.Sendto(int(h), p, 0, sockaddr(a))
}
