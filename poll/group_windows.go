package poll

import (
	"fmt"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

// groupSize is how many sockets share one AFD device and its readiness
// poll. Cancelling a poll scans every poll pending on its device, so one
// device for all sockets makes cancellation cost grow with their number
// (trio #1280); wepoll, mio and polling all settle on 32. A device here
// carries one readiness poll and its members' own polls. Larger groups
// save few requests (see README.md), and under Wine each poll costs its
// server a walk over all pending poll entries per socket it names.
const groupSize = 32

// A group is one AFD device and up to groupSize sockets, its members. The
// group owns the readiness poll of its members: one multi-handle AFD poll
// asking, for every member that wants events, for what it wants (which
// includes LOCAL_CLOSE). It is submitted when the update list is flushed
// (at the start of a Wait) and, once it completes, every member it reports
// is processed at once: events found together cost one ioctl, one result
// and one dequeue. Members it does not report keep their state, and the
// group is queued to be polled again. It is never cancelled for a change
// of one member (but by Close): a member whose interest grows while it is
// pending is polled on its own until the next group poll (see pollOwn).
//
// Closing is watched per socket (see sockState), not per group: a socket
// closing completes every poll that names it, so a poll naming several
// members would, on one close, leave the others unwatched until it is
// submitted again; a burst of closes without Delete would then go unseen,
// and the next poll would name handle values that other sockets or
// objects have already taken. With k polls for n sockets at least n-k of
// such closes go unseen, whatever their layout: only a poll per socket
// sees them all. A poller made with DeleteBeforeClose, whose caller
// promises no such close, does without: the group's poll, which asks for
// LOCAL_CLOSE for every member it names, sees the closes it can.
type group struct {
	dev     device
	members []*sockState
	// lingering are dropped members whose own polls are still pending
	// and not cancelled (see drop).
	lingering []*sockState

	poll *groupPoll // the readiness poll in flight (maybe cancelled: see regroup), or nil

	suspect  bool // the driver refused the readiness poll: check the members
	inUpdate bool // on the poller's update list
}

// add makes s a member of g.
func (g *group) add(s *sockState) {
	s.g, s.slot = g, len(g.members)
	g.members = append(g.members, s)
}

// remove ends the membership of s. Its polls may still be in flight on
// the group's device: s.g stays.
func (g *group) remove(s *sockState) {
	g.members = unslot(g.members, s)
}

// linger notes that s, dropped, has polls still pending on the device.
func (g *group) linger(s *sockState) {
	s.lingering, s.slot = true, len(g.lingering)
	g.lingering = append(g.lingering, s)
}

// unlinger notes that the polls of s have all completed.
func (g *group) unlinger(s *sockState) {
	g.lingering = unslot(g.lingering, s)
	s.lingering = false
}

// unslot removes s from list, in which s.slot is its index, by moving the
// last element into its place, and returns the shortened list.
func unslot(list []*sockState, s *sockState) []*sockState {
	last := len(list) - 1
	moved := list[last]
	list[s.slot], moved.slot = moved, s.slot
	list[last] = nil
	return list[:last]
}

// hasUndelivered reports whether a member has readiness not yet delivered.
func (g *group) hasUndelivered() bool {
	for _, s := range g.members {
		if s.onDeliverq {
			return true
		}
	}
	return false
}

// groups hands out room on AFD devices, opening a new one when all are
// full. Its caller serializes access.
type groups struct {
	all  []*group
	free []*group // groups with room, most recently freed last
	// wrap, if set, wraps each device opened: tests inject failures.
	wrap func(*afd.Device) device
}

// get returns a group with room for one more socket.
func (gs *groups) get(port *iocp.Port) (*group, error) {
	if n := len(gs.free); n > 0 {
		g := gs.free[n-1]
		if len(g.members)+1 == groupSize {
			gs.free = gs.free[:n-1]
		}
		return g, nil
	}
	dev, err := afd.Open("")
	if err != nil {
		return nil, err
	}
	if err := port.Associate(dev.Handle(), keyAFD); err != nil {
		dev.Close()
		return nil, err
	}
	err = dev.SetCompletionModes(windows.FILE_SKIP_SET_EVENT_ON_HANDLE | windows.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
	if err != nil {
		dev.Close()
		return nil, err
	}
	var d device = dev
	if gs.wrap != nil {
		d = gs.wrap(dev)
	}
	g := &group{dev: d, members: make([]*sockState, 0, groupSize)}
	gs.all = append(gs.all, g)
	gs.free = append(gs.free, g)
	return g, nil
}

// put notes that g has lost a member: it has room again.
func (gs *groups) put(g *group) {
	if len(g.members) == groupSize-1 {
		gs.free = append(gs.free, g)
	}
}

// cancelAll cancels every poll pending on the devices: each completes
// with StatusCancelled.
func (gs *groups) cancelAll() {
	for _, g := range gs.all {
		g.dev.CancelAll() // StatusNotFound: nothing pending there
	}
}

// close closes every device. Polls still pending would outlive their
// device on Windows: cancelAll, and take in the completions, first.
func (gs *groups) close() error {
	var first error
	for _, g := range gs.all {
		if err := g.dev.Close(); err != nil && first == nil {
			first = fmt.Errorf("poll: %w", err)
		}
	}
	gs.all, gs.free = nil, nil
	return first
}
