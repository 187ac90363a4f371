package poll

import (
	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// A sockState is one registered socket on Windows. Its readiness is polled
// by its group (see group); the socket owns one poll: watch, a one-handle
// AFD poll asking for nothing but LOCAL_CLOSE, pending from Add until the
// socket is closed, so that closing it is seen whatever the group's poll is
// doing. (After Delete it is left to complete when the socket is closed,
// or cancelled if too many deleted sockets stay open: see drop.)
// Handle values are reused at once: without it, a socket closed right
// after a report would hide a new socket with the same handle value, or
// the next poll of its group would name an object that is no socket.
// A poller made with DeleteBeforeClose, whose caller never closes a
// registered socket, has no watch (watch.req is nil).
//
// All fields are guarded by the poller's mutex.
type sockState struct {
	fd       uintptr        // the handle the caller registered
	base     windows.Handle // its base provider socket, which AFD polls
	key      uint64
	interest Events     // as registered, mode flags included
	asks     afd.Events // what a poll asks for the interest: afdInterest
	datagram bool       // a UDP socket: writability also reports WrBand
	g        *group     // the group whose device carries its polls
	slot     int        // index in g.members, or in g.lingering once dropped
	watch    afdPoll    // the LOCAL_CLOSE poll (no request with DeleteBeforeClose)

	// inPoll is set while the group's readiness poll in flight names the
	// socket, asking for polling.
	inPoll  bool
	polling afd.Events

	// own is the socket's own readiness poll, for interest that grew
	// while the group's poll was pending (see pollOwn).
	own afdPoll

	// consumed holds, for an edge-triggered registration, the AFD events
	// already reported and not watched again until rearmed. disabled is set
	// once a one-shot registration has reported, until Modify.
	consumed afd.Events
	disabled bool

	found      Events // readiness found and not yet delivered by Wait
	onDeliverq bool   // on the poller's delivery list (deliverq)
	deleted    bool   // deleted or closed: polls that still name it ignore it
	// lingering is set while, dropped, it is on g.lingering: its own
	// polls are pending and not cancelled.
	lingering bool
}

// wanted returns the AFD events the socket's next poll should ask for.
func (s *sockState) wanted() afd.Events {
	if s.disabled {
		return 0
	}
	return s.asks &^ s.consumed
}

// covered reports whether the readiness polls in flight ask for all that
// s wants: then a change of interest needs no new poll, and what the poll
// reports beyond the interest is filtered at delivery.
func (s *sockState) covered() bool {
	w := s.wanted()
	return w == 0 || (s.inPoll && w&^s.polling == 0) || s.ownCovers(w)
}

// ownCovers reports whether the socket's own poll in flight asks for
// all of w.
func (s *sockState) ownCovers(w afd.Events) bool {
	return s.own.state == pending && w&^s.own.asked == 0
}
