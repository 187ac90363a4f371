package poll

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

// Completion keys on the poller's port.
const (
	keyAFD   = 1 // a poll request of one of the groups' devices
	keyWake  = 2 // a wake-up posted by Wake or Close
	keyFlush = 4 // tells a blocked Wait to flush the update list
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
	// watchCloses: each socket has a watch poll (see sockState); false
	// with the option DeleteBeforeClose.
	watchCloses bool

	mu       sync.Mutex
	socks    map[uintptr]*sockState // registered sockets by handle
	groups   groups
	polls    groupPolls   // requests free for reuse
	deliverq []*sockState // readiness to deliver, in the order it was found
	updateq  []*group     // groups whose polls must be submitted or changed
	flushq   []*group     // the update list being flushed: swapped with updateq
	inflight inFlight     // polls whose completion has not been dequeued
	blocked  int          // Waits blocked on the port
	woken    bool         // a wake-up was dequeued and not yet returned
	failure  error        // a failure of a group's poll for the next Wait to return
	closing  bool         // close is taking in the last completions

	handles      map[windows.Handle]*handleWait // AddHandle registrations
	firedHandles []uint64                       // keys of signalled handles to deliver

	wakePosted  atomic.Bool  // a wake packet is queued and not yet dequeued
	flushPosted atomic.Bool  // a flush packet is queued and not yet dequeued
	lastYield   atomic.Int64 // when a Wait last yielded, since epoch (see yield)
}

func (p *sysPoller) init(o options) error {
	port, err := iocp.New(0)
	if err != nil {
		return err
	}
	p.port = port
	p.watchCloses = !o.deleteBeforeClose
	p.socks = make(map[uintptr]*sockState)
	p.inflight = make(inFlight)
	return nil
}

func (p *sysPoller) add(fd uintptr, key uint64, ev Events) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.socks[fd]; ok {
		// The handle may belong to a socket that was closed and whose
		// LOCAL_CLOSE completion is still queued, behind any number of
		// others: handle values are reused at once. Take in all that the
		// port holds, then look again.
		for {
			n, err := p.dequeueNow()
			if err != nil {
				return err
			}
			if _, ok := p.socks[fd]; !ok {
				break
			}
			if n < entryBatch {
				old := p.socks[fd]
				if old.watchedClose() {
					// A Wait dequeued the packet and waits for the
					// lock to process it: the socket is closed.
					p.drop(old)
					break
				}
				return fs.ErrExist
			}
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
	}
	s.asks = afdInterest(ev, s.datagram)
	g.add(s)
	if p.watchCloses {
		if err := p.startWatch(s); err != nil {
			g.remove(s)
			p.groups.put(g)
			return err
		}
	}
	if s.deleted {
		// Nothing but a closed socket answers a LOCAL_CLOSE poll at once.
		return windows.WSAENOTSOCK
	}
	p.socks[fd] = s
	p.pollAgain(s)
	p.wakeToDeliver()
	return nil
}

// startWatch submits the first watch poll of s, a new member of its
// group not yet in p.socks. A watch that completes at once (the socket is
// closed) leaves s deleted.
func (p *sysPoller) startWatch(s *sockState) error {
	s.watch = newAFDPoll(1, s)
	s.watch.req.Set(0, s.base, afd.LocalClose)
	done, err := p.submit(s.g.dev, &s.watch)
	switch {
	case err != nil:
		return err
	case done:
		p.completeWatch(s)
	}
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
	s.asks = afdInterest(ev, s.datagram)
	s.consumed, s.disabled = 0, false
	p.forgetFound(s) // found under the old interest: the new poll tells afresh
	p.pollAgain(s)
	p.wakeToDeliver()
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
	p.pollAgain(s)
	p.wakeToDeliver()
	return nil
}

