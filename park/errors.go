package park

import "errors"

// Errors of this package, matchable with errors.Is.
var (
	// ErrClosed: the Watcher is closed. Callbacks of connections still
	// parked when Close was called get it, and so does every call after
	// Close. It does not match net.ErrClosed, which means that the
	// connection, not the Watcher, was closed.
	ErrClosed = errors.New("watcher is closed")
	// ErrParked: Notify or WaitReadable of a connection that is parked
	// already, on this Watcher.
	ErrParked = errors.New("connection is parked already")
	// ErrNotSyscallConn: the connection does not implement
	// syscall.Conn (a *tls.Conn, net.Pipe, a wrapper of the program's
	// own), so its socket cannot be reached.
	ErrNotSyscallConn = errors.New("not a syscall.Conn")
	// ErrStopped: WaitReadable's connection was unparked by Stop.
	ErrStopped = errors.New("connection unparked by Stop")
)
