package evloop

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackpressure: a peer that sends requests and never reads the
// answers. Each 1 KiB request gets a 64 KiB answer; once the pending
// output exceeds MaxOutbound the loop stops reading, so the pending
// output stays below MaxOutbound plus the answers to one read (the read
// buffer is 4 KiB: 4 requests), the requests stop being taken in, and
// AsyncWrite is refused. When the peer reads at last, every answer
// arrives intact and the loop reads again.
func TestBackpressure(t *testing.T) {
	const (
		maxOut  = 256 << 10
		readBuf = 4 << 10
		reqSize = 1 << 10
		answer  = 64 << 10
		bound   = maxOut + readBuf/reqSize*answer
		sent    = 256 // requests: 16 MiB of answers
	)
	s := newServer(t, Config{Loops: 1, MaxOutbound: maxOut, ReadBufferSize: readBuf,
		SendBuffer: 64 << 10, RecvBuffer: 64 << 10})
	var (
		taken      atomic.Int64 // requests the handler has seen
		maxPending atomic.Int64
		opened     = make(chan *Conn, 1)
	)
	body := make([]byte, answer)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) { opened <- c },
		OnTraffic: func(c *Conn) {
			for c.InboundBuffered() >= reqSize {
				req, _ := c.Next(reqSize)
				for i := range body {
					body[i] = req[0]
				}
				taken.Add(1) // before the answer can reach the peer
				c.Write(body)
			}
			if p := int64(c.OutboundBuffered()); p > maxPending.Load() {
				maxPending.Store(p)
			}
		},
	})
	c := dial(t, ln)
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	sc := recv(t, opened, "OnOpen")
	wrote := make(chan error, 1)
	go func() {
		req := make([]byte, reqSize)
		for i := range sent {
			for j := range req {
				req[j] = byte(i)
			}
			if _, err := c.Write(req); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	// The loop must stop taking requests: wait until the count holds still.
	var last int64 = -1
	waitFor(t, "reading to stop", func() bool {
		time.Sleep(100 * time.Millisecond)
		n := taken.Load()
		stalled := n == last && n > 0
		last = n
		return stalled
	})
	if n := taken.Load(); n >= sent {
		t.Fatalf("the loop took all %d requests: it never stopped reading", n)
	}
	if p := maxPending.Load(); p > bound || p <= maxOut {
		t.Errorf("pending output peaked at %d bytes; want above %d (the cap) and at most %d", p, maxOut, bound)
	}
	if err := sc.AsyncWrite([]byte("x")); !errors.Is(err, ErrOutboundFull) {
		t.Errorf("AsyncWrite while over the cap: %v, want ErrOutboundFull", err)
	}
	t.Logf("stopped at %d of %d requests, pending output peaked at %d bytes (cap %d)", last, sent, maxPending.Load(), maxOut)

	// Now read: every answer, in order, intact.
	got := make([]byte, answer)
	for i := range sent {
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if got[0] != byte(i) || got[answer-1] != byte(i) || !bytes.Equal(got, bytes.Repeat(got[:1], answer)) {
			t.Fatalf("answer %d is corrupt", i)
		}
	}
	if err := recv(t, wrote, "the writer"); err != nil {
		t.Fatal(err)
	}
	if n := taken.Load(); n != sent {
		t.Errorf("the handler took %d requests of %d", n, sent)
	}
}

// TestIdleTimeout: a peer that sent half a request and stalled, and one
// that never sent anything, are closed with ErrIdleTimeout after
// IdleTimeout; one that sends a byte now and then stays open.
func TestIdleTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	s := newServer(t, Config{Loops: 2, IdleTimeout: idle})
	type closed struct {
		remote string
		err    error
		at     time.Time
	}
	closes := make(chan closed, 10)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnTraffic: func(c *Conn) {
			// Requests end with a newline; echo complete ones.
			b, _ := c.Peek(-1)
			if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
				line, _ := c.Next(i + 1)
				c.Write(line)
			}
		},
		OnClose: func(c *Conn, err error) { closes <- closed{c.RemoteAddr().String(), err, time.Now()} },
	})
	start := time.Now()
	half := dial(t, ln)
	half.Write([]byte("GET / HT")) // and nothing more
	silent := dial(t, ln)
	alive := dial(t, ln)
	stop := make(chan struct{})
	aliveErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 2)
		for {
			select {
			case <-stop:
				aliveErr <- nil
				return
			case <-time.After(idle / 3):
			}
			if _, err := alive.Write([]byte("x\n")); err != nil {
				aliveErr <- err
				return
			}
			if _, err := io.ReadFull(alive, buf); err != nil {
				aliveErr <- err
				return
			}
		}
	}()
	want := map[string]bool{half.LocalAddr().String(): true, silent.LocalAddr().String(): true}
	for range 2 {
		cl := recv(t, closes, "an idle connection to close")
		if !want[cl.remote] {
			t.Fatalf("closed %s (%v), which was not idle", cl.remote, cl.err)
		}
		if !errors.Is(cl.err, ErrIdleTimeout) {
			t.Errorf("OnClose: %v, want ErrIdleTimeout", cl.err)
		}
		if d := cl.at.Sub(start); d < idle || d > idle+5*time.Second {
			t.Errorf("closed after %v, want about %v", d, idle)
		}
	}
	for _, c := range []net.Conn{half, silent} {
		if _, err := readAll(c); err != nil && !isReset(err) {
			t.Errorf("idle client: %v", err)
		}
	}
	// The live one has outlived several timeouts.
	time.Sleep(2 * idle)
	close(stop)
	if err := recv(t, aliveErr, "the live client"); err != nil {
		t.Fatalf("live connection: %v", err)
	}
	select {
	case cl := <-closes:
		t.Fatalf("closed %s (%v) too", cl.remote, cl.err)
	default:
	}
}

