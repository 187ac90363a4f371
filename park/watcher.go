package park

import (
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/goafd/afd/poll"
)

// interest is what a parked connection is registered for: readable, the
// peer's end of stream (Err and Hup come whatever is asked), once.
const interest = poll.In | poll.RdHup | poll.Oneshot

// state is the life of a Watcher.
type state int

const (
	running state = iota // parks connections
	failed               // polling failed: callbacks got the error, calls get it too
	closed               // Close was called
)

// A Watcher parks connections of Go's net: it calls a function back, or
// wakes a goroutine blocked in WaitReadable, once a parked connection
// can be read without blocking. It owns one poll.Poller and one
// goroutine that waits on it; a parked connection costs an entry in its
// tables and a registration in the Poller, and no goroutine or buffer.
//
// All methods are safe for concurrent use, and from callbacks. A Watcher
// is made with New; the zero value is not usable.
type Watcher struct {
	p        *poll.Poller
	interval time.Duration
	done     chan struct{} // closed when the goroutine of run returns

	mu    sync.Mutex
	state state
	err   error             // why the Watcher failed, in state failed
	key   uint64            // the last key handed out
	byKey map[uint64]*entry // parked connections by the key of their registration
	byFd  map[uintptr]*entry
}

// An entry is one parked connection: registered in the Poller under key
// (new for every Notify, so that an event for a registration that is
// gone finds nothing) on the handle fd, which is the connection's only
// while the connection is open.
type entry struct {
	key  uint64
	fd   uintptr
	conn net.Conn // as given: Stop finds it by this once it is closed
	rc   syscall.RawConn
	fn   func(error)
	// stopped, if not nil, is called when Stop unparks the entry, which
	// then gets no callback: WaitReadable's, whose caller waits for one.
	stopped func()
}

// New returns a Watcher, with its goroutine started.
func New(opts ...Option) (*Watcher, error) {
	o := options{checkInterval: defaultCheckInterval}
	for _, opt := range opts {
		opt(&o)
	}
	if o.checkInterval <= 0 {
		return nil, fmt.Errorf("park: new: check interval %v is not positive", o.checkInterval)
	}
	// Not poll.DeleteBeforeClose: the sockets are Go's net's, closed
	// whenever the program closes them, parked or not.
	p, err := poll.New()
	if err != nil {
		return nil, fmt.Errorf("park: new: %w", err)
	}
	w := &Watcher{
		p:        p,
		interval: o.checkInterval,
		done:     make(chan struct{}),
		byKey:    make(map[uint64]*entry),
		byFd:     make(map[uintptr]*entry),
	}
	go w.run()
	return w, nil
}

// Parked returns the number of connections parked now.
func (w *Watcher) Parked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.byKey)
}

// Close stops the Watcher and releases its Poller. The callback of every
// connection still parked is called with ErrClosed before Close returns
// (WaitReadable returns ErrClosed); the connections stay open. A callback
// for readiness reported before Close may still be running, or start,
// while Close runs; Close does not wait for it, so that a callback may
// call Close. Calls after Close fail with ErrClosed.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.state == closed {
		w.mu.Unlock()
		return fmt.Errorf("park: close: %w", ErrClosed)
	}
	w.state = closed
	left := w.takeAll()
	w.mu.Unlock()
	// The registrations go with the Poller. Close waits for a Wait in
	// flight; the goroutine of run then finds the Poller closed and ends.
	err := w.p.Close()
	for _, e := range left {
		e.fn(fmt.Errorf("park: %w", ErrClosed))
	}
	if err != nil {
		return fmt.Errorf("park: close: %w", err)
	}
	return nil
}

// refusal returns the error of a call made when the Watcher does not
// park any more, or nil while it does. w.mu is held.
func (w *Watcher) refusal() error {
	switch w.state {
	case failed:
		return w.err
	case closed:
		return ErrClosed
	}
	return nil
}

// insert records e as parked. w.mu is held.
func (w *Watcher) insert(e *entry) {
	w.byKey[e.key] = e
	w.byFd[e.fd] = e
}

// remove forgets e. w.mu is held.
func (w *Watcher) remove(e *entry) {
	delete(w.byKey, e.key)
	if w.byFd[e.fd] == e {
		delete(w.byFd, e.fd)
	}
}

// parked reports whether e is still parked. w.mu is held.
func (w *Watcher) parked(e *entry) bool { return w.byKey[e.key] == e }

// takeAll forgets every parked connection and returns them. w.mu is held.
func (w *Watcher) takeAll() []*entry {
	all := make([]*entry, 0, len(w.byKey))
	for _, e := range w.byKey {
		all = append(all, e)
	}
	clear(w.byKey)
	clear(w.byFd)
	return all
}
