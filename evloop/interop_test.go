package evloop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// netListen returns a TCP listener of Go's net on loopback.
func netListen(t testing.TB) net.Listener {
	t.Helper()
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nl.Close() })
	return nl
}

// netPair returns both ends of a TCP connection made by Go's net: the
// dialled one and the accepted one.
func netPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	nl := netListen(t)
	client, err := net.DialTimeout("tcp", nl.Addr().String(), waitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	server, err = nl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	nl.Close()
	for _, c := range []net.Conn{client, server} {
		c.SetDeadline(time.Now().Add(ioDeadline))
		t.Cleanup(func() { c.Close() })
	}
	return client, server
}

// TestAddListener: a listener of Go's net, served by the loops; closing
// the Listener closes it.
func TestAddListener(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	nl := netListen(t)
	ln, err := s.AddListener(nl, echoHandler())
	if err != nil {
		t.Fatal(err)
	}
	if want := nl.Addr().String(); ln.Addr().String() != want || ln.Network() != "tcp" {
		t.Errorf("Listener %v (%s), want tcp %s", ln.Addr(), ln.Network(), want)
	}
	if got := s.Listeners(); len(got) != 1 || got[0] != ln {
		t.Errorf("Listeners: %v", got)
	}
	conns := scaled(20, 4)
	err = runClients(conns, func(i int) error {
		c, err := net.DialTimeout("tcp", nl.Addr().String(), waitTimeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ioDeadline))
		return echoRounds(c, uint64(i), 3, 8<<10)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := nl.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept on the net.Listener after Listener.Close: %v, want net.ErrClosed", err)
	}
	shutdown(t, s)
}

// TestAddConn: connections of Go's net on both sides of a loop. The
// accepted end of one is served as an echo; the dialled end of another
// speaks first, from OnOpen, as a client; both close through their
// net.Conn.
func TestAddConn(t *testing.T) {
	s := newServer(t, Config{Loops: 2})

	client, server := netPair(t)
	closed := make(chan error, 2)
	h := echoHandler()
	h.OnClose = func(c *Conn, err error) { closed <- err }
	c, err := s.AddConn(server, h)
	if err != nil {
		t.Fatal(err)
	}
	if c.LocalAddr().String() != server.LocalAddr().String() || c.RemoteAddr().String() != client.LocalAddr().String() {
		t.Errorf("addresses %v %v, want %v %v", c.LocalAddr(), c.RemoteAddr(), server.LocalAddr(), client.LocalAddr())
	}
	if err := echoRounds(client, 1, 5, 32<<10); err != nil {
		t.Fatal(err)
	}
	client.Close()
	if err := recv(t, closed, "OnClose"); err != nil {
		t.Errorf("OnClose after the peer's close: %v", err)
	}
	if _, err := server.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("the added net.Conn after OnClose: %v, want net.ErrClosed", err)
	}

	peer, mine := netPair(t)
	got := make(chan string, 1)
	_, err = s.AddConn(peer, Handler{
		OnOpen: func(c *Conn) { c.Write([]byte("ping")) },
		OnTraffic: func(c *Conn) {
			if c.InboundBuffered() >= 4 {
				b, _ := c.Next(4)
				got <- string(b)
				c.Close()
			}
		},
		OnClose: func(c *Conn, err error) { closed <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(mine, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v", buf, err)
	}
	mine.Write([]byte("pong"))
	if g := recv(t, got, "the answer"); g != "pong" {
		t.Errorf("answer %q", g)
	}
	if rest, err := readAll(mine); err != nil || len(rest) != 0 {
		t.Errorf("after Close: %q, %v", rest, err)
	}
	mine.Close()
	if err := recv(t, closed, "OnClose"); err != nil {
		t.Errorf("OnClose after Close: %v", err)
	}
	shutdown(t, s)
}

// TestAddPacketConn: a UDP socket of Go's net, served with OnPacket.
func TestAddPacketConn(t *testing.T) {
	if underWine() {
		t.Skip("Go's net UDP fails under Wine 8.0: WSAIoctl(SIO_UDP_NETRESET) is not supported")
	}
	s := newServer(t, Config{Loops: 1})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := s.AddPacketConn(pc, Handler{}); err == nil {
		t.Error("AddPacketConn without OnPacket succeeded")
	}
	ln, err := s.AddPacketConn(pc, udpEcho())
	if err != nil {
		t.Fatal(err)
	}
	if ln.Network() != "udp" || ln.Addr().String() != pc.LocalAddr().String() {
		t.Errorf("Listener %s %v, want udp %v", ln.Network(), ln.Addr(), pc.LocalAddr())
	}
	c, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 2048)
	for i := range 20 {
		msg := fmt.Appendf(nil, "datagram %d", i)
		var n int
		for range 3 {
			c.Write(msg)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if n, err = c.Read(buf); err == nil {
				break
			}
		}
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("datagram %d: got %q, %v", i, buf[:n], err)
		}
	}
	ln.Close()
	if _, _, err := pc.ReadFrom(buf); !errors.Is(err, net.ErrClosed) {
		t.Errorf("ReadFrom on the net.PacketConn after Listener.Close: %v, want net.ErrClosed", err)
	}
}

