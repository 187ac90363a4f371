package poll

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"testing"
	"time"

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

// TestWineAbortCloseNetConnRegistered is how it shows in use, as in
// package park: a goroutine waits on the Poller without pause while
// another dials and accepts connections of Go's net, registers the dialled
// one with In|RdHup|Oneshot and closes it while it is registered, the peer
// still open. Closing frees the handle value, and Wine hands out the lowest
// free value to the next object: often the \Device\Afd that Go's net
// opens for its next socket, which stays uninitialized until the next
// request makes it a socket. A poll that the waiting goroutine submits in
// between naming the value (the Poller has not yet taken in the close:
// Wine queues its completion late) is the poll of
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
	stop := make(chan struct{})
	waited := make(chan error, 1)
	go func() {
		buf := make([]Event, 64)
		for {
			select {
			case <-stop:
				waited <- nil
				return
			default:
			}
			if _, err := p.Wait(buf, 5*time.Millisecond); err != nil {
				waited <- err
				return
			}
		}
	}()
	defer func() {
		close(stop)
		if err := <-waited; err != nil {
			t.Error(err)
		}
	}()
	var peers []net.Conn
	defer func() {
		for _, s := range peers {
			s.Close()
		}
	}()
	for round := range 200 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		peers = append(peers, s)
		rc, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var h uintptr
		rc.Control(func(fd uintptr) { h = fd })
		err = p.Add(h, uint64(round), In|RdHup|Oneshot)
		if errors.Is(err, fs.ErrExist) {
			// The value of a socket closed in an earlier round whose
			// close the Poller has not taken in yet (see addAfterClose).
			if err = p.Delete(h); err == nil {
				err = p.Add(h, uint64(round), In|RdHup|Oneshot)
			}
		}
		if err != nil {
			t.Fatalf("round %d: add: %v", round, err)
		}
		t.Logf("round %d: closing handle %#x while registered", round, h)
		c.Close()
	}
}
