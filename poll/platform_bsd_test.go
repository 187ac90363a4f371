//go:build darwin || freebsd || netbsd || openbsd

package poll

import "github.com/goafd/afd/internal/testenv"

// errRegularFile is what registering a regular file gives: nothing, as
// kqueue's read and write filters accept regular files (always ready).
var errRegularFile error = nil

// handleCount is not implemented on the BSDs and macOS (testenv).
var handleCount = testenv.HandleCount

// priSupported: out-of-band data is reported as Pri where kqueue has
// EVFILT_EXCEPT with NOTE_OOB.
const priSupported = havePri
