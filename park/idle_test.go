package park

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A thousand idle connections parked cost no goroutine: each is called
// back once for its own data, which Read then returns. (A thousand under
// Wine too: about four seconds there.)
func TestManyIdle(t *testing.T) {
	n := 1000
	w := newWatcher(t)
	ln := listener(t)
	clients := make([]*net.TCPConn, n)
	servers := make([]*net.TCPConn, n)
	for i := range n {
		clients[i], servers[i] = pairOn(t, ln)
	}
	woken := make(chan int, n)
	before := runtime.NumGoroutine()
	for i, s := range servers {
		if err := w.Notify(s, func(err error) {
			if err != nil {
				t.Errorf("callback %d: %v", i, err)
			}
			woken <- i
		}); err != nil {
			t.Fatal(err)
		}
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("%d goroutines with %d connections parked, %d before", g, n, before)
	}
	if p := w.Parked(); p != n {
		t.Fatalf("Parked = %d, want %d", p, n)
	}
	for i, c := range clients {
		write(t, c, string(rune('a'+i%26)))
	}
	seen := make([]bool, n)
	for range n {
		select {
		case i := <-woken:
			if seen[i] {
				t.Fatalf("connection %d called back twice", i)
			}
			seen[i] = true
		case <-time.After(eventTimeout):
			t.Fatalf("%d connections not called back", w.Parked())
		}
	}
	for i, s := range servers {
		if got, want := readN(t, s, 1), string(rune('a'+i%26)); got != want {
			t.Fatalf("connection %d read %q, want %q", i, got, want)
		}
	}
	if p := w.Parked(); p != 0 {
		t.Fatalf("Parked = %d, want 0", p)
	}
}

// WaitReadable returns nil for data, arrived before or after the call;
// ctx's error when ctx ends first, and the connection is then neither
// parked nor registered.
func TestWaitReadable(t *testing.T) {
	w := newWatcher(t)
	c, s := pair(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.WaitReadable(ctx, s) }()
	for w.Parked() == 0 {
		select {
		case err := <-done:
			t.Fatalf("WaitReadable of an idle connection returned %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := called(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitReadable: %v, want context.Canceled", err)
	}
	if p := w.Parked(); p != 0 {
		t.Fatalf("Parked = %d after the cancellation", p)
	}
	if registered(t, w, s) {
		t.Fatal("registered after the cancellation")
	}
	if err := w.WaitReadable(ctx, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitReadable with a done ctx: %v", err)
	}

	go func() { done <- w.WaitReadable(context.Background(), s) }()
	for w.Parked() == 0 {
		time.Sleep(time.Millisecond)
	}
	write(t, c, "later")
	if err := called(t, done); err != nil {
		t.Fatalf("WaitReadable: %v", err)
	}
	write(t, c, "!")
	if err := w.WaitReadable(context.Background(), s); err != nil {
		t.Fatalf("WaitReadable with data there: %v", err)
	}
	if got := readN(t, s, 6); got != "later!" {
		t.Fatalf("read %q", got)
	}
	if registered(t, w, s) {
		t.Fatal("registered after WaitReadable returned")
	}
}

// Notify, Stop, data and Close from many goroutines at once: every
// Notify that succeeds is either stopped (Stop reports true) and never
// called back, or called back exactly once.
func TestConcurrent(t *testing.T) {
	w := newWatcher(t)
	ln := listener(t)
	const workers = 8
	rounds := scaled(200)
	type conn struct{ c, s *net.TCPConn }
	conns := make([]conn, workers)
	for i := range conns {
		conns[i].c, conns[i].s = pairOn(t, ln)
	}
	var notified, stopped, calledBack atomic.Int64
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, s := conns[i].c, conns[i].s
			for r := range rounds {
				var once atomic.Int32
				fired := make(chan struct{})
				err := w.Notify(s, func(err error) {
					if once.Add(1) != 1 {
						t.Errorf("worker %d round %d: called back twice", i, r)
					}
					calledBack.Add(1)
					close(fired)
				})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("worker %d round %d: %v", i, r, err)
					return
				}
				notified.Add(1)
				if r%2 == 0 {
					write(t, c, "x")
				}
				if w.Stop(s) {
					stopped.Add(1)
					select {
					case <-fired:
						t.Errorf("worker %d round %d: called back after Stop", i, r)
					default:
					}
				} else {
					<-fired
				}
				// Drain what was sent so that the next round starts idle.
				if r%2 == 0 {
					readN(t, s, 1)
				}
			}
		}()
	}
	wg.Wait()
	if got := notified.Load(); got != stopped.Load()+calledBack.Load() {
		t.Fatalf("%d notified, %d stopped, %d called back", got, stopped.Load(), calledBack.Load())
	}
	if p := w.Parked(); p != 0 {
		t.Fatalf("Parked = %d, want 0", p)
	}
}

// Close concurrent with Notify, WaitReadable and readiness: every
// callback is called exactly once, with nil or ErrClosed, and nothing
// is parked after.
func TestConcurrentClose(t *testing.T) {
	for range scaled(20) {
		w, err := New()
		if err != nil {
			t.Fatal(err)
		}
		ln := listener(t)
		const n = 16
		var calls atomic.Int64
		var ok atomic.Int64
		var wg sync.WaitGroup
		for i := range n {
			c, s := pairOn(t, ln)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					err := w.WaitReadable(context.Background(), s)
					if err != nil && !errors.Is(err, ErrClosed) {
						t.Errorf("WaitReadable: %v", err)
					}
					return
				}
				var once atomic.Int32
				err := w.Notify(s, func(err error) {
					if once.Add(1) != 1 {
						t.Error("called back twice")
					}
					if err != nil && !errors.Is(err, ErrClosed) {
						t.Errorf("callback: %v", err)
					}
					calls.Add(1)
				})
				if err == nil {
					ok.Add(1)
				} else if !errors.Is(err, ErrClosed) {
					t.Errorf("Notify: %v", err)
				}
				write(t, c, "x")
			}()
		}
		w.Close()
		wg.Wait()
		select {
		case <-w.done:
		case <-time.After(eventTimeout):
			t.Fatal("the Watcher's goroutine did not end")
		}
		if calls.Load() != ok.Load() {
			t.Fatalf("%d Notify calls succeeded, %d callbacks", ok.Load(), calls.Load())
		}
		if p := w.Parked(); p != 0 {
			t.Fatalf("Parked = %d after Close", p)
		}
	}
}

// TestWaitReadableStopped: Stop of a connection that a goroutine waits
// for in WaitReadable ends the wait with ErrStopped, whether it finds the
// connection open or closed; the wait used to last forever, even past
// its context's end, since Stop promises that no callback comes.
func TestWaitReadableStopped(t *testing.T) {
	w := newWatcher(t)
	for _, closeFirst := range []bool{false, true} {
		if closeFirst && underWine() {
			continue // closing a parked connection aborts Wine's server: see closesParked
		}
		_, s := pair(t)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		done := make(chan error, 1)
		go func() { done <- w.WaitReadable(ctx, s) }()
		for w.Parked() == 0 {
			time.Sleep(time.Millisecond)
		}
		if closeFirst {
			s.Close()
		}
		if !w.Stop(s) {
			t.Fatalf("Stop of a connection in WaitReadable (closed: %v) = false", closeFirst)
		}
		if err := called(t, done); !errors.Is(err, ErrStopped) {
			t.Fatalf("WaitReadable after Stop (closed: %v): %v, want ErrStopped", closeFirst, err)
		}
		cancel()
	}
}
