package evloop

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// streamByte is byte i of the stream that the peers of the pause tests
// send: a prime period, so that bytes delivered twice, lost or out of
// order do not line up again.
func streamByte(i int64) byte { return byte(i % 251) }

// onLoop runs f on c's loop, through Run, and waits for it.
func onLoop(t testing.TB, c *Conn, f func(*Conn)) {
	t.Helper()
	done := make(chan struct{})
	if err := c.Run(func(c *Conn) { f(c); close(done) }); err != nil {
		t.Fatalf("Run: %v", err)
	}
	recv(t, done, "a function of Run")
}

// TestPauseReadBoundsInput: a connection paused (from OnOpen, or from
// OnTraffic with half of its input left unconsumed, after 512 KiB) while
// its peer sends 8 MiB reads nothing more: OnTraffic does not come, its
// inbound buffer holds what it held at the pause, and the peer stalls
// once the socket buffers are full. After ResumeRead, called from another
// goroutine, every byte arrives, in order: the input left at the pause
// first. Over TLS, with records of 16 KiB and a read buffer of 4 KiB, a
// record fills the plaintext buffer four times: a pause in OnTraffic
// leaves the rest of the record decrypted in the session, which is not
// delivered while paused and comes first after ResumeRead.
func TestPauseReadBoundsInput(t *testing.T) {
	for _, secure := range []bool{false, true} {
		for _, where := range []string{"OnOpen", "OnTraffic"} {
			name := where
			if secure {
				name = "TLS/" + name
			}
			t.Run(name, func(t *testing.T) { testPauseReadBoundsInput(t, secure, where) })
		}
	}
}

func testPauseReadBoundsInput(t *testing.T, secure bool, where string) {
	const (
		total   = 8 << 20
		sockBuf = 64 << 10
		chunk   = 16 << 10
	)
	readBuf := 16 << 10
	if secure {
		readBuf = 4 << 10
	}
	s := newServer(t, Config{Loops: 1, ReadBufferSize: readBuf, RecvBuffer: sockBuf})
	var (
		got      atomic.Int64 // bytes the handler consumed, checked
		traffic  atomic.Int64 // OnTraffic calls
		paused   atomic.Bool  // the handler paused and the test has not resumed
		errs     = make(chan error, 8)
		opened   = make(chan *Conn, 1)
		left     = make(chan int, 1)
		pausedIn bool // loop-owned
	)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	h := Handler{
		OnOpen: func(c *Conn) {
			if where == "OnOpen" {
				c.PauseRead()
				pausedIn = true
				paused.Store(true)
				left <- c.InboundBuffered()
			}
			opened <- c
		},
		OnTraffic: func(c *Conn) {
			traffic.Add(1)
			if paused.Load() {
				report(errors.New("OnTraffic while paused"))
			}
			b, _ := c.Peek(-1)
			n := len(b)
			off := got.Load()
			// Past crypto/tls's small first records, with the
			// plaintext buffer full: over TLS the session has more.
			pause := !pausedIn && off >= 512<<10 && (!secure || n == readBuf)
			if pause {
				n /= 2
			}
			for i, x := range b[:n] {
				if x != streamByte(off+int64(i)) {
					report(fmt.Errorf("byte %d of the stream is %d, want %d", off+int64(i), x, streamByte(off+int64(i))))
					c.Close()
					return
				}
			}
			c.Discard(n)
			got.Add(int64(n))
			if pause {
				pausedIn = true
				paused.Store(true)
				c.PauseRead()
				c.PauseRead() // idempotent
				left <- c.InboundBuffered()
			}
		},
	}
	var (
		ln  *Listener
		err error
		pc  io.Writer
		raw net.Conn
	)
	if secure {
		pki := newPKI(t)
		if ln, err = s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), h); err != nil {
			t.Fatal(err)
		}
		tc := tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
		raw, pc = tc.NetConn(), tc
	} else {
		ln = listen(t, s, "tcp://127.0.0.1:0", h)
		raw = dial(t, ln)
		pc = raw
	}
	raw.(*net.TCPConn).SetWriteBuffer(sockBuf)
	sc := recv(t, opened, "OnOpen")

	var written atomic.Int64
	wrote := make(chan error, 1)
	go func() {
		p := make([]byte, chunk) // over TLS, a record each
		for off := int64(0); off < total; off += int64(len(p)) {
			for i := range p {
				p[i] = streamByte(off + int64(i))
			}
			if _, err := pc.Write(p); err != nil {
				wrote <- err
				return
			}
			written.Add(int64(len(p)))
		}
		wrote <- nil
	}()

	held := recv(t, left, "the pause")
	if held > readBuf {
		t.Fatalf("%d bytes left at the pause, more than one read (%d)", held, readBuf)
	}
	// While the peer pushes, the connection holds what it held and hears
	// nothing, until the peer stalls on full socket buffers.
	calls := traffic.Load()
	last, stable := int64(-1), 0
	for stable < 5 {
		time.Sleep(20 * time.Millisecond)
		select {
		case err := <-wrote:
			t.Fatalf("the peer wrote all %d bytes to a paused connection (%v)", total, err)
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		onLoop(t, sc, func(c *Conn) {
			if n := c.InboundBuffered(); n != held {
				report(fmt.Errorf("paused: %d bytes buffered, %d at the pause", n, held))
			}
		})
		if n := traffic.Load(); n != calls {
			t.Fatalf("OnTraffic came %d times while paused", n-calls)
		}
		if w := written.Load(); w == last {
			stable++
		} else {
			last, stable = w, 0
		}
	}
	t.Logf("paused with %d bytes left; the peer stalled after %d bytes", held, last)

	paused.Store(false)
	sc.ResumeRead()
	sc.ResumeRead() // idempotent
	if err := recv(t, wrote, "the peer's writes"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every byte", func() bool {
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		return got.Load() == total
	})
}