// drop forgets s: deleted, or its socket closed. A group poll in flight
// that names it ignores it when it completes. The polls of its own, the
// watch and the one-handle poll, are left to complete by themselves,
// which they do when the socket is closed (the usual end of a deleted
// socket): s lingers in its group until they have (see linger).
func (p *sysPoller) drop(s *sockState) {
	if p.socks[s.fd] == s {
		delete(p.socks, s.fd)
	}
	if s.deleted {
		return
	}
	s.deleted = true
	s.inPoll = false
	p.forgetFound(s)
	g := s.g
	g.remove(s)
	p.groups.put(g)
	if s.watch.inFlight() || s.own.inFlight() {
		g.linger(s)
		if len(g.lingering) > lingerLimit {
			p.purge(g)
		}
	}
}

// lingerLimit is how many dropped sockets may linger in a group, their
// own polls pending, before the poller cancels those polls. Cancelling
// costs the driver a scan of the device's pending polls and Wine's server
// a walk over all the process's pending requests (which makes a Delete
// per connection quadratic in the number of connections), where a socket
// that is closed after Delete completes its polls at no cost. Sockets
// deleted and kept open (passed to other code) are the ones that need
// the cancellation: the limit bounds what they hold.
const lingerLimit = groupSize

// purge cancels the polls of the sockets lingering in g.
func (p *sysPoller) purge(g *group) {
	for _, s := range g.lingering {
		s.watch.cancel(g.dev)
		s.own.cancel(g.dev)
		s.lingering = false
	}
	clear(g.lingering)
	g.lingering = g.lingering[:0]
}

// settle ends the lingering of a dropped socket once its last poll has
// completed.
func (p *sysPoller) settle(s *sockState) {
	if s.lingering && !s.watch.inFlight() && !s.own.inFlight() {
		s.g.unlinger(s)
	}
}

// watchedClose reports whether the watch of s has completed for the
// socket's close. The system writes a poll's status and result before
// the thread that dequeues its packet sees it: a Wait may have the packet
// and wait for the lock that Add holds.
func (s *sockState) watchedClose() bool {
	if s.watch.state == idle {
		return false
	}
	r := s.watch.req
	st := r.Status()
	switch {
	case st == afd.StatusPending || st == afd.StatusCancelled:
		return false
	case closedSocket(st):
		return true
	case st.IsError():
		return false
	}
	return r.Handles()[0].Events&afd.LocalClose != 0
}

// wakeToDeliver wakes a blocked Wait when a call outside Wait found
// readiness: a poll that completed inline is on no port, and a packet
// that Add took in (see dequeueNow) is gone from it, a signalled handle's
// too.
func (p *sysPoller) wakeToDeliver() {
	if len(p.deliverq) > 0 || len(p.firedHandles) > 0 {
		p.wake()
	}
}

// pollAgain makes the polls of s ask for what s wants now. The polls in
// flight are kept if they cover it. Otherwise, while the group's poll is
// pending, s is polled on its own (pollOwn); with none pending the group
// is queued, and a blocked Wait is told to flush it.
func (p *sysPoller) pollAgain(s *sockState) {
	if s.covered() {
		return
	}
	if s.g.poll != nil || perSocketPolls {
		p.pollOwn(s)
		p.regroup(s.g)
		return
	}
	p.queueGroup(s.g)
	p.flushWake()
}

// check drops the members of a group whose readiness poll the driver
// refused that are no longer sockets: closed in a race with the watch
// that would have dropped them, their handle values free or taken by
// other objects. The caller polls the others next.
func (p *sysPoller) check(g *group) {
	g.suspect = false
	// Backwards: drop moves the last member into the slot it empties.
	for i := len(g.members) - 1; i >= 0; i-- {
		s := g.members[i]
		if _, err := windows.GetsockoptInt(s.base, windows.SOL_SOCKET, soType); err != nil {
			p.drop(s)
		}
	}
}

