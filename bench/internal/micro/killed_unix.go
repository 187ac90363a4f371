//go:build unix

package micro

import (
	"os"
	"syscall"
)

// killed reports whether the process was killed with SIGKILL.
func killed(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
