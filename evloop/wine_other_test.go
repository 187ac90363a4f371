//go:build !windows

package evloop

import (
	"os"
	"runtime"
	"syscall"
)

func underWine() bool { return false }

// openHandles counts the process's open file descriptors, on Linux.
func openHandles() (int, bool) {
	if runtime.GOOS != "linux" {
		return 0, false
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, false
	}
	return len(ents), true
}

// errConnRefused is what a refused connect gives.
var errConnRefused error = syscall.ECONNREFUSED
