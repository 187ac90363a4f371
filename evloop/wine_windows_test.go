package evloop

import "golang.org/x/sys/windows"

// errConnRefused is what a refused connect gives.
var errConnRefused error = windows.WSAECONNREFUSED
