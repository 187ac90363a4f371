package evloop

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// halfCloser is a client that can end its sending side and go on reading.
type halfCloser interface {
	net.Conn
	CloseWrite() error
}

// serveHalfClose serves h on a listener of s, plain ("tcp") or TLS 1.3
// (any other how), and connects a client to it: raw is its socket, c
// the client over it (raw itself, or a TLS client).
func serveHalfClose(t *testing.T, pki *testPKI, s *Server, h Handler, how string) (raw *net.TCPConn, c halfCloser) {
	t.Helper()
	var (
		ln  *Listener
		err error
	)
	if how == "tcp" {
		ln = listen(t, s, "tcp://127.0.0.1:0", h)
	} else if ln, err = s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), h); err != nil {
		t.Fatal(err)
	}
	raw = dial(t, ln).(*net.TCPConn)
	if how == "tcp" {
		return raw, raw
	}
	return raw, tls.Client(raw, pki.clientConfig(tls.VersionTLS13))
}

// TestOnEOFAnswersHalfClosedPeer: a peer that sends its request and shuts
// down its sending side gets the answer: OnEOF sees the input OnTraffic
// left, once, after every OnTraffic, and what it writes reaches the peer
// before the close. Plain TCP (FIN), TLS with close_notify alone (the
// socket stays open), and TLS with the FIN alone.
func TestOnEOFAnswersHalfClosedPeer(t *testing.T) {
	pki := newPKI(t)
	for _, how := range []string{"tcp", "tls-close_notify", "tls-FIN"} {
		t.Run(how, func(t *testing.T) {
			s := newServer(t, Config{})
			var eofs, trafficAfterEOF atomic.Int32
			closed := make(chan error, 1)
			h := Handler{
				// The request has no framing: it is all the peer sends,
				// left in the input until its end of stream.
				OnTraffic: func(c *Conn) {
					if eofs.Load() > 0 {
						trafficAfterEOF.Add(1)
					}
				},
				OnEOF: func(c *Conn) {
					eofs.Add(1)
					req, _ := c.Next(-1)
					c.Write([]byte("got: "))
					c.Write(req)
					c.Close()
				},
				OnClose: func(c *Conn, err error) { closed <- err },
			}
			raw, c := serveHalfClose(t, pki, s, h, how)
			req := bytes.Repeat([]byte("request "), 10000)
			if _, err := c.Write(req); err != nil {
				t.Fatal(err)
			}
			var err error
			switch how {
			case "tls-FIN":
				err = raw.CloseWrite()
			default:
				err = c.CloseWrite()
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("read the answer: %v (%d bytes)", err, len(got))
			}
			if want := append([]byte("got: "), req...); !bytes.Equal(got, want) {
				t.Fatalf("answer of %d bytes, want %d", len(got), len(want))
			}
			// With close_notify alone the server lingers for the
			// socket's end of stream.
			c.Close()
			if err := recv(t, closed, "OnClose"); err != nil {
				t.Fatalf("OnClose: %v", err)
			}
			if n := eofs.Load(); n != 1 {
				t.Fatalf("OnEOF called %d times, want 1", n)
			}
			if n := trafficAfterEOF.Load(); n != 0 {
				t.Fatalf("OnTraffic called %d times after OnEOF", n)
			}
		})
	}
}

// TestOnEOFAnswerLater: after OnEOF the connection stays open until the
// handler closes it: output written later (a timer, then AsyncWrite from
// another goroutine) reaches the half-closed peer, and OnEOF is not
// called again meanwhile (the loop does not keep reading the end of
// stream).
func TestOnEOFAnswerLater(t *testing.T) {
	s := newServer(t, Config{})
	var eofs atomic.Int32
	eofc := make(chan *Conn, 1)
	closed := make(chan error, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnEOF: func(c *Conn) {
			eofs.Add(1)
			c.AfterFunc(50*time.Millisecond, func(c *Conn) {
				c.Write([]byte("one "))
				eofc <- c
			})
		},
		OnClose: func(c *Conn, err error) { closed <- err },
	})
	cl := dial(t, ln).(*net.TCPConn)
	if _, err := cl.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := cl.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c := recv(t, eofc, "the timer after OnEOF")
	time.Sleep(50 * time.Millisecond) // the loop waits meanwhile
	if err := c.AsyncWrite([]byte("two")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	got, err := io.ReadAll(cl)
	if err != nil || string(got) != "one two" {
		t.Fatalf("read %q, %v; want \"one two\"", got, err)
	}
	if err := recv(t, closed, "OnClose"); err != nil {
		t.Fatalf("OnClose: %v", err)
	}
	if n := eofs.Load(); n != 1 {
		t.Fatalf("OnEOF called %d times, want 1", n)
	}
}