// TestPauseResumeFromCallbacks: PauseRead and ResumeRead from OnTraffic,
// from the callback of another connection of the loop, from another
// goroutine and from a timer. A pause from OnTraffic holds the input the
// handler left, and ResumeRead delivers it though nothing new arrives; a
// pause from another goroutine is in effect once a function given to Run
// after it runs.
func TestPauseResumeFromCallbacks(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	var (
		mu      sync.Mutex
		log     strings.Builder
		traffic atomic.Int64
		data    = make(chan *Conn, 1)
		ctl     = make(chan *Conn, 1)
	)
	logged := func() string {
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	var dc *Conn // loop-owned once set
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) {
			if dc == nil {
				dc = c
				data <- c
			} else {
				ctl <- c
			}
		},
		OnTraffic: func(c *Conn) {
			if c != dc {
				b, _ := c.Next(-1)
				for range b {
					dc.ResumeRead() // another connection's callback
					dc.ResumeRead()
				}
				return
			}
			traffic.Add(1)
			b, _ := c.Peek(-1)
			n := len(b)
			if i := strings.IndexByte(string(b), 'P'); i >= 0 {
				n = i + 1
				c.PauseRead()
				c.PauseRead()
			}
			mu.Lock()
			log.Write(b[:n])
			mu.Unlock()
			c.Discard(n)
		},
	})
	d := dial(t, ln)
	sc := recv(t, data, "the data connection")
	k := dial(t, ln)
	recv(t, ctl, "the control connection")

	// Paused from OnTraffic with "defg" left.
	io.WriteString(d, "abcPdefg")
	waitFor(t, "abcP", func() bool { return logged() == "abcP" })
	time.Sleep(100 * time.Millisecond) // room for a wrong OnTraffic
	if l := logged(); l != "abcP" {
		t.Fatalf("paused after abcP, got %q", l)
	}
	// Resumed from the control connection's OnTraffic: the input left
	// comes, with nothing new.
	k.Write([]byte("r"))
	waitFor(t, "defg", func() bool { return logged() == "abcPdefg" })

	// Paused from this goroutine.
	calls := traffic.Load()
	sc.PauseRead()
	sc.PauseRead()
	onLoop(t, sc, func(*Conn) {})
	io.WriteString(d, "hij")
	time.Sleep(100 * time.Millisecond)
	if n := traffic.Load(); n != calls {
		t.Fatalf("OnTraffic came %d times after PauseRead from another goroutine: %q", n-calls, logged())
	}
	// Resumed from a timer of the connection.
	onLoop(t, sc, func(c *Conn) { c.AfterFunc(time.Millisecond, func(c *Conn) { c.ResumeRead() }) })
	waitFor(t, "hij", func() bool { return logged() == "abcPdefghij" })

	// ResumeRead on a connection that is not paused changes nothing.
	calls = traffic.Load()
	sc.ResumeRead()
	onLoop(t, sc, func(c *Conn) { c.ResumeRead() })
	io.WriteString(d, "k")
	waitFor(t, "k", func() bool { return logged() == "abcPdefghijk" })
	if n := traffic.Load(); n != calls+1 {
		t.Fatalf("%d OnTraffic calls for one byte", n-calls)
	}
}

