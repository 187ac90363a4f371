package poll

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/internal/testenv"
)

// errRegularFile is what registering a regular file gives: epoll refuses
// files that cannot block (EPERM).
var errRegularFile error = unix.EPERM

// handleCount counts the process's open file descriptors.
var handleCount = testenv.HandleCount

// TestEpollValues: the bits are epoll's own, passed to the kernel as they
// are.
func TestEpollValues(t *testing.T) {
	for ev, want := range map[Events]uint32{
		In: unix.EPOLLIN, Pri: unix.EPOLLPRI, Out: unix.EPOLLOUT, Err: unix.EPOLLERR,
		Hup: unix.EPOLLHUP, RdNorm: unix.EPOLLRDNORM, RdBand: unix.EPOLLRDBAND,
		WrNorm: unix.EPOLLWRNORM, WrBand: unix.EPOLLWRBAND, Msg: unix.EPOLLMSG,
		RdHup: unix.EPOLLRDHUP, Oneshot: unix.EPOLLONESHOT, Edge: unix.EPOLLET,
	} {
		if uint32(ev) != want {
			t.Errorf("%v = %#x, epoll has %#x", ev, uint32(ev), want)
		}
	}
}

// TestKeyRoundTrip: the key survives the kernel's epoll_event on this
// GOARCH, all 64 bits.
func TestKeyRoundTrip(t *testing.T) {
	p := newPoller(t)
	h, _ := udp(t, sock.UDP4)
	for _, key := range []uint64{0, 1, 1 << 31, 1 << 32, 0x0123456789abcdef, ReservedKey - 1} {
		ev := epollEvent(key, In)
		if got := eventKey(&ev); got != key {
			t.Fatalf("key %#x -> %#x", key, got)
		}
		add(t, p, h, key, Out)
		expect(t, p, key, Out)
		if err := p.Delete(uintptr(h)); err != nil {
			t.Fatal(err)
		}
	}
}

// priSupported: out-of-band data is reported as Pri.
const priSupported = true
