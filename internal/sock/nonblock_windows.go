package sock

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// SetNonblock sets or clears the non-blocking mode (FIONBIO) of a socket
// made elsewhere, such as one of Go's net, which is blocking (and
// overlapped) and which an event loop takes over and may hand back.
func SetNonblock(h Handle, on bool) error {
	var v uint32
	if on {
		v = 1
	}
	if err := ioctlsocket(windows.Handle(h), fionbio, &v); err != nil {
		return fmt.Errorf("sock: set non-blocking %#x: %w", h, err)
	}
	return nil
}
