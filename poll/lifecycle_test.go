package poll

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// blockedWait starts a Wait with a long timeout in a goroutine and gives
// it time to block. The result arrives on the channel.
func blockedWait(p *Poller) <-chan waitResult {
	ch := make(chan waitResult, 1)
	go func() {
		buf := make([]Event, 16)
		start := time.Now()
		n, err := p.Wait(buf, time.Minute)
		ch <- waitResult{seen(buf[:n]), err, time.Since(start)}
	}()
	time.Sleep(50 * time.Millisecond)
	return ch
}

type waitResult struct {
	events  seen
	err     error
	elapsed time.Duration
}

func receive(t *testing.T, ch <-chan waitResult) waitResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(eventTimeout):
		t.Fatal("blocked Wait did not return")
		return waitResult{}
	}
}

// TestAddDuringWait: a registration made while another goroutine is
// blocked in Wait takes effect at once (mio #1140).
func TestAddDuringWait(t *testing.T) {
	p := newPoller(t)
	h, _ := udp(t, sock.UDP4)
	ch := blockedWait(p)
	add(t, p, h, 7, Out)
	r := receive(t, ch)
	if r.err != nil || len(r.events) != 1 || r.events[0] != (Event{Out, 7}) {
		t.Fatalf("Wait = %v, %v; want 7:OUT", r.events, r.err)
	}
}

// TestModifyDuringWait: likewise for a change of interest, and for the
// data that arrives after it.
func TestModifyDuringWait(t *testing.T) {
	p := newPoller(t)
	c, s := pair(t, sock.TCP4)
	add(t, p, c, 1, In)
	ch := blockedWait(p)
	modify(t, p, c, 2, In|Out)
	r := receive(t, ch)
	if r.err != nil || len(r.events) != 1 || r.events[0] != (Event{Out, 2}) {
		t.Fatalf("Wait = %v, %v; want 2:OUT", r.events, r.err)
	}
	// Cancel the interest in Out, then poll again for In.
	modify(t, p, c, 3, In)
	quiet(t, p, anyKey)
	ch = blockedWait(p)
	write(t, s, "x")
	r = receive(t, ch)
	if r.err != nil || len(r.events) != 1 || r.events[0] != (Event{In, 3}) {
		t.Fatalf("Wait = %v, %v; want 3:IN", r.events, r.err)
	}
}

// TestDelete: no events for a socket after Delete returns, even for a
// Wait that was blocked before.
func TestDelete(t *testing.T) {
	p := newPoller(t)
	c, s := pair(t, sock.TCP4)
	add(t, p, c, 1, In|Out)
	expect(t, p, 1, Out)
	if err := p.Delete(uintptr(c)); err != nil {
		t.Fatal(err)
	}
	quiet(t, p, anyKey)

	add(t, p, c, 2, In)
	ch := blockedWait(p)
	if err := p.Delete(uintptr(c)); err != nil {
		t.Fatal(err)
	}
	write(t, s, "x")
	arrive(t, c)
	p.Wake()
	if r := receive(t, ch); r.err != nil || len(r.events) != 0 {
		t.Fatalf("Wait = %v, %v; want nothing", r.events, r.err)
	}
	quiet(t, p, anyKey)
	// And it can be added again.
	add(t, p, c, 3, In)
	expect(t, p, 3, In)
}

