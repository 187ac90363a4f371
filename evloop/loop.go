package evloop

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/poll"
)

// eventBatch is how many events one Wait takes at most.
const eventBatch = 128

// An item is something registered with a loop's poller: a connection or
// a listener. Its key is its slot in the loop's table.
type item interface {
	onEvent(ev poll.Events)
}

// A slot holds an item in the loop's table. gen counts the slot's
// registrations: the key of an item carries its gen, so that an event for
// an item that has gone (or a new one in its slot) is recognised and
// dropped.
type slot struct {
	gen uint32
	it  item
}

// Kinds of task, the work other goroutines hand a loop.
type taskKind uint8

const (
	taskConn     taskKind = iota // c has AsyncWrite data or a Close request
	taskTLS                      // c's TLS session has news for Step, see tls.go
	taskAdd                      // register c, accepted elsewhere or dialled
	taskListen                   // register ln; reply on done
	taskUnlisten                 // close ln; reply on done
	taskShutdown                 // close gracefully, report when drained
	taskStop                     // close everything and exit
)

type task struct {
	kind taskKind
	c    *Conn
	ln   *Listener
	done chan error
}

// A loop is one event loop: a goroutine, the poller it waits on, and the
// connections and listeners registered with it. Everything but the task
// queue and the counters is owned by the loop's goroutine.
type loop struct {
	s      *Server
	id     int
	p      *poll.Poller
	events []poll.Event
	buf    []byte // the read buffer that the loop's connections share
	plain  []byte // TLS plaintext, as buf; made with the loop's first TLS connection
	gather []byte // the TLS records of one Writev, see Conn.tlsWritev

	items []slot
	free  []uint32 // free slots
	lns   []*Listener

	idle       connList // open connections, least recently active first
	closing    connList // connections closing gracefully, likewise
	paused     []*Listener
	dirty      []*Conn // connections to bring up to date after a callback
	cur        *Conn   // the connection whose OnOpen or OnTraffic runs, see Conn.Write
	again      []*Conn // connections to call OnTraffic for with their unconsumed input
	timers     timerHeap
	spares     [][]byte // empty buffers for connections, see grow
	spareBytes int
	now        time.Duration

	shutdown     bool          // a graceful shutdown is under way
	exit         bool          // taskStop was processed
	pollerClosed bool          // taskStop closed the poller: close sockets without Delete
	drained      chan struct{} // closed when shutdown has nothing left to close

	nconn atomic.Int64  // connections on this loop, or on their way to it
	dead  atomic.Bool   // the poller failed: the loop is gone, pick skips it
	gid   atomic.Uint64 // the id of the loop's goroutine, see callerLoop

	mu       sync.Mutex
	tasks    []task
	spare    []task
	exited   bool        // the loop no longer takes tasks
	pending  atomic.Bool // tasks are queued
	sleeping atomic.Bool // the loop is in (or about to enter) Wait
}

func newLoop(s *Server, id int) (*loop, error) {
	// The loop Deletes every socket before it closes it (see forget):
	// on Windows the poller then keeps no close watch per socket.
	p, err := poll.New(poll.DeleteBeforeClose())
	if err != nil {
		return nil, err
	}
	return &loop{
		s: s, id: id, p: p,
		events:  make([]poll.Event, eventBatch),
		buf:     make([]byte, s.cfg.ReadBufferSize),
		drained: make(chan struct{}),
	}, nil
}

// post queues a task for the loop and wakes it if it is waiting. It
// reports false if the loop has exited: the caller then cleans up.
func (l *loop) post(t task) bool {
	l.mu.Lock()
	if l.exited {
		l.mu.Unlock()
		return false
	}
	l.tasks = append(l.tasks, t)
	l.mu.Unlock()
	// Either the loop sees pending before it waits, or we see it
	// sleeping and wake it: both are sequentially consistent atomics.
	l.pending.Store(true)
	if l.sleeping.Load() {
		l.p.Wake()
	}
	return true
}

func (l *loop) run() {
	defer l.s.wg.Done()
	l.gid.Store(goid())
	l.now = time.Since(l.s.start)
	for !l.exit {
		l.runTasks()
		if l.exit {
			break
		}
		l.checkDrained()
		timeout := l.timeout()
		l.sleeping.Store(true)
		if l.pending.Load() {
			l.sleeping.Store(false)
			continue
		}
		n, err := l.p.Wait(l.events, timeout)
		l.sleeping.Store(false)
		l.now = time.Since(l.s.start)
		if err != nil {
			// The poller failed: nothing on this loop can be served.
			l.fail(err)
			break
		}
		for i := range n {
			l.dispatch(l.events[i])
		}
		l.expire()
		l.runTimers()
		l.deliverAgain()
	}
	l.finish()
}

