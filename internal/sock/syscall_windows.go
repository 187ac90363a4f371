package sock

import "golang.org/x/sys/windows"

// Winsock calls that golang.org/x/sys/windows lacks or wraps with
// allocations. The allocation-free paths (Recv, Send, RecvDatagram,
// SendDatagram) call the procedures of recv, send, recvfrom and sendto
// directly: the generated wrappers box every errno into an error, which
// allocates for WSAEWOULDBLOCK, the answer an event loop gets all the time.
//
//sys	accept(s windows.Handle, rsa *windows.RawSockaddrAny, addrlen *int32) (fd windows.Handle, err error) [failretval==windows.InvalidHandle] = ws2_32.accept
//sys	recv(s windows.Handle, buf *byte, len int32, flags int32) (n int32, err error) [failretval==-1] = ws2_32.recv
//sys	send(s windows.Handle, buf *byte, len int32, flags int32) (n int32, err error) [failretval==-1] = ws2_32.send
//sys	ioctlsocket(s windows.Handle, cmd uint32, arg *uint32) (err error) [failretval!=0] = ws2_32.ioctlsocket
//sys	wsaPoll(fds *pollFd, n uint32, timeout int32) (ready int32, err error) [failretval==-1] = ws2_32.WSAPoll
//sys	recvfrom(s windows.Handle, buf *byte, len int32, flags int32, from *windows.RawSockaddrAny, fromlen *int32) (n int32, err error) [failretval==-1] = ws2_32.recvfrom
//sys	sendto(s windows.Handle, buf *byte, len int32, flags int32, to *windows.RawSockaddrAny, tolen int32) (n int32, err error) [failretval==-1] = ws2_32.sendto

// pollFd is WSAPOLLFD.
type pollFd struct {
	fd      windows.Handle
	events  int16
	revents int16
}

const (
	fionbio    = 0x8004667e // FIONBIO
	soError    = 0x1007     // SO_ERROR
	pollRdNorm = 0x0100     // POLLRDNORM
	pollWrNorm = 0x0010     // POLLWRNORM
)
