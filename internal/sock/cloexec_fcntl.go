//go:build unix && !linux && !freebsd

package sock

import "golang.org/x/sys/unix"

// macOS, NetBSD and OpenBSD (x/sys/unix has no accept4 for them) set
// close-on-exec and non-blocking mode after the descriptor is made.

func socketNonblock(family, typ int) (int, error) {
	fd, err := unix.Socket(family, typ, 0)
	if err != nil {
		return -1, err
	}
	return fd, setCloexecNonblock(fd)
}

func acceptNonblock(l int) (int, unix.Sockaddr, error) {
	fd, sa, err := unix.Accept(l)
	if err != nil {
		return -1, nil, err
	}
	return fd, sa, setCloexecNonblock(fd)
}

// setCloexecNonblock sets both modes on fd, and closes it if that fails.
func setCloexecNonblock(fd int) error {
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return err
	}
	return nil
}
