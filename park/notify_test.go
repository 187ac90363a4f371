package park

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"testing"
	"time"
)

// Data that arrives after Notify calls back with nil, once; the data is
// still there for Read; the connection is no longer registered; an idle
// connection parked all along is not called back.
func TestNotifyDataLater(t *testing.T) {
	w := newWatcher(t)
	ln := listener(t)
	c, s := pairOn(t, ln)
	_, idle := pairOn(t, ln)
	idleFn, idleCh := callback()
	if err := w.Notify(idle, idleFn); err != nil {
		t.Fatal(err)
	}
	fn, ch := callback()
	if err := w.Notify(s, fn); err != nil {
		t.Fatal(err)
	}
	if n := w.Parked(); n != 2 {
		t.Fatalf("Parked = %d, want 2", n)
	}
	write(t, c, "hello")
	if err := called(t, ch); err != nil {
		t.Fatalf("callback: %v, want nil", err)
	}
	if got := readN(t, s, 5); got != "hello" {
		t.Fatalf("read %q", got)
	}
	if registered(t, w, s) {
		t.Error("still registered after the callback")
	}
	if n := w.Parked(); n != 1 {
		t.Errorf("Parked = %d, want 1", n)
	}
	if !w.Stop(idle) {
		t.Error("Stop of the idle connection: not parked any more")
	}
	notCalled(t, idleCh)
	if registered(t, w, idle) {
		t.Error("idle connection still registered after Stop")
	}
	if w.Stop(idle) {
		t.Error("second Stop reported the connection parked")
	}
}

// Data that is there when Notify is called calls back at once.
func TestNotifyReadyAtOnce(t *testing.T) {
	w := newWatcher(t)
	c, s := pair(t)
	write(t, c, "early")
	arrived(t, s)
	fn, ch := callback()
	if err := w.Notify(s, fn); err != nil {
		t.Fatal(err)
	}
	if err := called(t, ch); err != nil {
		t.Fatalf("callback: %v", err)
	}
	if got := readN(t, s, 5); got != "early" {
		t.Fatalf("read %q", got)
	}
}

// The peer's end of stream, and its reset, call back with nil: Read then
// returns io.EOF, or the reset (io.EOF under Wine).
func TestNotifyPeerGone(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*net.TCPConn) error
	}{
		{"FIN", (*net.TCPConn).CloseWrite},
		{"close", (*net.TCPConn).Close},
		{"reset", func(c *net.TCPConn) error {
			if err := c.SetLinger(0); err != nil {
				return err
			}
			return c.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWatcher(t)
			c, s := pair(t)
			fn, ch := callback()
			if err := w.Notify(s, fn); err != nil {
				t.Fatal(err)
			}
			if err := tc.end(c); err != nil {
				t.Fatal(err)
			}
			if err := called(t, ch); err != nil {
				t.Fatalf("callback: %v", err)
			}
			s.SetReadDeadline(time.Now().Add(eventTimeout))
			n, err := s.Read(make([]byte, 8))
			if n != 0 || err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Read = %d, %v; want 0 and end of stream or reset", n, err)
			}
			if tc.name != "reset" && err != io.EOF {
				t.Fatalf("Read: %v, want io.EOF", err)
			}
		})
	}
}

// Readiness and a fresh Notify from inside the callback park the
// connection again; every round is reported once, and the byte of each
// is read inside the callback that reports it.
func TestReparkFromCallback(t *testing.T) {
	w := newWatcher(t)
	c, s := pair(t)
	rounds := scaled(200)
	got := make(chan byte, 1)
	failed := make(chan error, 1)
	var fn func(error)
	fn = func(err error) {
		if err != nil {
			failed <- err
			return
		}
		b := make([]byte, 1)
		if _, err := s.Read(b); err != nil { // ready: does not block
			failed <- err
			return
		}
		if err := w.Notify(s, fn); err != nil {
			failed <- err
			return
		}
		got <- b[0]
	}
	if err := w.Notify(s, fn); err != nil {
		t.Fatal(err)
	}
	for i := range rounds {
		write(t, c, string(rune('a'+i%26)))
		select {
		case b := <-got:
			if want := byte('a' + i%26); b != want {
				t.Fatalf("round %d: read %q, want %q", i, b, want)
			}
		case err := <-failed:
			t.Fatalf("round %d: %v", i, err)
		case <-time.After(eventTimeout):
			t.Fatalf("round %d: no callback", i)
		}
	}
	if n := w.Parked(); n != 1 {
		t.Fatalf("Parked = %d after the last round, want 1", n)
	}
	if !w.Stop(s) {
		t.Fatal("Stop after the last round: not parked")
	}
}

// Bad input, a closed connection, a connection parked twice and a
// closed Watcher are refused with errors that say so.
func TestNotifyErrors(t *testing.T) {
	if _, err := New(CheckInterval(0)); err == nil {
		t.Error("New with a zero check interval: no error")
	}
	w := newWatcher(t)
	_, s := pair(t)
	nop := func(error) {}
	if err := w.Notify(s, nil); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("nil callback: %v", err)
	}
	if err := w.Notify(nil, nop); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("nil conn: %v", err)
	}
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	if err := w.Notify(p1, nop); !errors.Is(err, ErrNotSyscallConn) {
		t.Errorf("net.Pipe: %v", err)
	}
	if err := w.Notify(s, nop); err != nil {
		t.Fatal(err)
	}
	if err := w.Notify(s, nop); !errors.Is(err, ErrParked) {
		t.Errorf("parked twice: %v", err)
	}
	if err := w.WaitReadable(context.Background(), s); !errors.Is(err, ErrParked) {
		t.Errorf("WaitReadable of a parked connection: %v", err)
	}
	_, closedConn := pair(t)
	closedConn.Close()
	if err := w.Notify(closedConn, nop); !errors.Is(err, net.ErrClosed) {
		t.Errorf("closed connection: %v", err)
	}
	if w.Stop(p1) {
		t.Error("Stop of a net.Pipe reported it parked")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, s2 := pair(t)
	if err := w.Notify(s2, nop); !errors.Is(err, ErrClosed) || errors.Is(err, net.ErrClosed) {
		t.Errorf("Notify after Close: %v, want ErrClosed (not net.ErrClosed)", err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}
