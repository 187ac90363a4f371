package poll

import (
	"net/netip"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// TestGroupPolls: the sockets of a group share one readiness poll, so the
// polls pending in the process are one watch per socket plus one per
// group, not two per socket; events found together are reported together.
// Under Wine every pending poll lengthens the lists its server walks on
// each cancellation and result.
func TestGroupPolls(t *testing.T) {
	p := newPoller(t)
	const n = 2 * groupSize
	addrs := make([]netip.AddrPort, n)
	for i := range addrs {
		var h sock.Handle
		h, addrs[i] = udp(t, sock.UDP4)
		add(t, p, h, uint64(i), In)
	}
	quiet(t, p, anyKey)
	p.sys.mu.Lock()
	inflight, groups := p.sys.inflight, len(p.sys.groups.all)
	p.sys.mu.Unlock()
	if groups != 2 || inflight != n+groups {
		t.Fatalf("%d sockets in %d groups: %d polls pending, want %d", n, groups, inflight, n+2)
	}
	// A datagram for every socket of the first group: all are reported,
	// and nothing else.
	from, _ := udp(t, sock.UDP4)
	for _, a := range addrs[:groupSize] {
		if err := sock.SendTo(from, []byte("x"), a); err != nil {
			t.Fatal(err)
		}
	}
	got := map[uint64]bool{}
	buf := make([]Event, n)
	for len(got) < groupSize {
		k, err := p.Wait(buf, eventTimeout)
		if err != nil || k == 0 {
			t.Fatalf("Wait = %d, %v after %d of %d sockets", k, err, len(got), groupSize)
		}
		for _, e := range buf[:k] {
			if e.Key >= groupSize || e.Events != In {
				t.Fatalf("unexpected event %v", e)
			}
			got[e.Key] = true
		}
	}
}

// lingering counts the dropped sockets of p whose own polls are pending
// and not cancelled, and the polls in flight.
func lingering(p *Poller) (lingering, inflight int) {
	p.sys.mu.Lock()
	defer p.sys.mu.Unlock()
	for _, g := range p.sys.groups.all {
		lingering += len(g.lingering)
	}
	return lingering, p.sys.inflight
}

// TestDeleteThenClose: Delete cancels nothing; closing the socket
// afterwards completes its watch, which the next Wait takes in. Under Wine
// every cancellation walks all the process's pending requests, which made
// a server's Delete per closed connection quadratic.
func TestDeleteThenClose(t *testing.T) {
	p := newPoller(t)
	const n = groupSize
	hs := make([]sock.Handle, n)
	addrs := make([]netip.AddrPort, n)
	for i := range hs {
		hs[i], addrs[i] = udp(t, sock.UDP4)
		add(t, p, hs[i], uint64(i), In)
	}
	quiet(t, p, anyKey)
	_, inflight0 := lingering(p)
	for _, h := range hs[:n/2] {
		if err := p.Delete(uintptr(h)); err != nil {
			t.Fatal(err)
		}
	}
	if l, inflight := lingering(p); l != n/2 || inflight != inflight0 {
		t.Fatalf("after %d Deletes: %d lingering, %d polls in flight; want %d and %d (nothing cancelled)",
			n/2, l, inflight, n/2, inflight0)
	}
	for _, h := range hs[:n/2] {
		if err := sock.Close(h); err != nil {
			t.Fatal(err)
		}
	}
	// The watches complete with LOCAL_CLOSE; Wait takes them in and
	// reports nothing for sockets deleted.
	buf := make([]Event, n)
	for deadline := time.Now().Add(eventTimeout); ; {
		k, err := p.Wait(buf, 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if k > 0 {
			t.Fatalf("events for deleted or idle sockets: %v", buf[:k])
		}
		l, inflight := lingering(p)
		if l == 0 && inflight == inflight0-n/2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d lingering, %d polls in flight after the deleted sockets closed; want 0 and %d", l, inflight, inflight0-n/2)
		}
	}
	// The others are still polled.
	from, _ := udp(t, sock.UDP4)
	if err := sock.SendTo(from, []byte("x"), addrs[n-1]); err != nil {
		t.Fatal(err)
	}
	expect(t, p, n-1, In)
}

// TestDeleteKeptOpen: sockets deleted and kept open hold their watches
// until a group has more than lingerLimit of them; then they are
// cancelled, so that memory and pending polls stay bounded. A deleted
// socket added again is polled as any other.
func TestDeleteKeptOpen(t *testing.T) {
	p := newPoller(t)
	h, addr := udp(t, sock.UDP4)
	for i := range 4 * lingerLimit {
		add(t, p, h, uint64(i), In)
		if err := p.Delete(uintptr(h)); err != nil {
			t.Fatal(err)
		}
		if l, _ := lingering(p); l > lingerLimit {
			t.Fatalf("%d Add+Delete: %d sockets lingering, want at most %d", i+1, l, lingerLimit)
		}
	}
	// The cancelled watches complete; what is left in flight is the
	// lingering ones' watches.
	buf := make([]Event, 1)
	for deadline := time.Now().Add(eventTimeout); ; {
		if _, err := p.Wait(buf, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		l, inflight := lingering(p)
		if inflight == l {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d polls in flight for %d lingering sockets and none registered", inflight, l)
		}
	}
	add(t, p, h, 7, In)
	from, _ := udp(t, sock.UDP4)
	if err := sock.SendTo(from, []byte("x"), addr); err != nil {
		t.Fatal(err)
	}
	expect(t, p, 7, In)
}
