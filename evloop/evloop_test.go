package evloop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// TestEcho: data integrity over several round trips of random sizes, at
// 1, 100 and 1000 concurrent connections over 4 loops, with Go's net as
// the client (under Wine too: 2000 sockets in one process, which is what
// found the handle-reuse crash that loop.forget avoids).
func TestEcho(t *testing.T) {
	for _, n := range []int{1, 100, 1000} {
		conns := n
		t.Run(fmt.Sprintf("conns=%d", conns), func(t *testing.T) {
			s := newServer(t, Config{Loops: 4})
			ln := listen(t, s, "tcp://127.0.0.1:0", echoHandler())
			rounds, size := 5, 32<<10
			if conns >= 100 {
				rounds, size = 3, 4<<10
			}
			err := runClients(conns, func(i int) error {
				c, err := net.DialTimeout("tcp", ln.Addr().String(), waitTimeout)
				if err != nil {
					return err
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(ioDeadline))
				return echoRounds(c, uint64(i), rounds, size)
			})
			if err != nil {
				t.Fatal(err)
			}
			shutdown(t, s)
		})
	}
}

// TestEchoIPv6: a server on IPv4 and IPv6 loopback at once.
func TestEchoIPv6(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	ln4 := listen(t, s, "tcp4://127.0.0.1:0", echoHandler())
	ln6, err := s.Listen("tcp6://[::1]:0", echoHandler())
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	if got := len(s.Listeners()); got != 2 {
		t.Fatalf("%d listeners", got)
	}
	for _, ln := range []*Listener{ln4, ln6} {
		c := dial(t, ln)
		if err := echoRounds(c, 1, 3, 1000); err != nil {
			t.Fatalf("%v: %v", ln, err)
		}
	}
	if ln6.Network() != "tcp" || ln6.String() != "tcp://"+ln6.Addr().String() {
		t.Errorf("Network %q, String %q", ln6.Network(), ln6.String())
	}
}

// TestOpenAddrsContext: OnOpen sees the addresses of both ends and
// context set there is there in OnTraffic and OnClose.
func TestOpenAddrsContext(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	type state struct{ n int }
	closed := make(chan error, 1)
	addrs := make(chan [2]netip.AddrPort, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) {
			c.SetContext(&state{})
			addrs <- [2]netip.AddrPort{c.LocalAddr(), c.RemoteAddr()}
			c.Write([]byte("hi\n"))
		},
		OnTraffic: func(c *Conn) {
			st := c.Context().(*state)
			b, _ := c.Next(-1)
			st.n += len(b)
		},
		OnClose: func(c *Conn, err error) {
			if c.Context().(*state).n != 5 {
				err = fmt.Errorf("counted %d bytes", c.Context().(*state).n)
			}
			closed <- err
		},
	})
	c := dial(t, ln)
	got := recv(t, addrs, "OnOpen")
	if got[0] != ln.Addr() || got[1].String() != c.LocalAddr().String() {
		t.Errorf("OnOpen saw local %v remote %v; want %v and %v", got[0], got[1], ln.Addr(), c.LocalAddr())
	}
	greeting := make([]byte, 3)
	if _, err := io.ReadFull(c, greeting); err != nil || string(greeting) != "hi\n" {
		t.Fatalf("greeting %q, %v", greeting, err)
	}
	c.Write([]byte("12345"))
	c.(*net.TCPConn).CloseWrite()
	if err := recv(t, closed, "OnClose"); err != nil {
		t.Fatalf("OnClose: %v", err)
	}
}

