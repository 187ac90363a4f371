package evhttp

import (
	"sync"
	"time"
)

// workerLinger is how long a worker with nothing to do waits for work
// before it exits. A worker that stays keeps the stack it has grown: a
// goroutine started per request grows its stack anew each time
// (runtime.morestack), a cost that showed in profiles of busy servers.
const workerLinger = 2 * time.Second

// A task is what the pool runs: the request of one connection.
type task interface{ run() }

// A pool runs tasks on at most max goroutines at once: a task submitted
// while all of them are busy waits in a queue, in order. Workers are
// started on demand, and a worker with nothing to do waits workerLinger
// for a task before it exits, so an idle server holds none for long.
// Each connection has at most one request running, so the queue holds at
// most one task per connection.
type pool struct {
	mu      sync.Mutex
	max     int
	running int // workers, busy or waiting
	waiting int // workers waiting on handoff that no submit has claimed
	queue   []task
	handoff chan task     // to a waiting worker, claimed under mu first
	linger  time.Duration // workerLinger if zero
	started int           // workers started, for tests
}

// submit runs t on a worker, now or once one is free. It never blocks
// but for the handoff to a worker that is waiting for it.
func (p *pool) submit(t task) {
	p.mu.Lock()
	if p.waiting > 0 {
		// Claimed under mu: the worker receives it, even if its wait
		// is over (see wait).
		p.waiting--
		h := p.handoff
		p.mu.Unlock()
		h <- t
		return
	}
	if p.running < p.max {
		p.running++
		p.started++
		if p.handoff == nil {
			p.handoff = make(chan task)
		}
		p.mu.Unlock()
		go p.work(t)
		return
	}
	p.queue = append(p.queue, t)
	p.mu.Unlock()
}

// work runs t, then the queued tasks and those handed off to it, until
// none comes within workerLinger.
func (p *pool) work(t task) {
	var timer *time.Timer
	for t != nil {
		t.run()
		p.mu.Lock()
		if len(p.queue) > 0 {
			t = p.queue[0]
			p.queue[0] = nil
			p.queue = p.queue[1:]
			if len(p.queue) == 0 {
				p.queue = nil
			}
			p.mu.Unlock()
			continue
		}
		p.waiting++
		h, d := p.handoff, p.linger
		p.mu.Unlock()
		if d == 0 {
			d = workerLinger
		}
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		t = p.wait(h, timer)
	}
}

// wait waits for a task handed off to the worker, and returns nil if
// none comes before timer fires: the worker exits.
func (p *pool) wait(h chan task, timer *time.Timer) task {
	select {
	case t := <-h:
		timer.Stop()
		return t
	case <-timer.C:
	}
	p.mu.Lock()
	if p.waiting > 0 {
		// Unclaimed: gone from the workers. (The count is of all
		// waiting workers: which of them a claimed task reaches does
		// not matter, as long as as many stay as were claimed.)
		p.waiting--
		p.running--
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	// A submit has claimed a waiting worker and sends its task: this one
	// stays for it.
	return <-h
}

// release has the workers waiting for a task exit now rather than at the
// end of their linger: the server is closing. Workers busy now wait and
// exit as usual.
func (p *pool) release() {
	p.mu.Lock()
	n := p.waiting
	p.waiting = 0
	p.running -= n
	h := p.handoff
	p.mu.Unlock()
	for range n {
		h <- nil // each claimed worker takes one, and exits
	}
}