// submitGroup submits the readiness poll of g, naming every member that
// wants events, and cancels the members' own polls in flight: the group's
// poll takes them in. A poll that completes at once (a member is ready) is
// processed at once: the devices skip the port on success, so no packet
// will come for it. A poll the driver refuses because a member is no
// longer a socket has the members checked (see check) and is submitted
// again; one it refuses otherwise, or again once checked, fails the next
// Wait, and is submitted again by the one after.
func (p *sysPoller) submitGroup(g *group, checked bool) {
	gp := p.polls.get(g)
	for _, s := range g.members {
		w := s.wanted()
		if w == 0 {
			continue
		}
		gp.set(s, w)
		s.inPoll, s.polling = true, w
		// The group's poll takes it in: one poll to complete and fetch
		// for the group instead of one each (see regroup).
		s.own.cancel(g.dev)
	}
	if len(gp.socks) == 0 {
		p.polls.put(gp)
		return
	}
	done, err := p.submit(g.dev, &gp.afdPoll)
	if err != nil {
		for _, s := range gp.socks {
			s.inPoll = false
		}
		n := len(gp.socks)
		p.polls.put(gp)
		if closedSocket(err) && !checked {
			// A member is not a socket any more: the next flush finds it.
			g.suspect = true
		} else {
			p.fail(fmt.Errorf("poll of %d sockets: %w", n, err))
		}
		p.queueGroup(g)
		return
	}
	g.poll = gp
	if done {
		p.completeGroup(gp)
	}
}

// completeGroup processes the outcome of a readiness poll, dequeued or
// inline: every member it reports, then the group is queued to be polled
// again. Members it did not report keep their state.
func (p *sysPoller) completeGroup(gp *groupPoll) {
	g := gp.g
	g.poll = nil
	for _, s := range gp.socks {
		if !s.deleted {
			s.inPoll = false
		}
	}
	st := gp.req.Status()
	switch {
	case st == afd.StatusCancelled:
		// By Close, or by regroup: the group is polled again below.
	case closedSocket(st):
		// A member is no longer a socket the driver knows.
		g.suspect = true
	case st.IsError():
		p.fail(fmt.Errorf("poll of %d sockets completed: %w", len(gp.socks), st))
	default:
		hint := 0
		for _, e := range gp.req.Ready() {
			var s *sockState
			s, hint = gp.member(e.Handle, hint)
			if s != nil && !s.deleted {
				p.fired(s, e.Events)
			}
		}
	}
	p.polls.put(gp)
	p.queueGroup(g)
}

// completeWatch processes the completion of the watch poll of s. It ends
// when the socket is closed (LOCAL_CLOSE), deleted (the socket then
// closed, or the watch cancelled) or gone (an error status). Should it
// report anything else (with two polls on one socket, an event has been
// seen to complete the older poll instead of the one that asked for it),
// the events count as readiness and the watch starts again; for a
// deleted socket registered again, they count for the new registration.
func (p *sysPoller) completeWatch(s *sockState) {
	st := s.watch.req.Status()
	if s.deleted {
		if t := p.socks[s.fd]; t != nil && t.base == s.base && st != afd.StatusCancelled && !st.IsError() {
			if ready := s.watch.req.Ready(); len(ready) > 0 && ready[0].Events&afd.LocalClose == 0 {
				p.fired(t, ready[0].Events)
			}
		}
		p.settle(s)
		return
	}
	if st == afd.StatusCancelled || closedSocket(st) {
		p.drop(s)
		return
	}
	var fired afd.Events
	if st.IsError() {
		// Not a closed socket: the caller hears of it, and the watch
		// starts again.
		p.report(s, Err)
	} else if ready := s.watch.req.Ready(); len(ready) > 0 {
		fired = ready[0].Events
	}
	if !p.fired(s, fired) {
		return
	}
	p.queueGroup(s.g)
	done, err := p.submit(s.g.dev, &s.watch)
	switch {
	case err != nil:
		p.sockFailed(s, err)
	case done:
		p.completeWatch(s)
	}
}

// fired records the events a poll reported for s. It reports false when
// the socket was closed, and so dropped.
func (p *sysPoller) fired(s *sockState, fired afd.Events) bool {
	if fired&afd.LocalClose != 0 {
		p.drop(s)
		return false
	}
	if s.disabled {
		return true
	}
	if p.report(s, epollEvents(fired, s.datagram)) && s.interest&Edge != 0 {
		s.consumed |= afdConsumed(fired)
	}
	return true
}

