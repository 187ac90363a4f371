//go:build darwin || freebsd || netbsd || openbsd

package poll

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// sysPoller is the kqueue backend of the BSDs and macOS. kqueue watches
// (descriptor, filter) pairs, so a registration is up to three filters:
// EVFILT_READ for In, EVFILT_WRITE for Out, and EVFILT_EXCEPT with
// NOTE_OOB for Pri where the system has it. The registrations are kept
// in a map, under a mutex, for the keys (kevent's udata is not a portable
// place for 64 bits), for ErrExist and ErrNotExist, and for one-shot
// mode, which is done here rather than by the kernel so that a
// registration with two filters reports once in all.
//
// Every registration holds a read filter, disabled when In is not
// wanted: that is how Add finds out that the descriptor of an old entry
// was closed (closing drops its filters) and its number reused.
type sysPoller struct {
	kq int
	wk kqWake

	mu   sync.Mutex
	regs map[uintptr]kreg
}

// kreg is one registration.
type kreg struct {
	key      uint64
	ev       Events
	filters  kfilters // the filters in the kernel
	disabled bool     // a one-shot that reported, until Modify
}

// kfilters is a set of kqueue filters.
type kfilters uint8

const (
	kRead kfilters = 1 << iota
	kWrite
	kExcept
)

func (s *sysPoller) init(options) error {
	kq, err := unix.Kqueue()
	if err != nil {
		return fmt.Errorf("kqueue: %w", err)
	}
	unix.CloseOnExec(kq)
	if err := s.wk.init(kq); err != nil {
		unix.Close(kq)
		return err
	}
	s.kq = kq
	s.regs = make(map[uintptr]kreg)
	return nil
}

// change applies one change to the kqueue. Changes are applied one at a
// time, with no room for events, so that kevent reports the error of the
// change itself (EV_RECEIPT is missing on NetBSD) and takes no event
// away from the waiters.
func (s *sysPoller) change(fd uintptr, filter, flags int, fflags uint32) error {
	var k [1]unix.Kevent_t
	unix.SetKevent(&k[0], int(fd), filter, flags)
	k[0].Fflags = fflags
	for {
		_, err := unix.Kevent(s.kq, k[:], nil, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// filtersFor returns the filters a registration for ev holds, and those
// that watch (the read filter is always there, disabled if not wanted).
func filtersFor(ev Events) (all, watching kfilters) {
	if ev&(In|RdNorm|RdHup) != 0 {
		watching |= kRead
	}
	if ev&(Out|WrNorm|WrBand) != 0 {
		watching |= kWrite
	}
	if ev&Pri != 0 && havePri {
		watching |= kExcept
	}
	return watching | kRead, watching
}

// install adds the filters of a registration, and removes those it
// added if one fails.
func (s *sysPoller) install(fd uintptr, ev Events) (kfilters, error) {
	all, watching := filtersFor(ev)
	flags := unix.EV_ADD
	if ev&Edge != 0 {
		flags |= unix.EV_CLEAR
	}
	var done kfilters
	for _, f := range [...]kfilters{kRead, kWrite, kExcept} {
		if all&f == 0 {
			continue
		}
		fl := flags
		if watching&f == 0 {
			fl |= unix.EV_DISABLE
		}
		filter, fflags := kfilter(f)
		if err := s.change(fd, filter, fl, fflags); err != nil {
			s.remove(fd, done)
			return 0, err
		}
		done |= f
	}
	return all, nil
}

// remove deletes filters; the first error is returned, ENOENT when the
// descriptor was closed (which dropped them).
func (s *sysPoller) remove(fd uintptr, set kfilters) error {
	var first error
	for _, f := range [...]kfilters{kRead, kWrite, kExcept} {
		if set&f != 0 {
			filter, _ := kfilter(f)
			if err := s.change(fd, filter, unix.EV_DELETE, 0); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func kfilter(f kfilters) (filter int, fflags uint32) {
	switch f {
	case kRead:
		return unix.EVFILT_READ, 0
	case kWrite:
		return unix.EVFILT_WRITE, 0
	}
	return exceptFilter, exceptFflags
}

// stale reports whether the descriptor of r was closed since it was
// registered: its read filter is gone. The probe sets the filter to the
// state it has, so that it changes nothing when the filter is there.
func (s *sysPoller) stale(fd uintptr, r kreg) bool {
	flags := unix.EV_DISABLE
	if _, watching := filtersFor(r.ev); watching&kRead != 0 && !r.disabled {
		flags = unix.EV_ENABLE
	}
	err := s.change(fd, unix.EVFILT_READ, flags, 0)
	return err == unix.ENOENT || err == unix.EBADF
}

func (s *sysPoller) add(fd uintptr, key uint64, ev Events) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fd > math.MaxInt32 {
		return unix.EBADF // not a descriptor; int(fd) would name another
	}
	if s.wk.owns(fd) {
		return fs.ErrExist
	}
	if r, ok := s.regs[fd]; ok {
		if !s.stale(fd, r) {
			return fs.ErrExist
		}
		delete(s.regs, fd)
	}
	all, err := s.install(fd, ev)
	if err != nil {
		return err
	}
	s.regs[fd] = kreg{key: key, ev: ev, filters: all}
	return nil
}

// lookup returns the registration of fd, and forgets it if its
// descriptor was closed.
func (s *sysPoller) lookup(fd uintptr) (kreg, error) {
	r, ok := s.regs[fd]
	if !ok {
		return r, fs.ErrNotExist
	}
	return r, nil
}

func (s *sysPoller) modify(fd uintptr, key uint64, ev Events) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookup(fd)
	if err != nil {
		return err
	}
	// kqueue keeps the flags of a filter (EV_CLEAR) from its creation:
	// delete and add again. Adding evaluates the state afresh, so a
	// ready socket is reported, as after epoll's EPOLL_CTL_MOD.
	if err := s.remove(fd, r.filters); err != nil {
		delete(s.regs, fd)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EBADF) {
			return fs.ErrNotExist // closed since it was registered
		}
		return err
	}
	all, err := s.install(fd, ev)
	if err != nil {
		delete(s.regs, fd)
		return err
	}
	s.regs[fd] = kreg{key: key, ev: ev, filters: all}
	return nil
}

func (s *sysPoller) delete(fd uintptr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookup(fd)
	if err != nil {
		return err
	}
	delete(s.regs, fd)
	if err := s.remove(fd, r.filters); err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EBADF) {
			return fs.ErrNotExist // closed since it was registered
		}
		return err
	}
	return nil
}

// waitChunk is how many kevents one Wait takes at most; the buffer is on
// the stack of each Wait.
const waitChunk = 64

func (s *sysPoller) wait(events []Event, timeout time.Duration, closed *atomic.Bool) (int, error) {
	var (
		buf      [waitChunk]unix.Kevent_t
		deadline time.Time
		ts       unix.Timespec
		tsp      *unix.Timespec
	)
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
		tsp = &ts
	}
	for {
		if tsp != nil {
			ts = unix.NsecToTimespec(max(time.Until(deadline), 0).Nanoseconds())
		}
		n, err := unix.Kevent(s.kq, nil, buf[:min(len(events), waitChunk)], tsp)
		if err != nil && err != unix.EINTR {
			return 0, fmt.Errorf("kevent: %w", err)
		}
		out, woken := s.convert(events, buf[:max(n, 0)], closed)
		if out > 0 || woken || timeout == 0 {
			return out, nil
		}
		if timeout > 0 && !time.Now().Before(deadline) {
			return 0, nil
		}
	}
}