// switchHandler detaches a connection once it has sent the line
// "SWITCH\n", handing the net.Conn (or the error) over.
func switchHandler(got chan<- net.Conn, errs chan<- error) Handler {
	return Handler{OnTraffic: func(c *Conn) {
		b, _ := c.Peek(-1)
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return
		}
		if string(b[:i]) != "SWITCH" {
			errs <- fmt.Errorf("line %q", b[:i])
			c.Close()
			return
		}
		c.Discard(i + 1)
		c.Write([]byte("OK\n")) // the socket takes it at once: no output pending
		nc, err := c.Detach()
		if err != nil {
			errs <- err
			return
		}
		if _, err := c.Detach(); !errors.Is(err, net.ErrClosed) {
			errs <- fmt.Errorf("second Detach: %v, want net.ErrClosed", err)
		}
		if err := c.AsyncWrite([]byte("x")); !errors.Is(err, net.ErrClosed) {
			errs <- fmt.Errorf("AsyncWrite after Detach: %v, want net.ErrClosed", err)
		}
		got <- nc
	}}
}

// checkDetached runs a protocol switch over client: "SWITCH\n" and the
// first bytes after it in one write, so that the handler sees them
// unconsumed when it detaches; then it checks that a blocking reader of
// the detached net.Conn gets those bytes and then the rest, and that
// writes go the other way.
func checkDetached(t *testing.T, client net.Conn, got <-chan net.Conn, errs <-chan error) {
	t.Helper()
	first := bytes.Repeat([]byte("unconsumed;"), 100)
	later := bytes.Repeat([]byte("later;"), 10000)
	if _, err := client.Write(append([]byte("SWITCH\n"), first...)); err != nil {
		t.Fatal(err)
	}
	var nc net.Conn
	select {
	case nc = <-got:
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for Detach")
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(ioDeadline))
	ok := make([]byte, 3)
	if _, err := io.ReadFull(client, ok); err != nil || string(ok) != "OK\n" {
		t.Fatalf("answer before the switch: %q, %v", ok, err)
	}
	go client.Write(later)
	want := append(append([]byte(nil), first...), later...)
	in := make([]byte, len(want))
	if _, err := io.ReadFull(nc, in); err != nil {
		t.Fatalf("blocking read after Detach: %v", err)
	}
	if !bytes.Equal(in, want) {
		t.Fatalf("the detached conn read %d bytes that differ from what was sent", len(in))
	}
	if _, err := nc.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	if rest, err := readAll(client); err != nil || string(rest) != "bye" {
		t.Errorf("client read %q, %v after the detached conn closed", rest, err)
	}
	select {
	case err := <-errs:
		t.Error(err)
	default:
	}
}

// TestDetach: a connection of AddConn, detached mid-stream, is the
// original net.Conn again, with the unconsumed bytes read first.
func TestDetach(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	got, errs := make(chan net.Conn, 1), make(chan error, 3)
	client, server := netPair(t)
	if _, err := s.AddConn(server, switchHandler(got, errs)); err != nil {
		t.Fatal(err)
	}
	checkDetached(t, client, got, errs)
	if s.Conns() != 0 {
		t.Errorf("Conns %d after Detach", s.Conns())
	}
	shutdown(t, s)
}

// TestDetachAccepted: an accepted connection, detached, is a *net.TCPConn
// of Go's (on Unix); Windows refuses with errors.ErrUnsupported and goes
// on serving.
func TestDetachAccepted(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	got, errs := make(chan net.Conn, 1), make(chan error, 3)
	ln := listen(t, s, "tcp://127.0.0.1:0", switchHandler(got, errs))
	client := dial(t, ln)
	if runtime.GOOS == "windows" {
		client.Write([]byte("SWITCH\n"))
		if err := recv(t, errs, "Detach"); !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("Detach of an accepted connection on Windows: %v, want errors.ErrUnsupported", err)
		}
		return
	}
	checkDetached(t, client, got, errs)
	waitFor(t, "the connection to leave the count", func() bool { return s.Conns() == 0 })

	// Nothing unconsumed: the net.Conn itself.
	client = dial(t, ln)
	client.Write([]byte("SWITCH\n"))
	select {
	case nc := <-got:
		defer nc.Close()
		if _, ok := nc.(*net.TCPConn); !ok {
			t.Errorf("Detach returned a %T, want *net.TCPConn", nc)
		}
	case err := <-errs:
		t.Fatal(err)
	}
	shutdown(t, s)
}

