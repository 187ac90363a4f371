package park

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"reflect"
	"syscall"
)

// Notify parks conn: fn is called once, on the Watcher's goroutine, when
// conn can be read without blocking, with a nil error: data, a datagram,
// the peer's end of stream, or a socket error is there for Read to
// return. Readiness present when Notify is called counts: fn is then
// called at once. After fn, conn is not parked any more; fn may call
// Notify again to park it anew.
//
// fn gets a non-nil error, and conn is not parked any more, when conn
// was closed while parked (the error matches net.ErrClosed; see the
// package documentation for when this is seen), when the Watcher is
// closed (ErrClosed), or when polling fails (the error of the Poller).
//
// fn must not block: it holds up the callbacks of every other parked
// connection. Start a goroutine, or send on a buffered channel.
//
// Notify fails, and fn is never called, if fn is nil, if conn does not
// implement syscall.Conn (ErrNotSyscallConn), if conn is closed (an
// error matching net.ErrClosed), if conn is parked already (ErrParked),
// or if the Watcher is closed (ErrClosed). Do not call Notify while a
// Read of conn is in progress (see the package documentation).
func (w *Watcher) Notify(conn net.Conn, fn func(error)) error {
	if fn == nil {
		return fmt.Errorf("park: notify: nil callback: %w", fs.ErrInvalid)
	}
	if _, err := w.park(conn, fn, nil); err != nil {
		return fmt.Errorf("park: notify: %w", err)
	}
	return nil
}

// WaitReadable parks conn and blocks until it can be read without
// blocking, with no buffer and no goroutine other than the caller's. It
// returns nil when conn is readable (as for Notify's callback), ctx's
// error when ctx is done first (conn is then not parked any more),
// ErrStopped when Stop unparks conn, and otherwise the error that Notify
// would return or pass to its callback.
func (w *Watcher) WaitReadable(ctx context.Context, conn net.Conn) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ready := make(chan error, 1)
	// One of the callback and Stop's stopped is called, once.
	e, err := w.park(conn, func(err error) { ready <- err }, func() { ready <- ErrStopped })
	if err != nil {
		return fmt.Errorf("park: wait readable: %w", err)
	}
	select {
	case err := <-ready:
		return err
	case <-ctx.Done():
		if w.unpark(e) {
			return ctx.Err()
		}
		// The callback was taken first: it is called at once.
		return <-ready
	}
}

// Stop unparks conn: its callback will not be called (a WaitReadable
// waiting for conn returns ErrStopped). It reports whether
// conn was parked; false means that the callback has been called, or
// is being called, or that conn was never parked. Stop of a connection
// that was closed while parked finds it if conn is comparable (a
// pointer, as Go's connections are); otherwise the callback gets
// net.ErrClosed as described in the package documentation.
func (w *Watcher) Stop(conn net.Conn) bool {
	rc, err := rawConn(conn)
	if err != nil {
		return false
	}
	var stopped, stale *entry
	cerr := rc.Control(func(fd uintptr) {
		w.mu.Lock()
		defer w.mu.Unlock()
		e := w.byFd[fd]
		switch {
		case e == nil:
		case !open(e.rc):
			w.remove(e)
			stale = e
		default:
			w.unregister(e, fd)
			stopped = e
		}
	})
	if stale != nil {
		stale.fn(fmt.Errorf("park: %w", net.ErrClosed))
	}
	if cerr != nil && reflect.TypeOf(conn).Comparable() {
		// conn is closed: its handle value may be another socket's by
		// now, so it is found by itself.
		w.mu.Lock()
		for _, e := range w.byKey {
			if e.conn == conn {
				w.remove(e) // the close took the registration away
				stopped = e
				break
			}
		}
		w.mu.Unlock()
	}
	if stopped == nil {
		return false
	}
	if stopped.stopped != nil {
		stopped.stopped()
	}
	return true
}

// rawConn returns the syscall.RawConn of conn.
func rawConn(conn net.Conn) (syscall.RawConn, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("%T: %w", conn, ErrNotSyscallConn)
	}
	return sc.SyscallConn()
}

// open reports whether the connection of rc is open: Control holds a
// reference to its socket, and fails once Close has begun.
func open(rc syscall.RawConn) bool {
	return rc.Control(func(uintptr) {}) == nil
}

// park registers conn and records it with fn. A connection found under
// the same handle value that is closed is called back with
// net.ErrClosed: the value is conn's now.
func (w *Watcher) park(conn net.Conn, fn func(error), stopped func()) (*entry, error) {
	if conn == nil {
		return nil, fmt.Errorf("nil conn: %w", fs.ErrInvalid)
	}
	rc, err := rawConn(conn)
	if err != nil {
		return nil, err
	}
	var e, stale *entry
	var perr error
	// Inside Control the handle is conn's socket's: Go's net cannot
	// close it until Control returns, so no other socket can have taken
	// its value.
	cerr := rc.Control(func(fd uintptr) {
		e, stale, perr = w.register(fd, conn, rc, fn, stopped)
	})
	if stale != nil {
		stale.fn(fmt.Errorf("park: %w", net.ErrClosed))
	}
	if cerr != nil {
		return nil, cerr
	}
	return e, perr
}

// register adds the socket fd of conn to the Poller, which has not
// closed it: the caller holds a reference to it.
func (w *Watcher) register(fd uintptr, conn net.Conn, rc syscall.RawConn, fn func(error), stopped func()) (e, stale *entry, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.refusal(); err != nil {
		return nil, nil, err
	}
	if old := w.byFd[fd]; old != nil {
		if open(old.rc) {
			// Two open connections cannot share a handle: it is conn.
			return nil, nil, ErrParked
		}
		// Closed while parked, and the handle value reused: the close
		// took the old registration away (on Windows, once the Poller
		// has seen it: see ErrExist below).
		w.remove(old)
		stale = old
	}
	w.key++
	e = &entry{key: w.key, fd: fd, conn: conn, rc: rc, fn: fn, stopped: stopped}
	err = w.p.Add(fd, e.key, interest)
	if errors.Is(err, fs.ErrExist) {
		// Windows: a socket closed with this handle value is still
		// registered until the Poller takes in its close, which Wine
		// queues later than Windows does. The caller's reference
		// proves that the value is conn's now, and conn is not
		// parked: the registration is the closed socket's.
		if err = w.p.Delete(fd); err == nil {
			err = w.p.Add(fd, e.key, interest)
		}
	}
	if err != nil {
		return nil, stale, err
	}
	w.insert(e)
	return e, stale, nil
}

// unpark unparks e if it is still parked, and reports whether it was.
func (w *Watcher) unpark(e *entry) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.parked(e) {
		return false
	}
	// Control fails once the connection is closing: the close takes
	// the registration away.
	e.rc.Control(func(fd uintptr) { w.unregister(e, fd) })
	w.remove(e)
	return true
}

// unregister deletes the registration of e, whose socket is fd, from the
// Poller and forgets e. The caller holds w.mu and a reference to the
// socket. The Delete has no reason to fail: the socket is open and
// registered, and the Poller is not closed (Close takes every entry
// first, under w.mu). Should it fail all the same, the registration,
// one-shot, reports at most once more, under a key that finds no entry;
// fire passes the error to the callback, Stop and unpark, which have no
// one to tell, drop it.
func (w *Watcher) unregister(e *entry, fd uintptr) error {
	w.remove(e)
	return w.p.Delete(fd)
}
