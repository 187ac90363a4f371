package poll

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/goafd/afd/internal/sock"
)

// TestErrorPrecedence: for input that is wrong in several ways, the error
// names the first of: a closed Poller; invalid event bits; the reserved
// key; then what the backend finds: a registered or unknown handle, a bad
// handle. Every error names the call and the handle.
func TestErrorPrecedence(t *testing.T) {
	h, _ := udp(t, sock.UDP4)
	reg, _ := udp(t, sock.UDP4)
	p := newPoller(t)
	add(t, p, reg, 1, In)
	closed, err := New(testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	bad := badHandle()
	const badBits = Events(0x20)

	for _, tc := range []struct {
		name string
		err  error
		want error
		fd   uintptr // named in the message
	}{
		{"closed beats bad bits", closed.Add(bad, ReservedKey, badBits), net.ErrClosed, bad},
		{"closed modify", closed.Modify(bad, ReservedKey, badBits), net.ErrClosed, bad},
		{"closed delete", closed.Delete(bad), net.ErrClosed, bad},
		{"bad bits beat reserved key", p.Add(bad, ReservedKey, In|badBits), ErrInvalidEvents, bad},
		{"bad bits beat duplicate", p.Add(uintptr(reg), 1, In|badBits), ErrInvalidEvents, uintptr(reg)},
		{"bad bits beat unknown", p.Modify(uintptr(h), 1, In|badBits), ErrInvalidEvents, uintptr(h)},
		{"reserved key beats duplicate", p.Add(uintptr(reg), ReservedKey, In), ErrInvalidKey, uintptr(reg)},
		{"reserved key beats unknown", p.Modify(uintptr(h), ReservedKey, In), ErrInvalidKey, uintptr(h)},
		{"EPOLLEXCLUSIVE is no bit of ours", p.Add(uintptr(h), 1, In|1<<28), ErrInvalidEvents, uintptr(h)},
		{"EPOLLWAKEUP is no bit of ours", p.Add(uintptr(h), 1, In|1<<29), ErrInvalidEvents, uintptr(h)},
		{"duplicate", p.Add(uintptr(reg), 2, Out), fs.ErrExist, uintptr(reg)},
		{"modify unknown", p.Modify(uintptr(h), 1, In), fs.ErrNotExist, uintptr(h)},
		{"delete unknown", p.Delete(uintptr(h)), fs.ErrNotExist, uintptr(h)},
		{"bad handle", p.Add(bad, 1, In), errBadHandle, bad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Fatalf("got %v, want %v", tc.err, tc.want)
			}
			if !strings.Contains(tc.err.Error(), fmt.Sprint(tc.fd)) {
				t.Fatalf("%q does not name the handle %d", tc.err, tc.fd)
			}
		})
	}
	// The failed calls changed nothing.
	quiet(t, p, anyKey)
	add(t, p, h, 3, Out)
	expect(t, p, 3, Out)
}

// TestBadHandleUnknown: Modify and Delete of a handle that is not open.
// Linux epoll checks the descriptor before its registrations (EBADF); the
// Windows and kqueue backends look the handle up in their table first and
// find nothing (fs.ErrNotExist). Either way the error names the handle.
func TestBadHandleUnknown(t *testing.T) {
	p := newPoller(t)
	bad := badHandle()
	want := fs.ErrNotExist
	if runtime.GOOS == "linux" {
		want = errBadHandle
	}
	for name, err := range map[string]error{
		"modify": p.Modify(bad, 1, In),
		"delete": p.Delete(bad),
	} {
		if !errors.Is(err, want) || !strings.Contains(err.Error(), fmt.Sprint(bad)) {
			t.Errorf("%s of a bad handle: %v, want %v naming %d", name, err, want, bad)
		}
	}
}

// TestNotASocket: a regular file. Linux epoll refuses files that cannot
// block (EPERM); AFD polls only sockets (WSAENOTSOCK); kqueue accepts a
// regular file and reports it always ready.
func TestNotASocket(t *testing.T) {
	f, err := os.CreateTemp("", "poll-test-*")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its cleanup fails under Wine while a file is open.
	defer os.Remove(f.Name())
	defer f.Close()
	p := newPoller(t)
	err = p.Add(f.Fd(), 1, In)
	t.Logf("Add(regular file) = %v", err)
	if errRegularFile == nil {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	if !errors.Is(err, errRegularFile) || !strings.Contains(err.Error(), fmt.Sprint(f.Fd())) {
		t.Fatalf("Add(regular file) = %v, want %v naming %d", err, errRegularFile, f.Fd())
	}
}

func TestWaitEmpty(t *testing.T) {
	p := newPoller(t)
	if _, err := p.Wait(nil, 0); !errors.Is(err, fs.ErrInvalid) {
		t.Fatalf("Wait(nil) = %v, want fs.ErrInvalid", err)
	}
	if _, err := p.Wait([]Event{}, -1); !errors.Is(err, fs.ErrInvalid) {
		t.Fatalf("Wait(empty) = %v, want fs.ErrInvalid", err)
	}
}

// TestModes: every combination of the mode flags is accepted, as epoll
// does, and interest 0 (only Err and Hup) too.
func TestModes(t *testing.T) {
	p := newPoller(t)
	h, _ := udp(t, sock.UDP4)
	for _, ev := range []Events{0, In, In | Oneshot, In | Edge, In | Edge | Oneshot, everyBit | Err | Hup | Edge | Oneshot} {
		if err := p.Add(uintptr(h), 1, ev); err != nil {
			t.Fatalf("Add(%v): %v", ev, err)
		}
		if err := p.Modify(uintptr(h), 2, ev); err != nil {
			t.Fatalf("Modify(%v): %v", ev, err)
		}
		if err := p.Delete(uintptr(h)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEventsString(t *testing.T) {
	for ev, want := range map[Events]string{
		0:                        "0",
		In | Out | Oneshot:       "IN|OUT|ONESHOT",
		Err | Hup | RdHup | Edge: "ERR|HUP|RDHUP|EDGE",
		everyBit:                 "IN|PRI|OUT|RDNORM|RDBAND|WRNORM|WRBAND|MSG|RDHUP",
		In | 0x20 | 1<<28:        "IN|0x10000020",
	} {
		if got := ev.String(); got != want {
			t.Errorf("%#x.String() = %q, want %q", uint32(ev), got, want)
		}
	}
}

func TestErrClosed(t *testing.T) {
	if !errors.Is(ErrClosed, net.ErrClosed) {
		t.Fatal("ErrClosed does not match net.ErrClosed")
	}
	if errors.Is(ErrClosed, fs.ErrClosed) {
		t.Fatal("ErrClosed matches fs.ErrClosed")
	}
}
