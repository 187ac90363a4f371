package evloop

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// TestShutdownTwice: a Shutdown called while another is under way waits
// for the same graceful shutdown instead of cutting it short: the peer,
// which reads only after both calls, gets every byte written, and both
// calls return nil once it has.
func TestShutdownTwice(t *testing.T) {
	s := newServer(t, Config{Loops: 1, MaxOutbound: -1, SendBuffer: 64 << 10})
	big := bytes.Repeat([]byte("0123456789abcdef"), (8<<20)/16)
	opened := make(chan struct{})
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnOpen: func(c *Conn) {
		c.Write(big)
		close(opened)
	}})
	c := dial(t, ln)
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	recv(t, opened, "OnOpen")
	first := make(chan error, 1)
	go func() { first <- s.Shutdown(context.Background()) }()
	waitFor(t, "the first Shutdown to begin", func() bool { return s.state.Load() != stateRunning })
	second := make(chan error, 1)
	go func() { second <- s.Shutdown(context.Background()) }()
	// The output cannot have been flushed: the peer has not read. A
	// second Shutdown that returns now has cut the first short.
	select {
	case err := <-second:
		t.Errorf("the second Shutdown returned %v before the first had flushed", err)
		second <- err
	case <-time.After(200 * time.Millisecond):
	}
	got, err := readAll(c)
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("read %d bytes (%v), want the %d written", len(got), err, len(big))
	}
	c.Close()
	for _, ch := range []chan error{first, second} {
		if err := recv(t, ch, "Shutdown"); err != nil {
			t.Errorf("Shutdown: %v, want nil", err)
		}
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after a finished one: %v, want nil", err)
	}
	if err := s.Close(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Close after Shutdown: %v, want ErrServerClosed", err)
	}
}

// TestShutdownTwiceDeadline: the second Shutdown's context bounds its
// own wait, as the first's does: when it ends, what remains is closed at
// once and both calls return.
func TestShutdownTwiceDeadline(t *testing.T) {
	s := newServer(t, Config{Loops: 1, MaxOutbound: -1, SendBuffer: 64 << 10})
	closed := make(chan error, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen:  func(c *Conn) { c.Write(make([]byte, 8<<20)) },
		OnClose: func(_ *Conn, err error) { closed <- err },
	})
	c := dial(t, ln)
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	first := make(chan error, 1)
	go func() { first <- s.Shutdown(context.Background()) }()
	waitFor(t, "the first Shutdown to begin", func() bool { return s.state.Load() != stateRunning })
	ctx, cancel := contextWithTimeout(200 * time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Shutdown: %v, want its context's error", err)
	}
	if err := recv(t, first, "first Shutdown"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("first Shutdown: %v, want ErrServerClosed (cut short)", err)
	}
	if err := recv(t, closed, "OnClose"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("OnClose: %v, want ErrServerClosed", err)
	}
}