// leftHalfClosed serves, with cfg, a handler whose OnEOF leaves the
// connection open, and returns a client that has shut down its sending
// side once OnEOF has come, and where OnClose sends its error.
func leftHalfClosed(t *testing.T, cfg Config) (*net.TCPConn, <-chan error) {
	t.Helper()
	s := newServer(t, cfg)
	eof := make(chan struct{}, 1)
	closed := make(chan error, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnEOF:   func(c *Conn) { eof <- struct{}{} },
		OnClose: func(c *Conn, err error) { closed <- err },
	})
	cl := dial(t, ln).(*net.TCPConn)
	if err := cl.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	recv(t, eof, "OnEOF")
	return cl, closed
}

// TestOnEOFIdleTimeout: a half-closed connection the handler leaves open
// is still closed by IdleTimeout.
func TestOnEOFIdleTimeout(t *testing.T) {
	_, closed := leftHalfClosed(t, Config{IdleTimeout: 100 * time.Millisecond})
	if err := recv(t, closed, "OnClose"); !errors.Is(err, ErrIdleTimeout) {
		t.Fatalf("OnClose: %v, want ErrIdleTimeout", err)
	}
}

// TestOnEOFAfterPause: input and the end of stream that arrive while the
// handler has paused reading come after ResumeRead in their order:
// OnTraffic with the input, then OnEOF.
func TestOnEOFAfterPause(t *testing.T) {
	for _, how := range []string{"tcp", "tls"} {
		t.Run(how, func(t *testing.T) {
			pki := newPKI(t)
			s := newServer(t, Config{})
			events := make(chan string, 4)
			opened := make(chan *Conn, 1)
			h := Handler{
				OnOpen: func(c *Conn) {
					c.PauseRead()
					opened <- c
				},
				OnTraffic: func(c *Conn) {
					b, _ := c.Next(-1)
					events <- "traffic " + string(b)
				},
				OnEOF: func(c *Conn) {
					events <- "eof"
					c.Close()
				},
			}
			_, cl := serveHalfClose(t, pki, s, h, how)
			if tc, ok := cl.(*tls.Conn); ok {
				if err := tc.Handshake(); err != nil {
					t.Fatal(err)
				}
			}
			c := recv(t, opened, "OnOpen")
			if _, err := cl.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if err := cl.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // the input and its end wait
			select {
			case ev := <-events:
				t.Fatalf("%s while paused", ev)
			default:
			}
			c.ResumeRead()
			if ev := recv(t, events, "OnTraffic"); ev != "traffic hello" {
				t.Fatalf("first %q, want \"traffic hello\"", ev)
			}
			if ev := recv(t, events, "OnEOF"); ev != "eof" {
				t.Fatalf("then %q, want \"eof\"", ev)
			}
			if _, err := io.ReadAll(cl); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOnEOFPeerReset: a half-closed connection the handler leaves open is
// closed with the error when the peer then resets it.
func TestOnEOFPeerReset(t *testing.T) {
	cl, closed := leftHalfClosed(t, Config{})
	cl.SetLinger(0)
	cl.Close()
	if err := recv(t, closed, "OnClose"); err == nil {
		t.Fatal("OnClose: nil error for a reset")
	}
}

// TestOnEOFPauseResume: a handler that pauses and resumes reading after
// OnEOF, with input left unconsumed, gets no OnTraffic: none follows
// OnEOF. Plain and TLS.
func TestOnEOFPauseResume(t *testing.T) {
	pki := newPKI(t)
	for _, how := range []string{"tcp", "tls"} {
		t.Run(how, func(t *testing.T) {
			s := newServer(t, Config{})
			var eofs, trafficAfterEOF atomic.Int32
			resumed := make(chan struct{}, 1)
			h := Handler{
				OnTraffic: func(c *Conn) {
					if eofs.Load() > 0 {
						trafficAfterEOF.Add(1)
					}
				},
				OnEOF: func(c *Conn) {
					eofs.Add(1)
					c.PauseRead()
					c.AfterFunc(20*time.Millisecond, func(c *Conn) {
						c.ResumeRead()
						c.AfterFunc(50*time.Millisecond, func(c *Conn) {
							b, _ := c.Next(-1) // the input left, still there
							c.Write(b)
							c.Close()
							resumed <- struct{}{}
						})
					})
				},
			}
			_, c := serveHalfClose(t, pki, s, h, how)
			if _, err := c.Write([]byte("left")); err != nil {
				t.Fatal(err)
			}
			if err := c.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			recv(t, resumed, "the close after ResumeRead")
			got, err := io.ReadAll(c)
			if err != nil || string(got) != "left" {
				t.Fatalf("read %q, %v; want \"left\"", got, err)
			}
			if n := trafficAfterEOF.Load(); n != 0 {
				t.Fatalf("OnTraffic called %d times after OnEOF", n)
			}
		})
	}
}
