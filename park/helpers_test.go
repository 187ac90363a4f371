package park

import (
	"errors"
	"io/fs"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/internal/testenv"
)

// eventTimeout bounds every wait for something that must happen.
const eventTimeout = 10 * time.Second

var underWine = testenv.UnderWine

// scaled is n, or a tenth of it under Wine, where every socket call is a
// round trip to the wine server.
func scaled(n int) int {
	if underWine() {
		return max(n/10, 1)
	}
	return n
}

// newWatcher returns a Watcher that the test closes at its end.
func newWatcher(t testing.TB, opts ...Option) *Watcher {
	t.Helper()
	w, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	watchersMu.Lock()
	watchers[t] = append(watchers[t], w)
	watchersMu.Unlock()
	t.Cleanup(func() {
		watchersMu.Lock()
		delete(watchers, t)
		watchersMu.Unlock()
	})
	return w
}

// watchers holds the Watchers of each running test made by newWatcher,
// which pairOn's cleanup closes before it closes its connections.
var (
	watchersMu sync.Mutex
	watchers   = map[testing.TB][]*Watcher{}
)

// closeWatchers closes the Watchers of t. Cleanups run last-in first-out,
// so a test's connections would otherwise be closed before its Watcher,
// while still parked: under Wine 8.0 that can abort the wine server
// (see closesParked). Closing a Watcher twice only returns ErrClosed.
func closeWatchers(t testing.TB) {
	watchersMu.Lock()
	ws := append([]*Watcher(nil), watchers[t]...)
	watchersMu.Unlock()
	for _, w := range ws {
		w.Close()
	}
}

// listener returns a TCP listener on loopback that the test closes.
func listener(t testing.TB) *net.TCPListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.(*net.TCPListener)
}

// pairOn dials ln and returns the client and the accepted server side,
// closed at the test's end.
func pairOn(t testing.TB, ln *net.TCPListener) (client, server *net.TCPConn) {
	t.Helper()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.AcceptTCP()
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		closeWatchers(t)
		c.Close()
		s.Close()
	})
	return c.(*net.TCPConn), s
}

// pair is pairOn on a listener of its own.
func pair(t testing.TB) (client, server *net.TCPConn) {
	t.Helper()
	return pairOn(t, listener(t))
}

// callback returns a callback that sends its error on the channel
// returned, which holds one.
func callback() (func(error), chan error) {
	ch := make(chan error, 1)
	return func(err error) { ch <- err }, ch
}

// called waits for the callback of ch.
func called(t testing.TB, ch chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(eventTimeout):
		t.Fatal("no callback")
		return nil
	}
}

// notCalled fails if the callback of ch has been called.
func notCalled(t testing.TB, ch chan error) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("callback called with %v", err)
	default:
	}
}

// handle returns the socket handle of conn.
func handle(t testing.TB, conn net.Conn) uintptr {
	t.Helper()
	rc, err := rawConn(conn)
	if err != nil {
		t.Fatal(err)
	}
	var h uintptr
	if err := rc.Control(func(fd uintptr) { h = fd }); err != nil {
		t.Fatal(err)
	}
	return h
}

// arrived waits until conn has something to read, without reading.
func arrived(t testing.TB, conn net.Conn) {
	t.Helper()
	if err := sock.WaitReadable(sock.Handle(handle(t, conn)), eventTimeout); err != nil {
		t.Fatal(err)
	}
}

// registered reports whether the open conn has a registration in w's
// Poller, which it deletes.
func registered(t testing.TB, w *Watcher, conn net.Conn) bool {
	t.Helper()
	rc, err := rawConn(conn)
	if err != nil {
		t.Fatal(err)
	}
	var derr error
	if err := rc.Control(func(fd uintptr) { derr = w.p.Delete(fd) }); err != nil {
		t.Fatal(err)
	}
	switch {
	case derr == nil:
		return true
	case errors.Is(derr, fs.ErrNotExist):
		return false
	}
	t.Fatal(derr)
	return false
}

// readAll reads want bytes from conn.
func readN(t testing.TB, conn net.Conn, n int) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(eventTimeout))
	defer conn.SetReadDeadline(time.Time{})
	buf := make([]byte, n)
	got := 0
	for got < n {
		m, err := conn.Read(buf[got:])
		if err != nil {
			t.Fatalf("read after %d of %d bytes: %v", got, n, err)
		}
		got += m
	}
	return string(buf)
}

// write writes s to conn.
func write(t testing.TB, conn net.Conn, s string) {
	t.Helper()
	if _, err := conn.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// closesParked skips, under Wine, a test that closes connections while
// they are parked. Wine 8.0's wineserver aborts (the assertion
// `poll_users[user] == fd` in set_fd_events, server/fd.c:1644), hanging
// every process of the prefix, within a few rounds of a socket of Go's net
// being closed while an AFD poll names it (seen 2026-12 with these tests
// repeated, -count=30; sockets made without Go's net, as in package
// poll's TestCloseWhileRegistered, do not trigger it). On Windows the
// close completes the poll with AFD_POLL_LOCAL_CLOSE, which the Poller
// takes as the socket's removal.
func closesParked(t testing.TB) {
	t.Helper()
	if underWine() {
		t.Skip("closing a parked connection of Go's net aborts Wine 8.0's wineserver (set_fd_events assertion)")
	}
}
