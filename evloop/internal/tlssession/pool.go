package tlssession

import "sync"

// PoolConfig sizes a Pool. Zero fields take their defaults.
type PoolConfig struct {
	// Workers caps the handshakes running at once, each on a goroutine
	// of its own. A handshake holds its worker while it waits for the
	// peer, so a peer that stalls mid-handshake holds one until
	// Config.HandshakeTimeout: size Workers for the stalls to absorb, not
	// for the processors (the handshakes' work itself is spread over
	// GOMAXPROCS threads by the scheduler either way). Default: 256.
	Workers int

	// Queue caps the handshakes waiting for a worker. A handshake that
	// finds the queue full fails at once with ErrPoolFull; one that waits
	// longer than its timeout fails with ErrHandshakeTimeout. Default:
	// 4096.
	Queue int
}

const (
	defaultWorkers = 256
	defaultQueue   = 4096
)

// A Pool runs handshakes on a bounded number of goroutines. Its workers
// exist only while there are handshakes to run: an idle pool holds no
// goroutine, and a worker that finds the queue empty exits. Sessions of
// any number of listeners and loops may share one Pool. A Pool is safe
// for concurrent use.
type Pool struct {
	workers  int
	maxQueue int

	mu       sync.Mutex
	running  int
	head     *Session // queue, oldest first, linked through Session.qnext
	tail     *Session
	queued   int
	rejected uint64
	started  uint64
}

// NewPool returns a pool sized by cfg.
func NewPool(cfg PoolConfig) *Pool {
	p := &Pool{workers: cfg.Workers, maxQueue: cfg.Queue}
	if p.workers <= 0 {
		p.workers = defaultWorkers
	}
	if p.maxQueue <= 0 {
		p.maxQueue = defaultQueue
	}
	return p
}

var defaultPool = sync.OnceValue(func() *Pool { return NewPool(PoolConfig{}) })

// PoolStats is a snapshot of a pool.
type PoolStats struct {
	Running  int    // workers alive
	Queued   int    // handshakes waiting for a worker
	Started  uint64 // handshakes run since the pool was made
	Rejected uint64 // handshakes refused with ErrPoolFull
}

// Stats returns the pool's counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{Running: p.running, Queued: p.queued, Started: p.started, Rejected: p.rejected}
}

// submit runs s's handshake on a worker, starting one if fewer than
// Workers run, or queues it. It reports false if the queue is full.
func (p *Pool) submit(s *Session) bool {
	p.mu.Lock()
	if p.running < p.workers {
		p.running++
		p.mu.Unlock()
		go p.work(s)
		return true
	}
	if p.queued >= p.maxQueue {
		p.rejected++
		p.mu.Unlock()
		return false
	}
	s.inQueue = true
	if p.tail == nil {
		p.head = s
	} else {
		p.tail.qnext = s
		s.qprev = p.tail
	}
	p.tail = s
	p.queued++
	p.mu.Unlock()
	return true
}

// work runs handshakes, s first, until the queue is empty.
func (p *Pool) work(s *Session) {
	for s != nil {
		s.handshake(p)
		p.mu.Lock()
		s = p.head
		if s == nil {
			p.running--
		} else {
			p.unlink(s)
		}
		p.mu.Unlock()
	}
}

// begin counts a handshake that starts.
func (p *Pool) begin() {
	p.mu.Lock()
	p.started++
	p.mu.Unlock()
}

// remove takes s out of the queue, if it is still there: a session
// closed or timed out while it waited frees its place at once.
func (p *Pool) remove(s *Session) {
	p.mu.Lock()
	if s.inQueue {
		p.unlink(s)
	}
	p.mu.Unlock()
}

// unlink takes s, which is queued, out of the queue. p.mu is held.
func (p *Pool) unlink(s *Session) {
	if s.qprev == nil {
		p.head = s.qnext
	} else {
		s.qprev.qnext = s.qnext
	}
	if s.qnext == nil {
		p.tail = s.qprev
	} else {
		s.qnext.qprev = s.qprev
	}
	s.qprev, s.qnext, s.inQueue = nil, nil, false
	p.queued--
}
