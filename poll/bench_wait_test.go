package poll

import (
	"testing"

	"github.com/goafd/afd/internal/sock"
)

// BenchmarkModifyWait: a Modify that changes what a socket asks for,
// then a Wait that takes the change in, while n others are registered.
// Unlike BenchmarkModify it counts the poll the change makes the backend
// submit or cancel (Windows does that when a Wait flushes its updates).
// The cost should not grow with n.
func BenchmarkModifyWait(b *testing.B) {
	withRegistered(b, func(b *testing.B, p *Poller) {
		h, _ := udp(b, sock.UDP4)
		add(b, p, h, 1, In)
		modes := [...]Events{In | Out, In}
		buf := make([]Event, 4)
		settle(b, p, buf)
		i := 0
		for b.Loop() {
			if err := p.Modify(uintptr(h), 1, modes[i&1]); err != nil {
				b.Fatal(err)
			}
			if _, err := p.Wait(buf, 0); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkAddWaitDelete: registering one socket, a Wait that takes the
// registration in, and Delete, while n others are registered. The cost
// should not grow with n.
func BenchmarkAddWaitDelete(b *testing.B) {
	withRegistered(b, func(b *testing.B, p *Poller) {
		h, _ := udp(b, sock.UDP4)
		buf := make([]Event, 4)
		settle(b, p, buf)
		for b.Loop() {
			if err := p.Add(uintptr(h), 1, In); err != nil {
				b.Fatal(err)
			}
			if _, err := p.Wait(buf, 0); err != nil {
				b.Fatal(err)
			}
			if err := p.Delete(uintptr(h)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// settle lets p take in the registrations made so far (Windows polls them
// when a Wait flushes), so that a benchmark times its own changes only.
func settle(b *testing.B, p *Poller, buf []Event) {
	b.Helper()
	if _, err := p.Wait(buf, 0); err != nil {
		b.Fatal(err)
	}
}
