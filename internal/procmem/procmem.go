// Package procmem reads how much memory a process has resident, for the
// tests and benchmarks that bound a server's memory: VmRSS on Linux, the
// working set on Windows. Other systems return errors.ErrUnsupported.
package procmem

// Resident returns the resident memory of process pid, in bytes.
func Resident(pid int) (int64, error) { return resident(pid) }
