package poll

import "github.com/goafd/afd"

// inFlight is the set of requests submitted to the driver whose
// completion has not been dequeued. The driver writes into a request
// until then; afd pins it, but a pin alone does not keep it alive (it
// does today only through a cycle with the pin's finalizer, which the
// runtime does not promise), and the structures that submitted it may
// have let it go (a deleted socket whose polls were cancelled). The
// poller owns it here from submission until its packet is dequeued.
type inFlight map[*afd.Request]struct{}

// submit polls r on dev. It reports done when the driver answered at once
// and no packet follows (the devices skip the port on success): r's
// result is final. Otherwise, unless the driver refused it, r is in
// flight until its packet is dequeued: pending, or answered at once with
// a warning status, whose packet is queued all the same.
func (p *sysPoller) submit(dev device, r *afd.Request) (done bool, err error) {
	done, err = dev.Poll(r)
	if err != nil {
		return false, err
	}
	if done && !r.Pending() {
		return true, nil
	}
	p.inflight[r] = struct{}{}
	return false, nil
}

// dequeued takes r, whose packet was just dequeued, out of flight. It
// reports false for a request the poller did not submit, or whose packet
// came already.
func (p *sysPoller) dequeued(r *afd.Request) bool {
	if _, ok := p.inflight[r]; !ok {
		return false
	}
	delete(p.inflight, r)
	return true
}