// TestFraming: a length-prefixed protocol whose messages arrive in
// pieces and several at a time: Peek, Next and Discard across reads,
// with the unconsumed rest kept between OnTraffic calls.
func TestFraming(t *testing.T) {
	s := newServer(t, Config{Loops: 1, ReadBufferSize: 1000})
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnTraffic: func(c *Conn) {
		for {
			hdr, err := c.Peek(4)
			if err != nil {
				if !errors.Is(err, io.ErrShortBuffer) || len(hdr) >= 4 {
					panic(err)
				}
				return
			}
			n := int(binary.BigEndian.Uint32(hdr))
			if c.InboundBuffered() < 4+n {
				return
			}
			c.Discard(4)
			body, _ := c.Next(n)
			// Reply: the body reversed, with its length.
			out := make([]byte, 4+n)
			binary.BigEndian.PutUint32(out, uint32(n))
			for i, b := range body {
				out[4+n-1-i] = b
			}
			c.Write(out)
		}
	}})
	c := dial(t, ln)
	var (
		msgs [][]byte
		all  []byte
	)
	for i := range 50 {
		m := bytes.Repeat([]byte{byte(i)}, i*97)
		m = append(m, byte(i+1))
		msgs = append(msgs, m)
		all = binary.BigEndian.AppendUint32(all, uint32(len(m)))
		all = append(all, m...)
	}
	go func() {
		// In odd pieces, so that headers and bodies are cut anywhere.
		for len(all) > 0 {
			n := min(len(all), 333)
			c.Write(all[:n])
			all = all[n:]
			time.Sleep(time.Millisecond)
		}
	}()
	for i, m := range msgs {
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(c, body); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		for j := range m {
			if body[len(m)-1-j] != m[j] {
				t.Fatalf("message %d: wrong reply", i)
			}
		}
	}
}

