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
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysPoller is the kqueue backend of the BSDs and macOS. What it decides
// (the filters of an interest, how the kevents of a descriptor make
// Events, what a Modify changes) is in kqueue_logic.go, plain Go tested
// on every platform; this file converts those records to and from
// Kevent_t and calls kevent(2).
//
// The registrations are kept in a map, under a mutex, for the keys
// (kevent's udata is not a portable place for 64 bits), for ErrExist and
// ErrNotExist, for the directions seen shut down, and for one-shot mode,
// which is done here rather than by the kernel so that a registration
// with several filters reports once in all.
type sysPoller struct {
	kq int
	wk kqWake

	mu     sync.Mutex
	regs   map[uintptr]kreg
	tags   uint32 // the last tag given to a registration (kreg.tag)
	failed error  // a change made by a Wait that reported events failed: the next Wait returns it
}

// kqTags gives tags their udata where a kevent's udata is a pointer
// (macOS, FreeBSD, OpenBSD): the address of one of its bytes, which the
// garbage collector does not manage (an integer in a pointer field could
// look like a pointer into its heap). NetBSD's udata is an integer.
var kqTags [1 << 16]byte

// nextTag returns a tag for a registration being added or modified:
// 1 to len(kqTags)-1, in turn. Two tags of one descriptor are equal only
// if that many Adds and Modifies come between a scan and its processing.
func (s *sysPoller) nextTag() uint32 {
	s.tags = s.tags%(uint32(len(kqTags))-1) + 1
	return s.tags
}

// setTag stores tag in the udata of k.
func setTag(k *unix.Kevent_t, tag uint32) {
	switch u := any(&k.Udata).(type) {
	case **byte:
		*u = &kqTags[tag%uint32(len(kqTags))]
	case *int64:
		*u = int64(tag)
	case *int32:
		*u = int32(tag)
	}
}

// tagOf returns the tag in the udata of k; 0 (no registration's) for a
// udata that is not one.
func tagOf(k *unix.Kevent_t) uint32 {
	switch u := any(k.Udata).(type) {
	case *byte:
		i := uintptr(unsafe.Pointer(u)) - uintptr(unsafe.Pointer(&kqTags[0]))
		if u == nil || i >= uintptr(len(kqTags)) {
			return 0
		}
		return uint32(i)
	case int64:
		return uint32(u)
	case int32:
		return uint32(u)
	}
	return 0
}

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

// toKevent converts a change. Every change carries the fflags and data of
// its mode (see kchange).
func toKevent(c kchange) unix.Kevent_t {
	var (
		k      unix.Kevent_t
		filter int
		flags  int
		fflags uint32
		data   int64
	)
	switch c.filter {
	case kRead:
		filter = unix.EVFILT_READ
	case kWrite:
		filter = unix.EVFILT_WRITE
	default:
		filter, fflags = exceptFilter, exceptFflags
	}
	switch c.op {
	case kAdd:
		flags = unix.EV_ADD | unix.EV_ENABLE
	case kDelete:
		flags = unix.EV_DELETE
	case kDisable:
		flags = unix.EV_DISABLE
	case kEnable:
		flags = unix.EV_ENABLE
	}
	if c.mode.clears() {
		flags |= unix.EV_CLEAR
	}
	if c.mode == kSentinel {
		fflags |= unix.NOTE_LOWAT
		data = sentinelLowat
	}
	if kqTraits.receipt {
		flags |= evReceipt
	}
	unix.SetKevent(&k, int(c.ident), filter, flags)
	k.Fflags = fflags
	k.Data = data
	setTag(&k, c.tag)
	return k
}