// TestMaxConns: beyond MaxConns connections are accepted and closed at
// once (the peer reads end of stream); the others are served throughout;
// once one closes, a new one is served.
func TestMaxConns(t *testing.T) {
	const max = 5
	s := newServer(t, Config{Loops: 2, MaxConns: max})
	ln := listen(t, s, "tcp://127.0.0.1:0", echoHandler())
	var served []net.Conn
	for i := range max {
		c := dial(t, ln)
		if err := echoRounds(c, uint64(i), 1, 100); err != nil {
			t.Fatal(err)
		}
		served = append(served, c)
	}
	for range 3 {
		c := dial(t, ln)
		c.SetReadDeadline(time.Now().Add(waitTimeout))
		n, err := c.Read(make([]byte, 1))
		if n != 0 || (err != io.EOF && !isReset(err)) {
			t.Fatalf("connection beyond the cap: read %d bytes, %v; want end of stream", n, err)
		}
		c.Close()
	}
	if n := s.Refused(); n != 3 {
		t.Errorf("Refused() = %d, want 3", n)
	}
	if err := runClients(max, func(i int) error { return echoRounds(served[i], uint64(i), 3, 1000) }); err != nil {
		t.Fatal(err)
	}
	served[0].Close()
	waitFor(t, "the closed connection to be counted out", func() bool { return s.Conns() < max })
	c := dial(t, ln)
	if err := echoRounds(c, 9, 2, 100); err != nil {
		t.Fatalf("connection after one closed: %v", err)
	}
}

// TestInboundCap: a handler that leaves input unconsumed beyond
// MaxInbound gets its connection closed with ErrInboundFull.
func TestInboundCap(t *testing.T) {
	s := newServer(t, Config{Loops: 1, MaxInbound: 1000})
	closed := make(chan error, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnTraffic: func(c *Conn) {}, // waits for a request that never completes
		OnClose:   func(c *Conn, err error) { closed <- err },
	})
	c := dial(t, ln)
	var wg sync.WaitGroup
	wg.Go(func() {
		junk := bytes.Repeat([]byte("junk"), 500)
		c.Write(junk)
	})
	if err := recv(t, closed, "OnClose"); !errors.Is(err, ErrInboundFull) {
		t.Errorf("OnClose: %v, want ErrInboundFull", err)
	}
	if _, err := readAll(c); err != nil && !isReset(err) {
		t.Errorf("client: %v", err)
	}
	wg.Wait()
}

