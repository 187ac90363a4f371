package iocp_test

import (
	"errors"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

func newPort(t *testing.T) *iocp.Port {
	t.Helper()
	p, err := iocp.New(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestEntryLayout pins Entry to OVERLAPPED_ENTRY, which the system fills.
func TestEntryLayout(t *testing.T) {
	var e iocp.Entry
	w := unsafe.Sizeof(uintptr(0))
	for _, f := range []struct {
		name      string
		off, want uintptr
	}{
		{"Key", unsafe.Offsetof(e.Key), 0},
		{"Overlapped", unsafe.Offsetof(e.Overlapped), w},
		{"Internal", unsafe.Offsetof(e.Internal), 2 * w},
		{"Bytes", unsafe.Offsetof(e.Bytes), 3 * w},
		{"size", unsafe.Sizeof(e), 4 * w},
	} {
		if f.off != f.want {
			t.Errorf("Entry.%s at %d, want %d", f.name, f.off, f.want)
		}
	}
}

func TestPostWait(t *testing.T) {
	p := newPort(t)
	ov := new(windows.Overlapped)
	if err := p.Post(7, ov, 42); err != nil {
		t.Fatal(err)
	}
	var e [4]iocp.Entry
	n, err := p.Wait(e[:], time.Second)
	if err != nil || n != 1 {
		t.Fatalf("Wait: %d, %v; want 1 packet", n, err)
	}
	if e[0].Key != 7 || e[0].Overlapped != ov || e[0].Bytes != 42 {
		t.Errorf("got key %d, overlapped %p, bytes %d; want 7, %p, 42", e[0].Key, e[0].Overlapped, e[0].Bytes, ov)
	}
	// A packet posted without an OVERLAPPED, as a wake-up.
	if err := p.Post(9, nil, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Wait(e[:], time.Second); err != nil || n != 1 || e[0].Key != 9 || e[0].Overlapped != nil {
		t.Errorf("wake-up: %d, %v, %+v", n, err, e[0])
	}
}

func TestWaitBatch(t *testing.T) {
	p := newPort(t)
	ovs := make([]windows.Overlapped, 5)
	for i := range ovs {
		if err := p.Post(uintptr(i), &ovs[i], uint32(10*i)); err != nil {
			t.Fatal(err)
		}
	}
	e := make([]iocp.Entry, 8)
	n, err := p.Wait(e, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ovs) {
		t.Fatalf("one Wait dequeued %d packets, want all %d", n, len(ovs))
	}
	for i, en := range e[:n] {
		// A port is FIFO.
		if en.Key != uintptr(i) || en.Overlapped != &ovs[i] || en.Bytes != uint32(10*i) {
			t.Errorf("entry %d: %+v", i, en)
		}
	}
	// A batch no larger than the room given.
	for i := range 3 {
		p.Post(uintptr(i), nil, 0)
	}
	if n, err := p.Wait(e[:2], time.Second); n != 2 || err != nil {
		t.Errorf("Wait with room for 2: %d, %v", n, err)
	}
	if n, err := p.Wait(e, time.Second); n != 1 || err != nil {
		t.Errorf("the rest: %d, %v", n, err)
	}
}

func TestWaitTimeout(t *testing.T) {
	p := newPort(t)
	var e [1]iocp.Entry
	if n, err := p.Wait(e[:], 0); n != 0 || err != nil {
		t.Errorf("zero timeout on an empty port: %d, %v; want 0, nil", n, err)
	}
	const d = 50 * time.Millisecond
	start := time.Now()
	n, err := p.Wait(e[:], d)
	took := time.Since(start)
	if n != 0 || err != nil {
		t.Errorf("timeout: %d, %v; want 0, nil", n, err)
	}
	// Only a lower bound, less a system timer tick: a loaded machine may
	// take longer.
	if took < d-16*time.Millisecond {
		t.Errorf("a %v timeout returned after %v", d, took)
	}
	// Shorter than a millisecond still waits: it is not a zero timeout.
	start = time.Now()
	p.Wait(e[:], time.Microsecond)
	t.Logf("1µs timeout returned after %v", time.Since(start))
}

// TestWaitForever checks that a negative timeout waits until a packet comes.
func TestWaitForever(t *testing.T) {
	p := newPort(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.Post(3, nil, 0)
	}()
	var e [1]iocp.Entry
	n, err := p.Wait(e[:], -1)
	if n != 1 || err != nil || e[0].Key != 3 {
		t.Errorf("Wait(-1): %d, %v, %+v", n, err, e[0])
	}
}

// TestConcurrentWait checks that each packet goes to exactly one waiter.
func TestConcurrentWait(t *testing.T) {
	p := newPort(t)
	const waiters, packets = 4, 400
	var (
		mu   sync.Mutex
		seen = make(map[uintptr]int)
		wg   sync.WaitGroup
	)
	for range waiters {
		wg.Go(func() {
			e := make([]iocp.Entry, 3)
			for {
				n, err := p.Wait(e, 5*time.Second)
				if err != nil || n == 0 {
					t.Errorf("Wait: %d, %v", n, err)
					return
				}
				stops := 0
				mu.Lock()
				for _, en := range e[:n] {
					if en.Key == 0 {
						stops++
						continue
					}
					seen[en.Key]++
				}
				mu.Unlock()
				// One stop packet per waiter: hand back the extra ones.
				for ; stops > 1; stops-- {
					p.Post(0, nil, 0)
				}
				if stops == 1 {
					return
				}
			}
		})
	}
	for i := range packets {
		if err := p.Post(uintptr(i+1), nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	for range waiters {
		p.Post(0, nil, 0)
	}
	wg.Wait()
	if len(seen) != packets {
		t.Errorf("%d distinct packets dequeued, want %d", len(seen), packets)
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("packet %d dequeued %d times", k, c)
		}
	}
}

func TestWaitNoRoom(t *testing.T) {
	p := newPort(t)
	n, err := p.Wait(nil, 0)
	if err == nil || n != 0 {
		t.Fatalf("Wait(nil): %d, %v; want an error", n, err)
	}
	if errors.Is(err, iocp.ErrClosed) {
		t.Errorf("Wait(nil) on an open port: %v", err)
	}
}

func TestClosed(t *testing.T) {
	p, err := iocp.New(1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Handle() == 0 {
		t.Fatal("open port with handle 0")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if h := p.Handle(); h != 0 {
		t.Errorf("Handle() = %#x after Close, want 0", h)
	}
	dev, err := afd.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	var e [1]iocp.Entry
	_, waitErr := p.Wait(e[:], 0)
	for name, err := range map[string]error{
		"Associate": p.Associate(dev.Handle(), 1),
		"Post":      p.Post(1, nil, 0),
		"Wait":      waitErr,
		"Close":     p.Close(),
	} {
		if !errors.Is(err, iocp.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// TestCloseWhileWaiting closes the port under a waiter. The waiter must
// return, with ErrClosed if the system wakes it, or at its timeout.
func TestCloseWhileWaiting(t *testing.T) {
	p, err := iocp.New(0)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result)
	go func() {
		var e [1]iocp.Entry
		n, err := p.Wait(e[:], time.Second)
		done <- result{n, err}
	}()
	time.Sleep(50 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.n != 0 || r.err != nil && !errors.Is(r.err, iocp.ErrClosed) {
			t.Errorf("waiter: %d, %v; want 0 and ErrClosed or nil", r.n, r.err)
		}
		t.Logf("waiter returned %d, %v", r.n, r.err)
	case <-time.After(5 * time.Second):
		t.Fatal("waiter still blocked 5s after Close")
	}
}

func TestAssociate(t *testing.T) {
	p, q := newPort(t), newPort(t)
	dev, err := afd.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if err := p.Associate(dev.Handle(), 5); err != nil {
		t.Fatal(err)
	}
	// A handle belongs to one port.
	err = q.Associate(dev.Handle(), 6)
	if err == nil {
		t.Fatal("a handle was associated with a second port")
	}
	t.Log(err)
	if err := p.Associate(windows.InvalidHandle, 1); err == nil {
		t.Error("associating INVALID_HANDLE_VALUE succeeded")
	}
}
