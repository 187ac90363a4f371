package poll

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd/internal/sock"
)

func newEvent(t *testing.T) windows.Handle {
	t.Helper()
	h, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { windows.CloseHandle(h) })
	return h
}

// TestAddHandle: a signalled event is reported once as In with its key,
// and the registration is over.
func TestAddHandle(t *testing.T) {
	p := newPoller(t)
	ev := newEvent(t)
	if err := p.AddHandle(ev, 5); err != nil {
		t.Fatal(err)
	}
	if err := p.AddHandle(ev, 6); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second AddHandle: %v, want fs.ErrExist", err)
	}
	quiet(t, p, 5)
	if err := windows.SetEvent(ev); err != nil {
		t.Fatal(err)
	}
	expectOnce(t, p, 5, In)
	// One-shot: the event stays signalled, nothing more comes.
	quiet(t, p, 5)
	if err := p.DeleteHandle(ev); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("DeleteHandle after the report: %v, want fs.ErrNotExist", err)
	}
	// A new registration of a signalled handle reports at once.
	if err := p.AddHandle(ev, 7); err != nil {
		t.Fatal(err)
	}
	expectOnce(t, p, 7, In)
}

// TestAddHandleDuringWait: a handle signalled while a Wait is blocked
// wakes it.
func TestAddHandleDuringWait(t *testing.T) {
	p := newPoller(t)
	ev := newEvent(t)
	if err := p.AddHandle(ev, 1); err != nil {
		t.Fatal(err)
	}
	ch := blockedWait(p)
	time.Sleep(20 * time.Millisecond)
	windows.SetEvent(ev)
	r := receive(t, ch)
	if r.err != nil || len(r.events) != 1 || r.events[0] != (Event{In, 1}) {
		t.Fatalf("Wait = %v, %v; want 1:IN", r.events, r.err)
	}
}

// TestDeleteHandle: no report after DeleteHandle, even if the handle is
// signalled later; a Poller closed with handles registered releases them.
func TestDeleteHandle(t *testing.T) {
	p := newPoller(t)
	ev := newEvent(t)
	if err := p.AddHandle(ev, 1); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteHandle(ev); err != nil {
		t.Fatal(err)
	}
	windows.SetEvent(ev)
	quiet(t, p, anyKey)

	q, err := New(testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AddHandle(newEvent(t), 2); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.AddHandle(ev, 3); !errors.Is(err, ErrClosed) {
		t.Fatalf("AddHandle after Close: %v, want ErrClosed", err)
	}
}

// TestAddTakesInHandleWakesWait: the packet of a signalled handle that
// Add takes in (to see whether a registered handle value was closed) is
// gone from the port; a Wait blocked meanwhile must be told, or it stays
// deaf to the handle. A blocked Wait is simulated (its count set) so that
// Add, not the Wait, dequeues the packet: with a real one the two race.
func TestAddTakesInHandleWakesWait(t *testing.T) {
	p := newPoller(t)
	b, _ := udp(t, sock.UDP4)
	add(t, p, b, 2, In)
	if got := wait(t, p, 0); len(got) != 0 { // the group's poll pending, nothing queued
		t.Fatalf("Wait = %v, want nothing", got)
	}
	ev := newEvent(t)
	if err := p.AddHandle(ev, 9); err != nil {
		t.Fatal(err)
	}
	if err := windows.SetEvent(ev); err != nil {
		t.Fatal(err)
	}
	// b is registered: Add takes in the port (the handle's packet) and
	// then fails.
	addTakesIn(t, p, b, "the handle's packet", func() bool { return len(p.sys.firedHandles) > 0 })
	p.sys.mu.Lock()
	p.sys.blocked--
	woken := p.sys.wakePosted.Load() || p.sys.flushPosted.Load()
	p.sys.mu.Unlock()
	if !woken {
		t.Fatal("Add took in a signalled handle with a Wait blocked, and posted nothing to wake it")
	}
	expectOnce(t, p, 9, In)
}
