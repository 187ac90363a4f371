package poll

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"sync/atomic"
	"time"

	"github.com/goafd/afd/internal/bitset"
)

// Events is a set of readiness bits with the values of Linux epoll(7) on
// every platform. A registration asks for a set of them plus at most the
// two mode flags; Wait reports the subset that is ready.
type Events uint32

// The event bits, with epoll's values.
const (
	In     Events = 0x1    // readable: data, a datagram, a connection to accept, or end of stream
	Pri    Events = 0x2    // out-of-band (urgent) data to read
	Out    Events = 0x4    // writable: room in the send buffer, or a connect that succeeded
	Err    Events = 0x8    // an error is pending (read it with SO_ERROR); always reported
	Hup    Events = 0x10   // hang-up: both directions are shut down, or reset; always reported
	RdNorm Events = 0x40   // normal data to read (like In)
	RdBand Events = 0x80   // priority band data to read
	WrNorm Events = 0x100  // writable (like Out)
	WrBand Events = 0x200  // priority band data can be written
	Msg    Events = 0x400  // accepted for compatibility; never reported
	RdHup  Events = 0x2000 // the peer shut down its sending side (a FIN arrived)

	// Oneshot reports the registration once, then disables it until the
	// next Modify.
	Oneshot Events = 1 << 30
	// Edge reports a registration once per transition to ready instead
	// of on every Wait while it is ready.
	Edge Events = 1 << 31
)

// modeFlags are the bits that choose a mode rather than an event.
const modeFlags = Oneshot | Edge

// validEvents is every bit Add and Modify accept.
const validEvents = In | Pri | Out | Err | Hup | RdNorm | RdBand | WrNorm | WrBand |
	Msg | RdHup | modeFlags

var eventNames = []bitset.Name{
	{Bit: uint32(In), Name: "IN"},
	{Bit: uint32(Pri), Name: "PRI"},
	{Bit: uint32(Out), Name: "OUT"},
	{Bit: uint32(Err), Name: "ERR"},
	{Bit: uint32(Hup), Name: "HUP"},
	{Bit: uint32(RdNorm), Name: "RDNORM"},
	{Bit: uint32(RdBand), Name: "RDBAND"},
	{Bit: uint32(WrNorm), Name: "WRNORM"},
	{Bit: uint32(WrBand), Name: "WRBAND"},
	{Bit: uint32(Msg), Name: "MSG"},
	{Bit: uint32(RdHup), Name: "RDHUP"},
	{Bit: uint32(Oneshot), Name: "ONESHOT"},
	{Bit: uint32(Edge), Name: "EDGE"},
}

// String returns the set as epoll names without their EPOLL prefix,
// joined by "|" in bit order ("IN|OUT|ONESHOT"); bits that name no event
// are shown in hexadecimal, and the empty set is "0".
func (e Events) String() string { return bitset.String(uint32(e), eventNames) }

// Event is one ready registration: the bits that fired and the key it
// was registered with.
type Event struct {
	Events Events
	Key    uint64
}

// ReservedKey is the one key Add and Modify refuse: the Linux backend
// marks its wake-up with it, because the kernel hands back nothing but
// the 64-bit key to tell registrations apart. Every other value is free
// for the caller, including duplicates across sockets.
const ReservedKey uint64 = ^uint64(0)

// Errors the Poller returns, matchable with errors.Is.
var (
	// ErrInvalidEvents: Add or Modify was given bits outside the
	// constants of this package.
	ErrInvalidEvents = errors.New("invalid event bits")
	// ErrInvalidKey: Add or Modify was given ReservedKey.
	ErrInvalidKey = errors.New("reserved key")
	// ErrClosed: the Poller is closed. It matches net.ErrClosed.
	ErrClosed error = closedError{}
)

type closedError struct{}

func (closedError) Error() string        { return "poller is closed" }
func (closedError) Is(target error) bool { return target == net.ErrClosed }

