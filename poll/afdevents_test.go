package poll

import (
	"testing"

	"github.com/goafd/afd"
)

// TestAFDInterestInverse: for every interest and both kinds of socket, a
// poll asks the driver for an event exactly when its report would reach
// the caller. An event asked and masked on report completes a poll with
// nothing to deliver; one reported and not asked is never seen.
func TestAFDInterestInverse(t *testing.T) {
	for _, datagram := range []bool{false, true} {
		for mask := range 1 << len(requestable) {
			var ev Events
			for i, b := range requestable {
				if mask&(1<<i) != 0 {
					ev |= b
				}
			}
			asked := afdInterest(ev, datagram)
			if asked&afd.LocalClose == 0 {
				t.Errorf("interest %v (datagram %v): LocalClose not asked", ev, datagram)
			}
			for _, b := range afdReportable {
				got := reported(epollEvents(b, datagram), ev)
				if (asked&b != 0) != (got != 0) {
					t.Errorf("interest %v (datagram %v): AFD event %#x asked %v, reported as %v",
						ev, datagram, uint32(b), asked&b != 0, got)
				}
			}
		}
	}
	// What the old mapping got wrong.
	if a := afdInterest(WrBand, false); a&afd.Send != 0 {
		t.Errorf("WrBand on TCP asks Send (%#x): Linux reports WrBand for datagram sockets only", uint32(a))
	}
	if a := afdInterest(WrBand, true); a&afd.Send == 0 {
		t.Errorf("WrBand on UDP does not ask Send (%#x)", uint32(a))
	}
	if a := afdInterest(RdBand, false); a&afd.ReceiveExpedited != 0 {
		t.Errorf("RdBand asks ReceiveExpedited (%#x), which is reported as Pri", uint32(a))
	}
}
