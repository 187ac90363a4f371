package sock

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestListenOnAccept: a listener on a given address, the peer's address
// from AcceptAddr and PeerAddr, and Recv/Send over the connection.
func TestListenOnAccept(t *testing.T) {
	for _, n := range []Network{TCP4, TCP6} {
		t.Run(n.String(), func(t *testing.T) {
			l, addr, err := ListenOn(n.Loopback(), false)
			if err != nil && n == TCP6 {
				t.Skipf("no IPv6 loopback: %v", err)
			}
			must(t, err)
			defer Close(l)
			if addr.Addr() != n.Loopback().Addr() || addr.Port() == 0 {
				t.Fatalf("listening on %v", addr)
			}
			c, err := Dial(addr)
			must(t, err)
			defer Close(c)
			must(t, WaitReadable(l, 10*time.Second))
			s, peer, err := AcceptAddr(l)
			must(t, err)
			defer Close(s)
			must(t, waitConnected(c))
			local, err := LocalAddr(c)
			must(t, err)
			if peer != local {
				t.Errorf("AcceptAddr gave peer %v, the dialer is %v", peer, local)
			}
			if p, err := PeerAddr(c); err != nil || p != addr {
				t.Errorf("PeerAddr = %v, %v; want %v", p, err, addr)
			}
			must(t, SetNoDelay(s, true))
			must(t, SetNoDelay(c, false))

			buf := make([]byte, 16)
			if _, err := Recv(s, buf); !WouldBlock(err) {
				t.Fatalf("Recv on an idle socket: %v, want would block", err)
			}
			if n, err := Send(c, []byte("ping")); n != 4 || err != nil {
				t.Fatalf("Send = %d, %v", n, err)
			}
			must(t, WaitReadable(s, 10*time.Second))
			if n, err := Recv(s, buf); err != nil || string(buf[:n]) != "ping" {
				t.Fatalf("Recv = %q, %v", buf[:n], err)
			}
			must(t, ShutdownWrite(c))
			must(t, WaitReadable(s, 10*time.Second))
			if n, err := Recv(s, buf); n != 0 || err != nil {
				t.Fatalf("Recv at end of stream = %d, %v", n, err)
			}
		})
	}
}

// TestListenOnInUse: a second listener on a busy port fails, SO_REUSEADDR
// or not; SO_REUSEPORT is refused where it does not exist.
func TestListenOnInUse(t *testing.T) {
	l, addr, err := ListenOn(TCP4.Loopback(), false)
	must(t, err)
	defer Close(l)
	if l2, _, err := ListenOn(addr, false); err == nil {
		Close(l2)
		t.Fatalf("second listener on %v succeeded", addr)
	}
	l3, _, err := ListenOn(TCP4.Loopback(), true)
	if runtime.GOOS == "windows" {
		if err == nil {
			Close(l3)
			t.Fatal("SO_REUSEPORT accepted on Windows")
		}
		return
	}
	must(t, err)
	Close(l3)
}

// TestDatagram: RecvDatagram and SendDatagram between two sockets of
// BindOn, both ways.
func TestDatagram(t *testing.T) {
	for _, n := range []Network{UDP4, UDP6} {
		t.Run(n.String(), func(t *testing.T) {
			a, aa, err := BindOn(n.Loopback())
			if err != nil && n == UDP6 {
				t.Skipf("no IPv6 loopback: %v", err)
			}
			must(t, err)
			defer Close(a)
			b, ba, err := BindOn(n.Loopback())
			must(t, err)
			defer Close(b)
			buf := make([]byte, 64)
			if _, _, err := RecvDatagram(a, buf); !WouldBlock(err) {
				t.Fatalf("RecvDatagram on an idle socket: %v, want would block", err)
			}
			must(t, SendDatagram(b, []byte("hello"), aa))
			must(t, WaitReadable(a, 10*time.Second))
			m, from, err := RecvDatagram(a, buf)
			must(t, err)
			if string(buf[:m]) != "hello" || from != ba {
				t.Fatalf("got %q from %v, want hello from %v", buf[:m], from, ba)
			}
			must(t, SendDatagram(a, buf[:m], from))
			must(t, WaitReadable(b, 10*time.Second))
			m, from, err = RecvDatagram(b, buf)
			if err != nil || !bytes.Equal(buf[:m], []byte("hello")) || from != aa {
				t.Fatalf("reply %q from %v, %v", buf[:m], from, err)
			}
		})
	}
}

// TestAllocs: the event-loop calls allocate nothing, would-block
// included (Winsock errnos are above 255 and would be boxed).
func TestAllocs(t *testing.T) {
	c, s, err := Pair(TCP4)
	must(t, err)
	defer Close(c)
	defer Close(s)
	a, aa, err := BindOn(UDP4.Loopback())
	must(t, err)
	defer Close(a)
	buf := make([]byte, 64)
	msg := []byte("x")
	check := func(name string, f func()) {
		t.Helper()
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per call", name, n)
		}
	}
	check("Recv would block", func() { Recv(s, buf) })
	check("Send and Recv", func() {
		Send(c, msg)
		WaitReadable(s, 10*time.Second)
		Recv(s, buf)
	})
	check("RecvDatagram would block", func() { RecvDatagram(a, buf) })
	if runtime.GOOS != "linux" && runtime.GOOS != "windows" {
		return // x/sys/unix allocates the sender's address
	}
	check("SendDatagram and RecvDatagram", func() {
		SendDatagram(a, msg, aa)
		WaitReadable(a, 10*time.Second)
		RecvDatagram(a, buf)
	})
}
