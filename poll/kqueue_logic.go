package poll

// The decisions of the kqueue backend, in plain Go with no system calls so
// that they compile on every platform and are table-tested on Linux
// (kqueue_logic_test.go) against kevents written from the kernels' sources.
// sys_kqueue.go only converts between these records and the system's
// Kevent_t and calls kevent(2).
//
// Sources, cited by file and function below:
//   - XNU (macOS): bsd/kern/uipc_socket.c filt_soread_common,
//     filt_sowrite_common, soexcept_filtops; bsd/kern/kern_event.c
//     knote_fill_kevent_with_sdata, knote_process, kevent_internal.
//   - FreeBSD: sys/kern/uipc_socket.c filt_soread, filt_sowrite;
//     sys/kern/kern_event.c kqueue_register, kqueue_kevent, kqueue_scan.
//   - OpenBSD: sys/kern/uipc_socket.c filt_soread, filt_sowrite,
//     soexcept_filtops.
//   - NetBSD: sys/kern/uipc_socket.c filt_soread, filt_sowrite.
//   - kqueue(2) of each system.

// kfilter names the filters the backend installs, apart from the
// system's numbers.
type kfilter uint8

const (
	kRead   kfilter = iota // EVFILT_READ
	kWrite                 // EVFILT_WRITE
	kExcept                // EVFILT_EXCEPT with NOTE_OOB
	kFilters
)

func (f kfilter) String() string {
	switch f {
	case kRead:
		return "read"
	case kWrite:
		return "write"
	case kExcept:
		return "except"
	}
	return "filter?"
}

// kmode is how one filter of a registration is installed.
type kmode uint8

const (
	kOff   kmode = iota // not installed
	kLevel              // level-triggered: in every scan while its condition holds
	kClear              // EV_CLEAR: reported once per change of its state
	// kSentinel is EV_CLEAR with NOTE_LOWAT at sentinelLowat: a low-water
	// mark no buffer reaches, so that the filter fires for the end of the
	// stream (EV_EOF) and for socket errors, not for data or room. It
	// watches a direction the interest does not ask for, to learn that it
	// was shut down (for Hup and RdHup), without firing over and over for
	// data that would then be masked away. XNU bounds the mark by the
	// buffer's high-water mark (filt_soread_common, filt_sowrite_common),
	// so there it also fires when a buffer is full (read) or empty
	// (write); EV_CLEAR makes that once per change, never a loop.
	kSentinel
)

func (m kmode) String() string {
	return [...]string{"off", "level", "clear", "sentinel"}[m]
}

// clears reports whether the mode installs the filter with EV_CLEAR. A
// filter keeps EV_CLEAR from its creation (FreeBSD kqueue_register copies
// only fflags and data into an existing knote): changing it takes
// EV_DELETE and EV_ADD.
func (m kmode) clears() bool { return m == kClear || m == kSentinel }

// sentinelLowat is the low-water mark of a sentinel filter: more bytes
// than a socket buffer holds, and positive in a 32-bit field (a kevent's
// data is 64 bits in golang.org/x/sys on every system, as kn_sdata is in
// each kernel).
const sentinelLowat = 1<<31 - 1

// kplan is the mode of each filter of a registration.
type kplan [kFilters]kmode

// ktraits is what differs between the kqueues of the systems.
type ktraits struct {
	// except: EVFILT_EXCEPT with NOTE_OOB exists (macOS, OpenBSD); Pri
	// is never reported without it.
	except bool
	// exceptIsRead: the except filter runs the read filter's event
	// function (XNU: soexcept_filtops has .f_event = filt_soread), so it
	// fires for data, the end of the stream and errors as well, and sets
	// NOTE_OOB only for out-of-band data. A level-triggered knote keeps
	// NOTE_OOB in its fflags once set (XNU kern_event.c
	// knote_fill_kevent_with_sdata clears kn_fflags only for EV_CLEAR),
	// so the filter is installed with EV_CLEAR there. OpenBSD's
	// filt_soread, given NOTE_OOB, looks at nothing but the mark.
	exceptIsRead bool
	// receipt: EV_RECEIPT exists, so that a batch of changes reports the
	// error of each change, in order, in the event list, and returns
	// without taking events: once a receipt is written no scan follows
	// (FreeBSD kern_event.c kqueue_kevent, OpenBSD sys_kevent, XNU
	// kevent_internal). Without it (NetBSD in golang.org/x/sys) a failing
	// change with no room for events ends the call, leaving the changes
	// after it unapplied, and room for events would let the call take
	// events from the waiters: so changes go one per call.
	receipt bool
}

