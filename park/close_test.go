package park

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// A connection closed while parked is called back with net.ErrClosed
// by the next check, and is no longer parked.
func TestCloseWhileParked(t *testing.T) {
	closesParked(t)
	w := newWatcher(t, CheckInterval(10*time.Millisecond))
	_, s := pair(t)
	fn, ch := callback()
	if err := w.Notify(s, fn); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := called(t, ch); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("callback: %v, want net.ErrClosed", err)
	}
	if n := w.Parked(); n != 0 {
		t.Fatalf("Parked = %d, want 0", n)
	}
}

// WaitReadable of a connection closed by another goroutine returns
// net.ErrClosed.
func TestCloseWhileWaiting(t *testing.T) {
	closesParked(t)
	w := newWatcher(t, CheckInterval(10*time.Millisecond))
	_, s := pair(t)
	done := make(chan error, 1)
	go func() { done <- w.WaitReadable(context.Background(), s) }()
	for w.Parked() == 0 {
		select {
		case err := <-done:
			t.Fatalf("WaitReadable returned %v before the close", err)
		case <-time.After(time.Millisecond):
		}
	}
	s.Close()
	if err := called(t, done); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WaitReadable: %v, want net.ErrClosed", err)
	}
}

// A connection closed while parked whose handle value is taken by the
// next connection parked is called back with net.ErrClosed by that
// Notify, at once (the check interval is an hour), and the new
// connection is parked and called back for its own data only.
func TestCloseWhileParkedValueReused(t *testing.T) {
	closesParked(t)
	w := newWatcher(t, CheckInterval(time.Hour))
	ln := listener(t)
	for attempt := range 20 {
		_, old := pairOn(t, ln)
		oldFn, oldCh := callback()
		if err := w.Notify(old, oldFn); err != nil {
			t.Fatal(err)
		}
		h := handle(t, old)
		old.Close()
		c, s := pairOn(t, ln)
		if handle(t, s) != h && handle(t, c) != h {
			if !w.Stop(old) {
				t.Fatal("Stop of a closed parked connection: not found")
			}
			continue
		}
		if handle(t, s) != h {
			c, s = s, c // the dialled side took the value
		}
		t.Logf("handle %#x reused at attempt %d", h, attempt)
		fn, ch := callback()
		if err := w.Notify(s, fn); err != nil {
			t.Fatal(err)
		}
		if err := called(t, oldCh); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("callback of the closed connection: %v, want net.ErrClosed", err)
		}
		if n := w.Parked(); n != 1 {
			t.Fatalf("Parked = %d, want 1", n)
		}
		notCalled(t, ch)
		write(t, c, "x")
		if err := called(t, ch); err != nil {
			t.Fatalf("callback of the new connection: %v", err)
		}
		if got := readN(t, s, 1); got != "x" {
			t.Fatalf("read %q", got)
		}
		return
	}
	t.Skip("no handle value was reused in 20 attempts")
}

// Stop of a connection closed while parked finds it: the callback is
// never called, not even by Close.
func TestStopClosed(t *testing.T) {
	closesParked(t)
	w := newWatcher(t, CheckInterval(time.Hour))
	_, s := pair(t)
	fn, ch := callback()
	if err := w.Notify(s, fn); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !w.Stop(s) {
		t.Fatal("Stop of a closed parked connection: not found")
	}
	if n := w.Parked(); n != 0 {
		t.Fatalf("Parked = %d, want 0", n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	notCalled(t, ch)
}

// Close calls back every parked connection with ErrClosed before it
// returns, wakes WaitReadable with ErrClosed, leaves the connections open
// and readable with Go's net, and ends the Watcher's goroutine.
func TestCloseWatcher(t *testing.T) {
	w, err := New()
	if err != nil {
		t.Fatal(err)
	}
	c, s := pair(t)
	c2, s2 := pair(t)
	fn, ch := callback()
	if err := w.Notify(s, fn); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- w.WaitReadable(context.Background(), s2) }()
	for w.Parked() < 2 {
		time.Sleep(time.Millisecond)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ch:
		if !errors.Is(err, ErrClosed) || errors.Is(err, net.ErrClosed) {
			t.Fatalf("callback: %v, want ErrClosed", err)
		}
	default:
		t.Fatal("Close returned before the callback")
	}
	if err := called(t, waited); !errors.Is(err, ErrClosed) {
		t.Fatalf("WaitReadable: %v, want ErrClosed", err)
	}
	select {
	case <-w.done:
	case <-time.After(eventTimeout):
		t.Fatal("the Watcher's goroutine did not end")
	}
	write(t, c, "a")
	write(t, c2, "b")
	if readN(t, s, 1) != "a" || readN(t, s2, 1) != "b" {
		t.Fatal("connections not readable after Close")
	}
}

// A callback may close the Watcher.
func TestCloseFromCallback(t *testing.T) {
	w, err := New()
	if err != nil {
		t.Fatal(err)
	}
	c, s := pair(t)
	_, idle := pair(t)
	closed := make(chan error, 1)
	if err := w.Notify(s, func(error) { closed <- w.Close() }); err != nil {
		t.Fatal(err)
	}
	idleFn, idleCh := callback()
	if err := w.Notify(idle, idleFn); err != nil {
		t.Fatal(err)
	}
	write(t, c, "x")
	if err := called(t, closed); err != nil {
		t.Fatalf("Close from a callback: %v", err)
	}
	if err := called(t, idleCh); !errors.Is(err, ErrClosed) {
		t.Fatalf("callback of the idle connection: %v, want ErrClosed", err)
	}
	select {
	case <-w.done:
	case <-time.After(eventTimeout):
		t.Fatal("the Watcher's goroutine did not end")
	}
}
