package evloop

import (
	"net"
	"testing"
	"time"
)

// TestAcceptBacklog: a backlog of connections that built up while the
// loop was busy is accepted in a few events of the listener, as many as
// the loop already serves each time, not acceptBatch at a time. A
// listener is reported once per round of its loop's ready connections:
// a thousand connections dialled at once (wrk -c1000) otherwise wait
// behind rounds of those already accepted, and their first requests
// took seconds under Wine.
func TestAcceptBacklog(t *testing.T) {
	const backlog = 640
	blocked := make(chan struct{})
	release := make(chan struct{})
	s := newServer(t, Config{Loops: 1})
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnTraffic: func(c *Conn) {
		c.Discard(-1)
		close(blocked)
		<-release // holds up the loop while the backlog builds
	}})
	first := dial(t, ln)
	if _, err := first.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-blocked:
	case <-time.After(waitTimeout):
		t.Fatal("no OnTraffic for the first connection")
	}
	conns := make([]net.Conn, 0, backlog)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range backlog {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), waitTimeout)
		if err != nil {
			close(release)
			t.Fatalf("dial %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	close(release)

	deadline := time.Now().Add(waitTimeout)
	for s.Conns() < backlog+1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d connections accepted", s.Conns()-1, backlog)
		}
		time.Sleep(time.Millisecond)
	}
	if err := ln.Close(); err != nil { // after the loop's last accept
		t.Fatal(err)
	}
	// The first connection's event, then 64, 65, 130, 260 and the 121
	// left: the loop's count doubles with each event. One per
	// acceptBatch would be 1 + 10.
	if got, most := ln.acceptEvents, 6; got == 0 || got > most {
		t.Errorf("a backlog of %d took %d events of the listener, want 1 to %d", backlog, got, most)
	}
}
