package poll

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// TestConcurrentOps: goroutines Add, Modify and Delete their own sockets
// at random while others Wait. Run it with -race. Every reported key
// must belong to a socket that was registered under it at some point.
func TestConcurrentOps(t *testing.T) {
	const (
		workers    = 8
		perWorker  = 8
		keyStride  = 1000
		waiters    = 4
		opsPerTask = 2000
	)
	p := newPoller(t)
	var (
		wg, waitWG sync.WaitGroup
		stop       atomic.Bool
		reported   atomic.Int64
		ops        atomic.Int64
	)
	// The sockets first: under Wine, making them while the waiters spin
	// would take long.
	conns := make([]sock.Handle, workers*perWorker)
	peers := make([]sock.Handle, workers*perWorker)
	for i := range conns {
		conns[i], peers[i] = pair(t, sock.TCP4)
	}
	for range waiters {
		waitWG.Go(func() {
			buf := make([]Event, 32)
			for !stop.Load() {
				n, err := p.Wait(buf, 5*time.Millisecond)
				if err != nil {
					t.Error(err)
					return
				}
				for _, e := range buf[:n] {
					w, i := e.Key/keyStride, e.Key%keyStride
					if w >= workers || i >= perWorker || e.Events&^(In|Out) != 0 {
						t.Errorf("unexpected event %v", e)
					}
				}
				reported.Add(int64(n))
			}
		})
	}
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 2))
			hs, peers := conns[w*perWorker:][:perWorker], peers[w*perWorker:][:perWorker]
			on := make([]bool, perWorker)
			modes := []Events{In, In | Out, In | Oneshot, Out | Oneshot, In | Edge, In | Out | Edge}
			// Bounded in time too: level-triggered registrations keep the
			// waiters busy, and under Wine each of their calls is slow.
			deadline := time.Now().Add(3 * time.Second)
			for op := 0; op < opsPerTask && time.Now().Before(deadline); op++ {
				ops.Add(1)
				i := r.IntN(perWorker)
				h, key := uintptr(hs[i]), uint64(w*keyStride+i)
				var err error
				switch op := r.IntN(6); {
				case op == 0 && !on[i]:
					err = p.Add(h, key, modes[r.IntN(len(modes))])
					on[i] = err == nil
				case op == 1 && on[i]:
					err = p.Delete(h)
					on[i] = false
				case op == 2 && on[i]:
					err = p.Modify(h, key, modes[r.IntN(len(modes))])
				case op == 3:
					_, err = sock.Write(peers[i], []byte("x"))
				case op == 4:
					_, err = sock.Read(hs[i], make([]byte, 16))
					if sock.WouldBlock(err) {
						err = nil
					}
				case op == 5 && !on[i]:
					// The wrong call for the state: the right error.
					if err = p.Modify(h, key, In); errors.Is(err, fs.ErrNotExist) {
						err = nil
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
			for i := range hs {
				if on[i] {
					if err := p.Delete(uintptr(hs[i])); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	waitWG.Wait()
	t.Logf("%d operations, %d events reported", ops.Load(), reported.Load())
	quiet(t, p, anyKey)
}

// TestManyWaiters: several goroutines Wait on one Poller. One-shot
// registrations are delivered to exactly one of them, and Close ends
// them all.
func TestManyWaiters(t *testing.T) {
	const waiters, socks = 8, 64
	p, err := New(testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		got = map[uint64]int{}
		wg  sync.WaitGroup
	)
	errs := make(chan error, waiters)
	for range waiters {
		wg.Go(func() {
			buf := make([]Event, 4)
			for {
				n, err := p.Wait(buf, -1)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, e := range buf[:n] {
					got[e.Key]++
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	from, _ := udp(t, sock.UDP4)
	for i := range uint64(socks) {
		h, addr := udp(t, sock.UDP4)
		add(t, p, h, i, In|Oneshot)
		if err := sock.SendTo(from, []byte("x"), addr); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(eventTimeout)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == socks || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(quietTime) // room for duplicates to show
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Wait ended with %v, want net.ErrClosed", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range uint64(socks) {
		if got[i] != 1 {
			t.Errorf("key %d reported %d times, want 1", i, got[i])
		}
	}
}

// TestManyWaitersWake: Wake returns one of several blocked Waits; as many
// Wakes as Waits return them all.
func TestManyWaitersWake(t *testing.T) {
	const waiters = 4
	p := newPoller(t)
	done := make(chan error, waiters)
	for range waiters {
		go func() {
			_, err := p.Wait(make([]Event, 1), time.Minute)
			done <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	for i := range waiters {
		if err := p.Wake(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(eventTimeout):
			t.Fatalf("Wake %d returned no Wait", i)
		}
	}
}
