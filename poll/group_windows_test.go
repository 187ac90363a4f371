package poll

import (
	"net/netip"
	"testing"

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