// dispatch hands an event to its item, unless the item is gone.
func (l *loop) dispatch(e poll.Event) {
	i, gen := uint32(e.Key), uint32(e.Key>>32)
	if int(i) >= len(l.items) || l.items[i].gen != gen || l.items[i].it == nil {
		return // stale: closed earlier in this batch, or before
	}
	l.items[i].it.onEvent(e.Events)
	l.settle()
}

// register puts it in a free slot and returns its key.
func (l *loop) register(it item) uint64 {
	var i uint32
	if n := len(l.free); n > 0 {
		i = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		i = uint32(len(l.items))
		l.items = append(l.items, slot{})
	}
	s := &l.items[i]
	s.gen++
	s.it = it
	return uint64(s.gen)<<32 | uint64(i)
}

// forget deletes a socket from the poller before the loop closes it.
// Closing alone would remove it too, but on Windows the poller may then
// still submit one more poll for the handle value, which a new socket or
// one of the poller's own AFD devices may have taken meanwhile; and Wine
// 8.0's wineserver aborts (an assertion in set_fd_events), hanging every
// process of the prefix, when it is asked to poll an AFD device. Delete
// makes the poller drop the handle first.
func (l *loop) forget(fd sock.Handle) {
	if !l.pollerClosed {
		l.p.Delete(uintptr(fd))
	}
}

func (l *loop) unregister(key uint64) {
	i := uint32(key)
	l.items[i].it = nil
	l.free = append(l.free, i)
}

// runTasks takes the queued tasks and does them.
func (l *loop) runTasks() {
	if !l.pending.Load() {
		return
	}
	l.pending.Store(false)
	l.mu.Lock()
	ts := l.tasks
	l.tasks, l.spare = l.spare[:0], nil
	l.mu.Unlock()
	for i := range ts {
		t := &ts[i]
		switch t.kind {
		case taskConn:
			t.c.runTask()
		case taskTLS:
			t.c.tlsStep()
		case taskAdd:
			l.open(t.c)
		case taskListen:
			t.done <- t.ln.open(l)
		case taskUnlisten:
			t.ln.close()
			t.done <- nil
		case taskShutdown:
			l.beginShutdown()
		case taskStop:
			// The poller goes first: closing it ends every poll at once
			// (on Windows one cancellation per AFD device), and nothing
			// polls a handle afterwards, so the sockets are closed without
			// a Delete each. Under Wine closing a socket whose polls are
			// still pending costs the wine server a walk over every
			// pending poll of the prefix: 3,000 connections closed one
			// by one with the poller open take seconds.
			l.p.Close()
			l.pollerClosed = true
			l.closeAll(ErrServerClosed)
			l.exit = true
		}
		l.settle()
		*t = task{}
	}
	l.mu.Lock()
	if l.spare == nil {
		l.spare = ts[:0]
	}
	l.mu.Unlock()
}

// settle brings the connections touched by the last callback up to date:
// registered interest, graceful closes that can go on, failures.
func (l *loop) settle() {
	for i := 0; i < len(l.dirty); i++ {
		c := l.dirty[i]
		l.dirty[i] = nil
		c.dirty = false
		c.settle()
	}
	l.dirty = l.dirty[:0]
}

// markDirty queues c for settle.
func (l *loop) markDirty(c *Conn) {
	if !c.dirty {
		c.dirty = true
		l.dirty = append(l.dirty, c)
	}
}

// timeout returns how long Wait may block: until the next idle or linger
// deadline or listener resumption, or forever.
func (l *loop) timeout() time.Duration {
	next := time.Duration(-1)
	at := func(t time.Duration) {
		if next < 0 || t < next {
			next = t
		}
	}
	if c := l.idle.head; c != nil && l.s.cfg.IdleTimeout > 0 {
		at(c.last + l.s.cfg.IdleTimeout)
	}
	if c := l.closing.head; c != nil {
		at(c.last + l.s.cfg.LingerTimeout)
	}
	for _, ln := range l.paused {
		at(ln.resumeAt)
	}
	if len(l.again) > 0 {
		return 0
	}
	if len(l.timers) > 0 {
		at(l.timers[0].at)
	}
	if next < 0 {
		return -1
	}
	if d := next - time.Since(l.s.start); d > 0 {
		return d
	}
	return 0
}

// expire closes the connections whose idle or linger time is up and
// resumes paused listeners.
func (l *loop) expire() {
	if d := l.s.cfg.IdleTimeout; d > 0 {
		for c := l.idle.head; c != nil && l.now-c.last >= d; c = l.idle.head {
			c.closeNow(ErrIdleTimeout)
		}
	}
	d := l.s.cfg.LingerTimeout
	for c := l.closing.head; c != nil && l.now-c.last >= d; c = l.closing.head {
		if c.state == connFlushing {
			c.closeNow(ErrCloseTimeout)
		} else {
			c.closeNow(c.err) // all sent; the peer just did not close
		}
	}
	if len(l.paused) > 0 {
		kept := l.paused[:0]
		for _, ln := range l.paused {
			if ln.resumeAt <= l.now {
				ln.resume()
			} else {
				kept = append(kept, ln)
			}
		}
		clear(l.paused[len(kept):])
		l.paused = kept
	}
	l.settle()
}

