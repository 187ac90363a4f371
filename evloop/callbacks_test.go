package evloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// returns waits for the result of a call made from a callback. A call
// that waits for its own loop never returns, and the server cannot be
// closed after it either (the test's cleanup would hang): the test binary
// then exits here, with the stacks, instead of at go test's timeout.
func returns[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "--- FAIL: %s: %s called from a callback has not returned in %v: it waits for its own loop\n\n%s",
			t.Name(), what, waitTimeout, buf)
		os.Exit(1)
		panic("unreachable")
	}
}

// TestCallsFromCallbacks: Listen, AddListener, AddPacketConn and
// Listener.Close called from OnOpen, OnTraffic and OnPacket return, and
// do what they do from any other goroutine. With a single loop, each of
// them needs the loop that runs the callback.
func TestCallsFromCallbacks(t *testing.T) {
	type result struct {
		ln  *Listener
		err error
	}
	// An op runs in the callback of trigger, a listener of the server.
	ops := []struct {
		name  string
		setup func(t *testing.T) any
		run   func(s *Server, trigger *Listener, arg any) (*Listener, error)
		check func(t *testing.T, trigger *Listener, r result)
	}{
		{"Listen", nil,
			func(s *Server, _ *Listener, _ any) (*Listener, error) {
				return s.Listen("tcp://127.0.0.1:0", echoHandler())
			},
			func(t *testing.T, _ *Listener, r result) { checkEcho(t, r.ln.Addr()) }},
		{"AddListener", func(t *testing.T) any { return netListen(t) },
			func(s *Server, _ *Listener, nl any) (*Listener, error) {
				return s.AddListener(nl.(net.Listener), echoHandler())
			},
			func(t *testing.T, _ *Listener, r result) { checkEcho(t, r.ln.Addr()) }},
		{"AddPacketConn", func(t *testing.T) any {
			if underWine() {
				t.Skip("Go's net UDP fails under Wine 8.0: WSAIoctl(SIO_UDP_NETRESET) is not supported")
			}
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pc.Close() })
			return pc
		},
			func(s *Server, _ *Listener, pc any) (*Listener, error) {
				return s.AddPacketConn(pc.(net.PacketConn), udpEcho())
			},
			func(t *testing.T, _ *Listener, r result) { checkUDPEcho(t, r.ln.Addr()) }},
		{"ListenerClose", nil,
			func(_ *Server, trigger *Listener, _ any) (*Listener, error) {
				return nil, trigger.Close()
			},
			func(t *testing.T, trigger *Listener, _ result) {
				// Close has returned: the socket is closed, its port free.
				if trigger.Network() == "udp" {
					h, _, err := sock.BindOn(trigger.Addr())
					if err != nil {
						t.Errorf("UDP port of the closed listener still bound: %v", err)
						return
					}
					sock.Close(h)
					return
				}
				c, err := net.DialTimeout("tcp", trigger.Addr().String(), waitTimeout)
				if err == nil {
					c.Close()
					t.Errorf("connected to the closed listener %v", trigger)
				}
			}},
	}
	for _, cb := range []string{"OnOpen", "OnTraffic", "OnPacket"} {
		for _, op := range ops {
			t.Run(cb+"/"+op.name, func(t *testing.T) {
				var arg any
				if op.setup != nil {
					arg = op.setup(t)
				}
				s := newServer(t, Config{Loops: 1})
				done := make(chan result, 1)
				call := func(trigger *Listener) {
					ln, err := op.run(s, trigger, arg)
					done <- result{ln, err}
				}
				var h Handler
				switch cb {
				case "OnOpen":
					h.OnOpen = func(c *Conn) { call(c.ln) }
				case "OnTraffic":
					h.OnTraffic = func(c *Conn) { c.Discard(-1); call(c.ln) }
				case "OnPacket":
					h.OnPacket = func(p *Packet) { call(p.ln) }
				}
				var (
					trigger *Listener
					client  net.Conn
				)
				if cb == "OnPacket" {
					trigger = listen(t, s, "udp://127.0.0.1:0", h)
					u := newUDPClient(t, trigger.Addr())
					if err := sock.SendDatagram(u.h, []byte("go"), trigger.Addr()); err != nil {
						t.Fatal(err)
					}
				} else {
					trigger = listen(t, s, "tcp://127.0.0.1:0", h)
					client = dial(t, trigger)
					if _, err := client.Write([]byte("go")); err != nil {
						t.Fatal(err)
					}
				}
				r := returns(t, done, op.name)
				if r.err != nil {
					t.Fatalf("%s from %s: %v", op.name, cb, r.err)
				}
				op.check(t, trigger, r)
				if client != nil {
					client.Close() // or Shutdown lingers for it
				}
				shutdown(t, s)
			})
		}
	}
}

// checkEcho checks that an echo server answers at addr.
func checkEcho(t *testing.T, addr netip.AddrPort) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), waitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioDeadline))
	if err := echoRounds(c, 1, 3, 1<<10); err != nil {
		t.Fatal(err)
	}
}

// checkUDPEcho checks that a UDP echo server answers at addr.
func checkUDPEcho(t *testing.T, addr netip.AddrPort) {
	t.Helper()
	u := newUDPClient(t, addr)
	buf := make([]byte, 64)
	n, _, err := u.roundTrip(addr, []byte("ping"), buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("UDP echo at %v: %q, %v", addr, buf[:n], err)
	}
}

// TestShutdownCloseFromCallback: Shutdown and Close called from a
// callback cannot wait for the loop that runs it: they start their work
// and return at once, and the server stops as from any goroutine.
func TestShutdownCloseFromCallback(t *testing.T) {
	for _, name := range []string{"Shutdown", "Close"} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, Config{Loops: 1})
			done := make(chan error, 1)
			closed := make(chan error, 1)
			ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
				OnTraffic: func(c *Conn) {
					c.Discard(-1)
					c.Write([]byte("bye"))
					if name == "Shutdown" {
						done <- s.Shutdown(context.Background())
					} else {
						done <- s.Close()
					}
				},
				OnClose: func(_ *Conn, err error) { closed <- err },
			})
			c := dial(t, ln)
			if _, err := c.Write([]byte("go")); err != nil {
				t.Fatal(err)
			}
			if err := returns(t, done, name); err != nil {
				t.Errorf("%s from a callback: %v", name, err)
			}
			err := recv(t, closed, "OnClose")
			if name == "Shutdown" {
				if err != nil {
					t.Errorf("OnClose after Shutdown: %v", err)
				}
				if b, err := readAll(c); string(b) != "bye" {
					t.Errorf("read %q, %v; want the answer written before Shutdown", b, err)
				}
				c.Close() // or the shutdown lingers for it
			} else if !errors.Is(err, ErrServerClosed) {
				t.Errorf("OnClose after Close: %v, want ErrServerClosed", err)
			}
			// The server stops as it would from any goroutine.
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil && !errors.Is(err, ErrServerClosed) {
				t.Errorf("Shutdown after %s from a callback: %v", name, err)
			}
			if _, err := s.Listen("tcp://127.0.0.1:0", Handler{}); !errors.Is(err, ErrServerClosed) {
				t.Errorf("Listen after %s: %v, want ErrServerClosed", name, err)
			}
		})
	}
}
