package poll

import (
	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// A groupPoll is one multi-handle AFD poll of a group: the request and
// the members it names, entry i naming socks[i]. A completion is mapped
// back to members through socks, never through the poller's table of
// handles: by the time it is dequeued a member may have been closed and
// its handle value given to a new socket.
type groupPoll struct {
	afdPoll
	g     *group
	socks []*sockState
}

// newGroupPoll returns an empty poll with room for a whole group.
func newGroupPoll() *groupPoll {
	gp := &groupPoll{socks: make([]*sockState, 0, groupSize)}
	gp.afdPoll = newAFDPoll(groupSize, gp)
	return gp
}

// set appends s to the poll, asking for events.
func (gp *groupPoll) set(s *sockState, events afd.Events) {
	gp.req.Set(len(gp.socks), s.base, events)
	gp.socks = append(gp.socks, s)
	gp.req.SetLen(len(gp.socks))
}

// reset empties the poll for reuse.
func (gp *groupPoll) reset() {
	clear(gp.socks)
	gp.socks = gp.socks[:0]
	gp.g = nil
}

// member returns the member that a reported entry names, searching the
// snapshot from hint on (the driver packs reported entries first, in
// their order), and the index after it as the next hint. It returns nil
// if no entry names the handle.
func (gp *groupPoll) member(h windows.Handle, hint int) (*sockState, int) {
	n := len(gp.socks)
	for k := range n {
		i := (hint + k) % n
		if gp.socks[i].base == h {
			return gp.socks[i], i + 1
		}
	}
	return nil, hint
}

// groupPolls is a free list of groupPolls whose completions have been
// taken in. Its caller serializes access.
type groupPolls []*groupPoll

func (ps *groupPolls) get(g *group) *groupPoll {
	var gp *groupPoll
	if n := len(*ps); n > 0 {
		gp = (*ps)[n-1]
		(*ps)[n-1] = nil
		*ps = (*ps)[:n-1]
	} else {
		gp = newGroupPoll()
	}
	gp.g = g
	return gp
}

func (ps *groupPolls) put(gp *groupPoll) {
	gp.reset()
	*ps = append(*ps, gp)
}
