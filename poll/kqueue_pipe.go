//go:build netbsd || openbsd

package poll

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// kqWake wakes waiters with a pipe, as these systems lack EVFILT_USER (in
// golang.org/x/sys at least). The read end is watched with EV_CLEAR: a
// byte written makes one kevent, taken by one waiter, which drains the
// pipe (a level-triggered filter would stay in the queue until then and
// wake every waiter that scans meanwhile). Once the Poller is closed, the
// waiter that takes it writes again for the next.
type kqWake struct {
	r, w int
}

func (k *kqWake) init(kq int) error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("pipe2: %w", err)
	}
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], p[0], unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR)
	if _, err := unix.Kevent(kq, ev[:], nil, nil); err != nil && err != unix.EINTR {
		unix.Close(p[0])
		unix.Close(p[1])
		return fmt.Errorf("kevent add wake pipe: %w", err)
	}
	k.r, k.w = p[0], p[1]
	return nil
}

func (k *kqWake) trigger(int) error {
	for {
		_, err := unix.Write(k.w, []byte{1})
		switch err {
		case nil:
			return nil
		case unix.EAGAIN:
			// Full: bytes are waiting, so a kevent is queued that no
			// waiter has taken yet (the taker drains the pipe).
			return nil
		case unix.EINTR:
			continue
		}
		return fmt.Errorf("wake pipe write: %w", err)
	}
}

func (k *kqWake) is(ev *unix.Kevent_t) bool {
	return int(ev.Filter) == unix.EVFILT_READ && uintptr(ev.Ident) == uintptr(k.r)
}

// consume drains the pipe, so that the next write makes a new kevent
// (EV_CLEAR); once the Poller is closed it wakes the next waiter.
func (k *kqWake) consume(kq int, closed bool) {
	var b [64]byte
	for {
		if n, err := unix.Read(k.r, b[:]); n <= 0 && err != unix.EINTR {
			break
		}
	}
	if closed {
		k.trigger(kq)
	}
}

func (k *kqWake) owns(fd uintptr) bool { return fd == uintptr(k.r) || fd == uintptr(k.w) }

func (k *kqWake) close() error {
	err1 := unix.Close(k.r)
	err2 := unix.Close(k.w)
	if err1 != nil {
		return fmt.Errorf("close wake pipe: %w", err1)
	}
	if err2 != nil {
		return fmt.Errorf("close wake pipe: %w", err2)
	}
	return nil
}
