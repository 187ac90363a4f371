//go:build !linux && !windows

package harness

// residentSet is not implemented here (the benchmarks run on Linux and
// Windows): it returns 0.
func residentSet() uint64 { return 0 }
