package sock

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Socket returns a new non-blocking, non-inheritable socket.
func Socket(n Network) (Handle, error) {
	family, typ, proto := windows.AF_INET, windows.SOCK_STREAM, windows.IPPROTO_TCP
	if n.ipv6() {
		family = windows.AF_INET6
	}
	if !n.stream() {
		typ, proto = windows.SOCK_DGRAM, windows.IPPROTO_UDP
	}
	s, err := windows.WSASocket(int32(family), int32(typ), int32(proto), nil, 0,
		windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
	if err != nil {
		return 0, fmt.Errorf("sock: socket %v: %w", n, err)
	}
	if err := setNonblock(s); err != nil {
		windows.Closesocket(s)
		return 0, fmt.Errorf("sock: socket %v: %w", n, err)
	}
	if n.ipv6() {
		windows.SetsockoptInt(s, windows.IPPROTO_IPV6, windows.IPV6_V6ONLY, 1)
	}
	return Handle(s), nil
}

func setNonblock(s windows.Handle) error {
	one := uint32(1)
	return ioctlsocket(s, fionbio, &one)
}

func sockaddr(a netip.AddrPort) windows.Sockaddr {
	if a.Addr().Is4() {
		return &windows.SockaddrInet4{Port: int(a.Port()), Addr: a.Addr().As4()}
	}
	return &windows.SockaddrInet6{Port: int(a.Port()), Addr: a.Addr().As16()}
}

func addrPort(sa windows.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *windows.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *windows.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

func bindListen(h Handle, a netip.AddrPort, listen bool) error {
	s := windows.Handle(h)
	if err := windows.Bind(s, sockaddr(a)); err != nil {
		return fmt.Errorf("sock: bind %v: %w", a, err)
	}
	if listen {
		if err := windows.Listen(s, windows.SOMAXCONN); err != nil {
			return fmt.Errorf("sock: listen %v: %w", a, err)
		}
	}
	return nil
}

func connect(h Handle, a netip.AddrPort) error {
	err := windows.Connect(windows.Handle(h), sockaddr(a))
	if err != nil && err != windows.WSAEWOULDBLOCK {
		return fmt.Errorf("sock: connect %v: %w", a, err)
	}
	return nil
}

// Accept accepts a connection on listener l; the new socket is
// non-blocking. With none pending it fails with an error for which
// WouldBlock is true.
func Accept(l Handle) (Handle, error) {
	var (
		rsa windows.RawSockaddrAny
		n   = int32(unsafe.Sizeof(rsa))
	)
	s, err := accept(windows.Handle(l), &rsa, &n)
	if err != nil {
		return 0, fmt.Errorf("sock: accept on %#x: %w", l, err)
	}
	if err := setNonblock(s); err != nil {
		windows.Closesocket(s)
		return 0, fmt.Errorf("sock: accept on %#x: %w", l, err)
	}
	return Handle(s), nil
}

func bufp(p []byte) *byte {
	if len(p) == 0 {
		return nil
	}
	return &p[0]
}

func recvFlags(h Handle, p []byte, flags int32, what string) (int, error) {
	n, err := recv(windows.Handle(h), bufp(p), int32(len(p)), flags)
	if err != nil {
		return 0, fmt.Errorf("sock: %s %#x: %w", what, h, err)
	}
	return int(n), nil
}

// Read reads from h; 0 with a nil error is end of stream.
func Read(h Handle, p []byte) (int, error) { return recvFlags(h, p, 0, "read") }

// ReadOOB reads out-of-band data.
func ReadOOB(h Handle, p []byte) (int, error) {
	return recvFlags(h, p, windows.MSG_OOB, "read oob")
}

// Write writes to h, as much as the send buffer takes.
func Write(h Handle, p []byte) (int, error) {
	n, err := send(windows.Handle(h), bufp(p), int32(len(p)), 0)
	if err != nil {
		return 0, fmt.Errorf("sock: write %#x: %w", h, err)
	}
	return int(n), nil
}

// SendOOB sends p as out-of-band (urgent) data.
func SendOOB(h Handle, p []byte) error {
	if _, err := send(windows.Handle(h), bufp(p), int32(len(p)), windows.MSG_OOB); err != nil {
		return fmt.Errorf("sock: send oob %#x: %w", h, err)
	}
	return nil
}

// SendTo sends a datagram to a.
func SendTo(h Handle, p []byte, a netip.AddrPort) error {
	if err := windows.Sendto(windows.Handle(h), p, 0, sockaddr(a)); err != nil {
		return fmt.Errorf("sock: sendto %#x %v: %w", h, a, err)
	}
	return nil
}

// RecvFrom receives a datagram.
func RecvFrom(h Handle, p []byte) (int, netip.AddrPort, error) {
	n, sa, err := windows.Recvfrom(windows.Handle(h), p, 0)
	if err != nil {
		return 0, netip.AddrPort{}, fmt.Errorf("sock: recvfrom %#x: %w", h, err)
	}
	return n, addrPort(sa), nil
}

// ShutdownWrite shuts down the sending side (the peer reads end of stream).
func ShutdownWrite(h Handle) error {
	if err := windows.Shutdown(windows.Handle(h), windows.SHUT_WR); err != nil {
		return fmt.Errorf("sock: shutdown %#x: %w", h, err)
	}
	return nil
}

// Abort closes h with SO_LINGER 0, so that the peer sees a reset.
func Abort(h Handle) error {
	windows.SetsockoptLinger(windows.Handle(h), windows.SOL_SOCKET, windows.SO_LINGER, &windows.Linger{Onoff: 1, Linger: 0})
	return Close(h)
}

// Close closes h.
func Close(h Handle) error {
	if err := windows.Closesocket(windows.Handle(h)); err != nil {
		return fmt.Errorf("sock: close %#x: %w", h, err)
	}
	return nil
}

// Error returns and clears the socket's pending error (SO_ERROR): how a
// non-blocking connect ended. nil means it succeeded, or is still running.
func Error(h Handle) error {
	e, err := windows.GetsockoptInt(windows.Handle(h), windows.SOL_SOCKET, soError)
	if err != nil {
		return fmt.Errorf("sock: so_error %#x: %w", h, err)
	}
	if e != 0 {
		return windows.Errno(e)
	}
	return nil
}

// SetBuffers sets the send and receive buffer sizes (0 leaves one alone).
func SetBuffers(h Handle, send, recv int) error {
	s := windows.Handle(h)
	if send > 0 {
		if err := windows.SetsockoptInt(s, windows.SOL_SOCKET, windows.SO_SNDBUF, send); err != nil {
			return fmt.Errorf("sock: sndbuf %#x: %w", h, err)
		}
	}
	if recv > 0 {
		if err := windows.SetsockoptInt(s, windows.SOL_SOCKET, windows.SO_RCVBUF, recv); err != nil {
			return fmt.Errorf("sock: rcvbuf %#x: %w", h, err)
		}
	}
	return nil
}

// LocalAddr returns the address h is bound to.
func LocalAddr(h Handle) (netip.AddrPort, error) {
	sa, err := windows.Getsockname(windows.Handle(h))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sock: getsockname %#x: %w", h, err)
	}
	return addrPort(sa), nil
}

// WouldBlock reports whether err means the operation would have to wait.
func WouldBlock(err error) bool { return errors.Is(err, windows.WSAEWOULDBLOCK) }

func wait(h Handle, events int16, d time.Duration) error {
	fds := []pollFd{{fd: windows.Handle(h), events: events}}
	n, err := wsaPoll(&fds[0], 1, int32(d/time.Millisecond))
	if err != nil {
		return fmt.Errorf("sock: poll %#x: %w", h, err)
	}
	if n == 0 {
		return fmt.Errorf("sock: poll %#x: timed out after %v", h, d)
	}
	return nil
}

// WaitReadable blocks until h is readable (or has an error), at most d.
func WaitReadable(h Handle, d time.Duration) error { return wait(h, pollRdNorm, d) }

// WaitWritable blocks until h is writable (or has an error), at most d.
func WaitWritable(h Handle, d time.Duration) error { return wait(h, pollWrNorm, d) }

// listenOptions leaves SO_REUSEADDR alone: on Windows it lets another
// socket bind the same port while this one listens (SO_EXCLUSIVEADDRUSE
// is the opposite); a port in TIME_WAIT can be bound again without it.
func listenOptions(h Handle, reusePort bool) error {
	if reusePort {
		return setReusePort(h)
	}
	return nil
}

// datagramOptions turns SIO_UDP_CONNRESET off, as Go's net does.
func datagramOptions(h Handle) error {
	var (
		off uint32
		ret uint32
	)
	err := windows.WSAIoctl(windows.Handle(h), windows.SIO_UDP_CONNRESET,
		(*byte)(unsafe.Pointer(&off)), uint32(unsafe.Sizeof(off)), nil, 0, &ret, nil, 0)
	if err != nil {
		return fmt.Errorf("sock: sio_udp_connreset %#x: %w", h, err)
	}
	return nil
}

// AcceptAddr is Accept that also returns the peer's address, which the
// accept call hands back anyway.
func AcceptAddr(l Handle) (Handle, netip.AddrPort, error) {
	var (
		rsa windows.RawSockaddrAny
		n   = int32(unsafe.Sizeof(rsa))
	)
	s, err := accept(windows.Handle(l), &rsa, &n)
	if err != nil {
		return 0, netip.AddrPort{}, fmt.Errorf("sock: accept on %#x: %w", l, err)
	}
	if err := setNonblock(s); err != nil {
		windows.Closesocket(s)
		return 0, netip.AddrPort{}, fmt.Errorf("sock: accept on %#x: %w", l, err)
	}
	return Handle(s), rawAddrPort(&rsa), nil
}

// SetNoDelay sets TCP_NODELAY: on, small writes go out at once instead of
// waiting (Nagle's algorithm) for the acknowledgement of earlier ones.
func SetNoDelay(h Handle, on bool) error {
	v := 0
	if on {
		v = 1
	}
	if err := windows.SetsockoptInt(windows.Handle(h), windows.IPPROTO_TCP, windows.TCP_NODELAY, v); err != nil {
		return fmt.Errorf("sock: tcp_nodelay %#x: %w", h, err)
	}
	return nil
}

// PeerAddr returns the address of h's peer.
func PeerAddr(h Handle) (netip.AddrPort, error) {
	sa, err := windows.Getpeername(windows.Handle(h))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sock: getpeername %#x: %w", h, err)
	}
	return addrPort(sa), nil
}

