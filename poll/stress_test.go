package poll

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// TestManyUDP: 10,000 UDP sockets (1,000 under Wine, where every call is
// a wine-server round trip) in one Poller for a couple of seconds:
// datagrams to random sockets, random switches between level and
// one-shot, re-arms, deletes and re-adds. No event may come for a socket
// that has nothing to read, that is disarmed or deleted; every socket with
// a datagram waiting and an armed registration must be reported in the
// end.
func TestManyUDP(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	n := scaled(10000)
	const duration = 2 * time.Second
	type state struct {
		h       sock.Handle
		addr    netip.AddrPort
		pending int  // datagrams sent and not read
		on      bool // registered
		oneshot bool
		armed   bool // not a one-shot that already reported
		// drained: read out while readiness may already have been found.
		// On Windows a poll that completed before the read still reports
		// it (AFD answers for the moment it completes; Wait does not poll
		// again), so one stale IN per drain is allowed there.
		drained bool
	}
	socks := make([]state, n)
	p := newPoller(t)
	for i := range socks {
		h, addr, err := sock.Bind(sock.UDP4)
		if err != nil {
			t.Fatalf("socket %d: %v", i, err)
		}
		closeLater(t, h)
		socks[i] = state{h: h, addr: addr}
	}
	from, _ := udp(t, sock.UDP4)
	r := rand.New(rand.NewPCG(1, 2))
	register := func(i int, op func(uintptr, uint64, Events) error) {
		s := &socks[i]
		s.oneshot = r.IntN(2) == 0
		ev := In
		if s.oneshot {
			ev |= Oneshot
		}
		if err := op(uintptr(s.h), uint64(i), ev); err != nil {
			t.Fatal(err)
		}
		s.on, s.armed = true, true
	}
	for i := range socks {
		register(i, p.Add)
	}
	buf := make([]byte, 64)
	recvAll := func(i int) {
		s := &socks[i]
		for {
			_, _, err := sock.RecvFrom(s.h, buf)
			if sock.WouldBlock(err) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s.pending--
			s.drained = true
		}
	}
	evs := make([]Event, 256)
	check := func(evs []Event) {
		t.Helper()
		checkUnique(t, evs)
		for _, e := range evs {
			if e.Key >= uint64(n) {
				t.Fatalf("event for unknown key %v", e)
			}
			s := &socks[e.Key]
			switch {
			case !s.on:
				t.Fatalf("event for deleted socket %v", e)
			case !s.armed:
				t.Fatalf("event for disarmed one-shot %v", e)
			case e.Events != In:
				t.Fatalf("event %v, want IN", e)
			case s.pending == 0 && !(runtime.GOOS == "windows" && s.drained):
				t.Fatalf("IN for a socket with nothing sent to it: %v", e)
			}
			s.drained = false
			if s.oneshot {
				s.armed = false
			}
		}
	}
	var sent, reported, ops int
	for start := time.Now(); time.Since(start) < duration; {
		for range 64 {
			i := r.IntN(n)
			s := &socks[i]
			ops++
			switch r.IntN(8) {
			case 0, 1, 2:
				if err := sock.SendTo(from, []byte("x"), s.addr); err != nil {
					t.Fatal(err)
				}
				s.pending++
				sent++
				// Wait for it, so that the model knows it is there.
				if err := sock.WaitReadable(s.h, eventTimeout); err != nil {
					t.Fatal(err)
				}
			case 3:
				if s.on {
					register(i, p.Modify)
				}
			case 4:
				if s.on {
					if err := p.Delete(uintptr(s.h)); err != nil {
						t.Fatal(err)
					}
					s.on = false
				} else {
					register(i, p.Add)
				}
			case 5:
				recvAll(i)
			default:
				k, err := p.Wait(evs, 0)
				if err != nil {
					t.Fatal(err)
				}
				check(evs[:k])
				reported += k
				for _, e := range evs[:k] {
					if r.IntN(2) == 0 {
						recvAll(int(e.Key))
					}
				}
			}
		}
	}
	// Every armed socket with data must be reported now.
	due := map[uint64]bool{}
	for i, s := range socks {
		if s.on && s.armed && s.pending > 0 {
			due[uint64(i)] = true
		}
	}
	deadline := time.Now().Add(eventTimeout)
	for len(due) > 0 && time.Now().Before(deadline) {
		k, err := p.Wait(evs, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		check(evs[:k])
		for _, e := range evs[:k] {
			delete(due, e.Key)
			recvAll(int(e.Key))
		}
	}
	if len(due) > 0 {
		t.Fatalf("%d sockets with data were never reported", len(due))
	}
	t.Logf("%d sockets, %d operations, %d datagrams, %d events", n, ops, sent, reported)
}

// TestLeaks: handles and goroutines come back to their starting count
// after 10,000 Add/Delete cycles (1,000 under Wine) and Close.
func TestLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	hs := make([]sock.Handle, 16)
	for i := range hs {
		hs[i], _ = udp(t, sock.UDP4)
	}
	handles0, countable := handleCount()
	goroutines0 := runtime.NumGoroutine()

	p, err := New(testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]Event, 16)
	for i := range scaled(10000) {
		h := uintptr(hs[i%len(hs)])
		if err := p.Add(h, uint64(i), In|Out|Oneshot); err != nil {
			t.Fatal(err)
		}
		if i%64 == 0 {
			if _, err := p.Wait(evs, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Delete(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	var handles, goroutines int
	for deadline := time.Now().Add(eventTimeout); ; time.Sleep(10 * time.Millisecond) {
		handles, _ = handleCount()
		goroutines = runtime.NumGoroutine()
		if (!countable || handles <= handles0) && goroutines <= goroutines0 || time.Now().After(deadline) {
			break
		}
	}
	if goroutines > goroutines0 {
		t.Errorf("goroutines: %d before, %d after", goroutines0, goroutines)
	}
	if !countable {
		t.Logf("handles: no counter on %s", runtime.GOOS)
		return
	}
	if handles > handles0 {
		t.Errorf("handles: %d before, %d after", handles0, handles)
	}
	t.Logf("handles %d -> %d, goroutines %d -> %d", handles0, handles, goroutines0, goroutines)
}

// TestLeaksNewClose: Pollers made and closed leave nothing behind.
func TestLeaksNewClose(t *testing.T) {
	handles0, countable := handleCount()
	h, _ := udp(t, sock.UDP4)
	for range scaled(1000) {
		p, err := New(testOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Add(uintptr(h), 1, In|Out); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if !countable {
		t.Skipf("no handle counter on %s", runtime.GOOS)
	}
	if handles, _ := handleCount(); handles > handles0+1 {
		t.Errorf("handles: %d before, %d after (one is the test's socket)", handles0, handles)
	}
}
