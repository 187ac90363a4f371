package evloop

import "golang.org/x/sys/windows"

// connAborted reports whether an accept error concerns the one
// connection being accepted (reset or aborted before accept), not the
// listener.
func connAborted(err error) bool {
	return errorsIs(err, windows.WSAECONNRESET) || errorsIs(err, windows.WSAECONNABORTED)
}
