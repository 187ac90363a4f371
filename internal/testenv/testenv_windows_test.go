package testenv

import (
	"os"
	"runtime"
	"testing"
)

// TestHandleCount: a file opened shows in the count, threads the runtime
// starts do not.
func TestHandleCount(t *testing.T) {
	types0, _ := HandleTypes()
	n0, ok := HandleCount()
	if !ok {
		t.Fatal("no handle count")
	}
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	n1, _ := HandleCount()
	f.Close()
	if n1 != n0+1 {
		t.Errorf("handles %d before opening a file, %d after; want one more", n0, n1)
	}

	// Goroutines that lock their threads while others block make the
	// scheduler start new threads, each with handles of its own.
	const threads = 4
	start := make(chan struct{})
	done := make(chan struct{})
	for range threads {
		go func() {
			runtime.LockOSThread()
			start <- struct{}{}
			<-done
		}()
	}
	for range threads {
		<-start
	}
	types, _ := HandleTypes()
	n2, _ := HandleCount()
	close(done)
	if n2 != n0 {
		t.Errorf("handles %d before starting %d threads, %d after; want the same (by type: %v)", n0, threads, n2, types)
	}
	// The locked threads, sysmon and this test's own thread outnumber the
	// threads a test binary starts with: the check above saw new ones.
	if types["Thread"] <= types0["Thread"] {
		t.Errorf("no new thread handles with %d locked threads: %v before, %v after", threads, types0, types)
	}
}
