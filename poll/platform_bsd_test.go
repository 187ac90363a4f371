//go:build darwin || freebsd || netbsd || openbsd

package poll

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/internal/testenv"
)

// errRegularFile is what registering a regular file gives: nothing, as
// kqueue's read and write filters accept regular files (always ready).
var errRegularFile error = nil

// handleCount is not implemented on the BSDs and macOS (testenv).
var handleCount = testenv.HandleCount

// priSupported: out-of-band data is reported as Pri where kqueue has
// EVFILT_EXCEPT with NOTE_OOB.
const priSupported = havePri

// TestKqueueTraits: the backend built for this system has the traits of
// the model of its kernel, which kqueue_logic_test.go tests the decisions
// against on every platform.
func TestKqueueTraits(t *testing.T) {
	if got, want := kqTraits, kmodelTraits[kos(runtime.GOOS)]; got != want {
		t.Fatalf("kqTraits %+v, the model of %s has %+v", got, runtime.GOOS, want)
	}
}

// TestWakeOneWaiter: one Wake returns one of several blocked Waits, not
// all of them: the wake-up event is EV_CLEAR and taken by one waiter.
func TestWakeOneWaiter(t *testing.T) {
	const waiters = 3
	p := newPoller(t)
	done := make(chan error, waiters)
	for range waiters {
		go func() {
			_, err := p.Wait(make([]Event, 4), time.Minute)
			done <- err
		}()
	}
	if err := p.Wake(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(eventTimeout):
		t.Fatal("Wake returned no Wait")
	}
	select {
	case err := <-done:
		t.Fatalf("a second Wait returned after one Wake: %v", err)
	case <-time.After(quietTime):
	}
	p.Close()
	for range waiters - 1 {
		<-done
	}
}

// cpuTime is the CPU time the process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestNoSpinOnMaskedState: a registration whose interest masks what its
// socket's state fires (RdHup alone on a socket with data; WrBand alone
// on an idle TCP socket; Pri alone with data) reports nothing, and its
// Wait sleeps in the kernel instead of going back to it in a loop: the
// process uses far less CPU than the Wait lasts.
func TestNoSpinOnMaskedState(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) sock.Handle
		ev    Events
	}{
		{"RdHup with data", withData, RdHup},
		{"WrBand idle tcp", connected, WrBand},
		{"Pri with data", withData, Pri},
		{"nothing with data", withData, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.setup(t)
			p := newPoller(t)
			add(t, p, h, 1, tc.ev)
			const span = 500 * time.Millisecond
			before := cpuTime(t)
			if evs := wait(t, p, span); len(evs) != 0 {
				t.Fatalf("Wait reported %v", evs)
			}
			if used := cpuTime(t) - before; used > span/4 {
				t.Fatalf("Wait of %v used %v of CPU: it spins", span, used)
			}
		})
	}
}

// TestKeventConversion: the records of kqueue_logic.go become the
// system's Kevent_t and back as kqueue(2) defines the fields.
func TestKeventConversion(t *testing.T) {
	k := toKevent(kchange{ident: 9, filter: kRead, op: kAdd, mode: kSentinel})
	if int(k.Filter) != unix.EVFILT_READ || uintptr(k.Ident) != 9 ||
		int(k.Flags)&(unix.EV_ADD|unix.EV_ENABLE|unix.EV_CLEAR) != unix.EV_ADD|unix.EV_ENABLE|unix.EV_CLEAR ||
		k.Fflags&unix.NOTE_LOWAT == 0 || k.Data != sentinelLowat {
		t.Errorf("sentinel add: %+v", k)
	}
	if kqTraits.receipt != (int(k.Flags)&evReceipt != 0 && evReceipt != 0) {
		t.Errorf("EV_RECEIPT in %#x, receipt %v", k.Flags, kqTraits.receipt)
	}
	k = toKevent(kchange{ident: 9, filter: kWrite, op: kDelete, mode: kLevel})
	if int(k.Filter) != unix.EVFILT_WRITE || int(k.Flags)&unix.EV_DELETE == 0 || int(k.Flags)&unix.EV_CLEAR != 0 || k.Data != 0 {
		t.Errorf("level delete: %+v", k)
	}

	for _, tag := range []uint32{1, 2, uint32(len(kqTags) - 1)} {
		k = toKevent(kchange{ident: 9, filter: kRead, op: kAdd, mode: kLevel, tag: tag})
		if e, ok := fromKevent(&k); !ok || e.tag != tag {
			t.Errorf("tag %d: udata %v gives %+v", tag, k.Udata, e)
		}
	}

	var in unix.Kevent_t
	unix.SetKevent(&in, 9, unix.EVFILT_WRITE, unix.EV_EOF)
	in.Fflags = uint32(unix.ECONNRESET)
	if e, ok := fromKevent(&in); !ok || e != (kev{ident: 9, filter: kWrite, eof: true, err: uint32(unix.ECONNRESET)}) {
		t.Errorf("write EOF with an error: %+v %v", e, ok)
	}
	if havePri {
		unix.SetKevent(&in, 9, exceptFilter, 0)
		in.Fflags = exceptFflags
		if e, ok := fromKevent(&in); !ok || e != (kev{ident: 9, filter: kExcept, oob: true}) {
			t.Errorf("except with NOTE_OOB: %+v %v", e, ok)
		}
		in.Fflags = 0
		if e, ok := fromKevent(&in); !ok || e.oob {
			t.Errorf("except without NOTE_OOB: %+v %v", e, ok)
		}
	}
}

// waitOOB waits until h has out-of-band data, with poll(2): POLLPRI is
// the out-of-band mark (XNU sopoll; FreeBSD sopoll_generic), seen also
// where kqueue has no filter for it.
func waitOOB(t *testing.T, h sock.Handle) {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(h), Events: unix.POLLPRI}}
	deadline := time.Now().Add(eventTimeout)
	for {
		n, err := unix.Poll(fds, int(time.Until(deadline)/time.Millisecond))
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			t.Fatalf("poll POLLPRI: %v", err)
		case n == 0:
			t.Fatalf("no out-of-band data after %v", eventTimeout)
		}
		return
	}
}