// fromKevent converts a kevent of a descriptor; ok is false for a filter
// the backend does not install.
func fromKevent(k *unix.Kevent_t) (e kev, ok bool) {
	switch {
	case int(k.Filter) == unix.EVFILT_READ:
		e.filter = kRead
	case int(k.Filter) == unix.EVFILT_WRITE:
		e.filter = kWrite
	case havePri && int(k.Filter) == exceptFilter:
		e.filter = kExcept
	default:
		return e, false
	}
	e.ident = uintptr(k.Ident)
	e.tag = tagOf(k)
	e.eof = int(k.Flags)&unix.EV_EOF != 0
	if e.eof {
		e.err = k.Fflags // so_error, assigned over NOTE_OOB on XNU's except filter
	} else if e.filter == kExcept {
		e.oob = k.Fflags&exceptFflags != 0
	}
	return e, true
}

// applyChunk is how many changes one kevent call takes at most.
const applyChunk = 16

// apply sends changes to the kqueue, in one call per applyChunk where the
// system has EV_RECEIPT and one per change elsewhere, and stores the
// error of each change in errs (if errs is not nil; it has room for every
// change). It returns the first error.
//
// Each change gets room for its receipt: FreeBSD's kqueue_kevent and
// OpenBSD's sys_kevent end the call at a receipt (or an error) with no
// room, the changes after it unapplied, and XNU's kevent_internal turns
// the error into the call's. No call here waits: with receipts written no
// scan follows (kqueue_kevent, sys_kevent, kevent_internal), and a scan
// for no events returns at once (NetBSD kqueue_scan). So EINTR, which
// only a scan returns, after every change was registered (FreeBSD's
// kqueue(2) says so; XNU's and OpenBSD's sources do it), is not expected;
// should it come, it is not retried: applying the changes again would fail
// an EV_DELETE with ENOENT.
func (s *sysPoller) apply(changes []kchange, errs []error) error {
	var first error
	set := func(i int, err error) {
		if errs != nil {
			errs[i] = err
		}
		if first == nil {
			first = err
		}
	}
	if !kqTraits.receipt {
		for i, c := range changes {
			k := [1]unix.Kevent_t{toKevent(c)}
			_, err := unix.Kevent(s.kq, k[:], nil, nil)
			if err == unix.EINTR {
				err = nil
			}
			set(i, err)
		}
		return first
	}
	var in, out [applyChunk]unix.Kevent_t
	var zero unix.Timespec // the receipts fill the event list: nothing to wait for
	for base := 0; base < len(changes); base += applyChunk {
		batch := changes[base:min(base+applyChunk, len(changes))]
		for i, c := range batch {
			in[i] = toKevent(c)
		}
		n, err := unix.Kevent(s.kq, in[:len(batch)], out[:len(batch)], &zero)
		switch {
		case err == unix.EINTR:
			n = 0 // applied; the receipts are lost
		case err != nil:
			for i := range batch {
				set(base+i, err)
			}
			continue
		}
		// One receipt per change, in the order of the changes
		// (EV_ERROR, with data 0 on success).
		for i := range batch {
			var err error
			if i < n && int(out[i].Flags)&unix.EV_ERROR != 0 && out[i].Data != 0 {
				err = unix.Errno(out[i].Data)
			}
			set(base+i, err)
		}
	}
	return first
}

// closedErr reports whether a change failed because the descriptor was
// closed: closing drops its knotes (kqueue(2)), and a number not open is
// EBADF.
func closedErr(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EBADF)
}

// isDgram reports whether fd is a datagram socket (for WrBand). A
// descriptor that is not a socket is not one; a bad one fails later, in
// kevent.
func isDgram(fd uintptr) bool {
	t, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TYPE)
	return err == nil && t == unix.SOCK_DGRAM
}

// maxChanges is the most changes one registration takes at once: a probe
// and, per filter, a deletion and an addition.
const maxChanges = 1 + 2*int(kFilters)

