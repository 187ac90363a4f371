package evloop

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestUnix: Listen and Dial on Unix-domain stream sockets, off Windows: an
// echo through Go's net and through Dial, the stale socket file of a
// server that is gone replaced, a file that is not a socket kept, and the
// socket file removed when the listener closes.
func TestUnix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix-domain sockets are refused on Windows: TestUnixWindows")
	}
	dir, err := os.MkdirTemp("", "evloop")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "echo.sock")

	// A stale socket file: bound, closed without removing it.
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	old.Close()

	s := newServer(t, Config{Loops: 2})
	ln := listen(t, s, "unix://"+path, echoHandler())
	if ln.String() != "unix://"+path || ln.Network() != "unix" || ln.Addr().IsValid() {
		t.Errorf("Listener %s %s %v", ln, ln.Network(), ln.Addr())
	}
	if _, err := s.Listen("unix://"+path, echoHandler()); err == nil {
		t.Error("a second Listen on a path served succeeded")
	}
	c, err := net.DialTimeout("unix", path, waitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioDeadline))
	if err := echoRounds(c, 1, 5, 32<<10); err != nil {
		t.Fatal(err)
	}

	got := make(chan string, 1)
	closed := make(chan error, 1)
	_, err = s.Dial("unix://"+path, Handler{
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
	if g := recv(t, got, "the echo"); g != "ping" {
		t.Errorf("echo %q", g)
	}
	if err := recv(t, closed, "OnClose"); err != nil {
		t.Errorf("OnClose: %v", err)
	}

	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file after Close: %v", err)
	}
	if _, err := s.Dial("unix://"+path, Handler{OnClose: func(c *Conn, err error) { closed <- err }}); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, closed, "OnClose"); err == nil || !strings.Contains(err.Error(), "unix://"+path) {
		t.Errorf("Dial to a closed listener's path: %v, want an error naming it", err)
	}

	// A regular file is not replaced.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep"), 0o600)
	if _, err := s.Listen("unix://"+file, echoHandler()); err == nil {
		t.Error("Listen replaced a regular file")
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("the regular file holds %q", b)
	}
}

// TestUnixNet: a Unix-domain listener of Go's net, served through
// AddListener; a connection of it detached comes back as a
// *net.UnixConn; closing the Listener closes the net.Listener, which
// removes its socket file.
func TestUnixNet(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix-domain sockets are refused on Windows")
	}
	dir, err := os.MkdirTemp("", "evloop")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "net.sock")
	nl, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	s := newServer(t, Config{Loops: 1})
	got, errs := make(chan net.Conn, 1), make(chan error, 3)
	ln, err := s.AddListener(nl, switchHandler(got, errs))
	if err != nil {
		t.Fatal(err)
	}
	if ln.String() != "unix://"+path {
		t.Errorf("Listener %s", ln)
	}
	c, err := net.DialTimeout("unix", path, waitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioDeadline))
	c.Write([]byte("SWITCH\n"))
	select {
	case nc := <-got:
		defer nc.Close()
		if _, ok := nc.(*net.UnixConn); !ok {
			t.Errorf("Detach returned a %T, want *net.UnixConn", nc)
		}
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for Detach")
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file after Close: %v", err)
	}
}

// TestUnixWindows: on Windows, unix addresses are refused with a clear
// error, by Listen and Dial both.
func TestUnixWindows(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Skip("Windows only")
	}
	s := newServer(t, Config{Loops: 1})
	if _, err := s.Listen("unix://evloop.sock", echoHandler()); err == nil || !strings.Contains(err.Error(), "not supported on Windows") {
		t.Errorf("Listen unix: %v", err)
	}
	if _, err := s.Dial("unix://evloop.sock", Handler{}); err == nil || !strings.Contains(err.Error(), "not supported on Windows") {
		t.Errorf("Dial unix: %v", err)
	}
}
