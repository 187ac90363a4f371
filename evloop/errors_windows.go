package evloop

import (
	"errors"

	"golang.org/x/sys/windows"
)

// connAborted reports whether an accept error concerns the one
// connection being accepted (reset or aborted before accept), not the
// listener.
func connAborted(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || errors.Is(err, windows.WSAECONNABORTED)
}
