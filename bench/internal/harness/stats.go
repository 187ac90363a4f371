package harness

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/goafd/afd/internal/procmem"
	"github.com/goafd/afd/internal/testenv"
)

// Stats is a server's report on its resources, the answer to "stats". A
// figure the system cannot give is 0.
type Stats struct {
	// RSS is the resident set in bytes, from the OS: VmRSS on Linux, the
	// working set (GetProcessMemoryInfo) on Windows.
	RSS uint64
	// Heap, Stack and Sys are runtime.MemStats' HeapInuse, StackInuse
	// and Sys, read after a garbage collection.
	Heap, Stack, Sys uint64
	// Handles counts the open file descriptors (Linux) or file and
	// completion port handles (Windows; testenv.HandleCount).
	Handles int
	// Goroutines is runtime.NumGoroutine.
	Goroutines int
	// Conns counts the connections open, as the server counts them.
	Conns int
	// CPU is the processor time the process has used, user and system,
	// in nanoseconds (getrusage on Unix, GetProcessTimes on Windows). Two
	// readings around a measured window give the server's cost per
	// message, a figure that a client sharing the machine does not move.
	// Under Wine it leaves out the wine server's share.
	CPU uint64
}

// ReadStats takes the process's Stats, with conns as the server's count
// of open connections. It collects garbage first, so that heap figures
// of different servers compare.
func ReadStats(conns int) Stats {
	cpu := cpuTime() // before the collection, which is not the server's work
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	handles, _ := testenv.HandleCount()
	rss, _ := procmem.Resident(os.Getpid()) // 0 where unsupported
	return Stats{
		RSS:        uint64(rss),
		Heap:       ms.HeapInuse,
		Stack:      ms.StackInuse,
		Sys:        ms.Sys,
		Handles:    handles,
		Goroutines: runtime.NumGoroutine(),
		Conns:      conns,
		CPU:        cpu,
	}
}

// String formats s as the protocol's stats line, without a newline.
func (s Stats) String() string {
	return fmt.Sprintf("stats rss=%d heap=%d stack=%d sys=%d handles=%d goroutines=%d conns=%d cpu=%d",
		s.RSS, s.Heap, s.Stack, s.Sys, s.Handles, s.Goroutines, s.Conns, s.CPU)
}

// ParseStats parses a stats line, as String formats it.
func ParseStats(line string) (Stats, error) {
	var s Stats
	fields := strings.Fields(line)
	if len(fields) == 0 || fields[0] != "stats" {
		return s, fmt.Errorf("stats line %q: does not start with \"stats\"", line)
	}
	want := map[string]any{
		"rss": &s.RSS, "heap": &s.Heap, "stack": &s.Stack, "sys": &s.Sys,
		"handles": &s.Handles, "goroutines": &s.Goroutines, "conns": &s.Conns,
		"cpu": &s.CPU,
	}
	for _, f := range fields[1:] {
		key, val, ok := strings.Cut(f, "=")
		dst, known := want[key]
		if !ok || !known {
			return s, fmt.Errorf("stats line %q: unexpected field %q", line, f)
		}
		delete(want, key)
		n, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			return s, fmt.Errorf("stats line %q: field %s: %w", line, key, err)
		}
		switch dst := dst.(type) {
		case *uint64:
			*dst = n
		case *int:
			*dst = int(n)
		}
	}
	for key := range want {
		return s, fmt.Errorf("stats line %q: field %s missing", line, key)
	}
	return s, nil
}
