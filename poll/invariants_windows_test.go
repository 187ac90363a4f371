package poll

import (
	"errors"
	"fmt"
	"testing"
)

// The invariants of the Windows poller's state, which the tests check
// before every Wait blocks (see init), and FuzzOps after every operation.

func init() {
	testHookBlock = func(p *sysPoller) {
		err := p.invariants()
		if err == nil && len(p.updateq) > 0 && !p.flushPosted.Load() {
			// Its groups' polls would not be submitted until something
			// else came: deaf to their members.
			err = fmt.Errorf("%d groups waiting for their polls", len(p.updateq))
		}
		if err != nil {
			// Unlocked, so that the test's clean-up can close p.
			p.mu.Unlock()
			panic(fmt.Sprintf("poll: Wait about to block: %v", err))
		}
	}
}

// invariants reports what is wrong with the state of p, whose mutex the
// caller holds:
//   - the requests in flight are exactly the polls that are not idle, as
//     far as they are reachable from the groups and their sockets (those
//     of deleted sockets whose polls were cancelled are reachable only
//     from the set);
//   - every registered socket that wants events is covered by a poll in
//     flight that asks for them, or has readiness to deliver, or its
//     group is queued to be polled, or will be once a cancelled poll
//     that names it completes;
//   - the delivery list holds exactly the sockets marked on it, each once,
//     registered and with readiness; the update list likewise its groups.
func (p *sysPoller) invariants() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for r, ap := range p.inflight {
		if ap.req != r || ap.state == idle {
			bad("request %p in flight: its poll is %v", r, ap.state)
		}
	}
	inSet := func(what string, ap *afdPoll) {
		if ap.inFlight() && p.inflight[ap.req] != ap {
			bad("%s %v, not in the set in flight", what, ap.state)
		}
	}
	for _, g := range p.groups.all {
		if g.poll != nil {
			if !g.poll.inFlight() {
				bad("group %p: its readiness poll is idle", g)
			}
			inSet("group poll", &g.poll.afdPoll)
		}
		for _, list := range [][]*sockState{g.members, g.lingering} {
			for _, s := range list {
				inSet("watch", &s.watch)
				inSet("own poll", &s.own)
			}
		}
	}
	for _, gp := range p.polls {
		if gp.inFlight() {
			bad("a free group poll is %v", gp.state)
		}
	}
	for fd, s := range p.socks {
		switch {
		case s.fd != fd || s.deleted:
			bad("socket %#x: registered as %#x, deleted %v", fd, s.fd, s.deleted)
		case s.slot >= len(s.g.members) || s.g.members[s.slot] != s:
			bad("socket %#x: not in its group's slot %d", fd, s.slot)
		case s.inPoll && s.g.poll == nil:
			bad("socket %#x: named by its group's poll, which is not in flight", fd)
		case s.wanted() != 0 && !s.covered() && !s.onDeliverq && !s.g.inUpdate && !requeues(s):
			bad("socket %#x wants %#x: no poll in flight asks for it (group's %#x named %v, own %#x %v), no readiness to deliver, group not queued",
				fd, uint32(s.wanted()), uint32(s.polling), s.inPoll, uint32(s.own.asked), s.own.state)
		}
	}
	onDeliverq := map[*sockState]bool{}
	for _, s := range p.deliverq {
		if onDeliverq[s] || !s.onDeliverq || s.deleted || s.found == 0 || p.socks[s.fd] != s {
			bad("socket %#x on the delivery list: twice %v, marked %v, deleted %v, readiness %v", s.fd, onDeliverq[s], s.onDeliverq, s.deleted, s.found)
		}
		onDeliverq[s] = true
	}
	for _, s := range p.socks {
		if s.onDeliverq && !onDeliverq[s] {
			bad("socket %#x marked on the delivery list, and not on it", s.fd)
		}
	}
	queued := map[*group]bool{}
	for _, g := range p.updateq {
		if queued[g] || !g.inUpdate {
			bad("group %p on the update list: twice %v, marked %v", g, queued[g], g.inUpdate)
		}
		queued[g] = true
	}
	for _, g := range p.groups.all {
		if g.inUpdate && !queued[g] {
			bad("group %p marked on the update list, and not on it", g)
		}
	}
	return errors.Join(errs...)
}

// requeues reports whether a poll in flight that names s was cancelled:
// its completion, which is still to come, queues the group of s.
func requeues(s *sockState) bool {
	return s.own.state == cancelling || (s.inPoll && s.g.poll != nil && s.g.poll.state == cancelling)
}

func (s pollState) String() string {
	switch s {
	case idle:
		return "idle"
	case pending:
		return "pending"
	case cancelling:
		return "cancelling"
	}
	return fmt.Sprintf("pollState(%d)", uint8(s))
}

// checkInvariants fails the test if the state of p breaks an invariant.
func checkInvariants(t testing.TB, p *Poller) {
	t.Helper()
	p.sys.mu.Lock()
	err := p.sys.invariants()
	p.sys.mu.Unlock()
	if err != nil {
		t.Fatalf("poller state: %v", err)
	}
}

// blockedWaits returns how many Waits of p are blocked on the port with
// nothing left to do (no flush posted for them, no group queued).
func blockedWaits(p *Poller) (n int, known bool) {
	p.sys.mu.Lock()
	defer p.sys.mu.Unlock()
	if p.sys.flushPosted.Load() || len(p.sys.updateq) > 0 {
		return 0, true
	}
	return p.sys.blocked, true
}
