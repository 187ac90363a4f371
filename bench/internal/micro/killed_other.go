//go:build !unix

package micro

import "os"

// killed reports whether the process was killed by a signal: never
// where there are none (Wine, whose kill it is about, runs on Unix).
func killed(ps *os.ProcessState) bool { return false }
