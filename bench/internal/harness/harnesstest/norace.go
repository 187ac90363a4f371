//go:build !race

package harnesstest

// raceDetector reports whether the race detector is on.
const raceDetector = false
