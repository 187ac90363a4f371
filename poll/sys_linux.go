package poll

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysPoller is the Linux backend: an epoll instance, which gives the
// semantics the other backends copy, and an eventfd registered in it for
// Wake.
type sysPoller struct {
	epfd int
	wfd  int // eventfd; readable while a wake-up is pending
}

// waitChunk is how many events one Wait returns at most. The buffer lives
// on the stack of each Wait (12 or 16 bytes an event), so that concurrent
// Waits need neither a shared buffer nor an allocation.
const waitChunk = 128

func (s *sysPoller) init(options) error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	wfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return fmt.Errorf("eventfd: %w", err)
	}
	ev := epollEvent(ReservedKey, In)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &ev); err != nil {
		unix.Close(wfd)
		unix.Close(epfd)
		return fmt.Errorf("epoll_ctl add eventfd: %w", err)
	}
	s.epfd, s.wfd = epfd, wfd
	return nil
}

// epollEvent builds the kernel's struct epoll_event. Its 64-bit data
// field is the last 8 bytes of unix.EpollEvent on every GOARCH, split in
// two int32 fields, Fd and Pad: at offset 4 on 386 and amd64, where the
// kernel packs the struct to 12 bytes, and at offset 8 elsewhere. The
// kernel hands the 8 bytes back untouched, so storing the low half in Fd
// and the high half in Pad round-trips the key whatever the byte order.
func epollEvent(key uint64, ev Events) unix.EpollEvent {
	return unix.EpollEvent{Events: uint32(ev), Fd: int32(uint32(key)), Pad: int32(uint32(key >> 32))}
}

func eventKey(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// Fd and Pad must be the last 8 bytes of the struct (this fails to
// compile otherwise).
var _ = [1]struct{}{}[unsafe.Sizeof(unix.EpollEvent{})-unsafe.Offsetof(unix.EpollEvent{}.Fd)-8]

// ctl runs epoll_ctl; the errno it returns already matches fs.ErrExist
// (EEXIST) and fs.ErrNotExist (ENOENT) under errors.Is.
func (s *sysPoller) ctl(op int, fd uintptr, key uint64, ev Events) error {
	if fd > math.MaxInt32 {
		return unix.EBADF // not a descriptor; int(fd) would name another
	}
	e := epollEvent(key, ev)
	return unix.EpollCtl(s.epfd, op, int(fd), &e)
}

func (s *sysPoller) add(fd uintptr, key uint64, ev Events) error {
	return s.ctl(unix.EPOLL_CTL_ADD, fd, key, ev)
}

func (s *sysPoller) modify(fd uintptr, key uint64, ev Events) error {
	return s.ctl(unix.EPOLL_CTL_MOD, fd, key, ev)
}

func (s *sysPoller) delete(fd uintptr) error {
	return s.ctl(unix.EPOLL_CTL_DEL, fd, 0, 0)
}

func (s *sysPoller) wait(events []Event, timeout time.Duration, closed *atomic.Bool) (int, error) {
	var (
		buf      [waitChunk]unix.EpollEvent
		deadline time.Time
	)
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	ms := msec(timeout)
	for {
		n, err := unix.EpollWait(s.epfd, buf[:min(len(events), waitChunk)], ms)
		if err == unix.EINTR {
			n = 0
		} else if err != nil {
			return 0, fmt.Errorf("epoll_wait: %w", err)
		}
		// One call only: a second would report level-triggered
		// registrations again, as epoll puts them back on its ready list.
		out, woken := s.convert(events, buf[:n], closed)
		if out > 0 || woken || timeout == 0 {
			return out, nil
		}
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return 0, nil
			}
			ms = msec(left)
		}
	}
}

// convert copies kernel events to events, and reports whether the wake-up
// eventfd was among them. It drains the eventfd unless the Poller is
// closed: then it stays readable and wakes every other waiter too.
func (s *sysPoller) convert(events []Event, buf []unix.EpollEvent, closed *atomic.Bool) (n int, woken bool) {
	for i := range buf {
		key := eventKey(&buf[i])
		if key == ReservedKey {
			woken = true
			if !closed.Load() {
				var b [8]byte
				unix.Read(s.wfd, b[:]) // EAGAIN: another waiter drained it
			}
			continue
		}
		events[n] = Event{Events: Events(buf[i].Events), Key: key}
		n++
	}
	return n, woken
}

// msec converts a timeout to epoll_wait's milliseconds, rounding up so
// that the wait is never shorter than asked: -1 blocks, 0 polls.
func msec(d time.Duration) int {
	switch {
	case d < 0:
		return -1
	case d == 0:
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<31-1 {
		return 1<<31 - 1
	}
	return int(ms)
}

func (s *sysPoller) wake() error {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(s.wfd, one[:])
		switch err {
		case nil, unix.EAGAIN: // EAGAIN: the counter is full, a wake-up is pending anyway
			return nil
		case unix.EINTR:
			continue
		}
		return fmt.Errorf("eventfd write: %w", err)
	}
}

func (s *sysPoller) close() error {
	err1 := unix.Close(s.wfd)
	err2 := unix.Close(s.epfd)
	if err2 != nil {
		return fmt.Errorf("close epoll: %w", err2)
	}
	if err1 != nil {
		return fmt.Errorf("close eventfd: %w", err1)
	}
	return nil
}
