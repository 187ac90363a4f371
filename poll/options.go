package poll

// An Option changes how New sets up a Poller.
type Option func(*options)

// options are the settings the Options of New make, handed to the
// backend's init.
type options struct {
	deleteBeforeClose bool
}

// DeleteBeforeClose declares that the caller Deletes every socket before
// it closes it, as an event loop that owns its sockets does. The Poller
// then needs no way of its own to notice a registered socket being
// closed, which saves work on Windows; elsewhere it changes nothing.
//
// Without it, the Windows backend keeps, from Add to Delete, a poll per
// socket that asks for nothing but LOCAL_CLOSE, so that a close is seen
// at once whatever the socket's readiness poll is doing: handle values are
// reused at once, and a socket closed without Delete must be dropped
// before another object takes its value. That costs one request more per
// Add, and one pending poll per registered socket, which the driver (and
// under Wine, its server, on every event of every socket) has to go
// through. With DeleteBeforeClose a registered socket that is closed is
// still dropped when its readiness poll is pending at that moment, or
// when its handle value is left free; but should a new socket take the
// value before the poller has noticed, the new socket is polled, and
// reported, in the place of the old one. On Linux and the BSDs the kernel
// removes a closed descriptor itself, with or without Delete.
func DeleteBeforeClose() Option {
	return func(o *options) { o.deleteBeforeClose = true }
}