// kshut is what the backend has seen of a socket's directions being shut
// down: EV_EOF on the read filter (SBS_CANTRCVMORE / SS_CANTRCVMORE) or
// on the write filter (SBS_CANTSENDMORE / SS_CANTSENDMORE). Neither is
// ever undone for a socket, so they are remembered: the two filters'
// events need not come in the same scan to make Hup.
type kshut uint8

const (
	kReadShut kshut = 1 << iota
	kWriteShut
	kBothShut = kReadShut | kWriteShut
)

// kstate is the state of a registration.
type kstate uint8

const (
	kArmed kstate = iota // its filters are enabled
	kFired               // a Oneshot that reported: its filters are disabled until Modify
)

// kreg is one registration and what the kernel holds for it.
type kreg struct {
	key   uint64
	ev    Events
	dgram bool   // a datagram socket (SO_TYPE, asked when ev has WrBand): Out comes with WrBand
	shut  kshut  // directions seen shut down
	state kstate //
	plan  kplan  // the filters in the kernel
	tag   uint32 // the udata of its filters, new with each Add and Modify (see kscan)
}

// kev is one kevent as the backend reads it, converted from the system's
// Kevent_t.
type kev struct {
	ident  uintptr
	filter kfilter
	eof    bool   // EV_EOF
	err    uint32 // with eof: fflags, the socket error (so_error) when the filter ran; 0 without eof
	oob    bool   // except filter, without eof: fflags has NOTE_OOB
	tag    uint32 // udata: the tag of the registration that installed the filter
}

// kop is what one change does to a filter.
type kop uint8

const (
	kAdd     kop = iota // EV_ADD|EV_ENABLE, with the flags of its mode
	kDelete             // EV_DELETE
	kDisable            // EV_DISABLE
	kEnable             // EV_ENABLE: without EV_ADD, ENOENT tells that the descriptor was closed
)

// kchange is one change to send to the kqueue. Every change carries the
// fflags and data of its mode: FreeBSD kqueue_register stores them into
// an existing knote on every change, EV_ENABLE and EV_DISABLE included.
type kchange struct {
	ident  uintptr
	filter kfilter
	op     kop
	mode   kmode
	tag    uint32 // udata (kreg.tag): every change but EV_DELETE stores it in the knote
	probe  bool   // made by kprobe: failing with ENOENT, it tells that the descriptor was closed
}

// kplanFor returns the filters a registration for ev holds, for a socket
// whose shut-down directions are shut. The rule: no filter may fire in
// every scan for a state that the interest masks away, or Wait would go
// back to the kernel in a loop with nothing to report.
//
//   - read: In or RdNorm watch it; without them it is a sentinel, for
//     RdHup and for Hup, and because every registration needs its read
//     filter (Add probes it to find registrations whose descriptor was
//     closed). A level registration turns its sentinel into a
//     level-triggered filter once the end of the stream makes a bit it
//     reports for good (RdHup asked, or both directions shut: Hup), so
//     that this bit comes on every Wait as with epoll.
//   - write: Out, WrNorm, and WrBand of a datagram socket (where Linux
//     reports it with Out) watch it; otherwise it is a sentinel, for Hup.
//   - except: Pri, where the system has the filter.
func kplanFor(ev Events, dgram bool, shut kshut, t ktraits) kplan {
	edge := ev&Edge != 0
	on := kLevel
	if edge {
		on = kClear
	}
	var p kplan
	switch {
	case ev&(In|RdNorm) != 0:
		p[kRead] = on
	case !edge && shut&kReadShut != 0 && (ev&RdHup != 0 || shut == kBothShut):
		p[kRead] = kLevel
	default:
		p[kRead] = kSentinel
	}
	if ev&(Out|WrNorm) != 0 || dgram && ev&WrBand != 0 {
		p[kWrite] = on
	} else {
		p[kWrite] = kSentinel
	}
	if ev&Pri != 0 && t.except {
		p[kExcept] = on
		if t.exceptIsRead {
			p[kExcept] = kClear
		}
	}
	return p
}