func (s *sysPoller) add(fd uintptr, key uint64, ev Events) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fd > math.MaxInt32 {
		return unix.EBADF // not a descriptor; int(fd) would name another
	}
	if s.wk.owns(fd) {
		return fs.ErrExist
	}
	var (
		buf  [maxChanges]kchange
		errs [maxChanges]error
	)
	if r, ok := s.regs[fd]; ok {
		// The descriptor may have been closed, which dropped its
		// filters, and its number reused.
		probe := append(buf[:0], kprobe(fd, r))
		if err := s.apply(probe, nil); !closedErr(err) {
			if err != nil {
				return err
			}
			return fs.ErrExist
		}
		delete(s.regs, fd)
	}
	r := kreg{key: key, ev: ev, tag: s.nextTag()}
	if ev&WrBand != 0 {
		r.dgram = isDgram(fd)
	}
	p := kplanFor(ev, r.dgram, r.shut, kqTraits)
	changes := kinstall(buf[:0], fd, r.tag, kplan{}, p, false)
	if err := s.apply(changes, errs[:len(changes)]); err != nil {
		s.undo(changes, errs[:len(changes)])
		return err
	}
	r.plan = p
	s.regs[fd] = r
	return nil
}

// undo deletes the filters that changes added, as errs says.
func (s *sysPoller) undo(changes []kchange, errs []error) {
	var buf [maxChanges]kchange
	undo := buf[:0]
	for i := range changes {
		if c := changes[i]; c.op == kAdd && errs[i] == nil {
			undo = append(undo, kchange{ident: c.ident, filter: c.filter, op: kDelete, mode: c.mode})
		}
	}
	s.apply(undo, nil) // best effort: the registration is given up
}

func (s *sysPoller) modify(fd uintptr, key uint64, ev Events) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.regs[fd]
	if !ok {
		return fs.ErrNotExist
	}
	if ev&WrBand != 0 && r.ev&WrBand == 0 {
		r.dgram = isDgram(fd)
	}
	p := kplanFor(ev, r.dgram, r.shut, kqTraits)
	var (
		buf  [maxChanges]kchange
		errs [maxChanges]error
	)
	r.tag = s.nextTag() // kevents taken before the change are of the old interest: kscan drops them
	changes := kmodify(buf[:0], fd, r, p)
	err := s.apply(changes, errs[:len(changes)])
	if s.settle(changes, errs[:len(changes)]) {
		// Closed since it was registered (the probe failed): what
		// was added went to the file that has the number now, if
		// any, and is deleted again.
		return fs.ErrNotExist
	}
	if err != nil {
		// A filter could not be changed on a live socket: the
		// registration is half old, half new. Give it up whole.
		delete(s.regs, fd)
		var del [maxChanges]kchange
		s.apply(kdelete(del[:0], fd, p), nil)
		return err
	}
	r.key, r.ev, r.state, r.plan = key, ev, kArmed, p
	s.regs[fd] = r
	return nil
}