// TestAsyncWrite: another goroutine writes to a connection with
// AsyncWrite while the peer reads, in order and complete; then Close from
// that goroutine ends the connection after the last byte.
func TestAsyncWrite(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	opened := make(chan *Conn, 1)
	closed := make(chan error, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen:  func(c *Conn) { opened <- c },
		OnClose: func(c *Conn, err error) { closed <- err },
	})
	c := dial(t, ln)
	sc := recv(t, opened, "OnOpen")
	const msgs = 2000
	var want bytes.Buffer
	writers := 4
	var wg sync.WaitGroup
	// Several goroutines, each its own numbered lines; each goroutine's
	// lines must arrive in its order.
	for w := range writers {
		wg.Go(func() {
			for i := range msgs / writers {
				line := fmt.Sprintf("%d %d %s\n", w, i, bytes.Repeat([]byte("x"), i%300))
				for {
					err := sc.AsyncWrite([]byte(line))
					if err == nil {
						break
					}
					if !errors.Is(err, ErrOutboundFull) {
						t.Errorf("AsyncWrite: %v", err)
						return
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	for i := range msgs / writers {
		for w := range writers {
			fmt.Fprintf(&want, "%d %d %s\n", w, i, bytes.Repeat([]byte("x"), i%300))
		}
	}
	wg.Wait()
	if err := sc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := sc.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
	if err := sc.AsyncWrite([]byte("late")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("AsyncWrite after Close: %v, want net.ErrClosed", err)
	}
	got, err := readAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if len(got) != want.Len() {
		t.Fatalf("read %d bytes, want %d", len(got), want.Len())
	}
	// Per writer, the lines must be in order.
	next := make([]int, writers)
	for _, line := range bytes.Split(bytes.TrimSuffix(got, []byte("\n")), []byte("\n")) {
		var w, i int
		fmt.Sscanf(string(line), "%d %d", &w, &i)
		if i != next[w] {
			t.Fatalf("writer %d: line %d came when %d was due", w, i, next[w])
		}
		next[w]++
	}
	c.Close()
	if err := recv(t, closed, "OnClose"); err != nil {
		t.Errorf("OnClose: %v, want nil", err)
	}
}

// TestCloseFromOtherGoroutine: Close while the handler is echoing ends
// the connection gracefully; the others go on.
func TestCloseFromOtherGoroutine(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	var (
		mu    sync.Mutex
		conns []*Conn
	)
	closed := make(chan error, 10)
	h := echoHandler()
	h.OnOpen = func(c *Conn) { mu.Lock(); conns = append(conns, c); mu.Unlock() }
	h.OnClose = func(c *Conn, err error) { closed <- err }
	ln := listen(t, s, "tcp://127.0.0.1:0", h)
	c1, c2 := dial(t, ln), dial(t, ln)
	for _, c := range []net.Conn{c1, c2} {
		if err := echoRounds(c, 2, 2, 100); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	var victim *Conn
	for _, c := range conns {
		if c.RemoteAddr().String() == c1.LocalAddr().String() {
			victim = c
		}
	}
	mu.Unlock()
	if err := victim.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(c1); err != nil {
		t.Fatalf("c1 after Close: %v", err)
	}
	c1.Close()
	if err := recv(t, closed, "OnClose"); err != nil {
		t.Errorf("OnClose: %v", err)
	}
	if err := echoRounds(c2, 3, 3, 100); err != nil {
		t.Fatalf("c2 after c1 closed: %v", err)
	}
}

// TestShutdownFlushes: Shutdown while much output is pending on many
// connections loses none of it: each client reads exactly the bytes
// the handler's Writes and AsyncWrites accepted, then end of stream.
func TestShutdownFlushes(t *testing.T) {
	s := newServer(t, Config{Loops: 2, MaxOutbound: -1, SendBuffer: 64 << 10})
	conns := scaled(20, 4)
	var (
		mu       sync.Mutex
		accepted = map[string]int{} // by client address
		pending  = map[string]int{} // output left pending by the last OnTraffic
		opened   = make(chan *Conn, conns)
	)
	// Per byte received: more than the socket buffers of a client that
	// does not read take.
	chunk := bytes.Repeat([]byte("0123456789abcdef"), (1<<20)/16)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) { opened <- c },
		OnTraffic: func(c *Conn) {
			b, _ := c.Next(-1)
			total := 0
			for range b {
				n, err := c.Write(chunk)
				if err != nil {
					panic(err)
				}
				total += n
			}
			mu.Lock()
			accepted[c.RemoteAddr().String()] += total
			pending[c.RemoteAddr().String()] = c.OutboundBuffered()
			mu.Unlock()
		},
	})
	clients := make([]net.Conn, conns)
	for i := range clients {
		clients[i] = dial(t, ln)
		clients[i].(*net.TCPConn).SetReadBuffer(16 << 10)
		clients[i].Write([]byte("go"))
	}
	var scs []*Conn
	for range conns {
		scs = append(scs, recv(t, opened, "OnOpen"))
	}
	// Wait until every connection has its output queued, then push more
	// from outside the loop, then shut down with all of it pending.
	waitFor(t, "replies queued", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range accepted {
			if n < 2*len(chunk) {
				return false
			}
		}
		return len(accepted) == conns
	})
	mu.Lock()
	stuck := 0
	for _, n := range pending {
		if n > 0 {
			stuck++
		}
	}
	mu.Unlock()
	if stuck < conns {
		t.Fatalf("output pending on %d connections of %d: the test tests too little", stuck, conns)
	}
	for _, sc := range scs {
		if err := sc.AsyncWrite([]byte("tail")); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		accepted[sc.RemoteAddr().String()] += 4
		mu.Unlock()
	}
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(t.Context()) }()
	err := runClients(conns, func(i int) error {
		got, err := readAll(clients[i])
		if err != nil {
			return err
		}
		mu.Lock()
		want := accepted[clients[i].LocalAddr().String()]
		mu.Unlock()
		if len(got) != want || !bytes.HasSuffix(got, []byte("tail")) {
			return fmt.Errorf("read %d bytes, the server accepted %d", len(got), want)
		}
		clients[i].Close()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := recv(t, done, "Shutdown"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := s.Listen("tcp://127.0.0.1:0", echoHandler()); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Listen after Shutdown: %v", err)
	}
}

// TestShutdownWhileBusy: Shutdown while clients are sending and reading
// echoes at full speed. Each client must read every byte the server
// accepted for writing, then end of stream, and no reset: the server
// flushes, shuts down its sending side and drains what the clients still
// send until they close, instead of closing a socket with unread data
// (which resets the connection and can destroy the output in flight).
func TestShutdownWhileBusy(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	conns := scaled(20, 4)
	var (
		mu       sync.Mutex
		accepted = map[string]int{}
		echoed   atomic.Int64
	)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnTraffic: func(c *Conn) {
		b, _ := c.Next(-1)
		n, _ := c.Write(b)
		echoed.Add(int64(n))
		mu.Lock()
		accepted[c.RemoteAddr().String()] += n
		mu.Unlock()
	}})
	clients := make([]net.Conn, conns)
	for i := range clients {
		clients[i] = dial(t, ln)
	}
	received := make([]int, conns)
	errs := make(chan error, 1)
	go func() {
		errs <- runClients(conns, func(i int) error {
			c := clients[i]
			stop := make(chan struct{})
			go func() {
				msg := bytes.Repeat([]byte{byte(i)}, 1500)
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := c.Write(msg); err != nil {
						return
					}
				}
			}()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				received[i] += n
				if err == io.EOF {
					break
				}
				if err != nil {
					close(stop)
					return fmt.Errorf("after %d bytes: %w", received[i], err)
				}
			}
			close(stop)
			c.Close()
			return nil
		})
	}()
	waitFor(t, "traffic", func() bool { return echoed.Load() > int64(conns)*100<<10 })
	shutdown(t, s)
	if err := recv(t, errs, "clients"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, c := range clients {
		if want := accepted[c.LocalAddr().String()]; received[i] != want {
			t.Errorf("client %d read %d bytes, the server accepted %d", i, received[i], want)
		}
	}
}

