package afd_test

import (
	"errors"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/scenario"
	"github.com/goafd/afd/internal/sock"
)

// refused checks that the driver refused a poll with a named error status:
// the error wraps the Status, the request is not pending, and no packet
// was queued.
func (r *rig) refused(t *testing.T, req *afd.Request, err error) afd.Status {
	t.Helper()
	if err == nil {
		t.Fatalf("the poll was accepted (status %v)", req.Status())
	}
	t.Log(err)
	var st afd.Status
	if !errors.As(err, &st) {
		t.Fatalf("error %v wraps no Status", err)
	}
	if !st.IsError() || st.Name() == "" {
		t.Errorf("status %v: want a named error status", st)
	}
	if req.Pending() {
		t.Error("request still pending after a refused poll")
	}
	if req.Status() != st {
		t.Errorf("request status %v, want %v", req.Status(), st)
	}
	r.noPacket(t)
	return st
}

// notSockets returns handles that are not sockets, closed at the end of
// the test.
func notSockets(t *testing.T) map[string]windows.Handle {
	f, err := os.CreateTemp("", "afd-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		os.Remove(f.Name()) // may fail under Wine; the file is empty
	})
	ev, err := windows.CreateEvent(nil, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { windows.CloseHandle(ev) })
	return map[string]windows.Handle{"file": windows.Handle(f.Fd()), "event": ev}
}

// TestPollNotASocket polls handles that name no socket. Windows and Wine
// both refuse such a poll at once with STATUS_INVALID_HANDLE (no such
// handle) or STATUS_OBJECT_TYPE_MISMATCH (a handle to something else),
// both of which errors.Is matches with WSAENOTSOCK.
//
// Never poll an AFD handle (\Device\Afd) as a socket: under Wine 8.0
// NtDeviceIoControlFile then never returns, and the process hangs.
func TestPollNotASocket(t *testing.T) {
	r := newRig(t)
	handles := notSockets(t)
	handles["invalid"] = 0xabacab
	handles["zero"] = 0
	handles["current process (-1)"] = windows.InvalidHandle
	for name, h := range handles {
		t.Run(name, func(t *testing.T) {
			req := afd.NewRequest(1)
			req.Set(0, h, afd.AllEvents&^afd.Connect)
			_, err := r.dev.Poll(req)
			st := r.refused(t, req, err)
			if st != afd.StatusInvalidHandle && st != afd.StatusObjectTypeMismatch {
				t.Errorf("status %v, want STATUS_INVALID_HANDLE or STATUS_OBJECT_TYPE_MISMATCH", st)
			}
			if !errors.Is(err, windows.WSAENOTSOCK) {
				t.Errorf("errors.Is(%v, WSAENOTSOCK) = false", err)
			}
		})
	}
}