// TestDetachRefused: Detach with output the socket does not take fails
// with ErrOutputPending and the connection goes on; after Close it fails
// with net.ErrClosed.
func TestDetachRefused(t *testing.T) {
	s := newServer(t, Config{Loops: 1, SendBuffer: 16 << 10})
	errs := make(chan error, 2)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) {
			c.Write(make([]byte, 1<<20)) // more than the socket takes
			_, err := c.Detach()
			errs <- err
			c.Close()
			_, err = c.Detach()
			errs <- err
		},
	})
	client := dial(t, ln)
	if err := recv(t, errs, "Detach"); !errors.Is(err, ErrOutputPending) {
		t.Errorf("Detach with output pending: %v, want ErrOutputPending", err)
	}
	if err := recv(t, errs, "Detach"); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Detach after Close: %v, want net.ErrClosed", err)
	}
	if b, err := readAll(client); err != nil || len(b) != 1<<20 {
		t.Errorf("client read %d bytes, %v; want all 1 MiB, then end of stream", len(b), err)
	}
}

// wrapped hides the syscall.Conn of the net.Conn it holds.
type wrapped struct{ net.Conn }

// TestAddErrors: what AddListener, AddConn and AddPacketConn refuse, and
// that a refused net value is left working.
func TestAddErrors(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	if _, err := s.AddConn(nil, Handler{}); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("AddConn(nil): %v", err)
	}
	if _, err := s.AddListener(nil, Handler{}); err == nil {
		t.Error("AddListener(nil) succeeded")
	}
	if _, err := s.AddPacketConn(nil, Handler{OnPacket: func(*Packet) {}}); err == nil {
		t.Error("AddPacketConn(nil) succeeded")
	}
	client, server := netPair(t)
	if _, err := s.AddConn(wrapped{server}, Handler{}); !errors.Is(err, errNotSyscallConn) {
		t.Errorf("AddConn of a wrapper: %v", err)
	}
	if !underWine() { // no Go net UDP under Wine 8.0
		uc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		if _, err := s.AddConn(uc.(net.Conn), Handler{}); err == nil || !strings.Contains(err.Error(), `"udp" not served`) {
			t.Errorf("AddConn of a UDP conn: %v", err)
		}
	}
	closedClient, closedServer := netPair(t)
	closedServer.Close()
	closedClient.Close()
	if _, err := s.AddConn(closedServer, Handler{}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("AddConn of a closed conn: %v, want net.ErrClosed", err)
	}
	nl := netListen(t)
	s.Close()
	if _, err := s.AddConn(server, Handler{}); !errors.Is(err, ErrServerClosed) {
		t.Errorf("AddConn after Close: %v, want ErrServerClosed", err)
	}
	if _, err := s.AddListener(nl, Handler{}); !errors.Is(err, ErrServerClosed) {
		t.Errorf("AddListener after Close: %v, want ErrServerClosed", err)
	}
	// Both are left to their owner, working in net's own mode.
	go func() {
		if c, err := nl.Accept(); err == nil {
			c.Close()
		}
	}()
	if c, err := net.DialTimeout("tcp", nl.Addr().String(), waitTimeout); err != nil {
		t.Errorf("the refused listener does not accept: %v", err)
	} else {
		c.Close()
	}
	go io.Copy(server, server) // a blocking echo through net
	if err := echoRounds(client, 1, 3, 1000); err != nil {
		t.Errorf("the refused conn: %v", err)
	}
}

// TestAddLeaks: connections and listeners of Go's net, served, closed
// and detached, leave no goroutine and no handle behind.
func TestAddLeaks(t *testing.T) {
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
		s, err := NewServer(Config{Loops: 2})
		if err != nil {
			t.Fatal(err)
		}
		nl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddListener(nl, echoHandler()); err != nil {
			t.Fatal(err)
		}
		n := scaled(20, 4)
		err = runClients(n, func(i int) error {
			c, err := net.DialTimeout("tcp", nl.Addr().String(), waitTimeout)
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioDeadline))
			return echoRounds(c, uint64(i), 2, 100)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, errs := make(chan net.Conn, 1), make(chan error, 3)
		for range 2 {
			client, server := netPair(t)
			if _, err := s.AddConn(server, switchHandler(got, errs)); err != nil {
				t.Fatal(err)
			}
			checkDetached(t, client, got, errs)
			client.Close()
		}
		client, server := netPair(t)
		if _, err := s.AddConn(server, echoHandler()); err != nil {
			t.Fatal(err)
		}
		if err := echoRounds(client, 1, 2, 100); err != nil {
			t.Fatal(err)
		}
		s.Close() // closes the listener and the open conn
		client.Close()
	}
	if n, stacks := stableGoroutines(g0); n > g0 {
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, g0, stacks)
	}
	if !countable {
		return
	}
	if h1 := handlesLeft(h0); h1 > h0 {
		t.Errorf("%d handles open after Close, %d before", h1, h0)
	}
}

