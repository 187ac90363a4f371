package poll

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// awaitBlocked returns once n Waits of p are blocked: exactly where the
// backend counts them, after a pause elsewhere (epoll keeps no count).
func awaitBlocked(t testing.TB, p *Poller, n int) {
	t.Helper()
	deadline := time.Now().Add(eventTimeout)
	for {
		got, known := blockedWaits(p)
		if !known {
			time.Sleep(20 * time.Millisecond)
			return
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Waits blocked, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWaitersShareLeftover: a Wait with room for one event takes the
// readiness of two sockets, found together, and returns one of them; a
// second Wait blocked meanwhile must get the other without the first
// calling Wait again, as epoll wakes another waiter while its ready list
// is not empty. Whichever Wait takes the readiness first is up to the
// system: rounds repeat until the one with room for one did.
func TestWaitersShareLeftover(t *testing.T) {
	for round := 0; round < 20; round++ {
		if shareLeftoverRound(t) {
			return
		}
	}
	t.Skip("the Wait with room for one event never took the readiness first")
}

// shareLeftoverRound runs one round, and reports whether the Wait with
// room for one event was the one that took the readiness.
func shareLeftoverRound(t *testing.T) bool {
	p, err := New(testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, addrA := udp(t, sock.UDP4)
	b, addrB := udp(t, sock.UDP4)
	add(t, p, a, 1, In)
	add(t, p, b, 2, In)
	type result struct {
		small bool
		evs   seen
		err   error
	}
	results := make(chan result, 2)
	for _, size := range []int{1, 64} {
		go func() {
			buf := make([]Event, size)
			n, err := p.Wait(buf, -1)
			results <- result{size == 1, seen(buf[:n]), err}
		}()
	}
	awaitBlocked(t, p, 2)
	from, _ := udp(t, sock.UDP4)
	if err := sock.SendTo(from, []byte("x"), addrA); err != nil {
		t.Fatal(err)
	}
	if err := sock.SendTo(from, []byte("x"), addrB); err != nil {
		t.Fatal(err)
	}
	got := map[uint64]bool{}
	smallFirst := false
	timeout := time.After(eventTimeout)
	returned := 0
	for ; returned < 2 && len(got) < 2; returned++ {
		select {
		case r := <-results:
			if r.err != nil {
				t.Fatalf("Wait: %v", r.err)
			}
			if returned == 0 && r.small {
				smallFirst = true
			}
			for _, e := range r.evs {
				got[e.Key] = true
			}
		case <-timeout:
			t.Fatalf("reported %v of keys 1 and 2: the other was left with a Wait blocked", got)
		}
	}
	if len(got) < 2 {
		// Both returned before the second datagram had arrived: no
		// conclusion this round.
		return false
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// The Wait still blocked, if any, ends with ErrClosed.
	for ; returned < 2; returned++ {
		select {
		case r := <-results:
			if r.err != nil && !errors.Is(r.err, net.ErrClosed) {
				t.Fatalf("Wait after Close: %v", r.err)
			}
		case <-time.After(eventTimeout):
			t.Fatal("a Wait still blocked after Close")
		}
	}
	return smallFirst
}
