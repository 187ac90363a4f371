//go:build unix

package harness

import "syscall"

// cpuTime returns the processor time of the process, user and system, in
// nanoseconds, or 0.
func cpuTime() uint64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return uint64(ru.Utime.Nano() + ru.Stime.Nano())
}
