//go:build unix

package sock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// setKeepAliveOn sets SO_KEEPALIVE.
func setKeepAliveOn(h Handle, on bool) error {
	v := 0
	if on {
		v = 1
	}
	if err := unix.SetsockoptInt(int(h), unix.SOL_SOCKET, unix.SO_KEEPALIVE, v); err != nil {
		return fmt.Errorf("sock: so_keepalive %d: %w", h, err)
	}
	return nil
}

// Options reports whether TCP_NODELAY and SO_KEEPALIVE are set on h.
func Options(h Handle) (noDelay, keepAlive bool, err error) {
	nd, err := unix.GetsockoptInt(int(h), unix.IPPROTO_TCP, unix.TCP_NODELAY)
	if err != nil {
		return false, false, fmt.Errorf("sock: tcp_nodelay %d: %w", h, err)
	}
	ka, err := unix.GetsockoptInt(int(h), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	if err != nil {
		return false, false, fmt.Errorf("sock: so_keepalive %d: %w", h, err)
	}
	return nd != 0, ka != 0, nil
}
