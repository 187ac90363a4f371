package afd_test

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

// tag identifies a request of TestPinnedUnderGC through its Context.
type tag struct {
	round int
	kind  string
}

// submitAndDrop submits three polls whose Requests nobody keeps: one that
// completes at once, one that waits until cancelled, one that times out.
// Only the driver and the pinning know of them until their completions
// come back through the port.
func submitAndDrop(t *testing.T, dev *afd.Device, socket windows.Handle, round int) {
	for _, kind := range []string{"ready", "cancelled", "timeout"} {
		req := afd.NewRequest(1)
		req.Context = tag{round, kind}
		switch kind {
		case "ready":
			req.Set(0, socket, afd.Send)
		case "cancelled":
			req.Set(0, socket, afd.Receive)
		case "timeout":
			req.Set(0, socket, afd.Receive|afd.ReceiveExpedited)
			req.SetTimeout(time.Millisecond)
		}
		if _, err := dev.Poll(req); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPinnedUnderGC checks that pending Requests stay valid, where the
// driver writes them, when their submitter drops them and the garbage
// collector runs hard: GOGC=1, explicit collections, and garbage to reuse
// any memory wrongly freed. Run with -gcflags=all=-d=checkptr.
func TestPinnedUnderGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	r := newRig(t)
	c, _ := pair(t)
	b := base(t, c)
	rounds := 300
	if testing.Short() {
		rounds = 30
	}
	var garbage [][]byte
	entries := make([]iocp.Entry, 4)
	for round := range rounds {
		submitAndDrop(t, r.dev, b, round)
		runtime.GC()
		for range 64 {
			garbage = append(garbage, make([]byte, 64+round%128))
		}
		if len(garbage) > 4096 {
			garbage = garbage[:0]
		}
		runtime.GC()
		// Cancel whatever is still pending, without a Request in hand.
		if err := windows.CancelIoEx(r.dev.Handle(), nil); err != nil && err != windows.ERROR_NOT_FOUND {
			t.Fatal(err)
		}
		seen := make(map[string]bool)
		deadline := time.Now().Add(5 * time.Second)
		for len(seen) < 3 {
			n, err := r.port.Wait(entries, time.Until(deadline))
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("round %d: completions of %v only", round, seen)
			}
			for _, e := range entries[:n] {
				req := afd.RequestOf(e.Overlapped)
				tg, ok := req.Context.(tag)
				if !ok || tg.round != round || seen[tg.kind] {
					t.Fatalf("round %d: completion with context %#v", round, req.Context)
				}
				seen[tg.kind] = true
				if hs := req.Handles(); len(hs) != 1 || hs[0].Handle != b {
					t.Fatalf("round %d %s: entries %+v, want socket %#x", round, tg.kind, hs, b)
				}
				st := req.Status()
				switch tg.kind {
				case "ready":
					if ready := req.Ready(); st != afd.StatusSuccess || len(ready) != 1 || ready[0].Events != afd.Send {
						t.Fatalf("round %d ready: %v %+v", round, st, ready)
					}
				case "cancelled":
					if st != afd.StatusCancelled {
						t.Fatalf("round %d cancelled: %v", round, st)
					}
				case "timeout":
					if st != afd.StatusTimeout && st != afd.StatusCancelled {
						t.Fatalf("round %d timeout: %v", round, st)
					}
				}
			}
			runtime.GC()
		}
	}
}
