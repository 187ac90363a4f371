package poll

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/sock"
)

// A faultyDevice is an AFD device that fails the polls a fault selects,
// as the driver may but rarely does: at once (Poll returns the status),
// or later (the poll completes with it).
type faultyDevice struct {
	*afd.Device
	p     *sysPoller
	mu    sync.Mutex
	fault *fault
}

// A fault fails the next times polls that match selects.
type fault struct {
	match  func(r *afd.Request) bool
	status afd.Status
	later  bool // complete with status instead of refusing the poll
	// claimDone submits the poll and, if the driver leaves it pending,
	// says it was answered at once: as the driver does for an answer with
	// a warning status, whose packet follows all the same.
	claimDone bool
	times     int // how many more polls to fail; <0: all
	hits      int
}

func (d *faultyDevice) Poll(r *afd.Request) (bool, error) {
	d.mu.Lock()
	f := d.fault
	hit := f != nil && f.times != 0 && f.match(r)
	if hit {
		f.times--
		f.hits++
	}
	d.mu.Unlock()
	if !hit {
		return d.Device.Poll(r)
	}
	if f.claimDone {
		done, err := d.Device.Poll(r)
		return done || err == nil, err
	}
	if !f.later {
		return false, f.status
	}
	// Pending, then complete: the packet a driver would queue.
	(*windows.IO_STATUS_BLOCK)(unsafe.Pointer(r.Overlapped())).Status = windows.NTStatus(f.status)
	if err := d.p.port.Post(keyAFD, r.Overlapped(), 0); err != nil {
		panic(err)
	}
	return false, nil
}

// faulty makes the devices of p fail as the fault set with the function
// it returns says; p must not have opened one yet.
func faulty(p *Poller) func(f *fault) {
	var (
		mu   sync.Mutex
		devs []*faultyDevice
		cur  *fault
	)
	p.sys.groups.wrap = func(dev *afd.Device) device {
		mu.Lock()
		defer mu.Unlock()
		d := &faultyDevice{Device: dev, p: &p.sys, fault: cur}
		devs = append(devs, d)
		return d
	}
	return func(f *fault) {
		mu.Lock()
		defer mu.Unlock()
		cur = f
		for _, d := range devs {
			d.mu.Lock()
			d.fault = f
			d.mu.Unlock()
		}
	}
}

// Which polls a fault selects.
func groupPollReq(r *afd.Request) bool { return r.Cap() == groupSize }
func watchReq(r *afd.Request) bool     { return r.Cap() == 1 && r.Handles()[0].Events == afd.LocalClose }
func ownReq(r *afd.Request) bool       { return r.Cap() == 1 && !watchReq(r) }

// waitFailure waits for a Wait to fail with an error matching want.
func waitFailure(t *testing.T, p *Poller, want error) {
	t.Helper()
	buf := make([]Event, 8)
	for deadline := time.Now().Add(eventTimeout); time.Now().Before(deadline); {
		n, err := p.Wait(buf, time.Until(deadline))
		if err != nil {
			if !errors.Is(err, want) || !strings.HasPrefix(err.Error(), "poll: wait: ") {
				t.Fatalf("Wait failed with %v, want poll: wait: ... %v", err, want)
			}
			return
		}
		if n > 0 {
			t.Fatalf("Wait reported %v, want it to fail with %v", seen(buf[:n]), want)
		}
	}
	t.Fatalf("no Wait failed in %v; want an error matching %v", eventTimeout, want)
}