// The errors the allocation-free calls meet most, boxed once: an errno of
// Winsock (10000 and up) allocates each time it becomes an error.
var (
	errWouldBlock   error = windows.WSAEWOULDBLOCK
	errConnReset    error = windows.WSAECONNRESET
	errConnAborted  error = windows.WSAECONNABORTED
	errMsgSize      error = windows.WSAEMSGSIZE
	errNetReset     error = windows.WSAENETRESET
	errNotConnected error = windows.WSAENOTCONN
	errShutdown     error = windows.WSAESHUTDOWN
)

func wsaError(e syscall.Errno) error {
	switch e {
	case windows.WSAEWOULDBLOCK:
		return errWouldBlock
	case windows.WSAECONNRESET:
		return errConnReset
	case windows.WSAECONNABORTED:
		return errConnAborted
	case windows.WSAEMSGSIZE:
		return errMsgSize
	case windows.WSAENETRESET:
		return errNetReset
	case windows.WSAENOTCONN:
		return errNotConnected
	case windows.WSAESHUTDOWN:
		return errShutdown
	}
	return e
}

// Recv is Read for event loops, which meet "would block" all the time:
// its error is the system's own, unwrapped, and the common ones come
// without allocating. 0 with a nil error is end of stream.
func Recv(h Handle, p []byte) (int, error) {
	r, _, e := syscall.SyscallN(procrecv.Addr(), uintptr(h), uintptr(unsafe.Pointer(bufp(p))), uintptr(len(p)), 0)
	if int32(r) == -1 {
		return 0, wsaError(e)
	}
	return int(int32(r)), nil
}

