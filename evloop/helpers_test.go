package evloop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// Time limits: generous upper bounds that only a hang can reach. Every
// client socket gets ioDeadline; every wait for a callback, waitTimeout.
const (
	ioDeadline  = 60 * time.Second
	waitTimeout = 30 * time.Second
)

// scaled divides the counts of the heavy tests under Wine, where every
// socket call is a round trip to the single-threaded wine server (20-70
// times slower than native, see WINE.md): the same code paths run, with
// fewer connections and rounds.
func scaled(n, wineDiv int) int {
	if underWine() {
		return max(n/wineDiv, 1)
	}
	return n
}

func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func listen(t testing.TB, s *Server, addr string, h Handler) *Listener {
	t.Helper()
	ln, err := s.Listen(addr, h)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// echoHandler writes back everything it reads.
func echoHandler() Handler {
	return Handler{OnTraffic: func(c *Conn) {
		b, _ := c.Next(-1)
		c.Write(b)
	}}
}

func dial(t testing.TB, ln *Listener) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), waitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(ioDeadline))
	t.Cleanup(func() { c.Close() })
	return c
}

// echoRounds sends rounds messages of random sizes up to maxSize over c,
// reading each echo back and comparing it.
func echoRounds(c net.Conn, seed uint64, rounds, maxSize int) error {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]byte, maxSize)
	in := make([]byte, maxSize)
	for i := range rounds {
		n := 1 + r.IntN(maxSize)
		for j := range out[:n] {
			out[j] = byte(r.Uint32())
		}
		if _, err := c.Write(out[:n]); err != nil {
			return fmt.Errorf("round %d: write: %w", i, err)
		}
		if _, err := io.ReadFull(c, in[:n]); err != nil {
			return fmt.Errorf("round %d: read %d bytes: %w", i, n, err)
		}
		if !bytes.Equal(in[:n], out[:n]) {
			return fmt.Errorf("round %d: echo of %d bytes differs", i, n)
		}
	}
	return nil
}

// runClients runs f for n clients concurrently and returns the first
// error.
func runClients(n int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for i := range n {
		wg.Go(func() {
			if err := f(i); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("client %d: %w", i, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// waitFor polls cond until it holds or waitTimeout passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recv waits for a value on ch, at most waitTimeout.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func shutdown(t testing.TB, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// readAll reads c until end of stream; a reset after data also ends it.
func readAll(c net.Conn) ([]byte, error) {
	var b bytes.Buffer
	_, err := io.Copy(&b, c)
	return b.Bytes(), err
}

// stableGoroutines waits until the number of goroutines is at most n,
// and returns the stacks of the others if it is not.
func stableGoroutines(n int) (int, string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := runtime.NumGoroutine()
		if got <= n {
			return got, ""
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			return got, string(buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// handlesLeft waits for the process's open handles to come down to h0
// (see countHandles), at most 10 s, and returns how many there are.
func handlesLeft(h0 int) int {
	deadline := time.Now().Add(10 * time.Second)
	for {
		h1, _ := countHandles()
		if h1 <= h0 || time.Now().After(deadline) {
			return h1
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// threadHandles is the most handles one thread of the runtime holds on
// Windows: a duplicate of its own handle, two events and up to three
// timers and wait packets (runtime/os_windows.go).
const threadHandles = 6

// countHandles counts the process's open handles (file descriptors on
// Linux) for leak checks. On Windows it takes off threadHandles for every
// thread the runtime has made: the runtime starts threads when it likes
// (for blocked system calls, GC workers), which is no leak of the code
// under test. It reports false where handles cannot be counted.
func countHandles() (int, bool) {
	h, ok := openHandles()
	if runtime.GOOS == "windows" {
		h -= threadHandles * pprof.Lookup("threadcreate").Count()
	}
	return h, ok
}

// isReset reports whether err says the peer reset the connection or
// closed it under a write.
func isReset(err error) bool {
	s := err.Error()
	return errors.Is(err, io.EOF) || strings.Contains(s, "reset") || strings.Contains(s, "aborted") ||
		strings.Contains(s, "broken pipe") || strings.Contains(s, "forcibly closed")
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