// TestShutdownDeadline: a peer that never reads keeps its output
// pending; Shutdown gives up when its context ends and closes it hard.
func TestShutdownDeadline(t *testing.T) {
	s := newServer(t, Config{Loops: 1, MaxOutbound: -1})
	closed := make(chan error, 1)
	big := make([]byte, 8<<20)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen:  func(c *Conn) { c.Write(big) },
		OnClose: func(c *Conn, err error) { closed <- err },
	})
	dial(t, ln)
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := contextWithTimeout(200 * time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); !errors.Is(err, ctx.Err()) || err == nil {
		t.Fatalf("Shutdown: %v, want the context's error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	if err := recv(t, closed, "OnClose"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("OnClose: %v, want ErrServerClosed", err)
	}
}

// TestErrorsIsolated: a peer that resets its connection in the middle of
// a large reply, and one that closes at once, disturb no other
// connection; the resets reach OnClose as errors.
//
// The reset comes once the reply has begun (the peer has read a byte of
// it), and small socket buffers keep most of the reply pending in the
// server: its flush then fails, on every system. A reset that found no
// output pending would be seen by a read, and Wine 8.0's recv returns end
// of stream, not WSAECONNRESET as Windows, after a reset: the close
// would then be an orderly one there (it made this test fail, rarely,
// when the reset came before the server had read "big").
func TestErrorsIsolated(t *testing.T) {
	s := newServer(t, Config{Loops: 2, SendBuffer: 32 << 10})
	var resets atomic.Int32
	big := make([]byte, 4<<20)
	h := echoHandler()
	h.OnTraffic = func(c *Conn) {
		b, _ := c.Next(-1)
		if string(b) == "big" {
			c.Write(big)
			return
		}
		c.Write(b)
	}
	h.OnClose = func(c *Conn, err error) {
		if err != nil {
			resets.Add(1)
		}
	}
	ln := listen(t, s, "tcp://127.0.0.1:0", h)
	good := make([]net.Conn, 10)
	for i := range good {
		good[i] = dial(t, ln)
	}
	for range 5 {
		bad := dial(t, ln)
		bad.(*net.TCPConn).SetReadBuffer(32 << 10)
		bad.Write([]byte("big"))
		if _, err := io.ReadFull(bad, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		bad.(*net.TCPConn).SetLinger(0)
		bad.Close()
		quick := dial(t, ln)
		quick.Close()
	}
	err := runClients(len(good), func(i int) error { return echoRounds(good[i], uint64(i), 5, 2000) })
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "resets reported", func() bool { return resets.Load() > 0 })
}

