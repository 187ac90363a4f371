//go:build darwin || freebsd

package poll

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// kqWake wakes waiters with an EVFILT_USER event. It clears when a waiter
// takes it (EV_CLEAR); once the Poller is closed, that waiter triggers it
// again for the next.
type kqWake struct{}

// wakeIdent names the user event; user events have idents of their own,
// apart from descriptors.
const wakeIdent = 0

func (kqWake) init(kq int) error {
	if err := userEvent(kq, unix.EV_ADD|unix.EV_CLEAR, 0); err != nil {
		return fmt.Errorf("kevent add EVFILT_USER: %w", err)
	}
	return nil
}

func userEvent(kq, flags int, fflags uint32) error {
	var k [1]unix.Kevent_t
	unix.SetKevent(&k[0], wakeIdent, unix.EVFILT_USER, flags)
	k[0].Fflags = fflags
	// Not retried on EINTR: the change was applied (see apply).
	if _, err := unix.Kevent(kq, k[:], nil, nil); err != nil && err != unix.EINTR {
		return err
	}
	return nil
}

func (kqWake) trigger(kq int) error {
	if err := userEvent(kq, 0, unix.NOTE_TRIGGER); err != nil {
		return fmt.Errorf("kevent trigger EVFILT_USER: %w", err)
	}
	return nil
}

func (kqWake) is(k *unix.Kevent_t) bool { return int(k.Filter) == unix.EVFILT_USER }

func (w kqWake) consume(kq int, closed bool) {
	if closed {
		w.trigger(kq)
	}
}

func (kqWake) owns(fd uintptr) bool { return false }

func (kqWake) close() error { return nil }
