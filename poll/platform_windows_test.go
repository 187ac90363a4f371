package poll

import (
	"golang.org/x/sys/windows"

	"github.com/goafd/afd/internal/testenv"
)

// errBadHandle is what registering a handle that is not a socket gives.
var errBadHandle error = windows.WSAENOTSOCK

// errRegularFile is what registering a regular file gives: it is not a
// socket, and AFD polls only sockets.
var errRegularFile error = windows.WSAENOTSOCK

// badHandle returns a handle value that names no object of the process.
func badHandle() uintptr { return 0x7ffffff0 }

// underWine reports whether the tests run under Wine.
var underWine = testenv.UnderWine

// handleCount counts the process's open handles.
var handleCount = testenv.HandleCount

// priSupported: out-of-band data is reported as Pri (AFD_POLL_RECEIVE_EXPEDITED).
const priSupported = true