// A Poller reports readiness of sockets registered with it, with the
// semantics of Linux epoll: Linux uses epoll itself, Windows drives the
// \Device\Afd driver, the BSDs and macOS use kqueue. All methods are safe
// for concurrent use, including Add, Modify and Delete while other
// goroutines are blocked in Wait. A Poller is made with New; the zero
// value is not usable.
//
// The portable front (this file) and the platform backends share one
// contract:
//
//   - The front validates arguments (invalid bits, ReservedKey, an empty
//     events slice), refuses every call after Close with ErrClosed, counts
//     the calls in flight, and wraps backend errors with the call and the
//     handle ("poll: add fd 7: ...").
//   - The backend is the type sysPoller, embedded by value as p.sys, with
//     the methods init(options) error; add(fd uintptr, key uint64, ev Events)
//     error; modify(fd, key, ev) error; delete(fd) error; wait(events
//     []Event, timeout time.Duration, closed *atomic.Bool) (int, error);
//     wake() error; close() error. The front calls init once (New), never
//     calls anything after close, and calls close once, after the calls in
//     flight have drained.
//   - add returns an error matching fs.ErrExist for a registered handle;
//     modify and delete return one matching fs.ErrNotExist for an unknown
//     handle; a bad handle gives the OS error (EBADF, WSAENOTSOCK, ...).
//   - wait blocks for at most timeout (forever when negative, not at all
//     when 0), never returns early without an event or a wake-up (it
//     handles EINTR and rounds timeouts up), returns (0, nil) on timeout,
//     and may return (0, nil) after a wake-up. It never reports
//     ReservedKey.
//   - wake makes one blocked wait return, or the next one if none is
//     blocked. Once *closed is true, one wake must make every blocked wait
//     return, now and later: waiters leave the wake-up pending (epoll: the
//     eventfd is not drained) or pass it on (iocp: re-post the packet).
//
// Close marks the Poller closed, wakes the waiters, waits for the calls
// in flight to drain, then closes the backend. A Wait that was blocked
// when Close happened returns ErrClosed.
type Poller struct {
	closed  atomic.Bool
	active  atomic.Int64  // calls in flight: they may use sys
	drained chan struct{} // signalled when active drops to 0 after Close
	sys     sysPoller
}

// New returns a Poller with no registrations, set up by opts.
func New(opts ...Option) (*Poller, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	p := &Poller{drained: make(chan struct{}, 1)}
	if err := p.sys.init(o); err != nil {
		return nil, fmt.Errorf("poll: new: %w", err)
	}
	return p, nil
}

// enter counts a call in flight; it reports false, and counts nothing,
// once the Poller is closed. The count is taken before the check, so
// Close, which sets closed before reading the count, either sees the call
// or the call sees closed.
func (p *Poller) enter() bool {
	p.active.Add(1)
	if p.closed.Load() {
		p.exit()
		return false
	}
	return true
}

// exit ends a call in flight, and tells Close when the last one leaves.
func (p *Poller) exit() {
	if p.active.Add(-1) == 0 && p.closed.Load() {
		select {
		case p.drained <- struct{}{}:
		default:
		}
	}
}

// checkEvents validates the bits and key of a registration.
func checkEvents(key uint64, ev Events) error {
	if bad := ev &^ validEvents; bad != 0 {
		return fmt.Errorf("%w %#x in %v", ErrInvalidEvents, uint32(bad), ev)
	}
	if key == ReservedKey {
		return fmt.Errorf("%w %#x", ErrInvalidKey, key)
	}
	return nil
}

// Add registers the socket fd (a SOCKET handle on Windows, a file
// descriptor elsewhere) for the events ev, reported with key. Err and Hup
// are reported whether or not ev asks for them. ev may include one mode
// flag, Oneshot or Edge (both together: an edge that is reported once);
// without one the registration is level-triggered.
//
// Adding a registered socket fails with an error matching fs.ErrExist.
func (p *Poller) Add(fd uintptr, key uint64, ev Events) error {
	if !p.enter() {
		return fmt.Errorf("poll: add fd %d: %w", fd, ErrClosed)
	}
	defer p.exit()
	if err := checkEvents(key, ev); err != nil {
		return fmt.Errorf("poll: add fd %d: %w", fd, err)
	}
	if err := p.sys.add(fd, key, ev); err != nil {
		return fmt.Errorf("poll: add fd %d: %w", fd, err)
	}
	return nil
}

