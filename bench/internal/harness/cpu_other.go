//go:build !unix && !windows

package harness

// cpuTime is not implemented here (the benchmarks run on Unix and
// Windows): it returns 0.
func cpuTime() uint64 { return 0 }
