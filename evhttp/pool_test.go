package evhttp

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type funcTask func()

func (f funcTask) run() { f() }

// waitIdle waits for the pool's workers to exit, or fails.
func waitIdle(t *testing.T, p *pool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		running, waiting := p.running, p.waiting
		p.mu.Unlock()
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
	p := &pool{max: 4, linger: 200 * time.Millisecond}
	for range 50 {
		done := make(chan struct{})
		p.submit(funcTask(func() { close(done) }))
		<-done
		for { // until the worker waits for the next task
			p.mu.Lock()
			waiting := p.waiting
			p.mu.Unlock()
			if waiting == 1 {
				break
			}
			runtime.Gosched()
		}
	}
	p.mu.Lock()
	started := p.started
	p.mu.Unlock()
	if started != 1 {
		t.Fatalf("%d workers started for 50 tasks in sequence, want 1", started)
	}
	waitIdle(t, p)
}

// TestPoolBoundAndOrder: tasks submitted from many goroutines, while
// workers come and go (a linger of a millisecond, so that submits race
// with workers whose wait is ending), all run, at most max at once.
func TestPoolBoundAndOrder(t *testing.T) {
	const max, submitters, each = 3, 8, 200
	p := &pool{max: max, linger: time.Millisecond}
	var cur, peak, ran atomic.Int64
	var wg sync.WaitGroup
	wg.Add(submitters * each)
	task := funcTask(func() {
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
				p.submit(task)
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

// TestCloseReleasesWorkers: Close has the pool's waiting workers exit at
// once, not at the end of their linger.
func TestCloseReleasesWorkers(t *testing.T) {
	s := &Server{Handler: hello}
	addr := serve(t, s)
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResp(t, br, "GET")
	for { // until the worker waits for the next request
		s.pool.mu.Lock()
		waiting := s.pool.waiting
		s.pool.mu.Unlock()
		if waiting == 1 {
			break
		}
		runtime.Gosched()
	}
	s.Close()
	s.pool.mu.Lock()
	running, waiting := s.pool.running, s.pool.waiting
	s.pool.mu.Unlock()
	if running != 0 || waiting != 0 {
		t.Fatalf("after Close: %d workers, %d waiting; want none", running, waiting)
	}
}