// forgetFound forgets the readiness of s not yet delivered, and takes it off
// the delivery list: left there, it would still count as readiness to
// deliver, waking a Wait and holding back its group's next poll (see
// refresh) for nothing.
func (p *sysPoller) forgetFound(s *sockState) {
	s.found = 0
	if !s.onDeliverq {
		return
	}
	s.onDeliverq = false
	if i := slices.Index(p.deliverq, s); i >= 0 {
		p.deliverq = slices.Delete(p.deliverq, i, i+1)
	}
}

// report adds the readiness ev, masked with the interest of s, to what
// the next Wait delivers for s. It reports whether anything was left.
func (p *sysPoller) report(s *sockState, ev Events) bool {
	if s.disabled {
		return false
	}
	ev = reported(ev, s.interest)
	if ev == 0 {
		return false
	}
	s.found |= ev
	if !s.onDeliverq {
		s.onDeliverq = true
		p.deliverq = append(p.deliverq, s)
	}
	return true
}

// sockFailed handles a failure of a poll of the socket's own (its watch
// or its one-handle poll): a socket that is no longer one is dropped,
// and any other failure is reported as Err on its next event.
func (p *sysPoller) sockFailed(s *sockState, err error) {
	if closedSocket(err) {
		p.drop(s)
		return
	}
	p.report(s, Err)
}

// fail records a failure of a group's poll for the next Wait to return
// (the first, when several come before it).
func (p *sysPoller) fail(err error) {
	if p.failure == nil {
		p.failure = err
	}
}

// takeFailure returns the recorded failure, if any, and forgets it.
func (p *sysPoller) takeFailure() error {
	err := p.failure
	p.failure = nil
	return err
}

func (p *sysPoller) queueGroup(g *group) {
	if !g.inUpdate {
		g.inUpdate = true
		p.updateq = append(p.updateq, g)
	}
}

// refresh brings the readiness poll of g in line with its members: it
// checks a suspect group, then submits the poll, or cancels one that no
// longer covers what the members want. A group with readiness not yet
// delivered waits: polling again would only find it again.
func (p *sysPoller) refresh(g *group) {
	if g.hasUndelivered() {
		p.queueGroup(g)
		return
	}
	checked := g.suspect
	if checked {
		p.check(g)
	}
	if g.poll == nil && !perSocketPolls {
		p.submitGroup(g, checked)
		return
	}
	// Backwards: pollOwn may drop a member, which moves the last member
	// into the slot it empties.
	for i := len(g.members) - 1; i >= 0; i-- {
		if s := g.members[i]; !s.covered() {
			p.pollOwn(s)
		}
	}
	p.regroup(g)
}

// flush brings the polls of the queued groups up to date. Groups whose
// level-triggered members were just delivered are here too: their next
// poll completes at once while those stay ready.
func (p *sysPoller) flush(limit int) {
	// Swap the lists: polls that complete inline queue their group again,
	// for the next flush, into the other list's room.
	q := p.updateq
	p.updateq, p.flushq = p.flushq[:0], nil
	i := 0
	// Stop once there is more readiness than the Wait can deliver: the
	// rest waits for the next Wait, in order. This bounds the time a Wait
	// holds the lock, and is fair to groups further down the list.
	for ; i < len(q) && len(p.deliverq) < limit; i++ {
		g := q[i]
		q[i] = nil
		g.inUpdate = false
		p.refresh(g)
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

// deliver moves readiness from the delivery list into events.
func (p *sysPoller) deliver(events []Event) int {
	n, i := 0, 0
	for ; i < len(p.deliverq) && n < len(events); i++ {
		s := p.deliverq[i]
		p.deliverq[i] = nil
		s.onDeliverq = false
		if s.deleted || s.found == 0 {
			continue
		}
		events[n] = Event{Events: s.found, Key: s.key}
		n++
		s.found = 0
		if s.interest&Oneshot != 0 {
			s.disabled = true
		}
		p.queueGroup(s.g)
	}
	rest := copy(p.deliverq, p.deliverq[i:])
	clear(p.deliverq[rest:])
	p.deliverq = p.deliverq[:rest]
	k := 0
	for ; k < len(p.firedHandles) && n < len(events); k++ {
		events[n] = Event{Events: In, Key: p.firedHandles[k]}
		n++
	}
	p.firedHandles = p.firedHandles[:copy(p.firedHandles, p.firedHandles[k:])]
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
		case keyFlush:
			// A Wait flushes before it blocks again; a caller that is no
			// Wait passes it on.
			p.flushPosted.Store(false)
			if closed == nil {
				p.flushWake()
			}
		case keyHandle:
			p.handleFired(e.Bytes)
		case keyAFD:
			r := afd.RequestOf(e.Overlapped)
			ap := p.dequeued(r)
			if ap == nil {
				break
			}
			switch c := r.Context.(type) {
			case *groupPoll:
				p.completeGroup(c)
			case *sockState:
				if ap == &c.watch {
					p.completeWatch(c)
				} else {
					p.completeOwn(c)
				}
			}
		}
		*e = iocp.Entry{}
	}
}

