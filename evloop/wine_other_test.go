//go:build !windows

package evloop

import "syscall"

// errConnRefused is what a refused connect gives.
var errConnRefused error = syscall.ECONNREFUSED
