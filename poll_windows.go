package afd

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Errors Poll returns before calling the driver.
var (
	// ErrNoHandles: the Request has no handle to poll.
	ErrNoHandles = errors.New("afd: poll with no handles")
	// ErrBusy: the Request is still pending; it cannot be submitted again
	// until its completion is taken back with RequestOf.
	ErrBusy = errors.New("afd: request still pending")
)

// Poll submits r as IOCTL_AFD_POLL on d.
//
// It returns done == false and a nil error when the poll is pending: its
// completion will be queued on the device's completion port, and the
// packet's lpOverlapped is r.Overlapped(). It returns done == true when
// the driver answered at once (sockets already ready, or a zero timeout):
// r.Ready() then holds the result, and a completion packet is queued all
// the same unless the device skips the port on success (SetCompletionModes).
// An error means the driver refused the request and nothing is queued; it
// wraps the Status (StatusInvalidHandle for a handle that is not a socket
// on Windows, for instance).
func (d *Device) Poll(r *Request) (done bool, err error) {
	if r.n == 0 {
		return false, fmt.Errorf("afd: poll on %v: %w", d, ErrNoHandles)
	}
	if !r.hold() {
		return false, fmt.Errorf("afd: poll on %v: %w", d, ErrBusy)
	}
	size := uint32(pollInfoSize + uintptr(r.n)*handleInfoSize)
	return d.submit(r, uint32(r.n), size)
}

// submit issues IOCTL_AFD_POLL for r, held by the caller, with count as
// NumberOfHandles and size as the input and output length. Poll passes
// consistent values; tests pass inconsistent ones to see what the driver
// says. size must not exceed r's buffer.
func (d *Device) submit(r *Request, count, size uint32) (done bool, err error) {
	info := r.Info()
	info.NumberOfHandles = count
	hs := r.entries()[:min(int(count), r.Cap())]
	for i := range hs {
		hs[i].Status = StatusSuccess
	}
	r.iosb.Status = windows.NTStatus(StatusPending)
	r.iosb.Information = 0
	buf := (*byte)(unsafe.Pointer(&r.buf[0]))
	st := ntDeviceIoControlFile(d.h, 0, 0, &r.iosb, &r.iosb, ioctlAFDPoll, buf, size, buf, size)
	switch {
	case st == StatusPending:
		return false, nil
	case !st.IsError():
		r.inline.Store(true)
		if st.success() && d.skipOnSuccess.Load() {
			r.release()
		}
		return true, nil
	default:
		r.iosb.Status = windows.NTStatus(st)
		r.release()
		var first uintptr
		if len(hs) > 0 {
			first = uintptr(hs[0].Handle)
		}
		return false, fmt.Errorf("afd: poll %#x on %v: %w", first, d, st)
	}
}

// Cancel asks the driver to cancel r with NtCancelIoFileEx. A cancelled
// poll completes with StatusCancelled (which errors.Is matches with
// windows.ERROR_OPERATION_ABORTED) and its entries are left untouched;
// the packet still has to be dequeued. Cancelling a poll that has already
// completed, even if its packet is not yet dequeued, fails with
// StatusNotFound.
func (d *Device) Cancel(r *Request) error {
	if st := ntCancelIoFileEx(d.h, &r.iosb, &r.cancelIOSB); st != StatusSuccess {
		return fmt.Errorf("afd: cancel on %v: %w", d, st)
	}
	return nil
}

// CancelAll cancels every poll pending on d, whoever issued it, with
// NtCancelIoFileEx and no request named. Each completes with
// StatusCancelled; the packets still have to be dequeued. Closing the
// device does not end its polls on Windows (they outlive the handle until
// their timeout), so call CancelAll before Close when polls are pending.
// With none pending Windows answers StatusNotFound (as CancelIoEx
// documents) and Wine 8.0 success.
func (d *Device) CancelAll() error {
	var iosb windows.IO_STATUS_BLOCK
	if st := ntCancelIoFileEx(d.h, nil, &iosb); st != StatusSuccess {
		return fmt.Errorf("afd: cancel all on %v: %w", d, st)
	}
	return nil
}
