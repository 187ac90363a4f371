package evloop

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

func udpEcho() Handler {
	return Handler{OnPacket: func(p *Packet) {
		if err := p.Reply(p.Data()); err != nil {
			panic(err)
		}
	}}
}

// udpClient is a client of our own sockets, which work under Wine too.
type udpClient struct {
	h    sock.Handle
	addr netip.AddrPort
}

func newUDPClient(t testing.TB, server netip.AddrPort) *udpClient {
	t.Helper()
	n := sock.UDP4
	if server.Addr().Is6() {
		n = sock.UDP6
	}
	h, addr, err := sock.BindOn(n.Loopback())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close(h) })
	return &udpClient{h, addr}
}

// roundTrip sends msg to server and waits for the reply into buf.
// Datagrams get lost when a socket's receive buffer overflows, which
// concurrent clients of large datagrams make happen even over loopback:
// it sends again after a while, up to 20 times.
func (u *udpClient) roundTrip(server netip.AddrPort, msg, buf []byte) (int, netip.AddrPort, error) {
	var err error
	for range 20 {
		if err = sock.SendDatagram(u.h, msg, server); err != nil {
			return 0, netip.AddrPort{}, err
		}
		if err = sock.WaitReadable(u.h, 250*time.Millisecond); err != nil {
			continue
		}
		n, from, err := sock.RecvDatagram(u.h, buf)
		if err != nil {
			return 0, netip.AddrPort{}, err
		}
		return n, from, nil
	}
	return 0, netip.AddrPort{}, err
}

// TestUDPEcho: clients on IPv4 and IPv6 send datagrams of many sizes and
// get each back from the listener's address, whole.
func TestUDPEcho(t *testing.T) {
	s := newServer(t, Config{Loops: 2, RecvBuffer: 2 << 20})
	lns := []*Listener{listen(t, s, "udp://127.0.0.1:0", udpEcho())}
	if ln6, err := s.Listen("udp6://[::1]:0", udpEcho()); err == nil {
		lns = append(lns, ln6)
	} else {
		t.Logf("no IPv6 loopback: %v", err)
	}
	for _, ln := range lns {
		if ln.Network() != "udp" {
			t.Errorf("Network() = %q", ln.Network())
		}
		err := runClients(scaled(20, 2), func(i int) error {
			u := newUDPClient(t, ln.Addr())
			buf := make([]byte, 65536)
			for j, size := range []int{0, 1, 100, 1400, 9000, 60000} {
				msg := bytes.Repeat([]byte{byte(i + j)}, size)
				n, from, err := u.roundTrip(ln.Addr(), msg, buf)
				if err != nil {
					return fmt.Errorf("%d bytes: %w", size, err)
				}
				if from != ln.Addr() || !bytes.Equal(buf[:n], msg) {
					return fmt.Errorf("%d bytes: got %d bytes from %v", size, n, from)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%v: %v", ln, err)
		}
	}
}

// TestUDPPacket: what OnPacket sees, WriteTo another address, and a
// listener closed while the server goes on.
func TestUDPPacket(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	type seen struct{ local, remote netip.AddrPort }
	got := make(chan seen, 10)
	third := newUDPClient(t, netip.MustParseAddrPort("127.0.0.1:0"))
	ln := listen(t, s, "udp://127.0.0.1:0", Handler{OnPacket: func(p *Packet) {
		got <- seen{p.LocalAddr(), p.RemoteAddr()}
		p.WriteTo([]byte("copy:"+string(p.Data())), third.addr)
	}})
	u := newUDPClient(t, ln.Addr())
	if err := sock.SendDatagram(u.h, []byte("hi"), ln.Addr()); err != nil {
		t.Fatal(err)
	}
	sn := recv(t, got, "OnPacket")
	if sn.local != ln.Addr() || sn.remote != u.addr {
		t.Errorf("OnPacket saw %v from %v; want %v from %v", sn.local, sn.remote, ln.Addr(), u.addr)
	}
	if err := sock.WaitReadable(third.h, waitTimeout); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, from, err := sock.RecvDatagram(third.h, buf)
	if err != nil || string(buf[:n]) != "copy:hi" || from != ln.Addr() {
		t.Fatalf("third party got %q from %v, %v", buf[:n], from, err)
	}

	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	sock.SendDatagram(u.h, []byte("after close"), ln.Addr())
	select {
	case <-got:
		t.Fatal("a datagram reached a closed listener")
	case <-time.After(200 * time.Millisecond):
	}
	if err := ln.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestUDPNetClient: Go's net as the client. Under Wine Go's net cannot
// make UDP sockets: it calls WSAIoctl(SIO_UDP_NETRESET), which Wine 8.0
// answers WSAEOPNOTSUPP (see WINE.md); TestUDPEcho covers Windows with
// sockets of our own.
func TestUDPNetClient(t *testing.T) {
	if underWine() {
		t.Skip("Go's net UDP fails under Wine 8.0: WSAIoctl(SIO_UDP_NETRESET) is not supported")
	}
	s := newServer(t, Config{Loops: 2})
	ln := listen(t, s, "udp://127.0.0.1:0", udpEcho())
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(ln.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 2048)
	for i := range 50 {
		msg := []byte(fmt.Sprintf("datagram %d", i))
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
}

// TestUDPAllocs: a datagram echo allocates nothing, on Linux and Windows
// (the BSDs' x/sys/unix allocates the sender's address).
func TestUDPAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := newServer(t, Config{Loops: 1})
	ln := listen(t, s, "udp://127.0.0.1:0", udpEcho())
	u := newUDPClient(t, ln.Addr())
	msg := []byte("0123456789abcdef")
	buf := make([]byte, 64)
	var err error
	round := func() {
		if _, _, e := u.roundTrip(ln.Addr(), msg, buf); e != nil {
			err = e
		}
	}
	for range 100 {
		round()
	}
	allocs := testing.AllocsPerRun(scaled(1000, 5), round)
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 && (runtime.GOOS == "linux" || runtime.GOOS == "windows") {
		t.Errorf("%v allocations per datagram round trip", allocs)
	}
}