// kinstall appends the changes that take the filters of fd from old
// to new. touch re-adds the filters that stay as they are, for Modify:
// EV_ADD on an existing knote evaluates it again (FreeBSD kqueue_register
// calls f_event; XNU's f_touch, filt_sortouch, returns whether it fired),
// so a socket that is ready is reported at once, as after EPOLL_CTL_MOD,
// and EV_ENABLE re-arms a Oneshot that fired.
func kinstall(dst []kchange, fd uintptr, tag uint32, old, new kplan, touch bool) []kchange {
	for f := range kFilters {
		o, n := old[f], new[f]
		del := kchange{ident: fd, filter: f, op: kDelete, mode: o}
		add := kchange{ident: fd, filter: f, op: kAdd, mode: n, tag: tag}
		switch {
		case n == kOff:
			if o != kOff {
				dst = append(dst, del)
			}
		case o == kOff:
			dst = append(dst, add)
		case o.clears() != n.clears():
			dst = append(dst, del, add)
		case o != n || touch:
			dst = append(dst, add)
		}
	}
	return dst
}

// kmodify returns the one batch of changes for Modify of r to the
// plan p. It starts with a probe of the read filter (EV_ENABLE or
// EV_DISABLE as it stands, without EV_ADD): should the descriptor have
// been closed and its number reused since r was registered, the probe
// fails with ENOENT and the caller undoes the additions that went to the
// new file (see sysPoller.modify).
func kmodify(dst []kchange, fd uintptr, r kreg, p kplan) []kchange {
	dst = append(dst, kprobe(fd, r))
	return kinstall(dst, fd, r.tag, r.plan, p, true)
}

// kprobe is a change that leaves the read filter of r as it is and
// fails with ENOENT if it is gone: its descriptor was closed (closing
// drops its knotes; kqueue(2)).
func kprobe(fd uintptr, r kreg) kchange {
	op := kEnable
	if r.state == kFired {
		op = kDisable
	}
	return kchange{ident: fd, filter: kRead, op: op, mode: r.plan[kRead], tag: r.tag, probe: true}
}

// kres is how the kernel took one change.
type kres uint8

const (
	kOK   kres = iota
	kGone      // ENOENT or EBADF: no such filter, or no such descriptor
	kFail      // any other error
)

// kundoGone appends to dst what undoes, in a batch of changes the kernel
// took as res says, the changes of descriptors found closed: a probe
// (kprobe) that failed with kGone tells that the descriptor of its
// registration was closed, and the filters that the changes after it, up
// to the next probe, added for that descriptor went to the file that has
// the number now, if any: they are deleted. gone is called with each
// such descriptor, whose registration is no more.
func kundoGone(dst []kchange, changes []kchange, res []kres, gone func(fd uintptr)) []kchange {
	for i := 0; i < len(changes); i++ {
		p := changes[i]
		if !p.probe || res[i] != kGone {
			continue
		}
		gone(p.ident)
		for i+1 < len(changes) && !changes[i+1].probe {
			i++
			if c := changes[i]; c.ident == p.ident && c.op == kAdd && res[i] == kOK {
				dst = append(dst, kchange{ident: c.ident, filter: c.filter, op: kDelete, mode: c.mode})
			}
		}
	}
	return dst
}

// kdelete appends the deletion of every filter of a plan.
func kdelete(dst []kchange, fd uintptr, p kplan) []kchange {
	for f := range kFilters {
		if p[f] != kOff {
			dst = append(dst, kchange{ident: fd, filter: f, op: kDelete, mode: p[f]})
		}
	}
	return dst
}

// kdisable appends the disabling of every filter of a plan (a
// Oneshot that reported).
func kdisable(dst []kchange, fd uintptr, tag uint32, p kplan) []kchange {
	for f := range kFilters {
		if p[f] != kOff {
			dst = append(dst, kchange{ident: fd, filter: f, op: kDisable, mode: p[f], tag: tag})
		}
	}
	return dst
}

