// Package poll reports socket readiness with the semantics of Linux
// epoll(7), on Linux, Windows, macOS and the BSDs.
//
// On Linux the Poller is epoll itself. On Windows it drives the
// \Device\Afd driver below Winsock (see package afd), the technique of
// wepoll, libuv and mio, and makes it behave like epoll. On macOS,
// FreeBSD, NetBSD and OpenBSD it is kqueue. The event bits have epoll's
// values everywhere, and one conformance suite (this package's tests)
// holds every backend to what Linux does.
//
//	p, _ := poll.New()
//	p.Add(fd, key, poll.In|poll.RdHup)   // fd: a socket (a SOCKET handle on Windows)
//	events := make([]poll.Event, 128)
//	n, _ := p.Wait(events, -1)           // events[:n] are ready: {Events, Key}
//
// # Modes
//
// A registration is in one of three modes, chosen with the flags in its
// events:
//
//   - Level-triggered (no flag): reported on every Wait while the socket
//     is ready for something the registration asks for.
//   - Oneshot: reported once, then disabled, Err and Hup included, until
//     Modify re-arms it (with the same or other events and key). Modify
//     reports at once if the socket is ready. Several goroutines waiting
//     on one Poller each get a different one-shot event: this is the mode
//     for spreading sockets over waiters.
//   - Edge: reported once per transition to ready: an idle writable
//     socket is reported once, not on every Wait; new data is reported
//     again. The portable rule is epoll's: after an edge, read (or write)
//     until the call would block, then call Rearm; an edge is guaranteed
//     for readiness that comes after that. Linux reports more: every
//     arrival of data, drained or not. And on every edge Linux reports
//     all the bits of the interest that are ready then, not only the one
//     that changed (new data on an Edge|In|Out socket gives In|Out).
//
// Edge|Oneshot is allowed, as in epoll: one edge, then disabled until
// Modify.
//
// # Bits
//
// In (0x1), Pri (0x2), Out (0x4), RdNorm (0x40), RdBand (0x80), WrNorm
// (0x100), WrBand (0x200), Msg (0x400) and RdHup (0x2000) can be asked
// for; Err (0x8) and Hup (0x10) are reported whether asked for or not
// (asking for them is allowed and changes nothing). A Wait reports the
// bits of the socket's state that the registration asks for, plus Err
// and Hup. Any other bit in Add or Modify is an error (ErrInvalidEvents),
// not masked silently; so are the epoll flags this package does not
// offer (EPOLLEXCLUSIVE, EPOLLWAKEUP). RdNorm and WrNorm are reported
// with In and Out when asked for; WrBand with Out for UDP sockets only;
// RdBand and Msg never, for TCP and UDP.
//
// # What Linux reports
//
// Measured on Linux 6.18 over loopback, level-triggered, and asserted by
// TestReadiness on every platform (run it with -v to print the table).
// Interest is In|Pri|Out|RdHup unless said otherwise.
//
//	situation                               interest   events
//	connected, idle                                    Out
//	connected, send buffer full                        (nothing)
//	data to read                                       In|Out
//	data to read                            In         In
//	out-of-band byte only                              Pri|Out (no In)
//	data and an out-of-band byte                       In|Pri|Out
//	peer shut down writing (FIN)                       In|Out|RdHup
//	peer FIN                                In|Out     In|Out
//	this side shut down writing                        Out
//	both sides shut down writing                       In|Out|Hup|RdHup
//	both sides shut down writing            0          Hup
//	peer reset (RST)                                   In|Out|Err|Hup|RdHup
//	peer reset                              In         In|Err|Hup
//	peer reset                              0          Err|Hup
//	peer reset, after reading SO_ERROR                 In|Out|Hup|RdHup
//	connect refused                                    In|Out|Err|Hup|RdHup
//	connect refused                         In         In|Err|Hup
//	connect refused                         Out        Out|Err|Hup
//	connect refused                         0          Err|Hup
//	connect refused, after reading SO_ERROR            In|Out|Hup|RdHup
//	connect succeeded (accepted or not)                Out
//	listener with a connection to accept               In
//	listener, idle                                     (nothing)
//	UDP socket, idle                                   Out
//	UDP socket with a datagram                         In|Out
//	TCP socket neither connected nor listening         Out|Hup (Linux only; not in the suite)
//
// With every bit asked for, In comes with RdNorm, Out with WrNorm (and
// WrBand for UDP). A refused connect wakes readers and writers alike; the
// error itself is read with SO_ERROR, which clears Err. After a reset,
// reading returns end of stream (0 bytes) once SO_ERROR has been read.
// IPv4 and IPv6 behave the same.
//
// # Sockets that are closed
//
// A socket closed while registered is removed from the Poller by the
// close itself, silently: no event for it, no need (and no way) to Delete
// it. Its handle value may be reused by a new socket at once; Add of the
// new socket works and only its own key is reported. (On Linux this holds
// when the closed descriptor was the last reference to the socket: epoll
// watches the open file, not the descriptor.) Events collected by a Wait
// that ran concurrently with the close may still carry the old key, as
// with epoll. A Poller made with DeleteBeforeClose is for callers that
// Delete every socket before closing it (an event loop that owns its
// sockets); it saves, on Windows, what this guarantee costs.
//
// # Keys and errors
//
// The key is any uint64 except ReservedKey, which the Linux backend uses
// for its wake-up (epoll hands back nothing but the key). Several
// sockets may share a key.
//
// Errors match with errors.Is: ErrClosed (which matches net.ErrClosed)
// for any call after Close and for a Wait blocked when Close was called;
// ErrInvalidEvents and ErrInvalidKey for bad arguments; fs.ErrInvalid for
// Wait with an empty slice; fs.ErrExist for Add of a registered socket;
// fs.ErrNotExist for Modify or Delete of an unknown one; the OS error for
// a bad handle (EBADF; WSAENOTSOCK on Windows, also for handles that are
// not sockets; Linux refuses regular files with EPERM). The checks come
// in that order: a closed Poller first, then the arguments, then the
// backend. Every error names the call and the handle ("poll: add fd 7:
// ..."). Wait fails with the system's error when polling fails for a
// reason other than a closed socket (see Windows below). Modify and Delete of a handle that is not open give EBADF on
// Linux, which checks the descriptor first, and fs.ErrNotExist on the
// other systems, which look it up in their own table.
//
// # Concurrency
//
// All methods are safe for concurrent use. Add, Modify and Delete take
// effect at once, also for a Wait blocked in another goroutine; no Wait
// that starts after Delete returns reports the socket. Wake makes one
// blocked Wait return (the next one, if none is blocked); Close makes all
// of them return and waits for every call in flight to return before it
// releases the Poller. Wait never returns early without an event or a
// wake-up, and rounds its timeout up to what the system can wait for. In
// steady state neither Wait nor Modify allocates.
//
// # Windows
//
// Windows has no readiness API of its own. The backend issues
// IOCTL_AFD_POLL requests to the AFD driver (package afd) and dequeues
// their completions from an I/O completion port of its own (package
// iocp), as wepoll, libuv and mio do:
//
//   - Sockets are spread over poll groups: AFD device handles of 32
//     sockets each, because cancelling a poll scans every poll pending on
//     its device.
//   - Every AFD poll the backend issues (a group's, a socket's own, a
//     close watch) has a state: idle, pending, cancelling. The Poller
//     holds the request of every poll in flight, which the driver writes
//     into, until its completion is dequeued.
//   - A group has one readiness poll in flight, naming every member that
//     wants events. When
//     it completes, every member it reports is processed, and the group is
//     polled again at the next Wait: events found together share one
//     ioctl, one result and one dequeue. A completion is mapped back to its
//     sockets through the list the poll was built from, never through the
//     table of handles, whose values the system reuses. Add, Modify and
//     Rearm keep a pending poll that covers the new interest (what it
//     reports beyond is filtered); a socket whose new interest it does not
//     cover is polled on its own, with a one-handle poll, until the
//     group's poll is next submitted and takes it in. Once four members of
//     a group are polled on their own, the group's poll is cancelled and
//     submitted again naming them all: under Wine a burst of traffic from
//     sockets on polls of their own completes one poll per socket, each
//     with a result to fetch, which the wine server cannot keep up with.
//     With no poll pending the group is queued. Queued groups are polled
//     at the start of the next Wait, and a Wait that is blocked is told to
//     do so at once. A Wait never blocks while a group waits for its poll.
//   - Each socket has a poll of its own that asks for nothing but
//     AFD_POLL_LOCAL_CLOSE and stays pending until the socket is closed:
//     closing a registered socket completes it, the socket is dropped
//     silently, and a new socket that gets the same handle value at once
//     can be added (wepoll #34). Delete leaves it pending too, to complete
//     when the caller closes the socket: a cancellation costs Wine's
//     server a walk over every pending request of the process. Deleted
//     sockets kept open have their polls cancelled once a group has more
//     than 32 of them. It cannot be shared by a group: a socket closing
//     completes every poll that names it, leaving the other sockets of
//     the poll unwatched until it is submitted again, so that a burst of
//     closes without Delete would go unseen. A Poller made with
//     DeleteBeforeClose, whose caller Deletes before closing, keeps no
//     such poll: a request less per Add, and a pending poll less per
//     socket, which Wine's server walks on every event of every socket.
//   - A Wait yields to the Go scheduler every 5 ms: a loop that only runs
//     and makes system calls would otherwise, after a time slice, lose
//     its processor in every call longer than 20 us (see yield in
//     sys_windows.go).
//   - Level-triggered: after a report the group stays idle until the next
//     Wait, which polls it again first. The devices skip the completion
//     port on success, so a group with a member still ready answers
//     inline, at the cost of one ioctl and no dequeue.
//   - Oneshot: after a report the socket is left out of its group's poll
//     until Modify.
//   - Edge: the driver cannot say "not ready any more": a new poll on a
//     socket with unread data completes at once. So after reporting an
//     event on an Edge registration the backend stops asking for it until
//     the caller says it drained the socket, with Rearm (or Modify). The
//     rule for portable edge-triggered code is epoll's own, "read or write
//     until the call would block", plus a Rearm at that point; Rearm costs
//     nothing on Linux and the BSDs.
//   - Event bits: AFD events map to what Linux reports for the same socket
//     state (RECEIVE and ACCEPT: In|RdNorm; RECEIVE_EXPEDITED: Pri; SEND:
//     Out|WrNorm, plus WrBand for UDP; DISCONNECT: In|RdNorm|RdHup; ABORT
//     and CONNECT_FAIL: In|RdNorm|RdHup|Out|WrNorm|Err|Hup), masked with
//     the interest plus Err and Hup. A poll asks the driver for exactly the
//     events whose report the interest keeps (WrBand asks for SEND on UDP
//     sockets only; RdBand and Msg ask for nothing), so that no poll
//     completes with nothing to report.
//   - Failures: a poll that names a socket that is no longer one (closed,
//     its handle value free or taken by another object) drops that socket
//     silently, as wepoll and mio do. Any other failure reaches the
//     caller: a group's poll that the driver refuses, or that completes
//     with an error, fails the next Wait that has no event to report,
//     with an error matching the status (an afd.Status); a socket's own
//     poll that fails reports Err for that socket.
//
// AddHandle puts waitable handles (events, processes, threads) in the
// same Poller: a thread-pool wait (RegisterWaitForSingleObject) posts a
// packet to the Poller's port when the handle is signalled, and Wait
// reports it once as In. It behaves the same under Wine.
//
// What differs from Linux, and why (the tests say the same):
//
//   - A socket shut down both ways reports In|Out|RdHup without Hup: AFD
//     reports the peer's FIN but not the local shutdown.
//   - A refused connect keeps reporting Err after SO_ERROR was read:
//     AFD_POLL_CONNECT_FAIL is sticky.
//   - A completion reports the state when the poll completed; readiness
//     consumed between that moment and Wait can be reported once more.
//     Treat every event as a hint and handle WouldBlock, as with epoll in
//     general.
//   - Before polling sockets again, a Wait takes in what the port holds
//     without waiting, so that a socket closed since the last Wait is
//     dropped before any poll names its handle value. A socket closed
//     during a Wait, in another goroutine, still races with it, as with
//     epoll; Delete before closing leaves no race at all.
//
// # macOS and the BSDs
//
// kqueue watches (descriptor, filter) pairs. A registration holds a read
// filter for In and RdNorm, a write filter for Out and WrNorm (and WrBand,
// for datagram sockets), and EVFILT_EXCEPT with NOTE_OOB for Pri on macOS
// and OpenBSD; FreeBSD and NetBSD have no filter for out-of-band data
// and never report Pri. A direction the interest does not ask for is
// still watched, by a sentinel: the filter with EV_CLEAR and a low-water
// mark (NOTE_LOWAT) that no buffer reaches, which fires for the end of
// the stream and for errors, not for data. So Hup, RdHup and Err come as
// on Linux whatever the interest, and no registration makes Wait go back
// to the kernel in a loop for a state its interest masks away.
//
// The bits are derived as Linux derives them: EV_EOF on the read filter is
// the read side shut (RdHup, and In: the end of the stream reads as 0
// bytes); on the write filter, the write side shut (still Out); Hup when
// both sides were seen shut, in any order and any scan; a socket error in
// fflags with EV_EOF is Err, and a dropped connection (both sides shut,
// so Hup too). Edge is EV_CLEAR; Oneshot is done by the backend, which
// disables the filters of a registration when it reports. A Modify is one
// kevent call (EV_RECEIPT; one call per change on NetBSD, where
// golang.org/x/sys has no EV_RECEIPT). The filters of a registration carry
// a tag in their udata, new with each Add and Modify: kevents that a Wait
// took before the socket was closed and its number given to a new one (or
// before a Modify) are dropped rather than taken for the registration now
// in place, and what the kernel still holds is queued again with the new
// tag, as EV_ADD evaluates the filter.
//
// Differences from Linux:
//
//   - Pri is never reported on FreeBSD and NetBSD; on macOS it is
//     reported once per arrival of out-of-band data, not on every Wait
//     (the except filter has EV_CLEAR there: XNU keeps NOTE_OOB in a
//     level-triggered knote for good). On macOS and OpenBSD it may come
//     again after the out-of-band byte was read, until normal data is
//     read past the mark (the filters test so_oobmark and SS_RCVATMARK),
//     where Linux stops at once.
//   - A socket error that does not end the stream (an ICMP error on a
//     connected UDP socket) makes the socket readable and writable
//     without Err: kqueue does not say it. The next read or write returns
//     the error.
//   - On an edge, kqueue reports the bits of the filters that fired, and
//     of the directions seen shut; Linux reports every bit of the
//     interest that is ready.
//   - kqueue accepts regular files (always ready).
//
// How the readiness table above is verified on these systems:
//
//	row                        macOS            FreeBSD          OpenBSD          NetBSD
//	out-of-band rows           model, CI (*)    model, CI: none  model            model: none
//	every other row            model, CI        model, CI        model            model
//
// "model": TestKqueueReadinessModel, run on every platform by go test,
// feeds the backend's decisions (kqueue_logic.go) with the kevents that a
// model of each kernel's socket filters gives for the row's socket state;
// the model follows XNU's filt_soread_common and filt_sowrite_common,
// FreeBSD's and OpenBSD's filt_soread and filt_sowrite (NetBSD's are
// FreeBSD's, but for listeners: filt_solisten), and TestKqueueNoSpin holds
// every interest and state of it to the no-loop rule. "CI": TestReadiness runs the row on the
// real kernel in the GitHub workflow's macOS and FreeBSD jobs (GitHub's
// macOS runner, FreeBSD 14.3 in a virtual machine); until they pass, the
// row rests on the model. (*) Pri|Out on the first Wait, Out after
// (kqueueDiffers in the tests). "none": no Pri, as said above. go vet
// covers all four systems, with 32-bit netbsd/arm and openbsd/386.
//
// # Running the suite
//
//	go test -race -count=1 ./poll/                # Linux
//	GOGC=1 go test -count=1 ./poll/               # Linux, collecting all the time
//	go test -run '^$' -fuzz FuzzOps ./poll/       # explore beyond the seed corpus
//	go test -run '^$' -bench . -benchmem ./poll/  # benchmarks
//
// For Windows, under Wine on Linux, after make setup (which puts the
// go_windows_amd64_exec wrapper in $AFD_CACHE/bin):
//
//	PATH=$HOME/.cache/goafd/bin:$PATH GOOS=windows GOARCH=amd64 \
//	    go test -count=1 -gcflags=all=-d=checkptr ./poll/
//
// Under Wine the heavy tests run a tenth of their sockets and cycles,
// as every Windows call is a round trip to the wine server there.
package poll