// portMayHold reports whether the port may hold a packet: a poll in
// flight, a wake-up or flush posted, or a registered handle. Without, a
// dequeue would find nothing, and under Wine it costs two requests.
func (p *sysPoller) portMayHold() bool {
	return len(p.inflight) > 0 || len(p.handles) > 0 || p.wakePosted.Load() || p.flushPosted.Load()
}

// dequeueNow processes a batch of what the port holds, without waiting,
// for a caller that is no Wait, and returns how many packets it took.
// What they bring is for the Waits: a blocked one is woken for readiness
// they report, and told to flush for groups they queue (the packets were
// taken from under it).
func (p *sysPoller) dequeueNow() (int, error) {
	buf := entryPool.Get().(*[entryBatch]iocp.Entry)
	defer entryPool.Put(buf)
	n, err := p.port.Wait(buf[:], 0)
	if err != nil {
		return 0, err
	}
	p.process(buf[:n], nil)
	p.wakeToDeliver()
	if len(p.updateq) > 0 {
		p.flushWake()
	}
	return n, nil
}

func (p *sysPoller) wait(events []Event, timeout time.Duration, closed *atomic.Bool) (int, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	p.yield()
	buf := entryPool.Get().(*[entryBatch]iocp.Entry)
	defer entryPool.Put(buf)
	rounds := 0 // flushes repeated for a repoll
	for {
		p.mu.Lock()
		taken := 0
		// drained: the port was just emptied (of a batch at most), so
		// readiness that the flush finds is returned without asking the
		// port again.
		drained := len(p.updateq) > 0
		if drained && p.portMayHold() {
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
		if n == len(events) || (n > 0 && drained) || woken {
			p.passOn()
			p.mu.Unlock()
			return n, nil
		}
		if n == 0 && p.failure != nil {
			// Events first: a failure waits for a Wait with none.
			err := p.takeFailure()
			p.passOn()
			p.mu.Unlock()
			return 0, err
		}
		// repoll: a group still waits for its poll (one completed inline
		// during the flush, and queued its group again). Blocking now
		// would leave its members unpolled, and the Wait deaf to them
		// until something else came: take in what the port holds
		// without waiting, and flush again.
		repoll := len(p.updateq) > 0
		t := timeout
		switch {
		case n > 0 || repoll:
			t = 0 // take what else is queued, without waiting
		case timeout > 0:
			if t = time.Until(deadline); t < 0 {
				t = 0
			}
		}
		if t != 0 && testHookBlock != nil {
			testHookBlock(p)
		}
		// Counted before the lock is released: a call that queues a group
		// from now on posts a flush packet.
		p.blocked++
		p.mu.Unlock()
		m, err := p.port.Wait(buf[:], t)
		p.mu.Lock()
		p.blocked--
		if err != nil {
			p.passOn()
			p.mu.Unlock()
			return n, err
		}
		p.process(buf[:m], closed)
		n += p.deliver(events[n:])
		woken = p.woken
		p.woken = false
		var failure error
		if n == 0 {
			failure = p.takeFailure()
		}
		leaving := n > 0 || woken || closed.Load() || failure != nil
		if leaving {
			p.passOn()
		}
		p.mu.Unlock()
		if leaving {
			return n, failure
		}
		if repoll {
			rounds++
			if (timeout == 0 && rounds > maxRepoll) || (timeout > 0 && !time.Now().Before(deadline)) {
				p.leave()
				return 0, nil
			}
			continue
		}
		if m == 0 && t >= 0 && (timeout == 0 || !time.Now().Before(deadline)) {
			p.leave()
			return 0, nil
		}
	}
}

// passOn makes a blocked Wait take over what a Wait that returns leaves
// behind: readiness it had no room for, and groups still to be polled
// (queued by the packets it dequeued, or not reached by its flush). The
// packets that would have woken another Wait for them are gone, and the
// caller of this one may never call Wait again: without, the blocked
// Waits stay deaf to it (epoll likewise wakes another waiter while its
// ready list is not empty). The caller holds p.mu.
func (p *sysPoller) passOn() {
	if len(p.deliverq) > 0 || len(p.firedHandles) > 0 || len(p.updateq) > 0 {
		p.flushWake()
	}
}

// leave is passOn for a Wait that returns without holding p.mu.
func (p *sysPoller) leave() {
	p.mu.Lock()
	p.passOn()
	p.mu.Unlock()
}

// testHookBlock, if set, is called with p.mu held by a Wait about to
// block on the port: the tests check the poller's invariants there.
var testHookBlock func(p *sysPoller)

// maxRepoll bounds the flushes a Wait with a zero timeout repeats for
// groups whose polls completed inline with nothing to deliver (see
// repoll in wait); the others repeat them until their deadline. With the
// interest asked of the driver the exact inverse of what is reported
// (afdInterest), a poll that completes inline has something to deliver,
// so one more flush is the most any Wait should need.
const maxRepoll = 4

// yieldEvery is how often Waits pass through the Go scheduler (see
// yield): within the scheduler's time slice of 10 ms, with room for the
// system monitor's view of it, which it updates on its ticks.
const yieldEvery = 5 * time.Millisecond

// yield passes through the Go scheduler, at most once every yieldEvery
// across the Waits of p. A goroutine that only runs and makes system
// calls never does by itself, and once it has gone a time slice (10 ms)
// without, the system monitor takes its processor away in every system
// call that outlasts one of its ticks (20 us), even with processors idle,
// hands it to another thread and stays awake, ticking every 20 us, to do
// so again. An event loop is such a goroutine; under Wine every system
// call is a round trip to the wine server, long enough to be taken, and
// each tick costs two requests and a thread woken. A yield starts a new
// time slice; it costs a thread woken too (Gosched offers the goroutine
// to idle processors), hence the rate limit.
func (p *sysPoller) yield() {
	now := time.Since(epoch)
	if last := p.lastYield.Load(); now-time.Duration(last) < yieldEvery || !p.lastYield.CompareAndSwap(last, int64(now)) {
		return
	}
	runtime.Gosched()
}

// epoch is the origin of sysPoller.lastYield.
var epoch = time.Now()

func (p *sysPoller) wake() error {
	if p.wakePosted.Swap(true) {
		return nil // one is queued already; wake-ups coalesce
	}
	return p.postWake()
}

// flushWake makes a blocked Wait flush the update list, without
// returning, when a call outside Wait queued a group: Add, Modify and
// Rearm take effect at once.
func (p *sysPoller) flushWake() {
	if p.blocked == 0 || p.flushPosted.Swap(true) {
		return
	}
	if p.port.Post(keyFlush, nil, 0) != nil {
		p.flushPosted.Store(false)
	}
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
	for len(p.inflight) > 0 && time.Now().Before(deadline) {
		n, werr := p.port.Wait(buf[:], time.Until(deadline))
		if werr != nil {
			break
		}
		p.process(buf[:n], nil)
	}
	if len(p.inflight) > 0 {
		err = fmt.Errorf("poll: close: %d polls did not complete", len(p.inflight))
	}
	if gerr := p.groups.close(); gerr != nil && err == nil {
		err = gerr
	}
	if cerr := p.port.Close(); cerr != nil && !errors.Is(cerr, iocp.ErrClosed) && err == nil {
		err = cerr
	}
	return err
}
