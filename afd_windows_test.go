package afd_test

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
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
	if len(ready) != 1 || ready[0].Events != afd.ConnectFail || ready[0].Status != afd.StatusConnectionRefused {
		t.Fatalf("ready %+v, want CONNECT_FAIL with STATUS_CONNECTION_REFUSED", ready)
	}
	if !errors.Is(ready[0].Status, windows.WSAECONNREFUSED) {
		t.Errorf("errors.Is(%v, WSAECONNREFUSED) = false", ready[0].Status)
	}
	t.Logf("events %v status %v", ready[0].Events, ready[0].Status)
}
