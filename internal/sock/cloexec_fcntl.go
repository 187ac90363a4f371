//go:build unix && !linux && !freebsd

package sock

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// The systems for which x/sys/unix has no accept4 (macOS, NetBSD,
// OpenBSD among those poll supports) set close-on-exec and non-blocking
// mode after the descriptor is made. syscall.ForkLock is held for
// reading from the call that makes the descriptor to its close-on-exec,
// as Go's net does, so that a fork of os/exec in between does not pass it
// to the child.

func socketNonblock(family, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	return fd, setNonblock(fd)
}

func acceptNonblock(l int) (int, unix.Sockaddr, error) {
	syscall.ForkLock.RLock()
	fd, sa, err := unix.Accept(l)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	return fd, sa, setNonblock(fd)
}

// setNonblock sets fd non-blocking, and closes it if that fails.
func setNonblock(fd int) error {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return err
	}
	return nil
}
