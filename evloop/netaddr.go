package evloop

import (
	"net"
	"net/netip"
)

// The addresses of connections, listeners and datagrams are
// netip.AddrPort values, which cost no allocation; these accessors give
// them as net.Addr too, for code written against Go's net (loggers,
// access lists, the net.Conn of Detach). Each allocates.

// LocalNetAddr returns LocalAddr as a *net.TCPAddr, or for a
// Unix-domain connection a *net.UnixAddr with its socket path.
func (c *Conn) LocalNetAddr() net.Addr { return c.netAddr(c.LocalAddr()) }

// RemoteNetAddr returns RemoteAddr as a *net.TCPAddr, or for a
// Unix-domain connection a *net.UnixAddr with its socket path.
func (c *Conn) RemoteNetAddr() net.Addr { return c.netAddr(c.remote) }

func (c *Conn) netAddr(ap netip.AddrPort) net.Addr {
	if c.path != "" {
		return &net.UnixAddr{Name: c.path, Net: "unix"}
	}
	return net.TCPAddrFromAddrPort(ap)
}

// NetAddr returns Addr as a *net.TCPAddr or *net.UDPAddr, or for a
// Unix-domain listener a *net.UnixAddr with its socket path.
func (ln *Listener) NetAddr() net.Addr {
	switch {
	case ln.e.path != "":
		return &net.UnixAddr{Name: ln.e.path, Net: "unix"}
	case ln.e.stream:
		return net.TCPAddrFromAddrPort(ln.e.ap)
	}
	return net.UDPAddrFromAddrPort(ln.e.ap)
}

// RemoteNetAddr returns RemoteAddr as a *net.UDPAddr.
func (p *Packet) RemoteNetAddr() net.Addr { return net.UDPAddrFromAddrPort(p.from) }

// LocalNetAddr returns LocalAddr as a *net.UDPAddr.
func (p *Packet) LocalNetAddr() net.Addr { return net.UDPAddrFromAddrPort(p.ln.e.ap) }
