//go:build unix

package poll

import "golang.org/x/sys/unix"

// errBadHandle is what registering a handle that is not open gives.
var errBadHandle error = unix.EBADF

// badHandle returns a descriptor that is not open: above any limit on
// open files.
func badHandle() uintptr { return 1 << 24 }

// underWine reports whether the tests run under Wine: never, on Unix.
func underWine() bool { return false }
