package evloop

import (
	"container/heap"
	"time"
)

// A Timer is a function that Conn.AfterFunc runs on the connection's
// loop when its time comes. Timers are kept by the loop in a heap: they
// cost no goroutine and no runtime timer, and the loop's Wait sleeps
// until the first.
type Timer struct {
	c   *Conn
	at  time.Duration // on the loop's clock
	f   func(*Conn)
	idx int // in the loop's heap; -1 when not pending
}

// AfterFunc runs f on the connection's loop, as a callback of c, after
// d (at once, on the loop's next turn, for d <= 0), unless the timer is
// stopped or the connection has closed or started closing by then: the
// building block of per-connection deadlines (a request that must
// complete in time: c.AfterFunc(d, func(c *Conn) { c.Close() }), stopped
// when it does) and of periodic work (f calls AfterFunc again). Call it
// from a callback of the loop (from elsewhere, through Conn.Run). It
// returns nil for a connection that is closing or closed.
func (c *Conn) AfterFunc(d time.Duration, f func(c *Conn)) *Timer {
	if c.state != connOpen || c.failed {
		return nil
	}
	l := c.l
	t := &Timer{c: c, at: time.Since(l.s.start) + max(d, 0), f: f}
	heap.Push(&l.timers, t)
	c.timers = append(c.timers, t)
	return t
}

// Stop stops the timer and reports whether it did: false if f has run
// or is running, or the timer was stopped before, or its connection has
// closed. Call it from a callback of the timer's loop.
func (t *Timer) Stop() bool {
	if t == nil || t.idx < 0 {
		return false
	}
	heap.Remove(&t.c.l.timers, t.idx)
	t.c.forgetTimer(t)
	return true
}

// forgetTimer takes t, stopped or due, off the connection's list.
func (c *Conn) forgetTimer(t *Timer) {
	for i, x := range c.timers {
		if x == t {
			last := len(c.timers) - 1
			c.timers[i], c.timers[last] = c.timers[last], nil
			c.timers = c.timers[:last]
			return
		}
	}
}

// runTimers runs the timers whose time has come, in order of their
// times.
func (l *loop) runTimers() {
	for len(l.timers) > 0 && l.timers[0].at <= l.now {
		t := heap.Pop(&l.timers).(*Timer)
		c := t.c
		c.forgetTimer(t)
		if c.state != connOpen || c.failed {
			continue
		}
		prev := l.cur
		l.cur = c
		t.f(c)
		l.cur = prev
		l.settle()
	}
}

// dropTimers removes the pending timers of a connection that closes or
// leaves its loop.
func (l *loop) dropTimers(c *Conn) {
	for _, t := range c.timers {
		heap.Remove(&l.timers, t.idx)
	}
	clear(c.timers)
	c.timers = nil
}

// timerHeap orders timers by their time, for container/heap.
type timerHeap []*Timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}