// TestPollClosedSocket polls a socket handle just closed. The handle no
// longer names a socket: the driver refuses the poll. Its value may
// already name something else (handle values are reused at once, wepoll
// #34), so either status of TestPollNotASocket may come.
func TestPollClosedSocket(t *testing.T) {
	r := newRig(t)
	s, err := sock.Socket(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	b := base(t, s)
	req := afd.NewRequest(1)
	req.Set(0, b, afd.Receive)
	if err := sock.Close(s); err != nil {
		t.Fatal(err)
	}
	_, err = r.dev.Poll(req)
	r.refused(t, req, err)
	if !errors.Is(err, windows.WSAENOTSOCK) {
		t.Errorf("errors.Is(%v, WSAENOTSOCK) = false", err)
	}
}

// TestBaseSocketNotASocket asks for the base socket of handles that are
// not sockets. Windows answers WSAENOTSOCK. Wine answers SIO_BASE_HANDLE
// for any handle with the handle itself, so BaseSocket "succeeds" there,
// and it is the poll that fails (TestPollNotASocket).
func TestBaseSocketNotASocket(t *testing.T) {
	_, wine := scenario.Wine()
	for name, h := range notSockets(t) {
		t.Run(name, func(t *testing.T) {
			b, err := afd.BaseSocket(h)
			switch {
			case err != nil:
				t.Log(err)
				if !errors.Is(err, windows.WSAENOTSOCK) {
					t.Errorf("errors.Is(%v, WSAENOTSOCK) = false", err)
				}
				if b != windows.InvalidHandle {
					t.Errorf("handle %#x with the error, want INVALID_SOCKET", b)
				}
			case wine:
				t.Logf("Wine: SIO_BASE_HANDLE of %#x answered %#x", h, b)
			default:
				t.Errorf("BaseSocket(%#x) = %#x, want WSAENOTSOCK", h, b)
			}
		})
	}
	if _, err := afd.BaseSocket(windows.InvalidHandle); !errors.Is(err, windows.WSAENOTSOCK) {
		t.Errorf("BaseSocket(INVALID_SOCKET): %v, want WSAENOTSOCK", err)
	}
}

func TestPollNoHandles(t *testing.T) {
	r := newRig(t)
	req := afd.NewRequest(1)
	req.SetLen(0)
	done, err := r.dev.Poll(req)
	if done || !errors.Is(err, afd.ErrNoHandles) {
		t.Fatalf("Poll with no handles: %v, %v; want ErrNoHandles", done, err)
	}
	if req.Pending() {
		t.Error("request pending")
	}
	r.noPacket(t)
}

func TestPollBusy(t *testing.T) {
	r := newRig(t)
	c, _ := pair(t)
	req := afd.NewRequest(1)
	req.Set(0, base(t, c), afd.Receive)
	if done, err := r.dev.Poll(req); done || err != nil {
		t.Fatalf("first poll: %v, %v; want pending", done, err)
	}
	done, err := r.dev.Poll(req)
	if done || !errors.Is(err, afd.ErrBusy) {
		t.Fatalf("second poll: %v, %v; want ErrBusy", done, err)
	}
	if !req.Pending() || req.Status() != afd.StatusPending {
		t.Errorf("the first poll was disturbed: pending %v, status %v", req.Pending(), req.Status())
	}
	if err := r.dev.Cancel(req); err != nil {
		t.Fatal(err)
	}
	if got := r.complete(t, 5*time.Second); got != req || got.Status() != afd.StatusCancelled {
		t.Fatalf("completion %p (%v), want %p cancelled", got, got.Status(), req)
	}
	// Taken back, the request can be submitted again.
	req.SetTimeout(0)
	if _, err := r.dev.Poll(req); err != nil {
		t.Fatalf("poll after the completion: %v", err)
	}
	r.complete(t, 5*time.Second)
}

// TestCancelNotPending cancels requests that the driver does not hold.
func TestCancelNotPending(t *testing.T) {
	r := newRig(t)
	req := afd.NewRequest(1)
	err := r.dev.Cancel(req)
	if !errors.Is(err, afd.StatusNotFound) {
		t.Errorf("Cancel of a request never submitted: %v, want STATUS_NOT_FOUND", err)
	}
	if !errors.Is(err, windows.ERROR_NOT_FOUND) {
		t.Errorf("errors.Is(%v, ERROR_NOT_FOUND) = false", err)
	}
}

// TestPollBadBuffer hands the driver AFD_POLL_INFO buffers that do not
// match their NumberOfHandles. Windows refuses them with
// STATUS_INVALID_PARAMETER, as Wine's conformance tests show
// (dlls/ws2_32/tests/afd.c, test_poll); a buffer larger than needed is
// fine.
func TestPollBadBuffer(t *testing.T) {
	r := newRig(t)
	c, _ := pair(t)
	b := base(t, c)
	entry := uint32(unsafe.Sizeof(afd.PollHandleInfo{}))
	const header = 16
	tests := []struct {
		name        string
		count, size uint32
	}{
		{"NumberOfHandles 2 with room for 1", 2, header + entry},
		{"NumberOfHandles 0", 0, header + entry},
		{"header only", 1, header},
		{"shorter than the header", 1, header / 2},
		{"empty", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := afd.NewRequest(1)
			req.Set(0, b, afd.Send)
			_, err := r.dev.SubmitRaw(req, tt.count, tt.size)
			if st := r.refused(t, req, err); st != afd.StatusInvalidParameter {
				t.Errorf("status %v, want STATUS_INVALID_PARAMETER", st)
			}
		})
	}
	t.Run("larger than needed", func(t *testing.T) {
		req := afd.NewRequest(2)
		req.Set(0, b, afd.Send)
		done, err := r.dev.SubmitRaw(req, 1, header+2*entry)
		if err != nil {
			t.Fatal(err)
		}
		if !done {
			t.Log("pending")
		}
		if got := r.complete(t, 5*time.Second); got != req {
			t.Fatalf("completion for %p, want %p", got, req)
		}
		ready := req.Ready()
		if req.Status() != afd.StatusSuccess || len(ready) != 1 || ready[0].Events != afd.Send {
			t.Errorf("status %v, ready %+v; want SEND", req.Status(), ready)
		}
	})
}
