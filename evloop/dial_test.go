package evloop

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// dialEvents records the callbacks of a dialled connection.
type dialEvents struct {
	opened chan *Conn
	closed chan error
	mu     sync.Mutex
	got    bytes.Buffer
	want   int // close once this much has arrived
}

func newDialEvents(want int) *dialEvents {
	return &dialEvents{opened: make(chan *Conn, 1), closed: make(chan error, 1), want: want}
}

func (d *dialEvents) handler() Handler {
	return Handler{
		OnOpen: func(c *Conn) { d.opened <- c },
		OnTraffic: func(c *Conn) {
			b, _ := c.Next(-1)
			d.mu.Lock()
			d.got.Write(b)
			done := d.got.Len() >= d.want
			d.mu.Unlock()
			if done {
				c.Close()
			}
		},
		OnClose: func(c *Conn, err error) { d.closed <- err },
	}
}

// TestDial: a dialled connection on the same server as the listener it
// dials: OnOpen with both addresses, AsyncWrite data queued before the
// connect completed sent after it, echo, and a graceful close.
func TestDial(t *testing.T) {
	for _, addr := range []string{"tcp://127.0.0.1:0", "tcp6://[::1]:0"} {
		t.Run(addr, func(t *testing.T) {
			s := newServer(t, Config{Loops: 2})
			ln, err := s.Listen(addr, echoHandler())
			if err != nil {
				if addr[3] == '6' {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				t.Fatal(err)
			}
			msg := []byte("early bird, then the rest")
			d := newDialEvents(len(msg))
			c, err := s.Dial(ln.String(), d.handler())
			if err != nil {
				t.Fatal(err)
			}
			if err := c.AsyncWrite(msg[:11]); err != nil {
				t.Fatalf("AsyncWrite before connected: %v", err)
			}
			if got := recv(t, d.opened, "OnOpen"); got != c {
				t.Fatal("OnOpen got another Conn")
			}
			if c.RemoteAddr() != ln.Addr() || !c.LocalAddr().IsValid() || c.LocalAddr().Port() == 0 {
				t.Errorf("addresses: local %v remote %v; listener %v", c.LocalAddr(), c.RemoteAddr(), ln.Addr())
			}
			c.AsyncWrite(msg[11:])
			if err := recv(t, d.closed, "OnClose"); err != nil {
				t.Fatalf("OnClose: %v", err)
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if !bytes.Equal(d.got.Bytes(), msg) {
				t.Errorf("echo %q, want %q", d.got.Bytes(), msg)
			}
		})
	}
}

// TestDialRefused: a port nobody listens on. OnClose reports the refusal
// and OnOpen never comes.
func TestDialRefused(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := newDialEvents(1)
	if _, err := s.Dial(addr, d.handler()); err != nil {
		t.Fatal(err)
	}
	err = recv(t, d.closed, "OnClose")
	if !errors.Is(err, errConnRefused) {
		t.Errorf("OnClose: %v, want connection refused", err)
	}
	select {
	case <-d.opened:
		t.Error("OnOpen came for a refused connect")
	default:
	}
	if s.Conns() != 0 {
		t.Errorf("Conns() = %d", s.Conns())
	}
}

// TestDialMany: many dialled connections and the ones they make to a
// listener of the same server share its loops; every echo is intact.
func TestDialMany(t *testing.T) {
	s := newServer(t, Config{Loops: 3})
	ln := listen(t, s, "tcp://127.0.0.1:0", echoHandler())
	n := 200
	ds := make([]*dialEvents, n)
	msgs := make([][]byte, n)
	for i := range n {
		msgs[i] = bytes.Repeat([]byte(fmt.Sprint(i, ",")), 100+i)
		ds[i] = newDialEvents(len(msgs[i]))
		h := ds[i].handler()
		open := h.OnOpen
		h.OnOpen = func(c *Conn) {
			c.Write(msgs[i])
			open(c)
		}
		if _, err := s.Dial(ln.Addr().String(), h); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range ds {
		if err := recv(t, d.closed, "OnClose"); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		d.mu.Lock()
		if !bytes.Equal(d.got.Bytes(), msgs[i]) {
			t.Errorf("connection %d: wrong echo", i)
		}
		d.mu.Unlock()
	}
}

// TestDialBadAddress: errors Dial returns itself, with no callback.
func TestDialBadAddress(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	for _, a := range []string{"tcp://:80", "udp://127.0.0.1:1", "nohost.invalid:80", "tcp4://[::1]:80"} {
		if _, err := s.Dial(a, Handler{OnClose: func(*Conn, error) { t.Errorf("OnClose for %q", a) }}); err == nil {
			t.Errorf("Dial(%q) succeeded", a)
		}
	}
	if _, err := s.Dial(netip.MustParseAddrPort("127.0.0.1:1").String(), Handler{}); err != nil {
		t.Errorf("Dial of a well-formed address: %v", err)
	}
}

// TestDialLocalAddr: LocalAddr of a dialled connection is safe from any
// goroutine while the loop connects it (the race detector sees the
// loop's write otherwise): zero until connected, then the address the
// peer sees.
func TestDialLocalAddr(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	peers := make(chan netip.AddrPort, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnOpen: func(c *Conn) { peers <- c.RemoteAddr() }})
	d := newDialEvents(1)
	c, err := s.Dial(ln.String(), d.handler())
	if err != nil {
		t.Fatal(err)
	}
	// Read from this goroutine while the loop connects, without waiting
	// for OnOpen (which would order the reads after the write).
	for range 1000 {
		if a := c.LocalAddr(); a.IsValid() {
			break
		}
	}
	recv(t, d.opened, "OnOpen")
	if got, want := c.LocalAddr(), recv(t, peers, "accepted OnOpen"); got != want {
		t.Errorf("LocalAddr %v, the listener sees %v", got, want)
	}
	c.Close()
	recv(t, d.closed, "OnClose")
}
