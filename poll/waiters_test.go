package poll

import (
	"errors"
	"io/fs"
	"net"
	"sync"
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

// TestAddReusedDuringWait: a socket closed while registered (no Delete),
// and a new socket that takes its handle value and is added at once,
// while another goroutine Waits all along: Add must not fail with
// fs.ErrExist, and the new socket's readiness must come with its own key.
// The blocked Wait may have dequeued the completion that tells of the
// close and not yet processed it when Add looks.
func TestAddReusedDuringWait(t *testing.T) {
	closesRegistered(t)
	if underWine() {
		// The blocked Wait re-polls the group of the closed socket, whose
		// value the next socket takes while Wine's server is still making
		// it (between the open of \Device\Afd and IOCTL_AFD_WINE_CREATE):
		// Wine 8.0's server then aborts on set_fd_events' assertion and
		// every process of the prefix hangs (seen once in four runs of the
		// test command; TestWineAbortCloseNetConnRegistered reproduces it).
		// On Windows closesocket completes the polls that name the socket.
		t.Skip("under Wine a poll racing the creation of a socket in a closed socket's handle value aborts the wine server")
	}
	p := newPoller(t)
	var reports sync.Map // key -> struct{}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		buf := make([]Event, 8)
		for {
			n, err := p.Wait(buf, -1)
			if err != nil {
				select {
				case <-stop:
					done <- nil
				default:
					done <- err
				}
				return
			}
			for _, e := range buf[:n] {
				reports.Store(e.Key, struct{}{})
			}
		}
	}()
	awaitBlocked(t, p, 1)
	from, _ := udp(t, sock.UDP4)
	rounds := scaled(200)
	reused, late := 0, 0
	for i := range rounds {
		old, _, err := sock.Bind(sock.UDP4)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Add(uintptr(old), uint64(2*i), In); err != nil {
			t.Fatal(err)
		}
		// Closed once the Wait polls it and blocks: under Wine, closing
		// a socket while another thread submits a poll naming it, then
		// making a new socket, has hung the whole process.
		awaitBlocked(t, p, 1)
		if err := sock.Close(old); err != nil {
			t.Fatal(err)
		}
		h, addr, err := sock.Bind(sock.UDP4)
		if err != nil {
			t.Fatal(err)
		}
		if h == old {
			reused++
		}
		key := uint64(2*i + 1)
		err = p.Add(uintptr(h), key, In)
		for deadline := time.Now().Add(eventTimeout); underWine() && errors.Is(err, fs.ErrExist) && time.Now().Before(deadline); {
			// Wine (not Windows, where closesocket completes the polls
			// that name the socket) queues the packet of the close now
			// and then after Add has looked: the Wait takes it in.
			late++
			time.Sleep(time.Millisecond)
			err = p.Add(uintptr(h), key, In)
		}
		if err != nil {
			sock.Close(h)
			t.Fatalf("round %d: Add of a new socket (handle value of the closed one: %v): %v", i, h == old, err)
		}
		if err := sock.SendTo(from, []byte("x"), addr); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(eventTimeout)
		for {
			if _, ok := reports.Load(key); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the new socket's datagram was not reported", i)
			}
			time.Sleep(time.Millisecond)
		}
		if err := p.Delete(uintptr(h)); err != nil {
			t.Fatal(err)
		}
		sock.Close(h)
	}
	close(stop)
	p.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if reused == 0 {
		t.Logf("no new socket took the handle value of a closed one: nothing shown")
	}
	t.Logf("%d of %d rounds reused the handle value; Add retried %d times for a late close", reused, rounds, late)
}

// TestModifyStormDuringWait: a socket among others whose interest changes
// many times while another goroutine is blocked in Wait (on Windows:
// while its group's poll is pending, so that its own polls are submitted
// and cancelled one after the other) is reported for its last interest
// and key, and only for those.
func TestModifyStormDuringWait(t *testing.T) {
	p := newPoller(t)
	const others = 8
	for i := range others {
		h, _ := udp(t, sock.UDP4)
		add(t, p, h, uint64(100+i), In)
	}
	h, _ := udp(t, sock.UDP4)
	add(t, p, h, 0, In)
	results := make(chan waitResult, 1)
	go func() {
		buf := make([]Event, 16)
		for {
			n, err := p.Wait(buf, eventTimeout)
			if err != nil || n > 0 {
				results <- waitResult{events: seen(buf[:n]), err: err}
				return
			}
		}
	}()
	awaitBlocked(t, p, 1)
	cycle := []Events{In | Pri, In | RdHup, Pri, In | Edge, In | Oneshot, RdBand, In}
	const n = 50
	for i := range n {
		if err := p.Modify(uintptr(h), uint64(i), cycle[i%len(cycle)]); err != nil {
			t.Fatal(err)
		}
	}
	checkInvariants(t, p)
	// The last change makes it ready: a UDP socket is writable.
	if err := p.Modify(uintptr(h), n, Out|Oneshot); err != nil {
		t.Fatal(err)
	}
	r := receive(t, results)
	if r.err != nil || len(r.events) != 1 || r.events[0] != (Event{Out, n}) {
		t.Fatalf("Wait = %v, %v; want %d:OUT", r.events, r.err, n)
	}
	checkInvariants(t, p)
}

// TestResetRefusedAmongBusy: a reset connection and a refused connect,
// added among many idle sockets (on Windows: to groups whose polls are
// pending) and a few that stay readable, are reported with their exact
// bits by Waits with room for one event each: the busy level-triggered
// sockets, reported again and again, must not starve them.
func TestResetRefusedAmongBusy(t *testing.T) {
	p := newPoller(t)
	const idle, busy = 70, 3
	for i := range idle {
		h, _ := udp(t, sock.UDP4)
		add(t, p, h, uint64(1000+i), In)
	}
	if got := wait(t, p, 0); len(got) != 0 {
		t.Fatalf("idle sockets reported: %v", got)
	}
	from, _ := udp(t, sock.UDP4)
	for i := range busy {
		h, addr := udp(t, sock.UDP4)
		if err := sock.SendTo(from, []byte("x"), addr); err != nil {
			t.Fatal(err)
		}
		arrive(t, h)
		add(t, p, h, uint64(i), In)
	}
	add(t, p, peerRST(t), 10, In)
	add(t, p, refusedTo(t, sock.TCP4), 11, Out)
	want := map[uint64]Events{0: In, 1: In, 2: In, 10: In | Err | Hup, 11: Out | Err | Hup}
	got := map[uint64]Events{}
	buf := make([]Event, 1)
	for i := 0; len(got) < len(want) && i < 100*len(want); i++ {
		n, err := p.Wait(buf, eventTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("Wait timed out; reported so far: %v", got)
		}
		e := buf[0]
		w, ok := want[e.Key]
		if !ok || e.Events != w {
			t.Fatalf("reported %d:%v, want one of %v", e.Key, e.Events, want)
		}
		got[e.Key] = e.Events
	}
	if len(got) < len(want) {
		t.Fatalf("after %d Waits of one event, reported %v of %v", 100*len(want), got, want)
	}
	checkInvariants(t, p)
}
