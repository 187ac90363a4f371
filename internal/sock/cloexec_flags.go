//go:build linux || freebsd

package sock

import "golang.org/x/sys/unix"

// These systems take SOCK_NONBLOCK and SOCK_CLOEXEC in socket's type and
// in accept4's flags: one system call makes the descriptor, where
// close-on-exec (F_SETFD) and non-blocking mode (F_GETFL, F_SETFL) would
// take three more, for every accepted connection.

func socketNonblock(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

func acceptNonblock(l int) (int, unix.Sockaddr, error) {
	return unix.Accept4(l, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}