// convert turns kevents into one Event per registration, merging the
// filters of one descriptor, and disables one-shot registrations that
// report.
func (s *sysPoller) convert(events []Event, buf []unix.Kevent_t, closed *atomic.Bool) (n int, woken bool) {
	var fds [waitChunk]uintptr
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range buf {
		k := &buf[i]
		if s.wk.is(k) {
			woken = true
			s.wk.consume(s.kq, closed.Load())
			continue
		}
		fd := uintptr(k.Ident)
		r, ok := s.regs[fd]
		if !ok || r.disabled {
			continue // deleted, or a one-shot that reported meanwhile
		}
		ev := readiness(k) & (r.ev | Err | Hup)
		if ev == 0 {
			continue
		}
		j := 0
		for j < n && fds[j] != fd {
			j++
		}
		if j == n {
			fds[n] = fd
			events[n] = Event{Key: r.key}
			n++
		}
		events[j].Events |= ev
	}
	for j := range n {
		r := s.regs[fds[j]]
		if r.ev&Oneshot != 0 {
			r.disabled = true
			s.regs[fds[j]] = r
			s.disable(fds[j], r.filters)
		}
	}
	return n, woken
}

// disable stops the filters of a one-shot registration that reported.
func (s *sysPoller) disable(fd uintptr, set kfilters) {
	for _, f := range [...]kfilters{kRead, kWrite, kExcept} {
		if set&f != 0 {
			filter, fflags := kfilter(f)
			s.change(fd, filter, unix.EV_DISABLE, fflags)
		}
	}
}

// readiness translates one kevent into epoll bits. EV_EOF on the read
// filter is the peer's FIN (RdHup, and In: end of stream is readable); a
// socket error with it (fflags: a reset, a refused connect) is Err and
// Hup, as the connection is gone both ways. EV_EOF on the write filter
// alone is this side's shutdown, which epoll does not report.
func readiness(k *unix.Kevent_t) Events {
	var ev Events
	eof := int(k.Flags)&unix.EV_EOF != 0
	switch {
	case int(k.Filter) == unix.EVFILT_READ:
		ev = In | RdNorm
		if eof {
			ev |= RdHup
		}
	case int(k.Filter) == unix.EVFILT_WRITE:
		ev = Out | WrNorm
	case havePri && int(k.Filter) == exceptFilter:
		ev = Pri
	}
	if eof && k.Fflags != 0 || int(k.Flags)&unix.EV_ERROR != 0 {
		ev |= Err | Hup
	}
	return ev
}

func (s *sysPoller) wake() error { return s.wk.trigger(s.kq) }

func (s *sysPoller) close() error {
	werr := s.wk.close()
	if err := unix.Close(s.kq); err != nil {
		return fmt.Errorf("close kqueue: %w", err)
	}
	return werr
}
