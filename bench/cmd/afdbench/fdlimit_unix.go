//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// fdMargin is the descriptors the client needs besides the connections.
const fdMargin = 64

// checkFDLimit reports an error if this process cannot open n more
// connections: Go raises the soft RLIMIT_NOFILE to the hard one at start,
// beyond which only the administrator can go.
func checkFDLimit(n int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("RLIMIT_NOFILE: %w", err)
	}
	if uint64(n+fdMargin) > uint64(lim.Cur) { // int64 on the BSDs
		return fmt.Errorf("%d connections need more file descriptors than RLIMIT_NOFILE allows (%d): raise the hard limit (ulimit -Hn)", n, lim.Cur)
	}
	return nil
}