// TestDetachAsyncWrites: with AsyncWrite racing Detach, every record that
// AsyncWrite accepted reaches the peer, in order, before anything the
// detached net.Conn writes; AsyncWrite fails from the Detach on.
func TestDetachAsyncWrites(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	client, server := netPair(t)
	accepted := make(chan uint64, 1)
	got, errs := make(chan net.Conn, 1), make(chan error, 1)
	_, err := s.AddConn(server, Handler{
		OnOpen: func(c *Conn) {
			go func() {
				var seq uint64
				rec := make([]byte, 8)
				for {
					binary.BigEndian.PutUint64(rec, seq)
					// Paced: flat out, under Wine, the output never
					// drains and Detach rightly never succeeds.
					time.Sleep(50 * time.Microsecond)
					switch err := c.AsyncWrite(rec); {
					case err == nil:
						seq++
					case errors.Is(err, ErrOutboundFull):
					default:
						accepted <- seq
						return
					}
				}
			}()
		},
		OnTraffic: func(c *Conn) {
			c.Discard(-1) // every byte from the client asks for the switch
			// Take a while, so that AsyncWrite data piles up for
			// Detach to send first.
			time.Sleep(2 * time.Millisecond)
			nc, err := c.Detach()
			switch {
			case errors.Is(err, ErrOutputPending):
			case err != nil:
				errs <- err
			default:
				got <- nc
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				client.Write([]byte{'s'})
			}
		}
	}()
	done := make(chan error, 1)
	var n uint64
	go func() {
		rec := make([]byte, 8)
		for ; ; n++ {
			if _, err := io.ReadFull(client, rec); err != nil {
				done <- err
				return
			}
			v := binary.BigEndian.Uint64(rec)
			if v == ^uint64(0) {
				done <- nil
				return
			}
			if v != n {
				done <- fmt.Errorf("record %d where %d was due", v, n)
				return
			}
		}
	}()
	var nc net.Conn
	select {
	case nc = <-got:
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for Detach")
	}
	defer nc.Close()
	k := recv(t, accepted, "AsyncWrite to fail")
	nc.SetDeadline(time.Now().Add(ioDeadline))
	if _, err := nc.Write(bytes.Repeat([]byte{0xff}, 8)); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, done, "the records"); err != nil {
		t.Fatal(err)
	}
	if n != k {
		t.Errorf("the peer got %d records before the detached conn's, AsyncWrite accepted %d", n, k)
	}
}

// TestAddConnCloseRounds: connections of Go's net adopted with AddConn and
// closed, by the handler or by the peer, round after round, while the
// next round's connections are made. The loop Deletes each socket from
// its Poller before closing it: otherwise a poll submitted after the
// close could name the handle value once the next socket of Go's net has
// taken it and before Wine has made it a socket, which aborts Wine 8.0's
// wine server (see poll.TestWineAbortCloseNetConnRegistered).
func TestAddConnCloseRounds(t *testing.T) {
	s := newServer(t, Config{Loops: 2})
	rounds := scaled(200, 4)
	closed := make(chan error, 1)
	for r := range rounds {
		client, server := netPair(t)
		byHandler := r%2 == 0
		h := Handler{
			OnTraffic: func(c *Conn) {
				c.Next(-1)
				if byHandler {
					c.Close()
				}
			},
			OnClose: func(c *Conn, err error) { closed <- err },
		}
		if _, err := s.AddConn(server, h); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		if byHandler {
			client.Write([]byte("x"))
			// A graceful close: the loop waits for this side's FIN.
			if rest, err := readAll(client); err != nil || len(rest) != 0 {
				t.Fatalf("round %d: after Close: %q, %v", r, rest, err)
			}
		}
		client.Close()
		if err := recv(t, closed, "OnClose"); err != nil && byHandler {
			t.Errorf("round %d: OnClose after Close: %v", r, err)
		}
	}
}