// TestBroadcastBounded: a callback of one connection writing to another
// (a broadcast, a proxy) that does not read. Stopping the reads of the
// connection written to cannot bound that output: Write refuses it with
// ErrOutboundFull once the pending output is at MaxOutbound, so it stays
// below MaxOutbound plus one Write, and the peer receives exactly what
// was accepted once it reads.
func TestBroadcastBounded(t *testing.T) {
	const (
		maxOut = 256 << 10
		chunk  = 64 << 10
		sends  = 64 // 4 MiB offered
	)
	s := newServer(t, Config{Loops: 1, MaxOutbound: maxOut, SendBuffer: 64 << 10})
	var (
		sink       *Conn // the first connection, on the loop's goroutine only
		accepted   atomic.Int64
		refused    atomic.Int64
		maxPending atomic.Int64
		handled    = make(chan struct{}, sends)
		sinkOpen   = make(chan struct{})
	)
	body := bytes.Repeat([]byte("broadcast!"), chunk/10)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) {
			if sink == nil {
				sink = c
				close(sinkOpen)
			}
		},
		OnTraffic: func(c *Conn) {
			b, _ := c.Next(-1)
			for range b {
				n, err := sink.Write(body)
				switch {
				case err == nil:
					accepted.Add(int64(n))
				case errors.Is(err, ErrOutboundFull):
					refused.Add(1)
				default:
					t.Errorf("Write to the sink: %v", err)
				}
				if p := int64(sink.OutboundBuffered()); p > maxPending.Load() {
					maxPending.Store(p)
				}
				handled <- struct{}{}
			}
		},
	})
	sc := dial(t, ln)
	sc.(*net.TCPConn).SetReadBuffer(64 << 10)
	recv(t, sinkOpen, "the sink's OnOpen")
	src := dial(t, ln)
	for range sends {
		if _, err := src.Write([]byte{1}); err != nil {
			t.Fatal(err)
		}
		recv(t, handled, "a request")
	}
	if refused.Load() == 0 {
		t.Errorf("all %d Writes of %d bytes to a peer that does not read were accepted (cap %d)", sends, chunk, maxOut)
	}
	if p := maxPending.Load(); p > maxOut+chunk {
		t.Errorf("the sink's pending output peaked at %d bytes, above %d (the cap plus one Write)", p, maxOut+chunk)
	}
	src.Close()
	want := accepted.Load()
	got := make([]byte, want)
	if _, err := io.ReadFull(sc, got); err != nil {
		t.Fatalf("reading the %d bytes accepted: %v", want, err)
	}
	if !bytes.Equal(got, bytes.Repeat(body, int(want)/len(body))) {
		t.Error("the sink read other bytes than those accepted")
	}
	shutdownWith(t, s, sc)
}

// shutdownWith shuts s down while closing the clients once they read end
// of stream, so that the shutdown does not linger for them.
func shutdownWith(t testing.TB, s *Server, clients ...net.Conn) {
	t.Helper()
	for _, c := range clients {
		go func() {
			io.Copy(io.Discard, c)
			c.Close()
		}()
	}
	shutdown(t, s)
}

// TestPipelineOutboundFull: a peer pipelines many small requests, each
// worth a large answer, and reads nothing until it has sent them all. A
// handler that stops answering at OutboundFull, leaving the rest of its
// input, keeps the pending output below MaxOutbound plus one answer,
// however many requests one read brings; once the peer reads, OnTraffic
// comes again for the requests left, though nothing more arrives, and
// every answer comes, in order.
func TestPipelineOutboundFull(t *testing.T) {
	const (
		maxOut  = 256 << 10
		reqSize = 8
		answer  = 64 << 10
		sent    = 2048 // 16 KiB of requests, 128 MiB of answers
	)
	s := newServer(t, Config{Loops: 1, MaxOutbound: maxOut, SendBuffer: 64 << 10})
	var (
		maxPending atomic.Int64
		taken      atomic.Int64
	)
	body := make([]byte, answer)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnTraffic: func(c *Conn) {
		for c.InboundBuffered() >= reqSize && !c.OutboundFull() {
			req, _ := c.Next(reqSize)
			for i := range body {
				body[i] = req[0]
			}
			c.Write(body)
			taken.Add(1)
			if p := int64(c.OutboundBuffered()); p > maxPending.Load() {
				maxPending.Store(p)
			}
		}
	}})
	c := dial(t, ln)
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	reqs := make([]byte, 0, sent*reqSize)
	for i := range sent {
		reqs = append(reqs, bytes.Repeat([]byte{byte(i)}, reqSize)...)
	}
	if _, err := c.Write(reqs); err != nil {
		t.Fatal(err)
	}
	// All requests are on their way; wait until the handler holds still.
	var last int64 = -1
	waitFor(t, "answering to stop", func() bool {
		time.Sleep(100 * time.Millisecond)
		n := taken.Load()
		stalled := n == last && n > 0
		last = n
		return stalled
	})
	if last >= sent {
		t.Fatalf("the handler answered all %d requests of a peer that does not read", sent)
	}
	got := make([]byte, answer)
	for i := range sent {
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("answer %d of %d (the handler took %d): %v", i, sent, taken.Load(), err)
		}
		if got[0] != byte(i) || !bytes.Equal(got, bytes.Repeat(got[:1], answer)) {
			t.Fatalf("answer %d is not the answer to request %d", i, i)
		}
	}
	if p := maxPending.Load(); p > maxOut+answer {
		t.Errorf("pending output peaked at %d bytes, above %d (the cap plus one answer)", p, maxOut+answer)
	}
	t.Logf("stalled at %d of %d requests; pending output peaked at %d bytes (cap %d)", last, sent, maxPending.Load(), maxOut)
	shutdownWith(t, s, c)
}
