package poll

import (
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	afd "github.com/goafd/afd"
)

// wineAbortEnv names the environment variable that runs the tests below.
// They make Wine 8.0's wineserver abort on purpose (the assertion
// `poll_users[user] == fd` in set_fd_events, server/fd.c), after which
// every process of the prefix, the test binary included, waits forever
// on the dead server. Run them alone, against a throwaway prefix, under
// a timeout:
//
//	AFD_WINE_ABORT=1 timeout 60 env PATH=$AFD_CACHE/bin:$PATH GOOS=windows GOARCH=amd64 \
//	  go test -count=1 -run TestWineAbort ./poll
//
// On Windows they pass: the driver refuses, or polls, the handle.
const wineAbortEnv = "AFD_WINE_ABORT"

func wineAbortTest(t *testing.T) {
	t.Helper()
	if os.Getenv(wineAbortEnv) == "" {
		t.Skipf("aborts Wine 8.0's wineserver, hanging every process of the prefix; set %s=1 to run", wineAbortEnv)
	}
}

// TestWineAbortPollUninitializedSocket is the mechanism, alone: an AFD
// poll that names a handle of \Device\Afd which is no initialized socket
// (here a second AFD device, as a poller opens for its groups; in Wine
// also every socket between its NtCreateFile of \Device\Afd and the
// IOCTL_AFD_WINE_CREATE that gives it a Unix socket). Wine's poll_socket
// (server/sock.c) takes any sock object, then calls sock_reselect on each
// named socket; sock_get_poll_events returns -1 for an uninitialized
// socket and set_fd_events is called on its pseudo-fd, whose poll_index
// is -1: the assertion reads poll_users[-1] and the server aborts. Wine's
// own sock_reselect_async skips uninitialized sockets for that reason
// ("we can't call set_fd_events() on a pseudo-fd"); poll_socket does not.
func TestWineAbortPollUninitializedSocket(t *testing.T) {
	wineAbortTest(t)
	dev, err := afd.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	target, err := afd.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	r := afd.NewRequest(1)
	r.Set(0, target.Handle(), afd.Receive|afd.Disconnect|afd.LocalClose)
	r.SetTimeout(0) // nothing stays pending if the driver answers
	done := make(chan error, 1)
	go func() {
		_, err := dev.Poll(r)
		done <- err
	}()
	select {
	case err := <-done:
		// Windows: refused (not a socket) or answered; either is fine.
		t.Logf("poll of an uninitialized AFD handle: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the poll did not return: the wineserver is gone (this process cannot exit now)")
	}
}

// TestWineAbortCloseNetConnRegistered is how it shows in use: sockets of
// Go's net registered with In|RdHup|Oneshot and closed while registered,
// the peer still open, a new connection made each round. The closed
// handle value is reused at once (Wine hands out the lowest free slot) by
// the next \Device\Afd that Go's net opens for a socket, and a poll the
// Poller submits before it has taken in the close names the value while
// that socket is not yet initialized, as in
// TestWineAbortPollUninitializedSocket.
func TestWineAbortCloseNetConnRegistered(t *testing.T) {
	wineAbortTest(t)
	closesRegistered(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := newPoller(t)
	for round := range 100 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		var h windows.Handle
		rc, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		rc.Control(func(fd uintptr) { h = windows.Handle(fd) })
		if err := p.Add(uintptr(h), uint64(round), In|RdHup|Oneshot); err != nil {
			t.Fatalf("round %d: add: %v", round, err)
		}
		// Let the poller submit its poll, then close while it is pending.
		if ev := wait(t, p, 20*time.Millisecond); len(ev) != 0 {
			t.Fatalf("round %d: %v before any traffic", round, ev)
		}
		c.Close()
		wait(t, p, 20*time.Millisecond) // takes the close in, or not yet
		defer s.Close()
	}
}