// Modify replaces the events and key of a registered socket, and re-arms
// a Oneshot registration. Modifying an unknown socket fails with an error
// matching fs.ErrNotExist.
func (p *Poller) Modify(fd uintptr, key uint64, ev Events) error {
	if !p.enter() {
		return fmt.Errorf("poll: modify fd %d: %w", fd, ErrClosed)
	}
	defer p.exit()
	if err := checkEvents(key, ev); err != nil {
		return fmt.Errorf("poll: modify fd %d: %w", fd, err)
	}
	if err := p.sys.modify(fd, key, ev); err != nil {
		return fmt.Errorf("poll: modify fd %d: %w", fd, err)
	}
	return nil
}

// Delete removes a socket from the Poller; no Wait that starts after
// Delete returns reports it. Deleting an unknown socket fails with an
// error matching fs.ErrNotExist. A socket that is closed while registered
// is removed by the close itself and need not be deleted.
func (p *Poller) Delete(fd uintptr) error {
	if !p.enter() {
		return fmt.Errorf("poll: delete fd %d: %w", fd, ErrClosed)
	}
	defer p.exit()
	if err := p.sys.delete(fd); err != nil {
		return fmt.Errorf("poll: delete fd %d: %w", fd, err)
	}
	return nil
}

// Wait stores ready registrations in events and returns their number. It
// blocks until at least one is ready, Wake is called, or timeout passes:
// a negative timeout blocks without limit, 0 returns at once. It returns
// 0 and a nil error on timeout and after a Wake, and never returns early
// otherwise. Each registration appears at most once per call. A call
// reports at most len(events) registrations, and may report fewer than
// are ready (at most 128 on Linux and 64 with kqueue): the others come
// with the next calls.
//
// events must not be empty. A Wait blocked when Close is called returns
// an error matching net.ErrClosed.
func (p *Poller) Wait(events []Event, timeout time.Duration) (int, error) {
	if !p.enter() {
		return 0, fmt.Errorf("poll: wait: %w", ErrClosed)
	}
	defer p.exit()
	if len(events) == 0 {
		return 0, fmt.Errorf("poll: wait: empty events slice: %w", fs.ErrInvalid)
	}
	n, err := p.sys.wait(events, timeout, &p.closed)
	if p.closed.Load() {
		return 0, fmt.Errorf("poll: wait: %w", ErrClosed)
	}
	if err != nil {
		return 0, fmt.Errorf("poll: wait: %w", err)
	}
	return n, nil
}

// Wake makes one blocked Wait return early, possibly with no events; if
// no Wait is blocked, the next one returns at once. Wakes may coalesce.
func (p *Poller) Wake() error {
	if !p.enter() {
		return fmt.Errorf("poll: wake: %w", ErrClosed)
	}
	defer p.exit()
	if err := p.sys.wake(); err != nil {
		return fmt.Errorf("poll: wake: %w", err)
	}
	return nil
}

// Close releases the Poller. Blocked Waits return ErrClosed; Close
// returns once every call in flight has returned. Calls after Close,
// including a second Close, fail with an error matching net.ErrClosed.
func (p *Poller) Close() error {
	if p.closed.Swap(true) {
		return fmt.Errorf("poll: close: %w", ErrClosed)
	}
	// Wake before waiting: the blocked waits are the calls in flight.
	werr := p.sys.wake()
	if p.active.Load() != 0 {
		<-p.drained
	}
	if err := p.sys.close(); err != nil {
		return fmt.Errorf("poll: close: %w", err)
	}
	if werr != nil {
		return fmt.Errorf("poll: close: wake: %w", werr)
	}
	return nil
}
