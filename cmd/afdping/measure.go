package main

import (
	"runtime"
	"time"
)

// A meter measures the loop of a run, from its first send to its last
// event, leaving out the setup (sockets, poller, registrations).
type meter struct {
	start   time.Time
	mallocs uint64
}

// measurement is what the loop cost.
type measurement struct {
	elapsed time.Duration
	// mallocs counts the heap allocations made while the loop ran.
	mallocs uint64
}

// startMeter starts measuring.
func startMeter() meter {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return meter{start: time.Now(), mallocs: ms.Mallocs}
}

// stop returns what was spent since startMeter.
func (m meter) stop() measurement {
	elapsed := time.Since(m.start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return measurement{elapsed: elapsed, mallocs: ms.Mallocs - m.mallocs}
}
