package poll

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

// Completion keys on the poller's port.
const (
	keyAFD  = 1 // a poll request of one of the groups' devices
	keyWake = 2 // a wake-up posted by Wake or Close
)

// soType is SO_TYPE, which golang.org/x/sys/windows lacks.
const soType = 0x1008

// entryBatch is how many completion packets one dequeue takes at most.
const entryBatch = 128

var entryPool = sync.Pool{New: func() any { return new([entryBatch]iocp.Entry) }}

// sysPoller is the Windows backend: AFD polls on a completion port of its
// own, in the way of wepoll and mio.
type sysPoller struct {
	port *iocp.Port

	mu       sync.Mutex
	socks    map[uintptr]*sockState // registered sockets by handle
	groups   groups
	readyq   []*sockState // readiness to deliver, in the order it was found
	updateq  []*sockState // sockets whose poll must be submitted or changed
	flushq   []*sockState // the update list being flushed: swapped with updateq
	inflight int          // polls whose completion has not been dequeued
	woken    bool         // a wake-up was dequeued and not yet returned
	closing  bool         // close is taking in the last completions

	handles      map[windows.Handle]*handleWait // AddHandle registrations
	readyHandles []uint64                       // keys of signalled handles to deliver

	wakePosted atomic.Bool // a wake packet is queued and not yet dequeued
}

func (p *sysPoller) init() error {
	port, err := iocp.New(0)
	if err != nil {
		return err
	}
	p.port = port
	p.socks = make(map[uintptr]*sockState)
	return nil
}

func (p *sysPoller) add(fd uintptr, key uint64, ev Events) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.socks[fd]; ok {
		// The handle may belong to a socket that was closed and whose
		// LOCAL_CLOSE completion is still queued: handle values are reused
		// at once. Take in what the port holds, then look again.
		if err := p.dequeueNow(); err != nil {
			return err
		}
		if _, ok := p.socks[fd]; ok {
			return fs.ErrExist
		}
	}
	base, err := afd.BaseSocket(windows.Handle(fd))
	if err != nil {
		return err
	}
	// Under Wine SIO_BASE_HANDLE answers for any handle: SO_TYPE tells a
	// socket, and whether it is a datagram one.
	typ, err := windows.GetsockoptInt(base, windows.SOL_SOCKET, soType)
	if err != nil {
		return err
	}
	g, err := p.groups.get(p.port)
	if err != nil {
		return err
	}
	s := &sockState{
		fd: fd, base: base, key: key, interest: ev,
		datagram: typ == windows.SOCK_DGRAM,
		g:        g,
		req:      afd.NewRequest(1),
		watch:    afd.NewRequest(1),
	}
	s.req.Context, s.watch.Context = s, s
	s.watch.Set(0, base, afd.LocalClose)
	done, err := g.dev.Poll(s.watch)
	if err != nil {
		p.groups.put(g)
		return err
	}
	p.socks[fd] = s
	if done {
		// Nothing but a closed socket answers a LOCAL_CLOSE poll at once.
		p.completeWatch(s)
		if s.deleted {
			return windows.WSAENOTSOCK
		}
	} else {
		s.watching = true
		p.inflight++
	}
	if err := p.submit(s); err != nil {
		p.drop(s)
		return err
	}
	p.wakeIfReady()
	return nil
}

func (p *sysPoller) modify(fd uintptr, key uint64, ev Events) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.socks[fd]
	if !ok {
		return fs.ErrNotExist
	}
	s.key, s.interest = key, ev
	s.consumed, s.disabled = 0, false
	s.ready = 0 // found under the old interest: the new poll tells afresh
	if err := p.update(s); err != nil {
		p.drop(s) // the handle is no longer a socket: as if closed
		return err
	}
	p.wakeIfReady()
	return nil
}

func (p *sysPoller) delete(fd uintptr) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.socks[fd]
	if !ok {
		return fs.ErrNotExist
	}
	p.drop(s)
	return nil
}

