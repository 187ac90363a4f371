package poll

import (
	"errors"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// device is what the poller asks of an AFD device: *afd.Device, or in
// tests a wrapper around one that injects the failures the driver
// rarely gives (see groups.wrap).
type device interface {
	Poll(r *afd.Request) (done bool, err error)
	Cancel(r *afd.Request) error
	CancelAll() error
	Close() error
}

// closedSocket reports whether err, from a poll or in a poll's
// completion, means that a socket it names is no longer a socket: closed,
// its handle value free (STATUS_INVALID_HANDLE) or taken by another kind
// of object (STATUS_OBJECT_TYPE_MISMATCH). errors.Is matches both with
// WSAENOTSOCK. Such a socket is dropped without a word, as wepoll and mio
// do; every other failure reaches the caller.
func closedSocket(err error) bool {
	return errors.Is(err, windows.WSAENOTSOCK)
}
