package poll

import (
	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// A sockState is one registered socket on Windows. It owns two one-handle
// AFD poll requests:
//
//   - req asks for the readiness the registration wants. It moves between
//     idle (none in flight, as after a report until the next Wait),
//     pending, and cancelling (in flight, to be replaced or dropped once its
//     completion arrives).
//   - watch asks for nothing but LOCAL_CLOSE and stays pending from Add to
//     Delete, so that closing the socket is seen even while req is idle.
//     Handle values are reused at once: without it, a socket closed right
//     after a report would hide a new socket with the same handle value.
//
// All fields are guarded by the poller's mutex.
type sockState struct {
	fd       uintptr        // the handle the caller registered
	base     windows.Handle // its base provider socket, which AFD polls
	key      uint64
	interest Events // as registered, mode flags included
	datagram bool   // a UDP socket: writability also reports WrBand
	g        *group
	req      *afd.Request
	watch    *afd.Request
	watching bool // watch is in flight

	polling    afd.Events // what the poll in flight asks for
	pending    bool       // a poll is in flight
	cancelling bool       // and it has been cancelled

	// consumed holds, for an edge-triggered registration, the AFD events
	// already reported and not watched again until rearmed. disabled is set
	// once a one-shot registration has reported, until Modify.
	consumed afd.Events
	disabled bool

	ready    Events // readiness found and not yet delivered by Wait
	inReady  bool   // on the poller's ready list
	inUpdate bool   // on the poller's update list
	deleted  bool   // deleted or closed: waits only for its last completion
}

// wanted returns the AFD events the socket's next poll should ask for.
func (s *sockState) wanted() afd.Events {
	if s.disabled {
		return 0
	}
	return afdInterest(s.interest) &^ s.consumed
}

// idle reports whether no request of s is in flight.
func (s *sockState) idle() bool { return !s.pending && !s.watching }
