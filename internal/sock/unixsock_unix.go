//go:build unix

package sock

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// unixSocket returns a new non-blocking, close-on-exec Unix-domain stream
// socket.
func unixSocket() (int, error) {
	return socketNonblock(unix.AF_UNIX, unix.SOCK_STREAM)
}

// ListenUnix returns a non-blocking Unix-domain stream socket listening
// on path (on Linux, a path that starts with '@' names an abstract
// socket, which has no file). A socket file left at path by a server that
// is gone (connecting to it is refused) is removed and the bind retried;
// any other file there, or a socket someone listens on, fails the call
// with EADDRINUSE. The caller removes the file when it closes the
// listener (see RemoveUnix).
func ListenUnix(path string) (Handle, error) {
	fd, err := unixSocket()
	if err != nil {
		return 0, fmt.Errorf("sock: listen unix %s: %w", path, err)
	}
	sa := &unix.SockaddrUnix{Name: path}
	err = unix.Bind(fd, sa)
	if errors.Is(err, unix.EADDRINUSE) && stale(path) {
		os.Remove(path)
		err = unix.Bind(fd, sa)
	}
	if err == nil {
		err = unix.Listen(fd, unix.SOMAXCONN)
	}
	if err != nil {
		unix.Close(fd)
		return 0, fmt.Errorf("sock: listen unix %s: %w", path, err)
	}
	return Handle(fd), nil
}

// stale reports whether path is a socket file that nobody listens on.
func stale(path string) bool {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Type() != os.ModeSocket {
		return false
	}
	fd, err := unixSocket() // non-blocking: a full backlog does not wait
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return errors.Is(unix.Connect(fd, &unix.SockaddrUnix{Name: path}), unix.ECONNREFUSED)
}

// RemoveUnix removes the socket file of a Unix-domain listener on path,
// once its socket is closed; abstract sockets (Linux) have none.
func RemoveUnix(path string) {
	if path != "" && (path[0] != '@' || runtime.GOOS != "linux") {
		os.Remove(path)
	}
}

// DialUnix returns a non-blocking Unix-domain stream socket connected, or
// connecting, to path: poll it for writability and read the outcome with
// Error, as for Dial. A listener whose backlog is full fails it at once
// (EAGAIN) rather than making it wait.
func DialUnix(path string) (Handle, error) {
	fd, err := unixSocket()
	if err != nil {
		return 0, fmt.Errorf("sock: dial unix %s: %w", path, err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return 0, fmt.Errorf("sock: dial unix %s: %w", path, err)
	}
	return Handle(fd), nil
}
