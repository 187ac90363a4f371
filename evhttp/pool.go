package evhttp

import "sync"

// A pool runs functions on at most max goroutines at once: a function
// submitted while all of them are busy waits in a queue, in order. Workers
// are started on demand and exit when the queue is empty, so an idle
// server holds none. Each connection has at most one request running, so
// the queue holds at most one function per connection.
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

// work runs f, then the queued functions, until there are none.
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
