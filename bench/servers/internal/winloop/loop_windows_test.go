package winloop

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/internal/testenv"
)

const timeout = 20 * time.Second

// forEach runs test against a loop of each Method, serving mode.
func forEach(t *testing.T, mode harness.Mode, test func(t *testing.T, srv *harness.Server)) {
	for _, m := range []Method{WSAPoll, Select} {
		t.Run(m.String(), func(t *testing.T) {
			srv, err := Serve(harness.Config{Addr: "127.0.0.1:0", Mode: mode}, m)
			if err != nil {
				t.Fatal(err)
			}
			stopped := false
			defer func() {
				if !stopped {
					srv.Stop()
				}
			}()
			test(t, srv)
			stopped = true
			if err := srv.Stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
		})
	}
}

func dial(t *testing.T, srv *harness.Server) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", srv.Addr.String(), timeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(timeout))
	return c.(*net.TCPConn)
}

// waitConns waits until the server counts n connections.
func waitConns(t *testing.T, srv *harness.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(timeout); srv.Conns() != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("server counts %d connections, want %d", srv.Conns(), n)
		}
	}
}

func pattern(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i ^ i>>9)
	}
	return b
}

// TestBeyondFDSetSize serves more connections than FD_SETSIZE (64), at
// once, and checks that closing them leaks no handle.
func TestBeyondFDSetSize(t *testing.T) {
	const n = 300
	forEach(t, harness.Echo, func(t *testing.T, srv *harness.Server) {
		before, counted := testenv.HandleCount()
		conns := make([]*net.TCPConn, n)
		for i := range conns {
			conns[i] = dial(t, srv)
			defer conns[i].Close()
		}
		for i, c := range conns { // all written first, so that the loop has many ready at once
			fmt.Fprintf(c, "message %4d\n", i)
		}
		for i, c := range conns {
			want := fmt.Sprintf("message %4d\n", i)
			got := make([]byte, len(want))
			if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
				t.Fatalf("connection %d: echo %q, %v; want %q", i, got, err, want)
			}
		}
		waitConns(t, srv, n)
		for _, c := range conns {
			c.Close()
		}
		waitConns(t, srv, 0)
		// The clients share the process, and the runtime may start
		// threads meanwhile: a leak shows as a handle per connection.
		if after, _ := testenv.HandleCount(); counted && after-before >= n/4 {
			t.Errorf("%d handles open before, %d after %d connections came and went", before, after, n)
		}
	})
}

// TestPartialWrites sends more than the socket buffers hold before
// reading anything: the server's sends come up short and it must keep
// the rest, in order, until the peer reads.
func TestPartialWrites(t *testing.T) {
	msg := pattern(3 << 20)
	forEach(t, harness.Echo, func(t *testing.T, srv *harness.Server) {
		c := dial(t, srv)
		defer c.Close()
		if _, err := c.Write(msg); err != nil {
			t.Fatalf("write: %v", err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("read: %v", err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatal("echo differs")
		}
	})
}

// TestHalfClose closes the client's sending side right after a large
// request: the server must deliver the whole echo before it closes.
func TestHalfClose(t *testing.T) {
	msg := pattern(1 << 20)
	forEach(t, harness.Echo, func(t *testing.T, srv *harness.Server) {
		c := dial(t, srv)
		defer c.Close()
		go func() {
			c.Write(msg)
			c.CloseWrite()
		}()
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes differs (got %d)", len(msg), len(got))
		}
		waitConns(t, srv, 0)
	})
}

// TestReset resets connections: an idle one, one with echo output
// pending in the server, and one whose pending output is above
// maxPending, which the server no longer reads from. It must close them
// all.
func TestReset(t *testing.T) {
	forEach(t, harness.Echo, func(t *testing.T, srv *harness.Server) {
		idle, busy, stuck := dial(t, srv), dial(t, srv), dial(t, srv)
		waitConns(t, srv, 3)
		busy.Write(pattern(1 << 20)) // never read: the echo backs up in the server
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			stuck.Write(pattern(8 * maxPending)) // blocks once the server stops reading
		}()
		select {
		case <-wrote:
			t.Fatalf("%d bytes written unread: the server should have stopped reading", 8*maxPending)
		case <-time.After(time.Second):
		}
		for _, c := range []*net.TCPConn{idle, busy, stuck} {
			c.SetLinger(0)
			c.Close()
		}
		<-wrote
		waitConns(t, srv, 0)
	})
}

// TestSink checks that a sink reads everything and answers nothing.
func TestSink(t *testing.T) {
	forEach(t, harness.Sink, func(t *testing.T, srv *harness.Server) {
		c := dial(t, srv)
		defer c.Close()
		if _, err := c.Write(pattern(2 << 20)); err != nil {
			t.Fatalf("write: %v", err)
		}
		c.CloseWrite()
		if got, err := io.ReadAll(c); err != nil || len(got) != 0 {
			t.Fatalf("sink answered %d bytes, %v", len(got), err)
		}
		waitConns(t, srv, 0)
	})
}

// TestStopAfterLoopEnded stops a loop that saw the stop request and
// ended before stop sent its wake-up datagram: stop must still succeed.
func TestStopAfterLoopEnded(t *testing.T) {
	for _, m := range []Method{WSAPoll, Select} {
		l, addr, err := start(harness.Config{Addr: "127.0.0.1:0", Mode: harness.Echo}, m)
		if err != nil {
			t.Fatal(err)
		}
		l.stopping.Store(true)
		// A connection is an event, after which the loop sees stopping;
		// the dial fails if the loop saw it before waiting.
		if c, err := net.DialTimeout("tcp", addr.String(), timeout); err == nil {
			defer c.Close()
		}
		select {
		case <-l.done:
		case <-time.After(timeout):
			t.Fatalf("%v: the loop did not end on an event after the stop request", m)
		}
		if err := l.stop(); err != nil {
			t.Errorf("%v: stop after the loop ended: %v", m, err)
		}
	}
}
