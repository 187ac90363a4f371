//go:build netbsd || openbsd

package poll

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// kqWake wakes waiters with a pipe, as these systems lack EVFILT_USER (in
// golang.org/x/sys at least): a byte written makes the read end ready
// (level-triggered); a waiter drains it, unless the Poller is closed: then
// it stays ready and wakes every waiter.
type kqWake struct {
	r, w int
}

func (k *kqWake) init(kq int) error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("pipe2: %w", err)
	}
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], p[0], unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(kq, ev[:], nil, nil); err != nil {
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
		case nil, unix.EAGAIN: // full: a wake-up is pending anyway
			return nil
		case unix.EINTR:
			continue
		}
		return fmt.Errorf("wake pipe write: %w", err)
	}
}

func (k *kqWake) is(ev *unix.Kevent_t) bool {
	return int(ev.Filter) == unix.EVFILT_READ && ev.Ident == uint64(k.r)
}

func (k *kqWake) consume(_ int, closed bool) {
	if closed {
		return
	}
	var b [64]byte
	for {
		if n, err := unix.Read(k.r, b[:]); n <= 0 && err != unix.EINTR {
			return
		}
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