// Send is Write for event loops: the error is the system's own,
// unwrapped, and the common ones come without allocating, as for Recv.
func Send(h Handle, p []byte) (int, error) {
	r, _, e := syscall.SyscallN(procsend.Addr(), uintptr(h), uintptr(unsafe.Pointer(bufp(p))), uintptr(len(p)), 0)
	if int32(r) == -1 {
		return 0, wsaError(e)
	}
	return int(int32(r)), nil
}

// RecvDatagram receives a datagram and its sender, like RecvFrom, without
// allocating: the error is the system's own, unwrapped, as with Recv.
func RecvDatagram(h Handle, p []byte) (int, netip.AddrPort, error) {
	var (
		rsa windows.RawSockaddrAny
		l   = int32(unsafe.Sizeof(rsa))
	)
	r, _, e := syscall.SyscallN(procrecvfrom.Addr(), uintptr(h), uintptr(unsafe.Pointer(bufp(p))), uintptr(len(p)), 0,
		uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&l)))
	if int32(r) == -1 {
		return 0, netip.AddrPort{}, wsaError(e)
	}
	return int(int32(r)), rawAddrPort(&rsa), nil
}

// SendDatagram sends a datagram to a, like SendTo, without allocating;
// the error is the system's own, unwrapped.
func SendDatagram(h Handle, p []byte, a netip.AddrPort) error {
	var (
		rsa windows.RawSockaddrAny
		l   int32
	)
	if ip := a.Addr(); ip.Is4() {
		sa := (*windows.RawSockaddrInet4)(unsafe.Pointer(&rsa))
		sa.Family = windows.AF_INET
		sa.Addr = ip.As4()
		putPort(&sa.Port, a.Port())
		l = int32(unsafe.Sizeof(*sa))
	} else {
		sa := (*windows.RawSockaddrInet6)(unsafe.Pointer(&rsa))
		sa.Family = windows.AF_INET6
		sa.Addr = ip.As16()
		putPort(&sa.Port, a.Port())
		l = int32(unsafe.Sizeof(*sa))
	}
	r, _, e := syscall.SyscallN(procsendto.Addr(), uintptr(h), uintptr(unsafe.Pointer(bufp(p))), uintptr(len(p)), 0,
		uintptr(unsafe.Pointer(&rsa)), uintptr(l))
	if int32(r) == -1 {
		return wsaError(e)
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

func rawAddrPort(rsa *windows.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case windows.AF_INET:
		sa := (*windows.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), getPort(&sa.Port))
	case windows.AF_INET6:
		sa := (*windows.RawSockaddrInet6)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), getPort(&sa.Port))
	}
	return netip.AddrPort{}
}
