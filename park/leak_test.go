package park

import (
	"net"
	"testing"
	"time"

	"github.com/goafd/afd/internal/testenv"
)

// A Watcher that parked connections, called half of them back and was
// closed with the other half parked leaves no handle of its own open
// (the Poller's descriptors; on Windows its AFD devices and completion
// port) and no goroutine; the connections stay open and readable.
func TestNoLeak(t *testing.T) {
	ln := listener(t)
	const n = 40
	clients := make([]*net.TCPConn, n)
	servers := make([]*net.TCPConn, n)
	for i := range n {
		clients[i], servers[i] = pairOn(t, ln)
	}
	before, ok := testenv.HandleCount()
	if !ok {
		t.Skip("open handles cannot be counted here")
	}
	for round := range 3 {
		w, err := New()
		if err != nil {
			t.Fatal(err)
		}
		woken := make(chan error, n)
		for _, s := range servers {
			if err := w.Notify(s, func(err error) { woken <- err }); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < n; i += 2 {
			write(t, clients[i], "x")
		}
		for range n / 2 {
			if err := called(t, woken); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		for range n / 2 {
			if err := called(t, woken); err == nil {
				t.Fatal("a callback of Close with a nil error")
			}
		}
		select {
		case <-w.done:
		case <-time.After(eventTimeout):
			t.Fatal("the Watcher's goroutine did not end")
		}
		for i := 0; i < n; i += 2 {
			if got := readN(t, servers[i], 1); got != "x" {
				t.Fatalf("read %q", got)
			}
		}
		if after, _ := testenv.HandleCount(); after != before {
			t.Fatalf("round %d: %d handles open after Close, %d before New", round, after, before)
		}
	}
}
