package poll

import (
	"fmt"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// TestZeroAllocs: in steady state a Wait that reports an event and a
// Modify allocate nothing.
func TestZeroAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	p := newPoller(t)
	h, addr := udp(t, sock.UDP4)
	sendDatagram(t, sock.UDP4, addr)
	arrive(t, h)
	add(t, p, h, 1, In)
	expect(t, p, 1, In) // warm up
	buf := make([]Event, 8)
	var werr error
	allocs := testing.AllocsPerRun(200, func() {
		n, err := p.Wait(buf, time.Second)
		if err == nil && (n != 1 || buf[0] != (Event{In, 1})) {
			err = fmt.Errorf("Wait = %v", seen(buf[:n]))
		}
		if err != nil {
			werr = err
		}
	})
	if werr != nil {
		t.Fatal(werr)
	}
	if allocs != 0 {
		t.Errorf("Wait: %v allocations per call, want 0", allocs)
	}

	modes := []Events{In | Oneshot, In | Out, In | Edge, In}
	i := 0
	allocs = testing.AllocsPerRun(200, func() {
		if err := p.Modify(uintptr(h), uint64(i), modes[i%len(modes)]); err != nil {
			werr = err
		}
		i++
	})
	if werr != nil {
		t.Fatal(werr)
	}
	if allocs != 0 {
		t.Errorf("Modify: %v allocations per call, want 0", allocs)
	}

	// A round trip: Modify re-arms, Wait reports.
	allocs = testing.AllocsPerRun(200, func() {
		if err := p.Modify(uintptr(h), 1, In|Oneshot); err != nil {
			werr = err
			return
		}
		if n, err := p.Wait(buf, time.Second); err != nil || n != 1 {
			werr = fmt.Errorf("Wait = %d, %v", n, err)
		}
	})
	if werr != nil {
		t.Fatal(werr)
	}
	if allocs != 0 {
		t.Errorf("Modify+Wait: %v allocations per round, want 0", allocs)
	}
}

// BenchmarkRoundTrip: a datagram is sent, Wait reports the socket
// readable, the datagram is read: the cost of one ready event. The
// datagram calls are the allocation-free ones an event loop uses, so
// that allocs/op is the poller's.
func BenchmarkRoundTrip(b *testing.B) {
	p := newPoller(b)
	h, addr := udp(b, sock.UDP4)
	from, _ := udp(b, sock.UDP4)
	add(b, p, h, 1, In)
	evs := make([]Event, 8)
	msg, in := []byte("ping"), make([]byte, 16)
	b.ReportAllocs()
	for b.Loop() {
		if err := sock.SendDatagram(from, msg, addr); err != nil {
			b.Fatal(err)
		}
		for {
			n, err := p.Wait(evs, -1)
			if err != nil {
				b.Fatal(err)
			}
			if n == 1 {
				break
			}
		}
		if _, _, err := sock.RecvDatagram(h, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTripTCP: the same over a connected TCP pair, one-shot
// re-armed with Modify as an event loop does.
func BenchmarkRoundTripTCP(b *testing.B) {
	p := newPoller(b)
	c, s := pair(b, sock.TCP4)
	add(b, p, c, 1, In|Oneshot)
	evs := make([]Event, 8)
	msg, in := []byte("ping"), make([]byte, 16)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sock.Write(s, msg); err != nil {
			b.Fatal(err)
		}
		for {
			n, err := p.Wait(evs, -1)
			if err != nil {
				b.Fatal(err)
			}
			if n == 1 {
				break
			}
		}
		if _, err := sock.Read(c, in); err != nil {
			b.Fatal(err)
		}
		if err := p.Modify(uintptr(c), 1, In|Oneshot); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModify: changing the interest of a registered socket while
// n others are registered. Like Add and Delete, its cost should not grow
// with n.
func BenchmarkModify(b *testing.B) {
	withRegistered(b, func(b *testing.B, p *Poller) {
		h, _ := udp(b, sock.UDP4)
		add(b, p, h, 1, In)
		modes := [...]Events{In | Oneshot, In | Out}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := p.Modify(uintptr(h), 1, modes[i&1]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkAddDelete: registering and removing one socket while n others
// are registered. The cost should not grow with n (at 10k at most 1.5
// times that at 100).
func BenchmarkAddDelete(b *testing.B) {
	withRegistered(b, func(b *testing.B, p *Poller) {
		h, _ := udp(b, sock.UDP4)
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Add(uintptr(h), 1, In); err != nil {
				b.Fatal(err)
			}
			if err := p.Delete(uintptr(h)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAddDeleteClose: a connection's life in a server, registered,
// deleted and closed, while n others are registered. Creating the socket
// is left out of the time.
func BenchmarkAddDeleteClose(b *testing.B) {
	withRegistered(b, func(b *testing.B, p *Poller) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			h, err := sock.Socket(sock.UDP4)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := p.Add(uintptr(h), 1, In); err != nil {
				b.Fatal(err)
			}
			if err := p.Delete(uintptr(h)); err != nil {
				b.Fatal(err)
			}
			if err := sock.Close(h); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// registered are the numbers of sockets registered besides the one that
// BenchmarkModify and BenchmarkAddDelete work on.
var registered = []int{100, 1000, 10000}

// withRegistered runs f as a sub-benchmark "n=N" for each N of
// registered, on a Poller with N sockets registered.
func withRegistered(b *testing.B, f func(b *testing.B, p *Poller)) {
	for _, n := range registered {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			p := newPoller(b)
			register(b, p, n)
			f(b, p)
		})
	}
}

// register adds n unbound UDP sockets to p, keys 1000 and up, closed when
// the benchmark ends.
func register(b *testing.B, p *Poller, n int) {
	b.Helper()
	for i := range n {
		h, err := sock.Socket(sock.UDP4)
		if err != nil {
			b.Fatal(err)
		}
		closeLater(b, h)
		add(b, p, h, uint64(1000+i), In)
	}
}