func (s *sysPoller) delete(fd uintptr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.regs[fd]
	if !ok {
		return fs.ErrNotExist
	}
	delete(s.regs, fd)
	var buf [maxChanges]kchange
	if err := s.apply(kdelete(buf[:0], fd, r.plan), nil); err != nil {
		if closedErr(err) {
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
	if err := s.takeFailure(); err != nil {
		return 0, err
	}
	for {
		if tsp != nil {
			ts = unix.NsecToTimespec(max(time.Until(deadline), 0).Nanoseconds())
		}
		// No changes in this call: EINTR retries nothing twice.
		n, err := unix.Kevent(s.kq, nil, buf[:min(len(events), waitChunk)], tsp)
		if err != nil && err != unix.EINTR {
			return 0, fmt.Errorf("kevent: %w", err)
		}
		out, woken, err := s.convert(events, buf[:max(n, 0)], closed)
		if err != nil {
			return 0, err
		}
		if out > 0 || woken || timeout == 0 {
			return out, nil
		}
		if timeout > 0 && !time.Now().Before(deadline) {
			return 0, nil
		}
	}
}

// convert turns kevents into one Event per registration (kscan), then
// sends in one batch what the reports change: the filters of one-shot
// registrations that reported are disabled, and sentinels whose end of
// stream now makes a lasting bit become level-triggered (kplanFor).
func (s *sysPoller) convert(events []Event, buf []unix.Kevent_t, closed *atomic.Bool) (n int, woken bool, err error) {
	var (
		ks      [waitChunk]kev
		m       int
		changes [waitChunk * int(kFilters) * 2]kchange
	)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range buf {
		if s.wk.is(&buf[i]) {
			woken = true
			s.wk.consume(s.kq, closed.Load())
			continue
		}
		if k, ok := fromKevent(&buf[i]); ok {
			// Insertion sort by descriptor: its kevents in a row.
			j := m
			for j > 0 && ks[j-1].ident > k.ident {
				ks[j] = ks[j-1]
				j--
			}
			ks[j] = k
			m++
		}
	}
	nc := changes[:0]
	for i := 0; i < m; {
		fd := ks[i].ident
		j := i + 1
		for j < m && ks[j].ident == fd {
			j++
		}
		group := ks[i:j]
		i = j
		r, ok := s.regs[fd]
		if !ok {
			continue // deleted meanwhile
		}
		var ev Events
		nc, ev = kscan(nc, fd, &r, group, kqTraits)
		if ev != 0 {
			events[n] = Event{Events: ev, Key: r.key}
			n++
		}
		s.regs[fd] = r
	}
	if len(nc) == 0 {
		return n, woken, nil
	}
	if err := s.applyScan(nc); err != nil {
		// The events go out first (a one-shot's report is not lost),
		// the error with the next Wait.
		err = fmt.Errorf("kevent: %w", err)
		if n == 0 {
			return 0, woken, err
		}
		s.failed = err
	}
	return n, woken, nil
}

// applyScan applies the changes that a scan's reports call for. A
// descriptor closed meanwhile took its filters with it, and a probe that
// finds it so, its registration (settle); any other failure leaves a
// registration unlike its plan, and the first is returned.
func (s *sysPoller) applyScan(changes []kchange) error {
	var errs [waitChunk * int(kFilters) * 2]error
	s.apply(changes, errs[:len(changes)])
	s.settle(changes, errs[:len(changes)])
	for _, err := range errs[:len(changes)] {
		if err != nil && !closedErr(err) {
			return err
		}
	}
	return nil
}

// settle follows the apply of a batch of changes whose errors are errs.
// A probe that failed because its descriptor was closed (kprobe) tells
// that the registration is no more: it is dropped, and the filters that
// the changes after the probe added went to the file that has the number
// now, if any, and are deleted again (kundoGone). It reports whether a
// registration was dropped.
func (s *sysPoller) settle(changes []kchange, errs []error) bool {
	for i, c := range changes {
		if c.probe && closedErr(errs[i]) {
			s.settleGone(changes, errs)
			return true
		}
	}
	return false
}

func (s *sysPoller) settleGone(changes []kchange, errs []error) {
	var (
		res  [waitChunk * int(kFilters) * 2]kres
		undo [waitChunk * int(kFilters) * 2]kchange
	)
	for i, err := range errs {
		switch {
		case err == nil:
			res[i] = kOK
		case closedErr(err):
			res[i] = kGone
		default:
			res[i] = kFail
		}
	}
	u := kundoGone(undo[:0], changes, res[:len(changes)], func(fd uintptr) { delete(s.regs, fd) })
	s.apply(u, nil) // best effort: the registrations are given up
}

// takeFailure returns, once, the error a previous Wait kept back.
func (s *sysPoller) takeFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.failed
	s.failed = nil
	return err
}

func (s *sysPoller) wake() error { return s.wk.trigger(s.kq) }

func (s *sysPoller) close() error {
	werr := s.wk.close()
	if err := unix.Close(s.kq); err != nil {
		return fmt.Errorf("close kqueue: %w", err)
	}
	return werr
}
