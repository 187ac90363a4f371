//go:build unix

package evloop

import (
	"errors"

	"golang.org/x/sys/unix"
)

// connAborted reports whether an accept error concerns the one
// connection being accepted (reset or aborted before accept), not the
// listener.
func connAborted(err error) bool {
	return errors.Is(err, unix.ECONNABORTED) || errors.Is(err, unix.ECONNRESET) ||
		errors.Is(err, unix.EPROTO) || errors.Is(err, unix.EPERM)
}