// rearm watches again the events ev of an edge-triggered registration.
func (p *sysPoller) rearm(fd uintptr, ev Events) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.socks[fd]
	if !ok {
		return fs.ErrNotExist
	}
	a := afdRearmed(ev) & s.consumed
	if a == 0 {
		return nil
	}
	s.consumed &^= a
	if !s.pending {
		p.queueUpdate(s) // idle: the next Wait submits it
		return nil
	}
	if err := p.update(s); err != nil {
		p.drop(s) // the handle is no longer a socket: as if closed
		return err
	}
	p.wakeIfReady()
	return nil
}

// drop forgets s: deleted, or its socket closed. Its request lives on
// until a poll in flight has completed.
func (p *sysPoller) drop(s *sockState) {
	if p.socks[s.fd] == s {
		delete(p.socks, s.fd)
	}
	if s.deleted {
		return
	}
	s.deleted = true
	s.ready = 0
	if s.pending && !s.cancelling {
		p.cancel(s)
	}
	if s.watching {
		s.g.dev.Cancel(s.watch)
	}
	p.release(s)
}

// release gives back the group room of a dropped socket once none of its
// requests is in flight.
func (p *sysPoller) release(s *sockState) {
	if s.deleted && s.idle() && s.g != nil {
		p.groups.put(s.g)
		s.g = nil
	}
}

// wakeIfReady wakes a blocked Wait when a call outside Wait found
// readiness: a poll that completed inline is on no port.
func (p *sysPoller) wakeIfReady() {
	if len(p.readyq) > 0 {
		p.wake()
	}
}

// update brings the socket's poll in flight in line with what it wants:
// it submits one if none is in flight, and cancels one that does not
// cover the wanted events (the completion of the cancellation resubmits).
func (p *sysPoller) update(s *sockState) error {
	switch {
	case s.deleted:
		return nil
	case !s.pending:
		if s.wanted() == 0 {
			return nil // a one-shot registration that has reported
		}
		return p.submit(s)
	case s.cancelling:
		return nil // resubmitted when the cancellation completes
	case s.wanted()&^s.polling != 0:
		p.cancel(s)
	}
	return nil
}

// submit starts a poll for what s wants. A poll that completes at once
// (the socket is ready) is processed at once: the devices skip the port
// on success, so no packet will come for it.
func (p *sysPoller) submit(s *sockState) error {
	want := s.wanted()
	s.req.Set(0, s.base, want)
	done, err := s.g.dev.Poll(s.req)
	if err != nil {
		return err
	}
	s.polling = want
	s.pending = true
	if done {
		p.complete(s)
		return nil
	}
	p.inflight++
	return nil
}

// cancel cancels the poll in flight of s. If it completed meanwhile the
// driver says so (StatusNotFound) and its packet is on its way anyway.
func (p *sysPoller) cancel(s *sockState) {
	s.cancelling = true
	s.g.dev.Cancel(s.req)
}

// complete processes the outcome of the poll of s, dequeued or inline.
func (p *sysPoller) complete(s *sockState) {
	s.pending, s.cancelling = false, false
	if s.deleted {
		p.release(s)
		return
	}
	st := s.req.Status()
	switch {
	case st == afd.StatusCancelled:
		// Cancelled to change what it asks for: ask again.
		p.queueUpdate(s)
		return
	case st.IsError():
		// The handle is no longer a socket the driver knows: it was
		// closed while no poll was in flight. Drop it, as for LOCAL_CLOSE.
		p.drop(s)
		return
	}
	if !p.fired(s, firedEvents(s.req)) {
		return
	}
	p.queueUpdate(s)
}

// firedEvents returns what a completed one-handle request reports.
func firedEvents(r *afd.Request) afd.Events {
	if ready := r.Ready(); len(ready) > 0 {
		return ready[0].Events
	}
	return 0
}

// fired records the events a poll of s reported. It reports false when
// the socket was closed, and so dropped.
func (p *sysPoller) fired(s *sockState, fired afd.Events) bool {
	if fired&afd.LocalClose != 0 {
		p.drop(s)
		return false
	}
	if s.disabled {
		return true
	}
	if ev := reported(epollEvents(fired, s.datagram), s.interest); ev != 0 {
		s.ready |= ev
		if !s.inReady {
			s.inReady = true
			p.readyq = append(p.readyq, s)
		}
		if s.interest&Edge != 0 {
			s.consumed |= afdConsumed(fired)
		}
	}
	return true
}

