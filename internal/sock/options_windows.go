package sock

import (
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// SetKeepAlive turns TCP keep-alive on, with d both the idle time before
// the first probe and the interval between probes (whole milliseconds,
// at least 1), or off for d <= 0. It uses SIO_KEEPALIVE_VALS, as Go's
// net does: the TCP_KEEPIDLE option needs Windows 10 1709.
func SetKeepAlive(h Handle, d time.Duration) error {
	ka := windows.TCPKeepalive{}
	if d > 0 {
		ms := uint32(max(d/time.Millisecond, 1))
		ka = windows.TCPKeepalive{OnOff: 1, Time: ms, Interval: ms}
	}
	var ret uint32
	err := windows.WSAIoctl(windows.Handle(h), windows.SIO_KEEPALIVE_VALS,
		(*byte)(unsafe.Pointer(&ka)), uint32(unsafe.Sizeof(ka)), nil, 0, &ret, nil, 0)
	if err != nil {
		return fmt.Errorf("sock: sio_keepalive_vals %#x: %w", h, err)
	}
	return nil
}

// Options reports whether TCP_NODELAY and SO_KEEPALIVE are set on h.
func Options(h Handle) (noDelay, keepAlive bool, err error) {
	s := windows.Handle(h)
	nd, err := getsockoptInt(s, windows.IPPROTO_TCP, windows.TCP_NODELAY)
	if err != nil {
		return false, false, fmt.Errorf("sock: tcp_nodelay %#x: %w", h, err)
	}
	ka, err := getsockoptInt(s, windows.SOL_SOCKET, windows.SO_KEEPALIVE)
	if err != nil {
		return false, false, fmt.Errorf("sock: so_keepalive %#x: %w", h, err)
	}
	return nd != 0, ka != 0, nil
}

// getsockoptInt reads an option of the size of a BOOL or DWORD.
func getsockoptInt(s windows.Handle, level, opt int32) (int32, error) {
	var v int32
	l := int32(unsafe.Sizeof(v))
	err := windows.Getsockopt(s, level, opt, (*byte)(unsafe.Pointer(&v)), &l)
	return v, err
}
