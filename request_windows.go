package afd

import (
	"math"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// PollInfo is the fixed part of AFD_POLL_INFO. In the memory the driver
// reads and writes, NumberOfHandles PollHandleInfo entries follow it.
type PollInfo struct {
	// Timeout is a LARGE_INTEGER in 100 ns units: negative is relative to
	// now, positive an absolute system time, math.MaxInt64 never.
	Timeout int64
	// NumberOfHandles counts the entries. On completion the driver sets it
	// to the number of entries that fired, and packs those first.
	NumberOfHandles uint32
	// Exclusive, when non-zero, makes this poll displace the polls already
	// pending on the same sockets (they complete with no events).
	Exclusive uint32
}

// PollHandleInfo is AFD_POLL_HANDLE_INFO: one socket of a poll.
type PollHandleInfo struct {
	// Handle is the base provider socket (see BaseSocket).
	Handle windows.Handle
	// Events is what the poll asks for, and on completion what fired.
	Events Events
	// Status is set on completion, for example StatusConnectionRefused
	// with ConnectFail.
	Status Status
}

const (
	pollInfoSize   = unsafe.Sizeof(PollInfo{})
	handleInfoSize = unsafe.Sizeof(PollHandleInfo{})
	wordSize       = unsafe.Sizeof(uint64(0))
)

// A Request is one IOCTL_AFD_POLL operation: the IO_STATUS_BLOCK whose
// address identifies its completion, and the AFD_POLL_INFO the driver
// reads and writes.
//
// Memory: the driver writes into a Request after Poll returns, so from
// Poll until its completion has been taken back with RequestOf the
// Request and its buffer are pinned (runtime.Pinner): the garbage
// collector neither moves nor frees them, even if the caller drops every
// reference. A pending Request must not be modified or resubmitted.
type Request struct {
	iosb windows.IO_STATUS_BLOCK // first: the completion's lpOverlapped points here
	buf  []uint64                // PollInfo, then the PollHandleInfo entries
	n    int                     // entries to submit
	pin  runtime.Pinner
	busy atomic.Bool // submitted, completion not yet taken back
	// cancelIOSB receives the outcome of NtCancelIoFileEx, which the
	// system writes before it returns: kept here rather than in a local
	// variable that would be allocated on every cancellation.
	cancelIOSB windows.IO_STATUS_BLOCK
	// inline is set when the driver completed the poll within Poll: its
	// result is final even though its packet may not be dequeued yet.
	inline atomic.Bool

	// Context is the caller's: RequestOf hands the Request back with it.
	Context any
}

// NewRequest returns a Request with room for n handles (n >= 1), all set
// to be submitted, a timeout of never and Exclusive off.
func NewRequest(n int) *Request {
	if n < 1 {
		panic("afd: NewRequest with fewer than one handle")
	}
	// Round up: on 32-bit Windows an entry is 12 bytes, not a whole
	// number of words.
	words := (pollInfoSize + uintptr(n)*handleInfoSize + wordSize - 1) / wordSize
	r := &Request{buf: make([]uint64, words), n: n}
	r.Info().Timeout = math.MaxInt64
	return r
}

// Info returns the AFD_POLL_INFO header.
func (r *Request) Info() *PollInfo { return (*PollInfo)(unsafe.Pointer(&r.buf[0])) }

// entries returns every entry the buffer has room for.
func (r *Request) entries() []PollHandleInfo {
	p := (*PollHandleInfo)(unsafe.Add(unsafe.Pointer(&r.buf[0]), pollInfoSize))
	return unsafe.Slice(p, r.Cap())
}

// Cap returns how many handles r has room for.
func (r *Request) Cap() int {
	return int((uintptr(len(r.buf))*wordSize - pollInfoSize) / handleInfoSize)
}

// Len returns how many handles the next Poll submits.
func (r *Request) Len() int { return r.n }

// SetLen sets how many handles the next Poll submits; 0 <= n <= Cap().
func (r *Request) SetLen(n int) {
	if n < 0 || n > r.Cap() {
		panic("afd: Request.SetLen out of range")
	}
	r.n = n
}

// Set sets entry i to poll socket for events.
func (r *Request) Set(i int, socket windows.Handle, events Events) {
	r.entries()[i] = PollHandleInfo{Handle: socket, Events: events}
}

// SetTimeout sets how long the poll may stay pending before it completes
// with StatusTimeout. A negative d means never. Zero makes the poll answer
// at once: with nothing ready, it completes with StatusSuccess and no
// ready entry, not with StatusTimeout.
func (r *Request) SetTimeout(d time.Duration) {
	if d < 0 {
		r.Info().Timeout = math.MaxInt64
		return
	}
	r.Info().Timeout = -int64(d / 100)
}

// SetExclusive sets the Exclusive flag (see PollInfo).
func (r *Request) SetExclusive(exclusive bool) {
	var x uint32
	if exclusive {
		x = 1
	}
	r.Info().Exclusive = x
}

// Handles returns the Len() entries as the driver last left them.
func (r *Request) Handles() []PollHandleInfo { return r.entries()[:r.n] }

// Ready returns the entries that fired, once the poll has completed with
// a success status (StatusSuccess, or StatusTimeout with none): after
// Poll reported it done, or once its completion has been taken back with
// RequestOf. Before that, and after an error or warning status such as
// StatusCancelled or StatusHandlesClosed (the driver then wrote nothing),
// Ready returns an empty slice.
func (r *Request) Ready() []PollHandleInfo {
	st := r.Status()
	if !st.success() || st == StatusPending || (r.busy.Load() && !r.inline.Load()) {
		return nil
	}
	return r.entries()[:min(int(r.Info().NumberOfHandles), r.n)]
}

// Status returns the request's IO_STATUS_BLOCK status: StatusPending
// while in flight, then how it completed.
func (r *Request) Status() Status { return Status(r.iosb.Status) }

// Pending reports whether r was submitted and its completion has not yet
// been taken back with RequestOf.
func (r *Request) Pending() bool { return r.busy.Load() }

// Overlapped returns the address the completion packet of r carries as
// lpOverlapped.
func (r *Request) Overlapped() *windows.Overlapped {
	return (*windows.Overlapped)(unsafe.Pointer(&r.iosb))
}

// RequestOf returns the Request whose completion packet carried ov, and
// releases what Poll pinned: r may then be inspected, reused or dropped.
// ov must come from a packet of an AFD device's completion key; a packet
// posted by anything else has an overlapped pointer that is not a Request.
// It returns nil for a nil ov, such as a wake-up packet.
func RequestOf(ov *windows.Overlapped) *Request {
	if ov == nil {
		return nil
	}
	r := (*Request)(unsafe.Pointer(ov))
	r.release()
	return r
}

// hold pins r for the driver.
func (r *Request) hold() bool {
	if !r.busy.CompareAndSwap(false, true) {
		return false
	}
	r.inline.Store(false)
	r.pin.Pin(r)
	r.pin.Pin(&r.buf[0])
	return true
}

// release undoes hold once the driver is done with r.
func (r *Request) release() {
	if r.busy.CompareAndSwap(true, false) {
		r.pin.Unpin()
	}
}
