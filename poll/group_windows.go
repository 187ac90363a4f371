package poll

import (
	"fmt"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

// groupSize is how many sockets share one AFD device and its polls.
const groupSize = 32

// A group is one AFD device and up to groupSize sockets, its members. The
// group, not the socket, owns the polls, each a multi-handle AFD poll:
//
//   - ready asks, for every member that wants events, for what it wants
//     plus LOCAL_CLOSE. It is submitted when the update list is flushed
//     (at the start of a Wait) and, once it completes, every reported
//     member is processed at once: events found together cost one ioctl,
//     one result and one dequeue. It is cancelled when a member comes to
//     want what it does not ask for; its completion queues the group to be
//     polled again.
//   - watch asks for LOCAL_CLOSE of every member and stays pending from
//     the first Add to the last Delete. It is replaced on every Add and
//     Delete, the new one submitted before the old one is cancelled, so
//     that no member is ever left unwatched by a change of membership: a
//     socket deleted and then closed is never named again, and a socket
//     closed without Delete completes a poll whose packet drops it before
//     the next flush names its handle value, which the system reuses at
//     once (wepoll #34).
//
// Why not one poll for both: a member's closing completes every poll that
// names it, and the readiness poll completes all the time, each time
// leaving the members it did not report unwatched until it is submitted
// again. The watch covers them meanwhile. Only the watch's own completion
// on a close (a socket closed without Delete) leaves the others
// unwatched; the group is then suspect, and before any of their handle
// values is named again each member is checked to be a socket still
// (SO_TYPE), which drops the members closed in that gap. Under Wine that
// check matters: its server aborts when asked to poll a handle that names
// an AFD device (which Wine implements as a socket without a descriptor).
//
// Pending polls per process are so at most two per group, plus old
// watches whose cancellation has not been dequeued. Under Wine this is
// what keeps Add, Modify and Delete flat as sockets grow: its server
// walks every pending operation of the process on each cancellation and
// on each result fetched. On Windows a cancellation scans the polls of
// one device, a handful here.
type group struct {
	dev     *afd.Device
	members []*sockState

	ready      *groupPoll // readiness poll in flight, or nil
	cancelling bool       // ready has been cancelled

	suspect  bool // the driver refused a poll: check the members
	inUpdate bool // on the poller's update list
}

// add makes s a member of g.
func (g *group) add(s *sockState) {
	s.g, s.slot = g, len(g.members)
	g.members = append(g.members, s)
}

// remove ends the membership of s.
func (g *group) remove(s *sockState) {
	last := len(g.members) - 1
	moved := g.members[last]
	g.members[s.slot], moved.slot = moved, s.slot
	g.members[last] = nil
	g.members = g.members[:last]
	s.g = nil
}

// pendingReady reports whether the member has readiness not yet delivered.
func (g *group) pendingReady() bool {
	for _, s := range g.members {
		if s.inReady {
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
	g := &group{dev: dev, members: make([]*sockState, 0, groupSize)}
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
