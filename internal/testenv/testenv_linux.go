package testenv

import "os"

// UnderWine reports whether the process runs under Wine: never, here.
func UnderWine() bool { return false }

// HandleCount counts the process's open file descriptors.
func HandleCount() (int, bool) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, false
	}
	return len(ents), true
}