// TestGroupPollFailureReported: a group's poll that the driver refuses,
// or that completes with an error, fails the Wait with an error matching
// the status, instead of being retried unseen on every Wait (or, for
// STATUS_INVALID_HANDLE, instead of checking the members for ever when
// none is closed). Once the driver polls again, events flow again.
func TestGroupPollFailureReported(t *testing.T) {
	if perSocketPolls {
		t.Skip("no group polls: built with afdpersocket")
	}
	for _, tc := range []struct {
		name   string
		status afd.Status
		later  bool
		want   error
	}{
		{"refused", afd.StatusInsufficientRes, false, afd.StatusInsufficientRes},
		{"refused, no member closed", afd.StatusInvalidHandle, false, windows.WSAENOTSOCK},
		{"completed with an error", afd.StatusInsufficientRes, true, afd.StatusInsufficientRes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPoller(t)
			setFault := faulty(p)
			h, addr := udp(t, sock.UDP4)
			setFault(&fault{match: groupPollReq, status: tc.status, later: tc.later, times: -1})
			add(t, p, h, 1, In)
			waitFailure(t, p, tc.want)
			// It fails each Wait while the driver does.
			waitFailure(t, p, tc.want)
			setFault(nil)
			from, _ := udp(t, sock.UDP4)
			if err := sock.SendTo(from, []byte("x"), addr); err != nil {
				t.Fatal(err)
			}
			expect(t, p, 1, In)
		})
	}
}

// TestOwnPollFailureReported: a poll of one socket of its own that fails
// otherwise than for a closed socket reports Err for that socket, instead
// of dropping it unseen; the socket stays registered. Its one-handle poll
// (interest grown while its group's poll was pending) and its close watch
// (the default Poller), refused or completed with an error.
func TestOwnPollFailureReported(t *testing.T) {
	for _, tc := range []struct {
		name  string
		match func(*afd.Request) bool
		later bool
	}{
		{"own poll refused", ownReq, false},
		{"own poll completed with an error", ownReq, true},
		{"watch completed with an error", watchReq, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			watched := tc.match(watchOf(t))
			if watched && deleteBeforeClose {
				t.Skip("a Poller made with DeleteBeforeClose has no watch")
			}
			p := newPoller(t)
			setFault := faulty(p)
			h, addr := udp(t, sock.UDP4)
			f := &fault{match: tc.match, status: afd.StatusInsufficientRes, later: tc.later, times: 1}
			if watched {
				setFault(f)
			}
			add(t, p, h, 1, In)
			if !watched {
				// The group's poll pending for In, a growing interest
				// is polled on its own.
				quiet(t, p, anyKey)
				setFault(f)
				modify(t, p, h, 1, In|Pri)
			}
			expectOnce(t, p, 1, Err)
			if f.hits != 1 {
				t.Fatalf("the fault hit %d polls, want 1", f.hits)
			}
			from, _ := udp(t, sock.UDP4)
			if err := sock.SendTo(from, []byte("x"), addr); err != nil {
				t.Fatal(err)
			}
			expect(t, p, 1, In)
		})
	}
}

// watchOf returns a request set as a close watch is, for matching.
func watchOf(t *testing.T) *afd.Request {
	r := afd.NewRequest(1)
	r.Set(0, 0, afd.LocalClose)
	return r
}

// TestInlineWarningNotFinal: a poll the driver answers at once but whose
// packet still follows (a warning status, such as STATUS_HANDLES_CLOSED
// from Wine) stays in flight until its packet is dequeued: its request is
// neither reused nor resubmitted before, and what the packet brings is
// processed.
func TestInlineWarningNotFinal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		match func(*afd.Request) bool
	}{
		{"group poll", groupPollReq},
		{"own poll", ownReq},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if perSocketPolls && tc.name == "group poll" {
				t.Skip("no group polls: built with afdpersocket")
			}
			p := newPoller(t)
			setFault := faulty(p)
			h, addr := udp(t, sock.UDP4)
			f := &fault{match: tc.match, claimDone: true, times: 1}
			if tc.match(groupPollOf()) {
				setFault(f)
			}
			add(t, p, h, 1, In)
			if f.hits == 0 {
				quiet(t, p, anyKey)
				setFault(f)
				modify(t, p, h, 1, In|Pri)
			}
			quiet(t, p, anyKey)
			if f.hits != 1 {
				t.Fatalf("the fault hit %d polls, want 1", f.hits)
			}
			from, _ := udp(t, sock.UDP4)
			if err := sock.SendTo(from, []byte("x"), addr); err != nil {
				t.Fatal(err)
			}
			expect(t, p, 1, In)
		})
	}
}

// groupPollOf returns a request with room for a group, for matching.
func groupPollOf() *afd.Request { return afd.NewRequest(groupSize) }
