package main

import (
	"runtime"
	"time"
)

// measurement is what a run of the loop cost.
type measurement struct {
	elapsed time.Duration
	// mallocs counts the heap allocations made while the loop ran.
	mallocs uint64
}

// measure runs f and counts the allocations it makes.
func measure(f func() (time.Duration, error)) (measurement, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	elapsed, err := f()
	runtime.ReadMemStats(&after)
	return measurement{elapsed: elapsed, mallocs: after.Mallocs - before.Mallocs}, err
}
