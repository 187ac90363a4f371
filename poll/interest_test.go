package poll

import (
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// requestable are the bits a registration may ask for, mode flags aside.
var requestable = []Events{In, Pri, Out, RdNorm, RdBand, WrNorm, WrBand, Msg, RdHup}

// idleReadiness is what Linux reports for an idle socket of each kind
// (connected TCP, bound UDP, listener): writability, in the bits its
// protocol sets. Linux sets WrBand for datagram sockets only, and nothing
// for an idle listener.
var idleReadiness = map[string]Events{
	"tcp":      Out | WrNorm,
	"udp":      Out | WrNorm | WrBand,
	"listener": 0,
}

// TestInterestNotDeaf registers, for every combination of requestable
// bits, an idle socket of each kind next to a socket of the same Poller
// registered for In, then makes data arrive on the latter: it must be
// reported, and the idle socket exactly as Linux reports it. A poll that
// asks the driver for an event whose report the interest then masks
// completes with nothing to deliver; the poller used to leave the
// group's poll unsubmitted after that, and stayed deaf to the In socket.
func TestInterestNotDeaf(t *testing.T) {
	from, _ := udp(t, sock.UDP4)
	c, _ := pair(t, sock.TCP4)
	u, _ := udp(t, sock.UDP4)
	l, _, err := sock.Listen(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, l)
	idle := map[string]sock.Handle{"tcp": c, "udp": u, "listener": l}
	for _, kind := range []string{"tcp", "udp", "listener"} {
		for mask := range 1 << len(requestable) {
			var interest Events
			for i, b := range requestable {
				if mask&(1<<i) != 0 {
					interest |= b
				}
			}
			want := idleReadiness[kind] & interest
			// The socket that gets data later: a fresh one each time, so
			// that nothing is left over from the previous combination.
			h, addr := udp(t, sock.UDP4)
			p := newPoller(t)
			add(t, p, idle[kind], 1, interest)
			add(t, p, h, 2, In)
			// Let the first polls complete before the data comes.
			wait(t, p, 0)
			// The data comes once the next Wait has (most likely) polled
			// and blocked: a poller that polled and then stopped
			// polling sees it only if it comes before.
			sent := make(chan error, 1)
			go func() {
				time.Sleep(2 * time.Millisecond)
				sent <- sock.SendTo(from, []byte("x"), addr)
			}()
			checkIdleAndData(t, p, kind, interest, want)
			if err := <-sent; err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if err := sock.Close(h); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkIdleAndData waits for key 2 to be reported In, and for key 1 to be
// reported want (if not 0); every report of key 1 must be want.
func checkIdleAndData(t *testing.T, p *Poller, kind string, interest, want Events) {
	t.Helper()
	var all seen
	gotData, gotIdle := false, want == 0
	for deadline := time.Now().Add(eventTimeout); !gotData || !gotIdle; {
		if time.Now().After(deadline) {
			t.Fatalf("%s socket registered for %v beside a socket registered for In that received data: saw %v; want 1:%v and 2:IN",
				kind, interest, all, want)
		}
		for _, e := range wait(t, p, time.Until(deadline)) {
			all = append(all, e)
			switch {
			case e.Key == 2 && e.Events == In:
				gotData = true
			case e.Key == 1 && e.Events == want && want != 0:
				gotIdle = true
			default:
				t.Fatalf("%s socket registered for %v: unexpected report; saw %v, want 1:%v and 2:IN",
					kind, interest, all, want)
			}
		}
	}
}
