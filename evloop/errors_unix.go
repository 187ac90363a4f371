//go:build unix

package evloop

import "golang.org/x/sys/unix"

// connAborted reports whether an accept error concerns the one
// connection being accepted (reset or aborted before accept), not the
// listener.
func connAborted(err error) bool {
	return errorsIs(err, unix.ECONNABORTED) || errorsIs(err, unix.ECONNRESET) ||
		errorsIs(err, unix.EPROTO) || errorsIs(err, unix.EPERM)
}
