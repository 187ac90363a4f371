package winloop

import "github.com/goafd/afd/internal/sock"

// A waiter keeps the loop's interest in its sockets and waits until some
// are ready: WSAPoll (pollWaiter) or select (selectWaiter).
type waiter interface {
	// set registers s, or updates its interest: in reading (which also
	// reports end of stream, resets and errors) and in writing.
	set(s sock.Handle, read, write bool)
	// remove forgets s, before it is closed.
	remove(s sock.Handle)
	// wait blocks until sockets are ready and returns them. The slice is
	// the waiter's, valid until the next wait.
	wait() ([]event, error)
}

// An event is a socket found ready.
type event struct {
	s sock.Handle
	// readable: data, end of stream, a reset or an error; a receive
	// tells which. writable: there is room to send.
	readable, writable bool
}
