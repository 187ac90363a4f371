package workpool

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitIdle waits for the pool's workers to exit, or fails.
func waitIdle(t *testing.T, p *Pool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		running, waiting, _ := p.Counts()
		if running == 0 && waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d workers (%d waiting) left after their linger", running, waiting)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPoolReusesWorker: tasks submitted one after another, each once the
// worker is waiting, run on the worker that ran the first, instead of a new
// goroutine each (whose stack would grow anew); once no task comes within
// its linger, it exits.
func TestPoolReusesWorker(t *testing.T) {
	p := &Pool{Max: 4, Linger: 200 * time.Millisecond}
	for range 50 {
		done := make(chan struct{})
		p.Submit(Func(func() { close(done) }))
		<-done
		for { // until the worker waits for the next task
			if _, waiting, _ := p.Counts(); waiting == 1 {
				break
			}
			runtime.Gosched()
		}
	}
	if _, _, started := p.Counts(); started != 1 {
		t.Fatalf("%d workers started for 50 tasks in sequence, want 1", started)
	}
	waitIdle(t, p)
}

// TestPoolBoundAndOrder: tasks submitted from many goroutines, while
// workers come and go (a linger of a millisecond, so that submits race
// with workers whose wait is ending), all run, at most max at once.
func TestPoolBoundAndOrder(t *testing.T) {
	const max, submitters, each = 3, 8, 200
	p := &Pool{Max: max, Linger: time.Millisecond}
	var cur, peak, ran atomic.Int64
	var wg sync.WaitGroup
	wg.Add(submitters * each)
	task := Func(func() {
		n := cur.Add(1)
		for {
			m := peak.Load()
			if n <= m || peak.CompareAndSwap(m, n) {
				break
			}
		}
		if ran.Add(1)%7 == 0 {
			time.Sleep(50 * time.Microsecond)
		}
		cur.Add(-1)
		wg.Done()
	})
	for i := range submitters {
		go func() {
			for j := range each {
				p.Submit(task)
				if (i+j)%16 == 0 {
					time.Sleep(2 * time.Millisecond) // let workers linger out
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%d of %d tasks ran", ran.Load(), submitters*each)
	}
	if m := peak.Load(); m > max {
		t.Fatalf("%d tasks at once, max %d", m, max)
	}
	waitIdle(t, p)
}

// TestNoLinger: with a negative Linger a worker exits as soon as the queue
// is empty, and a later task starts a new one.
func TestNoLinger(t *testing.T) {
	p := &Pool{Max: 2, Linger: -1}
	for i := range 3 {
		done := make(chan struct{})
		p.Submit(Func(func() { close(done) }))
		<-done
		waitIdle(t, p)
		if _, _, started := p.Counts(); started != i+1 {
			t.Fatalf("%d workers started for %d tasks in sequence, want one each", started, i+1)
		}
	}
}
