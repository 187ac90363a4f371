//go:build unix

package sock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// SetNonblock sets or clears the non-blocking mode of a socket made
// elsewhere, such as one of Go's net, which an event loop takes over.
func SetNonblock(h Handle, on bool) error {
	if err := unix.SetNonblock(int(h), on); err != nil {
		return fmt.Errorf("sock: set non-blocking %d: %w", h, err)
	}
	return nil
}

// Dup returns a new close-on-exec descriptor of h's socket.
func Dup(h Handle) (Handle, error) {
	fd, err := unix.FcntlInt(uintptr(h), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("sock: dup %d: %w", h, err)
	}
	return Handle(fd), nil
}