// kscan is what the backend makes of the kevents of one descriptor from
// one scan, for its registration r: the Events to report (0 for none,
// kcombine) and, appended to dst, the changes the report calls for: the
// filters of a one-shot that reported are disabled, and a sentinel whose
// end of stream now makes a lasting bit becomes level-triggered
// (kplanFor), after a probe (kprobe).
//
// Only the kevents with the tag of r are of r. The others were taken
// from the kernel before r replaced their registration and are dropped
// (evs is filtered in place): an Add of a new socket that got the number
// of one closed meanwhile (its end of stream would otherwise stay with
// the new socket for good), or a Modify (a one-shot would be spent on a
// report of the interest before it; what is still ready is queued again
// with the new tag, as the Modify's EV_ADD evaluates every filter).
func kscan(dst []kchange, fd uintptr, r *kreg, evs []kev, t ktraits) ([]kchange, Events) {
	if r.state == kFired {
		return dst, 0 // a one-shot that reported meanwhile
	}
	live := evs[:0]
	for _, k := range evs {
		if k.tag == r.tag {
			live = append(live, k)
		}
	}
	if len(live) == 0 {
		return dst, 0
	}
	ev := kcombine(r, live)
	if ev != 0 && r.ev&Oneshot != 0 {
		r.state = kFired
		dst = kdisable(dst, fd, r.tag, r.plan)
	}
	if r.state == kArmed {
		if p := kplanFor(r.ev, r.dgram, r.shut, t); p != r.plan {
			// The socket may have been closed since the scan, and
			// its number given to another: the probe tells, and
			// the caller undoes the rest (kundoGone).
			dst = append(dst, kprobe(fd, *r))
			dst = kinstall(dst, fd, r.tag, r.plan, p, false)
			r.plan = p
		}
	}
	return dst, ev
}

// kcombine turns the kevents of one descriptor from one scan into the
// Events of its registration, the way Linux's tcp_poll and datagram_poll
// derive them, and records in r the directions seen shut:
//
//   - read filter: In|RdNorm (data, a connection to accept, or the end of
//     the stream, which reads as 0 bytes). EV_EOF is the read side shut
//     (the peer's FIN, or a reset): RdHup.
//   - write filter: Out|WrNorm, and WrBand for a datagram socket
//     (datagram_poll: sock_writeable). EV_EOF is the write side shut:
//     still Out|WrNorm, as tcp_poll reports after SEND_SHUTDOWN.
//   - except filter: Pri when NOTE_OOB is set; on XNU it also fires for
//     what the read filter fires for, which adds nothing here but EV_EOF
//     (the receive buffer's end of stream).
//   - with EV_EOF, fflags is the socket error at that moment (so_error:
//     every filt_soread/filt_sowrite above): Err.
//   - Hup when both directions are shut (tcp_poll: sk_shutdown ==
//     SHUTDOWN_MASK), remembered across scans. An error with EV_EOF is a
//     connection dropped (a reset, a refused connect, a timeout: tcp_drop
//     shuts both directions at once, soisdisconnected), so it counts as
//     both directions shut even when the other filter is not in this scan;
//     Hup then stays after the error was read with SO_ERROR.
//
// Directions that were shut are states, not events: once seen, their
// bits (In|RdNorm|RdHup, Out|WrNorm) come with every report of the
// registration, as epoll reports every ready bit of the interest. What a
// kevent cannot tell is not reported: a socket error without EV_EOF (an
// ICMP error on a connected UDP socket) fires the filters as readable and
// writable, without Err.
//
// The result is masked with the interest plus Err and Hup; 0 means
// nothing to report.
func kcombine(r *kreg, evs []kev) Events {
	var ev Events
	shut := r.shut
	failed := false
	for _, k := range evs {
		switch k.filter {
		case kRead:
			ev |= In | RdNorm
			if k.eof {
				shut |= kReadShut
			}
		case kWrite:
			ev |= Out | WrNorm
			if k.eof {
				shut |= kWriteShut
			}
		case kExcept:
			if k.oob {
				ev |= Pri
			}
			if k.eof {
				shut |= kReadShut
			}
		}
		if k.eof && k.err != 0 {
			failed = true
		}
	}
	if failed {
		ev |= Err
		shut = kBothShut
	}
	if shut&kReadShut != 0 {
		ev |= In | RdNorm | RdHup
	}
	if shut&kWriteShut != 0 {
		ev |= Out | WrNorm
	}
	if ev&Out != 0 && r.dgram {
		ev |= WrBand
	}
	if shut == kBothShut {
		ev |= Hup
	}
	r.shut = shut
	return ev & (r.ev | Err | Hup)
}
