package park

import (
	"net"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// A datagram makes a parked *net.UDPConn readable.
func TestNotifyUDP(t *testing.T) {
	if underWine() {
		t.Skip("Go's net cannot make UDP sockets under Wine 8.0 (SIO_UDP_NETRESET)")
	}
	w := newWatcher(t)
	a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := net.DialUDP("udp", nil, a.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fn, ch := callback()
	if err := w.Notify(a, fn); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write([]byte("datagram")); err != nil {
		t.Fatal(err)
	}
	if err := called(t, ch); err != nil {
		t.Fatalf("callback: %v", err)
	}
	a.SetReadDeadline(time.Now().Add(eventTimeout))
	buf := make([]byte, 64)
	n, _, err := a.ReadFromUDP(buf)
	if err != nil || string(buf[:n]) != "datagram" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

// Data makes a parked *net.UnixConn readable (off Windows).
func TestNotifyUnix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix sockets: the poller serves them off Windows only")
	}
	w := newWatcher(t)
	path := filepath.Join(t.TempDir(), "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fn, ch := callback()
	if err := w.Notify(s, fn); err != nil {
		t.Fatal(err)
	}
	write(t, c, "unix")
	if err := called(t, ch); err != nil {
		t.Fatalf("callback: %v", err)
	}
	if got := readN(t, s, 4); got != "unix" {
		t.Fatalf("read %q", got)
	}
}