// deliverAgain calls OnTraffic for the connections that read again
// (after their output was full, or ResumeRead) and have unconsumed
// input: the handler may have left it for want of room (see
// Conn.OutboundFull) or paused in the middle of it, and the peer, having
// sent all it had, may send nothing that would bring it back. A read
// that came first has delivered it already (Conn.read).
func (l *loop) deliverAgain() {
	for i := 0; i < len(l.again); i++ {
		c := l.again[i]
		l.again[i] = nil
		if c.again {
			c.redeliver()
			l.settle()
		}
	}
	l.again = l.again[:0]
}

// beginShutdown closes the listeners and starts the graceful close of
// every connection.
func (l *loop) beginShutdown() {
	l.shutdown = true
	for _, ln := range append([]*Listener(nil), l.lns...) {
		ln.close()
	}
	for i := range l.items {
		if c, ok := l.items[i].it.(*Conn); ok {
			if c.state == connConnecting || c.state == connHandshaking {
				c.closeNow(ErrServerClosed)
			} else {
				c.beginClose(nil)
			}
		}
		l.settle()
	}
}

// checkDrained reports a finished shutdown.
func (l *loop) checkDrained() {
	if l.shutdown && len(l.lns) == 0 && l.nconn.Load() == 0 {
		select {
		case <-l.drained:
		default:
			close(l.drained)
		}
	}
}

// fail ends a loop whose poller failed: it is marked dead first, so
// that no new connection or listener is given to it, then everything it
// serves is closed with the error, which the server reports.
func (l *loop) fail(err error) {
	err = fmt.Errorf("%w: loop %d: %w", ErrLoopFailed, l.id, err)
	l.dead.Store(true)
	l.s.recordFailure(err)
	l.closeAll(err)
	if h := l.s.cfg.OnError; h != nil {
		h(err)
	}
}

// closeAll closes every connection and listener of the loop at once.
func (l *loop) closeAll(err error) {
	for _, ln := range append([]*Listener(nil), l.lns...) {
		ln.close()
	}
	for i := range l.items {
		if c, ok := l.items[i].it.(*Conn); ok {
			c.closeNow(err)
		}
	}
	l.settle()
}

// finish stops taking tasks and deals with those still queued: new
// connections are closed, requests answered.
func (l *loop) finish() {
	l.mu.Lock()
	l.exited = true
	ts := l.tasks
	l.tasks = nil
	l.mu.Unlock()
	for _, t := range ts {
		switch t.kind {
		case taskAdd:
			t.c.l = l
			t.c.closeNow(ErrServerClosed)
		case taskListen:
			t.done <- ErrServerClosed
		case taskUnlisten:
			t.done <- nil
		}
	}
	l.settle()
	select {
	case <-l.drained:
	default:
		close(l.drained)
	}
}

// Spare buffers: a connection that needs more than keepCap bytes of
// buffer takes one from its loop, and gives it back when it has emptied
// it, so that connections that buffer now and then (a slow reader, a
// large request) do not allocate each time, while idle ones hold none.
// A loop keeps at most maxSpares buffers of maxSpareBytes in all.
const (
	maxSpares     = 16
	maxSpareBytes = 8 << 20
)

// grow returns b with room for n more bytes: b itself, or a spare (or a
// new buffer) holding b's bytes, b then becoming a spare.
func (l *loop) grow(b []byte, n int) []byte {
	need := len(b) + n
	if cap(b) >= need {
		return b
	}
	var nb []byte
	for i := len(l.spares) - 1; i >= 0; i-- {
		if s := l.spares[i]; cap(s) >= need {
			l.spareBytes -= cap(s)
			l.spares = append(l.spares[:i], l.spares[i+1:]...)
			nb = s[:0]
			break
		}
	}
	if nb == nil {
		nb = make([]byte, 0, max(need, 2*cap(b), 2*keepCap))
	}
	nb = append(nb, b...)
	l.putBuf(b)
	return nb
}

// putBuf keeps b as a spare if it is worth keeping and there is room,
// making room by dropping smaller spares.
func (l *loop) putBuf(b []byte) {
	c := cap(b)
	if c <= keepCap || c > maxSpareBytes {
		return
	}
	for len(l.spares) == maxSpares || l.spareBytes+c > maxSpareBytes {
		small := 0
		for i, s := range l.spares {
			if cap(s) < cap(l.spares[small]) {
				small = i
			}
		}
		if len(l.spares) == 0 || cap(l.spares[small]) >= c {
			return
		}
		l.spareBytes -= cap(l.spares[small])
		l.spares = append(l.spares[:small], l.spares[small+1:]...)
	}
	l.spares = append(l.spares, b[:0])
	l.spareBytes += c
}