// completeWatch processes the completion of the watch poll of s. It ends
// when the socket is closed (LOCAL_CLOSE), deleted (the watch was
// cancelled) or gone (an error status). Should it report anything else
// (with two polls on one socket, an event has been seen to complete the
// older poll instead of the one that asked for it), the events count as
// readiness and the watch starts again.
func (p *sysPoller) completeWatch(s *sockState) {
	s.watching = false
	st := s.watch.Status()
	if s.deleted || st == afd.StatusCancelled || st.IsError() {
		p.drop(s)
		p.release(s)
		return
	}
	if !p.fired(s, firedEvents(s.watch)) {
		p.release(s)
		return
	}
	s.watch.Set(0, s.base, afd.LocalClose)
	done, err := s.g.dev.Poll(s.watch)
	switch {
	case err != nil:
		p.drop(s)
		p.release(s)
	case done:
		p.completeWatch(s)
	default:
		s.watching = true
		p.inflight++
	}
	p.queueUpdate(s)
}

func (p *sysPoller) queueUpdate(s *sockState) {
	if !s.inUpdate {
		s.inUpdate = true
		p.updateq = append(p.updateq, s)
	}
}

// flush submits the polls that the update list asks for. Level-triggered
// sockets that were just delivered are here too: their next poll
// completes at once while they stay ready.
func (p *sysPoller) flush(limit int) {
	// Swap the lists: polls that complete inline queue their socket again,
	// for the next flush, into the other list's room.
	q := p.updateq
	p.updateq, p.flushq = p.flushq[:0], nil
	i := 0
	// Stop once there is more readiness than the Wait can deliver: the
	// rest waits for the next Wait, in order. This bounds the time a Wait
	// holds the lock, and is fair to sockets further down the list.
	for ; i < len(q) && len(p.readyq) < limit; i++ {
		s := q[i]
		q[i] = nil
		s.inUpdate = false
		if s.inReady {
			// Readiness not yet delivered: polling again would only find it
			// again. Deliver first.
			p.queueUpdate(s)
			continue
		}
		if err := p.update(s); err != nil {
			// The handle went away while no poll was in flight.
			p.drop(s)
		}
	}
	if i == len(q) {
		p.flushq = q[:0]
		return
	}
	// Not reached: they go first, then what this flush queued again.
	rest := q[:copy(q, q[i:])]
	clear(q[len(rest):])
	again := p.updateq
	p.updateq = append(rest, again...)
	clear(again)
	p.flushq = again[:0]
}

// deliver moves readiness from the ready list into events.
func (p *sysPoller) deliver(events []Event) int {
	n, i := 0, 0
	for ; i < len(p.readyq) && n < len(events); i++ {
		s := p.readyq[i]
		p.readyq[i] = nil
		s.inReady = false
		if s.deleted || s.ready == 0 {
			continue
		}
		events[n] = Event{Events: s.ready, Key: s.key}
		n++
		s.ready = 0
		if s.interest&Oneshot != 0 {
			s.disabled = true
		}
		p.queueUpdate(s)
	}
	rest := copy(p.readyq, p.readyq[i:])
	clear(p.readyq[rest:])
	p.readyq = p.readyq[:rest]
	k := 0
	for ; k < len(p.readyHandles) && n < len(events); k++ {
		events[n] = Event{Events: In, Key: p.readyHandles[k]}
		n++
	}
	p.readyHandles = p.readyHandles[:copy(p.readyHandles, p.readyHandles[k:])]
	return n
}

