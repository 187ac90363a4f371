package poll

import "github.com/goafd/afd"

// pollState is where an AFD poll is in its life.
type pollState uint8

const (
	// idle: not submitted, or its outcome taken in. Its request is the
	// poller's to set and submit.
	idle pollState = iota
	// pending: submitted, its packet not yet dequeued. The driver may
	// write into its request until then.
	pending
	// cancelling: pending, and cancelled. Its packet still comes, with
	// StatusCancelled or, if it completed first, its outcome.
	cancelling
)

// An afdPoll is one AFD poll that this package issues, whatever it is
// for: the readiness poll of a group, the one-handle poll of a socket
// whose interest grew (see pollOwn), the close watch of a socket. Its
// state changes only through submit, cancel and dequeued, which keep
// the poller's set of requests in flight (inFlight) in step with it.
type afdPoll struct {
	req   *afd.Request
	state pollState
	// asked is what a one-handle poll asks for while it is not idle (a
	// group's poll asks per member: see sockState.polling).
	asked afd.Events
}

// newAFDPoll returns an idle poll with room for n handles, whose
// completion is handed to owner (the request's Context).
func newAFDPoll(n int, owner any) afdPoll {
	r := afd.NewRequest(n)
	r.Context = owner
	return afdPoll{req: r}
}

// inFlight reports whether ap was submitted and its packet is still to
// be dequeued.
func (ap *afdPoll) inFlight() bool { return ap.state != idle }

// cancel asks the driver to end a pending poll early. Its packet still
// has to be dequeued. A poll that is idle or cancelled already is left
// as it is.
func (ap *afdPoll) cancel(dev device) {
	if ap.state != pending {
		return
	}
	ap.state = cancelling
	dev.Cancel(ap.req) // StatusNotFound: completed, its packet is on its way
}

// inFlight maps every request submitted to the driver whose packet has
// not been dequeued to its poll. The driver writes into a request until
// then; afd pins it, but a pin alone does not keep it alive (it does
// today only through a cycle with the pin's finalizer, which the runtime
// does not promise), and what submitted it may have let it go (a deleted
// socket whose polls were cancelled). The poller owns it here from
// submission until its packet is dequeued; its size is the number of
// polls in flight.
type inFlight map[*afd.Request]*afdPoll

// submit polls ap, which must be idle, on dev. It reports done when the
// driver answered at once and no packet follows (the devices skip the
// port on success): ap is idle again and its outcome final. Otherwise,
// unless the driver refused it, ap is pending until its packet is
// dequeued: that includes a poll answered at once with a warning status,
// whose packet is queued all the same.
func (p *sysPoller) submit(dev device, ap *afdPoll) (done bool, err error) {
	if ap.state != idle {
		panic("poll: submit of a poll in flight")
	}
	done, err = dev.Poll(ap.req)
	if err != nil {
		return false, err
	}
	if done && !ap.req.Pending() {
		return true, nil
	}
	ap.state = pending
	p.inflight[ap.req] = ap
	return false, nil
}

// dequeued takes r, whose packet was just dequeued, out of flight and
// returns its poll, now idle. It returns nil for a request the poller
// did not submit, or whose packet came already.
func (p *sysPoller) dequeued(r *afd.Request) *afdPoll {
	ap := p.inflight[r]
	if ap == nil {
		return nil
	}
	delete(p.inflight, r)
	ap.state = idle
	return ap
}