// TestCloseWhileRegistered: a socket closed without Delete is dropped
// silently, and a new socket that gets the same handle value at once is
// a new registration: no ErrExist, and no stale event for the old key.
func TestCloseWhileRegistered(t *testing.T) {
	closesRegistered(t)
	p := newPoller(t)
	reused, late := 0, 0
	for i := range uint64(50) {
		old, err := sock.Socket(sock.UDP4)
		if err != nil {
			t.Fatal(err)
		}
		add(t, p, old, 2*i, In|Out)
		expect(t, p, 2*i, Out)
		if err := sock.Close(old); err != nil {
			t.Fatal(err)
		}
		h, _ := udp(t, sock.UDP4)
		if h == old {
			reused++
		}
		late += addAfterClose(t, p, h, 2*i+1, In|Out)
		expect(t, p, 2*i+1, Out)
		// Only the new key, from now on.
		for _, e := range wait(t, p, 20*time.Millisecond) {
			if e.Key != 2*i+1 {
				t.Fatalf("round %d: stale event %v", i, e)
			}
		}
		if err := p.Delete(uintptr(h)); err != nil {
			t.Fatal(err)
		}
		sock.Close(h)
	}
	t.Logf("handle values reused at once in %d of 50 rounds; Add retried %d times for a late close", reused, late)
	if reused == 0 {
		t.Log("no handle value was reused: the test proved less than it could")
	}
	quiet(t, p, anyKey)
}

// TestSeveralPollers: one socket in several Pollers; each gets its
// events, and Delete in one leaves the others alone.
func TestSeveralPollers(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	ps := []*Poller{newPoller(t), newPoller(t), newPoller(t)}
	for i, p := range ps {
		add(t, p, c, uint64(10+i), In)
	}
	write(t, s, "x")
	for i, p := range ps {
		expect(t, p, uint64(10+i), In)
	}
	if err := ps[1].Delete(uintptr(c)); err != nil {
		t.Fatal(err)
	}
	quiet(t, ps[1], anyKey)
	expect(t, ps[0], 10, In)
	expect(t, ps[2], 12, In)
	modify(t, ps[2], c, 12, In|Oneshot)
	expectOnce(t, ps[2], 12, In)
	quiet(t, ps[2], anyKey)
	expect(t, ps[0], 10, In)
}

// TestMixedFamilies: IPv4 and IPv6, TCP and UDP in one Poller.
func TestMixedFamilies(t *testing.T) {
	p := newPoller(t)
	c4, s4 := pair(t, sock.TCP4)
	c6, s6 := pair(t, sock.TCP6)
	u4, a4 := udp(t, sock.UDP4)
	u6, a6 := udp(t, sock.UDP6)
	add(t, p, c4, 4, In)
	add(t, p, c6, 6, In)
	add(t, p, u4, 40, In)
	add(t, p, u6, 60, In)
	quiet(t, p, anyKey)
	write(t, s4, "4")
	write(t, s6, "6")
	sendDatagram(t, sock.UDP4, a4)
	sendDatagram(t, sock.UDP6, a6)
	for _, k := range []uint64{4, 6, 40, 60} {
		expect(t, p, k, In)
	}
	drain(t, c4)
	drain(t, c6)
	for _, h := range []sock.Handle{u4, u6} {
		if _, _, err := sock.RecvFrom(h, make([]byte, 64)); err != nil {
			t.Fatal(err)
		}
	}
	quiet(t, p, anyKey)
}

// TestAccept: a listener reports In while a connection waits.
func TestAccept(t *testing.T) {
	for _, n := range []sock.Network{sock.TCP4, sock.TCP6} {
		t.Run(n.String(), func(t *testing.T) {
			l, addr, err := sock.Listen(n)
			if err != nil {
				t.Fatal(err)
			}
			closeLater(t, l)
			p := newPoller(t)
			add(t, p, l, 1, In|Out|RdHup)
			quiet(t, p, 1)
			d, err := sock.Dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			closeLater(t, d)
			add(t, p, d, 2, Out)
			expect(t, p, 1, In)
			a, err := sock.Accept(l)
			if err != nil {
				t.Fatal(err)
			}
			closeLater(t, a)
			quiet(t, p, 1)
			expect(t, p, 2, Out) // the connect completed
		})
	}
}