// TestPauseReadPeerClose: a paused connection does not see its peer's
// end of stream, which comes after the data: OnClose does not come while
// it is paused, and after ResumeRead the data arrives, then the graceful
// close (OnClose with nil); when the handler had left input at the pause,
// that input comes first, though the loop may see the end of stream
// before it offers the input again. A reset is reported while paused:
// OnClose comes with an error, without ResumeRead, and the data is lost.
func TestPauseReadPeerClose(t *testing.T) {
	for _, leave := range []bool{false, true} {
		name := "FIN"
		if leave {
			name = "FIN after input left"
		}
		t.Run(name, func(t *testing.T) {
			ln, opened, events := pauseCloseServer(t, leave)
			c := dial(t, ln)
			sc := recv(t, opened, "OnOpen")
			io.WriteString(c, "hello")
			c.Close()
			want := ""
			if leave {
				if ev := recv(t, events, "OnTraffic"); ev.what != "h" {
					t.Fatalf("first OnTraffic: %q (%v)", ev.what, ev.err)
				}
				want = "h"
			}
			time.Sleep(200 * time.Millisecond) // room for a wrong close
			select {
			case ev := <-events:
				t.Fatalf("paused, the peer's close gave %q (%v)", ev.what, ev.err)
			default:
			}
			sc.ResumeRead()
			got := want
			for {
				ev := recv(t, events, "events")
				if ev.what == "close" {
					if ev.err != nil {
						t.Fatalf("OnClose: %v, want nil (a graceful close)", ev.err)
					}
					break
				}
				got += ev.what
			}
			if got != "hello" {
				t.Fatalf("delivered %q before the close, want hello", got)
			}
		})
	}
	t.Run("reset", func(t *testing.T) {
		ln, opened, events := pauseCloseServer(t, false)
		c := dial(t, ln)
		recv(t, opened, "OnOpen")
		io.WriteString(c, "hello")
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		ev := recv(t, events, "OnClose")
		if ev.what != "close" || ev.err == nil {
			t.Fatalf("paused, a reset gave %q (%v); want OnClose with an error", ev.what, ev.err)
		}
		t.Logf("OnClose: %v", ev.err)
	})
}

// A pauseEvent is an OnTraffic (its input) or OnClose ("close", its
// error) of pauseCloseServer.
type pauseEvent struct {
	what string
	err  error
}

// pauseCloseServer serves connections that it pauses at OnOpen, or, with
// leave, in their first OnTraffic, which takes one byte and leaves the
// rest.
func pauseCloseServer(t *testing.T, leave bool) (*Listener, chan *Conn, chan pauseEvent) {
	s := newServer(t, Config{Loops: 1})
	opened := make(chan *Conn, 1)
	events := make(chan pauseEvent, 16)
	first := true // loop-owned
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) {
			if !leave {
				c.PauseRead()
			}
			opened <- c
		},
		OnTraffic: func(c *Conn) {
			n := -1
			if leave && first {
				first, n = false, 1
				c.PauseRead()
			}
			b, _ := c.Next(n)
			events <- pauseEvent{what: string(b)}
		},
		OnClose: func(c *Conn, err error) { events <- pauseEvent{what: "close", err: err} },
	})
	return ln, opened, events
}

