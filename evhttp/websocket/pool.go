package websocket

import (
	"log"
	"sync"
)

// A pool runs functions on at most max goroutines at once: a function
// submitted while all of them are busy waits in a queue, in order.
// Workers start on demand and exit when the queue is empty, so idle
// connections hold none.
type pool struct {
	mu      sync.Mutex
	max     int
	running int
	queue   []func()
}

// submit runs f on a worker, now or once one is free. It never blocks.
func (p *pool) submit(f func()) {
	p.mu.Lock()
	if p.running < p.max {
		p.running++
		p.mu.Unlock()
		go p.work(f)
		return
	}
	p.queue = append(p.queue, f)
	p.mu.Unlock()
}

func (p *pool) work(f func()) {
	for f != nil {
		f()
		p.mu.Lock()
		f = nil
		if len(p.queue) > 0 {
			f = p.queue[0]
			p.queue[0] = nil
			p.queue = p.queue[1:]
			if len(p.queue) == 0 {
				p.queue = nil
			}
		} else {
			p.running--
		}
		p.mu.Unlock()
	}
}

// A serial runs a connection's callbacks on a pool one at a time, in the
// order of run: a connection's OnMessage calls never overlap, and its
// OnClose comes after them. It holds a pool worker only while it has
// callbacks to run.
type serial struct {
	p       *pool
	log     *log.Logger
	mu      sync.Mutex
	queue   []func()
	running bool
}

// run queues f. It never blocks.
func (s *serial) run(f func()) {
	s.mu.Lock()
	s.queue = append(s.queue, f)
	if s.running {
		s.mu.Unlock()
		return
	}
	s.running = true
	s.mu.Unlock()
	s.p.submit(s.drain)
}

func (s *serial) drain() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.queue = nil
			s.running = false
			s.mu.Unlock()
			return
		}
		f := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()
		f()
	}
}