// TestPri: out-of-band data is Pri, and reading it ends it.
func TestPri(t *testing.T) {
	if !priSupported {
		t.Skipf("no kqueue filter for out-of-band data on %s", runtime.GOOS)
	}
	c, s := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, In|Pri)
	if err := sock.SendOOB(s, []byte("!")); err != nil {
		t.Fatal(err)
	}
	expect(t, p, 1, Pri)
	b := make([]byte, 1)
	if n, err := sock.ReadOOB(c, b); err != nil || n != 1 || b[0] != '!' {
		t.Fatalf("ReadOOB = %d %q %v", n, b, err)
	}
	quiet(t, p, 1)
}

// TestUDP: datagrams make a UDP socket readable; it is always writable.
func TestUDP(t *testing.T) {
	for _, n := range []sock.Network{sock.UDP4, sock.UDP6} {
		t.Run(n.String(), func(t *testing.T) {
			h, addr := udp(t, n)
			p := newPoller(t)
			add(t, p, h, 1, In|Out)
			expect(t, p, 1, Out)
			sendDatagram(t, n, addr)
			expect(t, p, 1, In|Out)
			if _, _, err := sock.RecvFrom(h, make([]byte, 64)); err != nil {
				t.Fatal(err)
			}
			expect(t, p, 1, Out)
			modify(t, p, h, 1, In)
			quiet(t, p, 1)
		})
	}
}

