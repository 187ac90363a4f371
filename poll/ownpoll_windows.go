package poll

import "github.com/goafd/afd"

// A socket whose interest grows while its group's readiness poll is
// pending (Add, Modify, Rearm) is polled on its own, with a one-handle
// poll, until the group's poll is next submitted and takes it in. The
// group's poll is never cancelled for it: under Wine submitting (and
// cancelling) a poll costs the wine server a walk over every entry of
// every poll of the process for each socket the poll names, so a change
// of one socket must not resubmit the whole group.

// pollOwn submits the one-handle poll of s for what it wants, or, if
// one is pending that does not cover it, cancels that one: its completion
// queues the group, whose flush polls s again. A poll the driver refuses
// drops s if the handle is no longer a socket, as if closed; any other
// failure is reported as Err (see sockFailed).
func (p *sysPoller) pollOwn(s *sockState) {
	if s.own.inFlight() {
		s.own.cancel(s.g.dev)
		return
	}
	if s.own.req == nil {
		s.own = newAFDPoll(1, s)
	}
	want := s.wanted()
	s.own.req.Set(0, s.base, want)
	s.own.asked = want
	done, err := p.submit(s.g.dev, &s.own)
	if err != nil {
		p.sockFailed(s, err)
		return
	}
	if done {
		p.completeOwn(s)
	}
}

// completeOwn processes the outcome of the one-handle poll of s,
// dequeued or inline, and queues the group to poll s again.
func (p *sysPoller) completeOwn(s *sockState) {
	if s.deleted {
		p.settle(s)
		return
	}
	st := s.own.req.Status()
	switch {
	case st == afd.StatusCancelled:
		// Cancelled to change what it asks for.
	case closedSocket(st):
		// The handle is no longer a socket the driver knows.
		p.drop(s)
		return
	case st.IsError():
		p.report(s, Err)
	default:
		var fired afd.Events
		if ready := s.own.req.Ready(); len(ready) > 0 {
			fired = ready[0].Events
		}
		if !p.fired(s, fired) {
			return
		}
	}
	// Inline, within Add, Modify or Rearm, nothing else would tell a
	// blocked Wait that s is to be polled again.
	p.queueGroup(s.g)
	p.flushWake()
}

// ownLimit is how many members of a group may be polled on their own
// while the group's poll is pending before that poll is cancelled and
// submitted again, taking them in. Every poll that completes costs its own
// fetch of the result, and Wine's server spins on a socket whose completed
// poll has not been fetched yet: sockets left on polls of their own (as
// after a burst of accepts) make a burst of traffic from many of them
// complete one poll each, which the server cannot keep up with, where
// group polls complete them 32 at a time.
const ownLimit = 4

// regroup cancels the readiness poll of g once ownLimit of its members
// are polled on their own: the completion of the cancellation queues the
// group, whose next poll names them all and cancels their own polls.
func (p *sysPoller) regroup(g *group) {
	if g.poll == nil || g.poll.state == cancelling {
		return
	}
	n := 0
	for _, s := range g.members {
		if s.own.state == pending {
			n++
		}
	}
	if n >= ownLimit {
		g.poll.cancel(g.dev)
	}
}