// process handles dequeued packets. closed is nil when the caller is not
// a Wait (Add taking in what the port holds): a wake-up it dequeues is
// passed on to the Waits.
func (p *sysPoller) process(entries []iocp.Entry, closed *atomic.Bool) {
	for i := range entries {
		e := &entries[i]
		switch e.Key {
		case keyWake:
			p.wakePosted.Store(false)
			switch {
			case p.closing:
				// Nobody waits any more.
			case closed == nil:
				p.postWake()
			case closed.Load():
				// Pass the wake-up on: every blocked Wait must return.
				p.woken = true
				p.postWake()
			default:
				p.woken = true
			}
		case keyHandle:
			p.handleFired(e.Bytes)
		case keyAFD:
			r := afd.RequestOf(e.Overlapped)
			p.inflight--
			s := r.Context.(*sockState)
			if r == s.watch {
				p.completeWatch(s)
			} else {
				p.complete(s)
			}
		}
		*e = iocp.Entry{}
	}
}

// dequeueNow processes what the port holds without waiting.
func (p *sysPoller) dequeueNow() error {
	buf := entryPool.Get().(*[entryBatch]iocp.Entry)
	defer entryPool.Put(buf)
	n, err := p.port.Wait(buf[:], 0)
	if err != nil {
		return err
	}
	p.process(buf[:n], nil)
	return nil
}

func (p *sysPoller) wait(events []Event, timeout time.Duration, closed *atomic.Bool) (int, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	buf := entryPool.Get().(*[entryBatch]iocp.Entry)
	defer entryPool.Put(buf)
	for {
		p.mu.Lock()
		taken := 0
		if len(p.updateq) > 0 {
			// Before polling sockets again, take in what the port holds:
			// the LOCAL_CLOSE of a socket closed since the last Wait drops
			// it, so that no poll names its handle value, which the system
			// may already have given to another object. (Wine's server
			// aborts on a poll of a handle that is no socket.)
			var err error
			if taken, err = p.port.Wait(buf[:], 0); err != nil {
				p.mu.Unlock()
				return 0, err
			}
			p.process(buf[:taken], closed)
		}
		p.flush(len(events))
		n := p.deliver(events)
		woken := p.woken
		p.woken = false
		p.mu.Unlock()
		if n == len(events) || (n > 0 && taken > 0) || woken {
			return n, nil
		}
		t := timeout
		switch {
		case n > 0:
			t = 0 // take what else is queued, without waiting
		case timeout > 0:
			if t = time.Until(deadline); t < 0 {
				t = 0
			}
		}
		m, err := p.port.Wait(buf[:], t)
		if err != nil {
			return n, err
		}
		p.mu.Lock()
		p.process(buf[:m], closed)
		n += p.deliver(events[n:])
		woken = p.woken
		p.woken = false
		p.mu.Unlock()
		if n > 0 || woken || closed.Load() {
			return n, nil
		}
		if m == 0 && t >= 0 && (timeout == 0 || !time.Now().Before(deadline)) {
			return 0, nil
		}
	}
}

func (p *sysPoller) wake() error {
	if p.wakePosted.Swap(true) {
		return nil // one is queued already; wake-ups coalesce
	}
	return p.postWake()
}

func (p *sysPoller) postWake() error {
	p.wakePosted.Store(true)
	return p.port.Post(keyWake, nil, 0)
}

// closeDrainTimeout bounds how long close waits for the completions of
// the polls it cancels.
const closeDrainTimeout = 5 * time.Second

// close cancels every poll, takes their completions in so that every
// request is released, then closes the devices and the port.
func (p *sysPoller) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closing = true
	p.closeHandles()
	for _, s := range p.socks {
		s.deleted = true
	}
	clear(p.socks)
	p.groups.cancelAll()
	var err error
	buf := entryPool.Get().(*[entryBatch]iocp.Entry)
	defer entryPool.Put(buf)
	deadline := time.Now().Add(closeDrainTimeout)
	for p.inflight > 0 && time.Now().Before(deadline) {
		n, werr := p.port.Wait(buf[:], time.Until(deadline))
		if werr != nil {
			break
		}
		p.process(buf[:n], nil)
	}
	if p.inflight > 0 {
		err = fmt.Errorf("poll: close: %d polls did not complete", p.inflight)
	}
	if gerr := p.groups.close(); gerr != nil && err == nil {
		err = gerr
	}
	if cerr := p.port.Close(); cerr != nil && !errors.Is(cerr, iocp.ErrClosed) && err == nil {
		err = cerr
	}
	return err
}
