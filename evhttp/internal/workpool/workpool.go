// Package workpool runs tasks on a bounded set of goroutines, for the
// handlers of evhttp and the callbacks of evhttp/websocket: the event
// loops hand work to it and never run it themselves.
package workpool

import (
	"sync"
	"time"
)

// DefaultLinger is how long a worker with nothing to do waits for work
// before it exits, for a Pool whose Linger is zero. A worker that stays
// keeps the stack it has grown, where a goroutine started per task grows
// its stack anew each time (runtime.morestack).
const DefaultLinger = 2 * time.Second

// A Task is what the pool runs.
type Task interface{ Run() }

// Func is a function run as a Task.
type Func func()

// Run calls f.
func (f Func) Run() { f() }

// A Pool runs tasks on at most Max goroutines at once: a task submitted
// while all of them are busy waits in a queue, in order. Workers are
// started on demand, and a worker with nothing to do waits Linger for a
// task before it exits, so an idle server holds none for long. The zero
// Pool is not usable: set Max first.
type Pool struct {
	// Max bounds the workers.
	Max int
	// Linger is how long an idle worker waits for a task: DefaultLinger
	// if zero; a negative Linger has a worker exit as soon as the queue
	// is empty.
	Linger time.Duration

	mu      sync.Mutex
	running int // workers, busy or waiting
	waiting int // workers waiting on handoff that no Submit has claimed
	queue   []Task
	handoff chan Task // to a waiting worker, claimed under mu first
	started int       // workers started, for tests
}

// Counts returns the workers there are (busy or waiting), those waiting
// for a task, and how many were ever started.
func (p *Pool) Counts() (running, waiting, started int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running, p.waiting, p.started
}

// Submit runs t on a worker, now or once one is free. It never blocks
// but for the handoff to a worker that is waiting for it.
func (p *Pool) Submit(t Task) {
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
	if p.running < p.Max {
		p.running++
		p.started++
		if p.handoff == nil {
			p.handoff = make(chan Task)
		}
		p.mu.Unlock()
		go p.work(t)
		return
	}
	p.queue = append(p.queue, t)
	p.mu.Unlock()
}

// work runs t, then the queued tasks and those handed off to it, until
// none comes within Linger.
func (p *Pool) work(t Task) {
	var timer *time.Timer
	for t != nil {
		t.Run()
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
		d := p.Linger
		if d < 0 {
			p.running--
			p.mu.Unlock()
			return
		}
		p.waiting++
		h := p.handoff
		p.mu.Unlock()
		if d == 0 {
			d = DefaultLinger
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
func (p *Pool) wait(h chan Task, timer *time.Timer) Task {
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
	// A Submit has claimed a waiting worker and sends its task: this one
	// stays for it.
	return <-h
}

// Release has the workers waiting for a task exit now rather than at the
// end of their linger: the server is closing. Workers busy now wait and
// exit as usual.
func (p *Pool) Release() {
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
