package park

import (
	"errors"
	"fmt"
	"time"

	"github.com/goafd/afd/poll"
)

// run is the Watcher's goroutine: it waits on the Poller, calls back the
// connections it reports, and every interval looks for parked
// connections that were closed. It returns when the Poller is closed or
// fails.
func (w *Watcher) run() {
	defer close(w.done)
	events := make([]poll.Event, 128)
	var snapshot []*entry
	next := time.Now().Add(w.interval)
	for {
		n, err := w.p.Wait(events, max(time.Until(next), 0))
		if errors.Is(err, poll.ErrClosed) {
			return
		}
		if err != nil {
			w.fail(err)
			return
		}
		for _, ev := range events[:n] {
			w.fire(ev.Key)
		}
		if now := time.Now(); !now.Before(next) {
			snapshot = w.check(snapshot[:0])
			next = now.Add(w.interval)
		}
	}
}

// fire calls back the connection registered under key, if it is still
// parked: unparked by Stop, or by Close, it is not.
func (w *Watcher) fire(key uint64) {
	w.mu.Lock()
	e := w.byKey[key]
	if e == nil {
		w.mu.Unlock()
		return
	}
	var derr error
	cerr := e.rc.Control(func(fd uintptr) { derr = w.unregister(e, fd) })
	if cerr != nil {
		w.remove(e) // closing: the close takes the registration away
	}
	w.mu.Unlock()
	switch {
	case cerr != nil:
		e.fn(fmt.Errorf("park: %w", cerr))
	case derr != nil:
		e.fn(fmt.Errorf("park: unregister: %w", derr))
	default:
		e.fn(nil)
	}
}

// check calls back, with net.ErrClosed, the parked connections that
// were closed. Their registrations went with the close, silently; this is
// how the Watcher learns of it. It returns snapshot, which it fills with
// the parked connections, for the next check to reuse.
func (w *Watcher) check(snapshot []*entry) []*entry {
	w.mu.Lock()
	for _, e := range w.byKey {
		snapshot = append(snapshot, e)
	}
	w.mu.Unlock()
	for i, e := range snapshot {
		snapshot[i] = nil // hold no connection until the next check
		err := e.rc.Control(func(uintptr) {})
		if err == nil {
			continue
		}
		w.mu.Lock()
		was := w.parked(e)
		if was {
			w.remove(e)
		}
		w.mu.Unlock()
		if was {
			e.fn(fmt.Errorf("park: %w", err))
		}
	}
	return snapshot
}

// fail ends the Watcher after its Poller failed: every parked connection
// is called back with the error, and so are calls after, until Close.
func (w *Watcher) fail(err error) {
	w.mu.Lock()
	if w.state != running {
		w.mu.Unlock()
		return
	}
	w.state, w.err = failed, err
	left := w.takeAll()
	w.mu.Unlock()
	for _, e := range left {
		e.fn(fmt.Errorf("park: %w", err))
	}
}