// TestWake: Wake returns a blocked Wait early, or the next one.
func TestWake(t *testing.T) {
	p := newPoller(t)
	h, _ := udp(t, sock.UDP4)
	add(t, p, h, 1, In) // registered, not ready
	ch := blockedWait(p)
	if err := p.Wake(); err != nil {
		t.Fatal(err)
	}
	if r := receive(t, ch); r.err != nil || len(r.events) != 0 {
		t.Fatalf("woken Wait = %v, %v", r.events, r.err)
	}
	// A Wake with no Wait blocked makes the next Wait return at once.
	if err := p.Wake(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if ev := wait(t, p, time.Minute); len(ev) != 0 {
		t.Fatalf("Wait after Wake = %v", ev)
	}
	if d := time.Since(start); d > eventTimeout {
		t.Fatalf("Wait after Wake took %v", d)
	}
	// Wakes from many goroutines at once, while Waits come and go.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if err := p.Wake(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var waiters sync.WaitGroup
	for range 2 {
		waiters.Go(func() {
			buf := make([]Event, 4)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := p.Wait(buf, time.Millisecond); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	waiters.Wait()
}

// TestWaitTimeout: Wait never returns early without an event or a wake-up
// (epoll takes milliseconds: the timeout is rounded up), and returns soon
// after the timeout (only a generous bound, against hangs).
func TestWaitTimeout(t *testing.T) {
	p := newPoller(t)
	h, _ := udp(t, sock.UDP4)
	add(t, p, h, 1, In)
	for _, d := range []time.Duration{1, time.Microsecond, 100 * time.Microsecond,
		999 * time.Microsecond, time.Millisecond, 1500 * time.Microsecond, 10 * time.Millisecond,
		50 * time.Millisecond} {
		for range 5 {
			start := time.Now()
			ev := wait(t, p, d)
			elapsed := time.Since(start)
			if len(ev) != 0 {
				t.Fatalf("Wait(%v) = %v", d, ev)
			}
			if elapsed < d {
				t.Fatalf("Wait(%v) returned after %v", d, elapsed)
			}
			if elapsed > d+eventTimeout {
				t.Fatalf("Wait(%v) returned after %v", d, elapsed)
			}
		}
	}
	start := time.Now()
	if ev := wait(t, p, 0); len(ev) != 0 {
		t.Fatalf("Wait(0) = %v", ev)
	}
	if elapsed := time.Since(start); elapsed > eventTimeout {
		t.Fatalf("Wait(0) took %v", elapsed)
	}
}

// TestClose: a blocked Wait returns ErrClosed, which matches
// net.ErrClosed; so does every call after Close, Close included.
func TestClose(t *testing.T) {
	p, err := New(testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := udp(t, sock.UDP4)
	add(t, p, h, 1, In)
	chs := []<-chan waitResult{blockedWait(p), blockedWait(p), blockedWait(p)}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range chs {
		if r := receive(t, ch); !errors.Is(r.err, net.ErrClosed) || len(r.events) != 0 {
			t.Fatalf("blocked Wait after Close = %v, %v", r.events, r.err)
		}
	}
	buf := make([]Event, 1)
	_, werr := p.Wait(buf, 0)
	for name, err := range map[string]error{
		"Add":    p.Add(uintptr(h), 2, In),
		"Modify": p.Modify(uintptr(h), 2, In),
		"Delete": p.Delete(uintptr(h)),
		"Wait":   werr,
		"Wake":   p.Wake(),
		"Close":  p.Close(),
	} {
		if !errors.Is(err, net.ErrClosed) || !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
}

// TestCloseRace: Close while many goroutines call every method. Every
// call either works or fails with ErrClosed, and Close returns once
// they are out.
func TestCloseRace(t *testing.T) {
	for range 20 {
		p, err := New(testOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		hs := make([]sock.Handle, 4)
		for i := range hs {
			hs[i], _ = udp(t, sock.UDP4)
		}
		var wg sync.WaitGroup
		var calls atomic.Int64
		check := func(err error) bool {
			calls.Add(1)
			switch {
			case err == nil, errors.Is(err, ErrClosed):
			case errors.Is(err, fs.ErrExist), errors.Is(err, fs.ErrNotExist):
			default:
				t.Error(err)
			}
			return errors.Is(err, ErrClosed)
		}
		for i := range 8 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(i), 1))
				buf := make([]Event, 4)
				for {
					h := uintptr(hs[r.IntN(len(hs))])
					var err error
					switch r.IntN(5) {
					case 0:
						err = p.Add(h, uint64(h), In|Out)
					case 1:
						err = p.Modify(h, uint64(h), In|Oneshot)
					case 2:
						err = p.Delete(h)
					case 3:
						_, err = p.Wait(buf, time.Duration(r.IntN(3))*time.Millisecond)
					case 4:
						err = p.Wake()
					}
					if check(err) {
						return
					}
				}
			})
		}
		time.Sleep(5 * time.Millisecond)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
	}
}

// TestManyReady: more ready sockets than one system call returns. Each
// Wait reports a socket at most once, and all are reported.
func TestManyReady(t *testing.T) {
	const n = 300
	p := newPoller(t)
	for i := range uint64(n) {
		h, _ := udp(t, sock.UDP4)
		add(t, p, h, i, Out)
	}
	got := map[uint64]bool{}
	buf := make([]Event, 2*n)
	for deadline := time.Now().Add(eventTimeout); len(got) < n && time.Now().Before(deadline); {
		k, err := p.Wait(buf, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		checkUnique(t, buf[:k])
		for _, e := range buf[:k] {
			got[e.Key] = true
		}
	}
	if len(got) < n {
		t.Fatalf("%d of %d ready sockets reported", len(got), n)
	}
}

// TestCloseAfterReportHandleReused: sockets closed without Delete right
// after a level-triggered report (so with no readiness poll in flight),
// their handle values then taken by other objects (here the AFD devices
// of new Pollers, on Windows), and the next Wait must not poll those
// values as sockets: it drops the closed sockets first. Under Wine a poll
// naming an AFD device that is no initialized socket aborts the wine
// server (see TestWineAbortPollUninitializedSocket).
func TestCloseAfterReportHandleReused(t *testing.T) {
	closesRegistered(t)
	p := newPoller(t)
	hs := addReportedOut(t, p, 64)
	for _, h := range hs {
		if err := sock.Close(h); err != nil {
			t.Fatal(err)
		}
	}
	// Objects that may take the freed handle values.
	for range 4 {
		q := newPoller(t)
		h, _ := udp(t, sock.UDP4)
		add(t, q, h, 1, Out)
	}
	quiet(t, p, anyKey)
}

// TestModifyUndelivered: Modify of a socket whose readiness was found and
// not yet delivered (a Wait took fewer events than were ready) drops that
// readiness: the next Wait neither reports it nor returns early without
// an event, and the socket is polled afresh for its new interest. The
// Windows backend left the socket on its list of readiness to deliver,
// which then woke a Wait, or held back its group's poll, for nothing.
func TestModifyUndelivered(t *testing.T) {
	p := newPoller(t)
	hs := make([]sock.Handle, 2)
	from, _ := udp(t, sock.UDP4)
	for i := range hs {
		var addr netip.AddrPort
		hs[i], addr = udp(t, sock.UDP4)
		if err := sock.SendTo(from, []byte("x"), addr); err != nil {
			t.Fatal(err)
		}
		arrive(t, hs[i])
		add(t, p, hs[i], uint64(i), In|Oneshot)
	}
	buf := make([]Event, 1)
	n, err := p.Wait(buf, eventTimeout)
	if err != nil || n != 1 || buf[0].Events != In {
		t.Fatalf("Wait = %d %v, %v; want one of the sockets IN", n, seen(buf[:n]), err)
	}
	// The other one is ready, and not yet delivered: ask for what it is
	// not.
	other := 1 - buf[0].Key
	modify(t, p, hs[other], 10+other, Pri|Oneshot)
	const d = 200 * time.Millisecond
	start := time.Now()
	if ev := wait(t, p, d); len(ev) != 0 {
		t.Fatalf("after Modify for Pri: Wait = %v, want nothing", ev)
	}
	if elapsed := time.Since(start); elapsed < d {
		t.Fatalf("after Modify for Pri: Wait(%v) returned after %v without an event", d, elapsed)
	}
	modify(t, p, hs[other], 20+other, In|Oneshot)
	expectOnce(t, p, 20+other, In)
}

// TestCloseThenNewGroupDevice: a full group of registered sockets, one of
// them closed without Delete, then one more socket added: the Poller
// opens an AFD device for a new group, which takes the lowest free handle
// value, the closed socket's (Wine hands out the lowest free slot;
// Windows often does the same). No poll may name that value afterwards:
// under Wine 8.0 a poll naming an AFD device that is no socket aborts the
// wine server (see TestWineAbortPollUninitializedSocket); on Windows it
// would poll the device.
func TestCloseThenNewGroupDevice(t *testing.T) {
	closesRegistered(t)
	p := newPoller(t)
	hs := addReportedOut(t, p, 32) // a full group, on Windows
	extra, _ := udp(t, sock.UDP4)
	if err := sock.Close(hs[0]); err != nil {
		t.Fatal(err)
	}
	add(t, p, extra, 100, Out|Oneshot)
	for range 3 {
		for _, e := range wait(t, p, 100*time.Millisecond) {
			if e.Key == 0 {
				t.Errorf("closed socket reported: %v", e)
			}
		}
	}
}

// addReportedOut registers n new UDP sockets for Out (level-triggered),
// keys 0 to n-1, and waits until each has been reported once: none of
// them has a readiness poll in flight afterwards.
func addReportedOut(t *testing.T, p *Poller, n int) []sock.Handle {
	t.Helper()
	hs := make([]sock.Handle, n)
	for i := range hs {
		hs[i], _ = udp(t, sock.UDP4)
		add(t, p, hs[i], uint64(i), Out)
	}
	got := map[uint64]bool{}
	buf := make([]Event, n)
	for deadline := time.Now().Add(eventTimeout); len(got) < n && time.Now().Before(deadline); {
		k, err := p.Wait(buf, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range buf[:k] {
			got[e.Key] = true
		}
	}
	if len(got) != n {
		t.Fatalf("%d of %d sockets reported", len(got), n)
	}
	return hs
}
