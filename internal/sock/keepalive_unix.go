//go:build unix && !openbsd

package sock

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// SetKeepAlive turns TCP keep-alive on, with d both the idle time before
// the first probe and the interval between probes (whole seconds, at
// least 1), or off for d <= 0.
func SetKeepAlive(h Handle, d time.Duration) error {
	if err := setKeepAliveOn(h, d > 0); err != nil || d <= 0 {
		return err
	}
	secs := max(int(d/time.Second), 1)
	if err := unix.SetsockoptInt(int(h), unix.IPPROTO_TCP, keepIdle.opt, secs); err != nil {
		return fmt.Errorf("sock: %s %d: %w", keepIdle.name, h, err)
	}
	if err := unix.SetsockoptInt(int(h), unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs); err != nil {
		return fmt.Errorf("sock: tcp_keepintvl %d: %w", h, err)
	}
	return nil
}
