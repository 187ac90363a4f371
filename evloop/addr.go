package evloop

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// An endpoint is a parsed address: the transport and the IP address and
// port, or the path of a Unix-domain socket.
type endpoint struct {
	stream bool   // TCP or Unix; UDP otherwise
	path   string // the Unix-domain socket's path; "" for TCP and UDP
	ap     netip.AddrPort
}

// resolveTimeout bounds the name lookup of Listen and Dial.
const resolveTimeout = 10 * time.Second

// parseAddr parses an address of Listen or Dial; see Server.Listen.
// listen says whether an empty host (every interface) is allowed.
func parseAddr(s string, listen bool) (endpoint, error) {
	scheme, hostport, ok := strings.Cut(s, "://")
	if !ok {
		scheme, hostport = "tcp", s
	}
	var (
		e      endpoint
		family int // 0: any, 4 or 6
	)
	switch scheme {
	case "unix":
		return parseUnix(s, hostport)
	case "tcp", "tcp4", "tcp6":
		e.stream = true
	case "udp", "udp4", "udp6":
	default:
		return e, fmt.Errorf("evloop: address %q: unknown network %q", s, scheme)
	}
	switch scheme[len(scheme)-1] {
	case '4':
		family = 4
	case '6':
		family = 6
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return e, fmt.Errorf("evloop: address %q: %w", s, err)
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return e, fmt.Errorf("evloop: address %q: bad port %q", s, port)
	}
	var ip netip.Addr
	switch {
	case host == "":
		if !listen {
			return e, fmt.Errorf("evloop: address %q: no host to dial", s)
		}
		ip = netip.IPv4Unspecified()
		if family == 6 {
			ip = netip.IPv6Unspecified()
		}
	default:
		if ip, err = netip.ParseAddr(host); err != nil {
			if ip, err = lookup(host, family); err != nil {
				return e, fmt.Errorf("evloop: address %q: %w", s, err)
			}
		}
		ip = ip.Unmap()
		if ip.Zone() != "" {
			return e, fmt.Errorf("evloop: address %q: zones are not supported", s)
		}
		if (family == 4 && !ip.Is4()) || (family == 6 && !ip.Is6()) {
			return e, fmt.Errorf("evloop: address %q: %v is not an IPv%d address", s, ip, family)
		}
	}
	e.ap = netip.AddrPortFrom(ip, uint16(pn))
	return e, nil
}

// lookup resolves a host name to its first address of the family.
func lookup(host string, family int) (netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	network := "ip"
	if family != 0 {
		network = "ip" + strconv.Itoa(family)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil {
		return netip.Addr{}, err
	}
	// Prefer IPv4 for plain tcp and udp, as "localhost" then means
	// 127.0.0.1 on every system.
	for _, ip := range ips {
		if ip.Unmap().Is4() {
			return ip, nil
		}
	}
	if len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("no address for %q", host)
	}
	return ips[0], nil
}

// parseUnix parses the path of a "unix://path" address.
func parseUnix(s, path string) (endpoint, error) {
	if runtime.GOOS == "windows" {
		return endpoint{}, fmt.Errorf("evloop: address %q: unix sockets are not supported on Windows", s)
	}
	if path == "" {
		return endpoint{}, fmt.Errorf("evloop: address %q: no socket path", s)
	}
	return endpoint{stream: true, path: path}, nil
}

// String formats the endpoint as Listen and Dial take it.
func (e endpoint) String() string {
	if e.path != "" {
		return "unix://" + e.path
	}
	if e.stream {
		return "tcp://" + e.ap.String()
	}
	return "udp://" + e.ap.String()
}
