package afd_test

import (
	"errors"
	"testing"
	"time"

	"github.com/goafd/afd"
)

// TestCancelAll: CancelAll ends every poll pending on a device, each with
// STATUS_CANCELLED and a packet, and only those.
func TestCancelAll(t *testing.T) {
	r := newRig(t)
	const n = 3
	reqs := make(map[*afd.Request]bool)
	for range n {
		c, _ := pair(t)
		req := afd.NewRequest(1)
		req.Set(0, base(t, c), afd.Receive) // nothing to read: stays pending
		if done, err := r.dev.Poll(req); err != nil || done {
			t.Fatalf("Poll = %v, %v; want pending", done, err)
		}
		reqs[req] = true
	}
	if err := r.dev.CancelAll(); err != nil {
		t.Fatal(err)
	}
	for range n {
		got := r.complete(t, 5*time.Second)
		if got == nil || !reqs[got] {
			t.Fatalf("completion for %p, not one of the polls", got)
		}
		delete(reqs, got)
		if got.Status() != afd.StatusCancelled {
			t.Errorf("status %v, want STATUS_CANCELLED", got.Status())
		}
	}
	r.noPacket(t)
	// With nothing pending: STATUS_NOT_FOUND as CancelIoEx documents it,
	// or success, as Wine 8.0 answers; never a packet.
	if err := r.dev.CancelAll(); err != nil && !errors.Is(err, afd.StatusNotFound) {
		t.Errorf("CancelAll with nothing pending: %v", err)
	}
	r.noPacket(t)
}
