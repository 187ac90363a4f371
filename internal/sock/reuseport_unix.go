//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package sock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

func setReusePort(h Handle) error {
	if err := unix.SetsockoptInt(int(h), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return fmt.Errorf("sock: so_reuseport %d: %w", h, err)
	}
	return nil
}
