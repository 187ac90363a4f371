//go:build unix

package sock

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestNonblockCloexec: every descriptor the package makes (a TCP or UDP
// socket, a listener's accepted connection by Accept and AcceptAddr, a
// Unix-domain socket) is non-blocking and close-on-exec: a blocking one
// would stall an event loop, and one without close-on-exec leaks into
// every child process.
func TestNonblockCloexec(t *testing.T) {
	check := func(what string, h Handle) {
		t.Helper()
		fl, err := unix.FcntlInt(uintptr(h), unix.F_GETFL, 0)
		must(t, err)
		fd, err := unix.FcntlInt(uintptr(h), unix.F_GETFD, 0)
		must(t, err)
		if fl&unix.O_NONBLOCK == 0 || fd&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: O_NONBLOCK %v, FD_CLOEXEC %v; want both", what, fl&unix.O_NONBLOCK != 0, fd&unix.FD_CLOEXEC != 0)
		}
	}
	l, addr, err := Listen(TCP4)
	must(t, err)
	defer Close(l)
	check("listener", l)
	u, _, err := Bind(UDP4)
	must(t, err)
	defer Close(u)
	check("udp socket", u)
	for i, accept := range []func(Handle) (Handle, error){
		Accept,
		func(l Handle) (Handle, error) { h, _, err := AcceptAddr(l); return h, err },
	} {
		c, err := Dial(addr)
		must(t, err)
		defer Close(c)
		check("dialled socket", c)
		must(t, WaitReadable(l, 10*time.Second))
		s, err := accept(l)
		must(t, err)
		defer Close(s)
		check([]string{"Accept", "AcceptAddr"}[i], s)
	}
	fd, err := unixSocket()
	must(t, err)
	defer unix.Close(fd)
	check("unix socket", Handle(fd))
}
