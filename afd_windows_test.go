package afd_test

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/scenario"
	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/iocp"
)

// rig is a device associated with a port, as every scenario needs.
type rig struct {
	dev  *afd.Device
	port *iocp.Port
}

const devKey = 1

func newRig(t *testing.T) *rig {
	t.Helper()
	port, err := iocp.New(0)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := afd.Open(`\Device\Afd\test`)
	if err != nil {
		port.Close()
		t.Fatal(err)
	}
	if err := port.Associate(dev.Handle(), devKey); err != nil {
		t.Fatal(err)
	}
	if err := dev.SetCompletionModes(windows.FILE_SKIP_SET_EVENT_ON_HANDLE); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		dev.Close()
		port.Close()
	})
	return &rig{dev, port}
}

// complete waits for the completion of one request.
func (r *rig) complete(t *testing.T, timeout time.Duration) *afd.Request {
	t.Helper()
	var e [4]iocp.Entry
	n, err := r.port.Wait(e[:1], timeout)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		return nil
	}
	if e[0].Key != devKey {
		t.Fatalf("completion key %d, want %d", e[0].Key, devKey)
	}
	return afd.RequestOf(e[0].Overlapped)
}

func base(t *testing.T, s sock.Handle) windows.Handle {
	t.Helper()
	b, err := afd.BaseSocket(windows.Handle(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSeedConnectFail(t *testing.T) {
	r := newRig(t)
	l, addr, err := sock.Listen(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	sock.Close(l) // nobody listens on addr now
	s, err := sock.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close(s)
	req := afd.NewRequest(1)
	req.Set(0, base(t, s), afd.AllEvents&^afd.Connect)
	done, err := r.dev.Poll(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("done inline: %v, status %v", done, req.Status())
	got := r.complete(t, 10*time.Second)
	if got != req {
		t.Fatalf("completion for %p, want %p", got, req)
	}
	if got.Status() != afd.StatusSuccess {
		t.Fatalf("status %v", got.Status())
	}
	ready := got.Ready()
	if len(ready) != 1 || ready[0].Status != afd.StatusConnectionRefused {
		t.Fatalf("ready %+v, want CONNECT_FAIL with STATUS_CONNECTION_REFUSED", ready)
	}
	if _, wine := scenario.Wine(); wine && ready[0].Events == scenario.WineConnectFailEvents {
		t.Logf("known Wine difference: %v instead of CONNECT_FAIL alone", ready[0].Events)
	} else if ready[0].Events != afd.ConnectFail {
		t.Fatalf("events %v, want CONNECT_FAIL", ready[0].Events)
	}
	if !errors.Is(ready[0].Status, windows.WSAECONNREFUSED) {
		t.Errorf("errors.Is(%v, WSAECONNREFUSED) = false", ready[0].Status)
	}
	t.Logf("events %v status %v", ready[0].Events, ready[0].Status)
}

// pair returns a connected TCP pair over loopback, closed with the test.
func pair(t *testing.T) (client, server sock.Handle) {
	t.Helper()
	c, s, err := sock.Pair(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sock.Close(c)
		sock.Close(s)
	})
	return c, s
}

// noPacket fails the test if a packet is queued on the port.
func (r *rig) noPacket(t *testing.T) {
	t.Helper()
	var e [1]iocp.Entry
	n, err := r.port.Wait(e[:], 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a packet was queued: %+v", e[0])
	}
}

// TestScenarios runs every scenario of internal/scenario, the driver's
// behaviour as Windows shows it, as a subtest named for what Windows does.
func TestScenarios(t *testing.T) {
	for _, s := range scenario.Scenarios() {
		t.Run(s.Name+": "+s.Expected, func(t *testing.T) {
			t.Log(s.Truth)
			r := s.Run(scenario.Config{})
			for _, p := range r.Polls {
				t.Logf("poll %q: requested %v, submit %v, status %v, reported %v, count %d, queued %v, took %v",
					p.Label, p.Requested, p.Submit, p.Status, p.Reported(), p.Count, p.Queued, p.Took)
			}
			for _, n := range r.Notes {
				t.Log(n)
			}
			switch r.Verdict {
			case scenario.VerdictMatch:
			case scenario.VerdictWine:
				for _, n := range r.WineNotes {
					t.Logf("known Wine difference (AFD.md): %s", n)
				}
			case scenario.VerdictError:
				t.Errorf("could not run: %s", r.Err)
			default:
				for _, m := range r.Mismatches {
					t.Errorf("differs from Windows: %s", m)
				}
			}
		})
	}
}

// TestReadyInline checks that the result of a poll that completed inline
// can be read at once, before its packet is dequeued, as Poll documents.
func TestReadyInline(t *testing.T) {
	r := newRig(t)
	c, _ := pair(t)
	req := afd.NewRequest(1)
	req.Set(0, base(t, c), afd.Send)
	done, err := r.dev.Poll(req)
	if err != nil {
		t.Fatal(err)
	}
	if !done {
		t.Skip("the poll of a writable socket did not complete inline")
	}
	if !req.Pending() {
		t.Error("Pending() = false before the packet was dequeued")
	}
	if ready := req.Ready(); len(ready) != 1 || ready[0].Events != afd.Send {
		t.Errorf("Ready() = %+v before the dequeue, want SEND", ready)
	}
	if got := r.complete(t, 5*time.Second); got != req {
		t.Fatalf("completion for %p, want %p", got, req)
	}
	if req.Pending() {
		t.Error("Pending() = true after RequestOf")
	}
	if ready := req.Ready(); len(ready) != 1 || ready[0].Events != afd.Send {
		t.Errorf("Ready() = %+v after the dequeue, want SEND", ready)
	}
}

// TestReuse polls with the same Request again and again.
func TestReuse(t *testing.T) {
	r := newRig(t)
	c, s := pair(t)
	req := afd.NewRequest(1)
	req.Set(0, base(t, c), afd.Receive)
	for i := range 20 {
		if _, err := r.dev.Poll(req); err != nil {
			t.Fatal(err)
		}
		if _, err := sock.Write(s, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		if got := r.complete(t, 5*time.Second); got != req {
			t.Fatalf("round %d: completion for %p, want %p", i, got, req)
		}
		if ready := req.Ready(); len(ready) != 1 || ready[0].Events != afd.Receive {
			t.Fatalf("round %d: ready %+v", i, ready)
		}
		if _, err := sock.Read(c, make([]byte, 16)); err != nil {
			t.Fatal(err)
		}
	}
}