// TestPauseReadConcurrentClose: PauseRead and ResumeRead from several
// goroutines at once while the connection is closed from another, and
// after: no race, no panic, OnClose once per connection, and the close
// completes (a paused connection still reads to linger).
func TestPauseReadConcurrentClose(t *testing.T) {
	n := scaled(20, 4)
	s := newServer(t, Config{Loops: 2})
	opened := make(chan *Conn, n)
	var closes sync.Map
	closed := make(chan struct{}, n)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen:    func(c *Conn) { opened <- c },
		OnTraffic: func(c *Conn) { c.Discard(-1) },
		OnClose: func(c *Conn, err error) {
			if _, dup := closes.LoadOrStore(c, true); dup {
				t.Errorf("OnClose twice")
			}
			c.PauseRead()
			c.ResumeRead()
			closed <- struct{}{}
		},
	})
	var wg sync.WaitGroup
	for range n {
		c := dial(t, ln)
		sc := recv(t, opened, "OnOpen")
		wg.Go(func() {
			// The peer sends, then reads until the server's close.
			io.WriteString(c, strings.Repeat("x", 10000))
			io.Copy(io.Discard, c)
			c.Close()
		})
		for g := range 4 {
			wg.Go(func() {
				for i := range 200 {
					if (i+g)%2 == 0 {
						sc.PauseRead()
					} else {
						sc.ResumeRead()
					}
					if g == 0 && i == 100 {
						sc.Close()
					}
				}
				sc.PauseRead() // paused or not, Close completes
			})
		}
	}
	for range n {
		recv(t, closed, "OnClose")
	}
	wg.Wait()
}

// TestPauseReadWithOutboundFull: a pause and a full output hold reading
// each on its own, and reading resumes when neither is left. ResumeRead
// while the output is at MaxOutbound reads nothing until it drains; the
// output draining while the connection is paused reads nothing until
// ResumeRead, which then delivers the input left and what came since.
func TestPauseReadWithOutboundFull(t *testing.T) {
	const big = 1 << 20
	s := newServer(t, Config{Loops: 1, MaxOutbound: 64 << 10, SendBuffer: 16 << 10})
	var (
		mu      sync.Mutex
		log     strings.Builder
		traffic atomic.Int64
		opened  = make(chan *Conn, 1)
	)
	logged := func() string {
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	answer := make([]byte, big)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) { opened <- c },
		OnTraffic: func(c *Conn) {
			n := traffic.Add(1)
			b, _ := c.Peek(-1)
			if n == 1 {
				b = b[:1] // the first byte; the rest is left
				c.Write(answer)
				c.PauseRead()
			}
			mu.Lock()
			log.Write(b)
			mu.Unlock()
			c.Discard(len(b))
		},
	})
	c := dial(t, ln)
	c.(*net.TCPConn).SetReadBuffer(16 << 10)
	sc := recv(t, opened, "OnOpen")
	io.WriteString(c, "abc")
	waitFor(t, "a", func() bool { return logged() == "a" })

	// Resumed, but the output is full: no reading.
	sc.ResumeRead()
	onLoop(t, sc, func(c *Conn) {
		if !c.OutboundFull() {
			t.Errorf("the output is not full: %d bytes pending", c.OutboundBuffered())
		}
	})
	io.WriteString(c, "d")
	time.Sleep(100 * time.Millisecond)
	if n := traffic.Load(); n != 1 {
		t.Fatalf("OnTraffic came while the output was full: %q", logged())
	}

	// Paused again; the output drains: still no reading.
	sc.PauseRead()
	onLoop(t, sc, func(*Conn) {})
	if _, err := io.ReadFull(c, make([]byte, big)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the output to drain", func() bool {
		var n int
		onLoop(t, sc, func(c *Conn) { n = c.OutboundBuffered() })
		return n == 0
	})
	time.Sleep(100 * time.Millisecond)
	if n := traffic.Load(); n != 1 {
		t.Fatalf("OnTraffic came for a paused connection when its output drained: %q", logged())
	}

	// Resumed with nothing in the way: the input left, then the rest.
	sc.ResumeRead()
	waitFor(t, "abcd", func() bool { return logged() == "abcd" })
}

// TestPauseReadIdleTimeout: IdleTimeout goes on for a paused connection,
// which moves no byte: it closes with ErrIdleTimeout, its input unread.
func TestPauseReadIdleTimeout(t *testing.T) {
	s := newServer(t, Config{Loops: 1, IdleTimeout: 200 * time.Millisecond})
	closed := make(chan error, 1)
	var traffic atomic.Int64
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen:    func(c *Conn) { c.PauseRead() },
		OnTraffic: func(c *Conn) { traffic.Add(1) },
		OnClose:   func(c *Conn, err error) { closed <- err },
	})
	c := dial(t, ln)
	io.WriteString(c, "hello")
	if err := recv(t, closed, "OnClose"); !errors.Is(err, ErrIdleTimeout) {
		t.Fatalf("OnClose: %v, want ErrIdleTimeout", err)
	}
	if n := traffic.Load(); n != 0 {
		t.Fatalf("OnTraffic came %d times for a paused connection", n)
	}
}
