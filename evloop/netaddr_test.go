package evloop

import (
	"net"
	"path/filepath"
	"runtime"
	"testing"
)

// TestNetAddrs: the net.Addr accessors name what Go's net names at the
// other end: the client's LocalAddr is the server connection's
// RemoteNetAddr and the other way round, with network "tcp"; a
// datagram's sender is a *net.UDPAddr.
func TestNetAddrs(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	type addrs struct{ local, remote net.Addr }
	got := make(chan addrs, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnOpen: func(c *Conn) {
		got <- addrs{c.LocalNetAddr(), c.RemoteNetAddr()}
	}})
	if a, ok := ln.NetAddr().(*net.TCPAddr); !ok || a.String() != ln.Addr().String() {
		t.Errorf("Listener.NetAddr %#v, want the *net.TCPAddr of %v", ln.NetAddr(), ln.Addr())
	}
	c := dial(t, ln)
	a := recv(t, got, "OnOpen")
	for _, x := range []struct {
		name      string
		got, want net.Addr
	}{{"LocalNetAddr", a.local, c.RemoteAddr()}, {"RemoteNetAddr", a.remote, c.LocalAddr()}} {
		if _, ok := x.got.(*net.TCPAddr); !ok || x.got.Network() != "tcp" || x.got.String() != x.want.String() {
			t.Errorf("%s: %T %v, want the *net.TCPAddr %v", x.name, x.got, x.got, x.want)
		}
	}

	from := make(chan net.Addr, 1)
	uln := listen(t, s, "udp://127.0.0.1:0", Handler{OnPacket: func(p *Packet) {
		select {
		case from <- p.RemoteNetAddr():
		default: // a datagram sent again
		}
		p.Reply(p.Data())
	}})
	if a, ok := uln.NetAddr().(*net.UDPAddr); !ok || a.String() != uln.Addr().String() {
		t.Errorf("Listener.NetAddr %#v, want the *net.UDPAddr of %v", uln.NetAddr(), uln.Addr())
	}
	u := newUDPClient(t, uln.Addr())
	if _, _, err := u.roundTrip(uln.Addr(), []byte("x"), make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	if a, ok := recv(t, from, "OnPacket").(*net.UDPAddr); !ok || a.String() != u.addr.String() {
		t.Errorf("Packet.RemoteNetAddr %v, want the *net.UDPAddr %v", a, u.addr)
	}

	if runtime.GOOS == "windows" {
		return // no Unix-domain sockets
	}
	path := filepath.Join(t.TempDir(), "s.sock")
	xln := listen(t, s, "unix://"+path, Handler{OnOpen: func(c *Conn) {
		got <- addrs{c.LocalNetAddr(), c.RemoteNetAddr()}
	}})
	if a, ok := xln.NetAddr().(*net.UnixAddr); !ok || a.Name != path || a.Network() != "unix" {
		t.Errorf("Listener.NetAddr %#v, want the *net.UnixAddr of %s", xln.NetAddr(), path)
	}
	xc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer xc.Close()
	a = recv(t, got, "OnOpen")
	if x, ok := a.local.(*net.UnixAddr); !ok || x.Name != path || a.remote.Network() != "unix" {
		t.Errorf("a Unix-domain connection's addresses: %#v, %#v", a.local, a.remote)
	}
}