// TestLeaks: after Shutdown, the goroutines and the file descriptors
// (Linux) or handles (Windows) of the process are back where they were.
func TestLeaks(t *testing.T) {
	var (
		g0, h0    int
		countable bool
	)
	// The first round makes what the process makes once (Go's net's
	// completion port, Winsock's state): the counts are taken after it.
	for round := range 3 {
		if round == 1 {
			runtime.GC()
			g0 = runtime.NumGoroutine()
			h0, countable = countHandles()
		}
		s, err := NewServer(Config{Loops: 3, IdleTimeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		ln := listen(t, s, "tcp://127.0.0.1:0", echoHandler())
		listen(t, s, "udp://127.0.0.1:0", Handler{OnPacket: func(p *Packet) { p.Reply(p.Data()) }})
		conns := scaled(50, 5)
		clients := make([]net.Conn, conns)
		for i := range clients {
			c, err := net.DialTimeout("tcp", ln.Addr().String(), waitTimeout)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(ioDeadline))
			clients[i] = c
		}
		if err := runClients(conns, func(i int) error { return echoRounds(clients[i], 1, 2, 100) }); err != nil {
			t.Fatal(err)
		}
		// Some dialled connections too, open at shutdown.
		for range 3 {
			if _, err := s.Dial(ln.Addr().String(), Handler{}); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan error, 1)
		go func() { done <- s.Shutdown(t.Context()) }()
		for _, c := range clients {
			readAll(c)
			c.Close()
		}
		if err := recv(t, done, "Shutdown"); err != nil {
			t.Fatal(err)
		}
	}
	if n, stacks := stableGoroutines(g0); n > g0 {
		t.Errorf("%d goroutines after Shutdown, %d before:\n%s", n, g0, stacks)
	}
	if !countable {
		return
	}
	if h1 := handlesLeft(h0); h1 > h0 {
		t.Errorf("%d handles open after Shutdown, %d before", h1, h0)
	}
}

// TestServerClose: Close cuts every connection at once with
// ErrServerClosed, and the calls after it fail.
func TestServerClose(t *testing.T) {
	s, err := NewServer(Config{Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 10)
	h := echoHandler()
	h.OnClose = func(c *Conn, err error) { closed <- err }
	ln := listen(t, s, "tcp://127.0.0.1:0", h)
	cs := []net.Conn{dial(t, ln), dial(t, ln), dial(t, ln)}
	for _, c := range cs {
		if err := echoRounds(c, 1, 1, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range cs {
		if err := recv(t, closed, "OnClose"); !errors.Is(err, ErrServerClosed) {
			t.Errorf("OnClose: %v, want ErrServerClosed", err)
		}
	}
	for _, c := range cs {
		if _, err := readAll(c); err != nil && !isReset(err) {
			t.Errorf("client after Close: %v", err)
		}
	}
	if err := s.Close(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Shutdown(t.Context()); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Shutdown after Close: %v", err)
	}
	if _, err := s.Dial(ln.Addr().String(), Handler{}); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Dial after Close: %v", err)
	}
}

// TestBadAddresses: what Listen and Dial refuse.
func TestBadAddresses(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	for _, a := range []string{"tcp://127.0.0.1", "sctp://127.0.0.1:1", "tcp4://[::1]:0", "tcp6://127.0.0.1:0",
		"tcp://127.0.0.1:99999", "udp://127.0.0.1:0"} {
		if ln, err := s.Listen(a, echoHandler()); err == nil {
			t.Errorf("Listen(%q) succeeded: %v", a, ln)
		}
	}
	for _, a := range []string{"tcp://:80", "udp://127.0.0.1:1", "tcp://127.0.0.1:x"} {
		if _, err := s.Dial(a, Handler{}); err == nil {
			t.Errorf("Dial(%q) succeeded", a)
		}
	}
	ln := listen(t, s, "localhost:0", echoHandler())
	if !ln.Addr().Addr().IsLoopback() || !ln.Addr().Addr().Is4() {
		t.Errorf("localhost listens on %v", ln.Addr())
	}
	if ln, err := s.Listen("tcp://:0", echoHandler()); err != nil || !ln.Addr().Addr().IsUnspecified() {
		t.Errorf("Listen on every interface: %v, %v", ln, err)
	}
}

// TestAllocs: an echo round trip allocates nothing in steady state, on
// the server's side and the std net client's together.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := newServer(t, Config{Loops: 1})
	ln := listen(t, s, "tcp://127.0.0.1:0", echoHandler())
	c := dial(t, ln)
	msg := []byte("0123456789abcdef0123456789abcdef")
	buf := make([]byte, len(msg))
	round := func() {
		if _, err := c.Write(msg); err != nil {
			panic(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			panic(err)
		}
	}
	for range 100 {
		round()
	}
	if n := testing.AllocsPerRun(scaled(1000, 5), round); n != 0 {
		t.Errorf("%v allocations per echo round trip", n)
	}
	_ = sock.Handle(0)
}
