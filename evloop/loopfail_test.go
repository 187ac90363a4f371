package evloop

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
)

// TestLoopFailure: the poller of one loop fails (closed under it, which
// makes its Wait fail). Its connections are closed with the error, the
// failure is reported (Config.OnError, and Shutdown's error), and the
// server goes on with its other loop: new listeners, accepted and dialled
// connections all go to the live loop, none to the dead one.
func TestLoopFailure(t *testing.T) {
	reported := make(chan error, 4)
	s := newServer(t, Config{Loops: 2, OnError: func(err error) { reported <- err }})
	closed := make(chan error, 1)
	listened := make(chan error, 1)
	var first atomic.Bool
	h := echoHandler()
	h.OnClose = func(_ *Conn, err error) {
		if first.CompareAndSwap(false, true) { // the dead loop's connection
			closed <- err
			// A callback of the failing loop cannot have it serve more.
			_, err := s.Listen("tcp://127.0.0.1:0", echoHandler())
			listened <- err
		}
	}
	ln := listen(t, s, "tcp://127.0.0.1:0", h)
	// One connection on each loop.
	clients := []net.Conn{dial(t, ln), dial(t, ln)}
	for _, c := range clients {
		if err := echoRounds(c, 1, 1, 100); err != nil {
			t.Fatal(err)
		}
	}
	dead := s.loops[0]
	if n := dead.nconn.Load(); n != 1 {
		t.Fatalf("loop 0 has %d connections, want 1", n)
	}
	dead.p.Close()

	err := recv(t, reported, "OnError")
	if !errors.Is(err, ErrLoopFailed) || !errors.Is(err, net.ErrClosed) {
		t.Errorf("OnError: %v, want ErrLoopFailed wrapping the poller's error", err)
	}
	if err := recv(t, closed, "OnClose of the dead loop's connection"); !errors.Is(err, ErrLoopFailed) {
		t.Errorf("OnClose: %v, want ErrLoopFailed", err)
	}
	if err := recv(t, listened, "Listen from the failing loop"); !errors.Is(err, ErrLoopFailed) {
		t.Errorf("Listen from an OnClose of the failing loop: %v, want ErrLoopFailed", err)
	}

	// The server goes on with the live loop. The dead one has the fewest
	// connections: picking it would close every new connection at once.
	ln2 := ln
	if ln.l == dead {
		ln2 = listen(t, s, "tcp://127.0.0.1:0", h) // ln went with its loop
	}
	for i := range 8 {
		ln3 := listen(t, s, "tcp://127.0.0.1:0", echoHandler())
		if ln3.l == dead {
			t.Fatal("Listen gave the dead loop a listener")
		}
		ln3.Close()
		c := dial(t, ln2)
		clients = append(clients, c)
		if err := echoRounds(c, uint64(i), 2, 100); err != nil {
			t.Fatalf("connection %d after the failure: %v", i, err)
		}
	}
	d := newDialEvents(3)
	dc, err := s.Dial(ln2.String(), d.handler())
	if err != nil {
		t.Fatal(err)
	}
	recv(t, d.opened, "OnOpen of a dialled connection")
	dc.AsyncWrite([]byte("abc"))
	if err := recv(t, d.closed, "OnClose of a dialled connection"); err != nil {
		t.Errorf("dialled connection: %v", err)
	}
	if dead.nconn.Load() != 0 {
		t.Errorf("the dead loop counts %d connections", dead.nconn.Load())
	}

	for _, c := range clients {
		c.Close() // or the shutdown lingers for them
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, ErrLoopFailed) {
		t.Errorf("Shutdown: %v, want ErrLoopFailed", err)
	}
}
