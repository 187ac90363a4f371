package sock

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// MaxSendv is the most buffers one Sendv sends: the rest wait for the
// next call.
const MaxSendv = 64

// Sendv is Send of several buffers in one system call (WSASend with a
// buffer array): it returns how many bytes, over the buffers in order,
// the socket took. The error is the system's own, unwrapped, as for
// Send.
func Sendv(h Handle, bufs [][]byte) (int, error) {
	if len(bufs) > MaxSendv {
		bufs = bufs[:MaxSendv]
	}
	var wb [MaxSendv]windows.WSABuf
	n := 0
	for _, b := range bufs {
		if len(b) > 0 {
			wb[n] = windows.WSABuf{Len: uint32(len(b)), Buf: bufp(b)}
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	var sent uint32
	if err := windows.WSASend(windows.Handle(h), &wb[0], uint32(n), &sent, 0, nil, nil); err != nil {
		if e, ok := err.(syscall.Errno); ok {
			return 0, wsaError(e)
		}
		return 0, err
	}
	return int(sent), nil
}
