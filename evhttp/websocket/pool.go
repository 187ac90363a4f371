package websocket

import (
	"log"
	"sync"

	"github.com/goafd/afd/evhttp/internal/workpool"
)

// A serial runs a connection's callbacks on a pool one at a time, in the
// order of run: a connection's OnMessage calls never overlap, and its
// OnClose comes after them. It holds a pool worker only while it has
// callbacks to run. The pool's workers exit as soon as it has nothing
// queued (a negative Linger), so that idle connections hold none.
type serial struct {
	p       *workpool.Pool
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
	s.p.Submit(s)
}

// Run runs the queued callbacks until none is left: s is the
// workpool.Task the pool runs.
func (s *serial) Run() {
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
