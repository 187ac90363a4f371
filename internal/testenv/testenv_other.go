//go:build !windows && !linux

package testenv

// UnderWine reports whether the process runs under Wine: never, here.
func UnderWine() bool { return false }

// HandleCount is not implemented here (the BSDs and macOS list /dev/fd
// differently): it reports false.
func HandleCount() (int, bool) { return 0, false }
