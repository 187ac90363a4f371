package sock

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux the datagram calls go straight to recvfrom and sendto with raw
// socket addresses: x/sys/unix allocates a Sockaddr for every datagram.

// RecvDatagram receives a datagram and its sender, like RecvFrom, without
// allocating: the error is the system's own, unwrapped, as with Recv.
func RecvDatagram(h Handle, p []byte) (int, netip.AddrPort, error) {
	var (
		rsa unix.RawSockaddrAny
		l   = uint32(unix.SizeofSockaddrAny)
		bp  unsafe.Pointer
	)
	if len(p) > 0 {
		bp = unsafe.Pointer(&p[0])
	}
	n, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(h), uintptr(bp), uintptr(len(p)), 0,
		uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&l)))
	if e != 0 {
		return 0, netip.AddrPort{}, e
	}
	return int(n), rawAddrPort(&rsa), nil
}

// SendDatagram sends a datagram to a, like SendTo, without allocating;
// the error is the system's own, unwrapped.
func SendDatagram(h Handle, p []byte, a netip.AddrPort) error {
	var (
		sa  unix.RawSockaddrInet6 // room for either family
		l   uintptr
		bp  unsafe.Pointer
		ip  = a.Addr()
		prt = a.Port()
	)
	if ip.Is4() {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa))
		sa4.Family = unix.AF_INET
		sa4.Addr = ip.As4()
		putPort(&sa4.Port, prt)
		l = unix.SizeofSockaddrInet4
	} else {
		sa.Family = unix.AF_INET6
		sa.Addr = ip.As16()
		putPort(&sa.Port, prt)
		l = unix.SizeofSockaddrInet6
	}
	if len(p) > 0 {
		bp = unsafe.Pointer(&p[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(h), uintptr(bp), uintptr(len(p)), unix.MSG_NOSIGNAL,
		uintptr(unsafe.Pointer(&sa)), l)
	if e != 0 {
		return e
	}
	return nil
}

// putPort stores a port in network byte order.
func putPort(dst *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(dst))
	b[0], b[1] = byte(port>>8), byte(port)
}

// getPort reads a port in network byte order.
func getPort(src *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(src))
	return uint16(b[0])<<8 | uint16(b[1])
}

func rawAddrPort(rsa *unix.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), getPort(&sa.Port))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), getPort(&sa.Port))
	}
	return netip.AddrPort{}
}
