package afd

import "fmt"

// SubmitRaw submits r with count as NumberOfHandles and size as the
// input and output length, bypassing Poll's checks, to see what the
// driver says about inconsistent buffers. size may not exceed r's buffer.
func (d *Device) SubmitRaw(r *Request, count, size uint32) (done bool, err error) {
	if uintptr(size) > uintptr(len(r.buf))*wordSize {
		panic(fmt.Sprintf("afd: SubmitRaw size %d beyond the %d-byte buffer", size, len(r.buf)*int(wordSize)))
	}
	if !r.hold() {
		return false, fmt.Errorf("afd: poll on %v: %w", d, ErrBusy)
	}
	return d.submit(r, count, size)
}

// BufSize returns the size in bytes of r's buffer.
func (r *Request) BufSize() int { return len(r.buf) * int(wordSize) }

// BaseSocketWith is baseSocket, for the tests of its fallback logic.
var BaseSocketWith = baseSocket

// IoctlHandle is the type of the ioctl BaseSocketWith takes.
type IoctlHandle = ioctlHandle

// The Winsock ioctls BaseSocket asks.
const (
	SioBaseHandle      = sioBaseHandle
	SioBSPHandle       = sioBSPHandle
	SioBSPHandleSelect = sioBSPHandleSelect
	SioBSPHandlePoll   = sioBSPHandlePoll
	MaxProviderLayers  = maxProviderLayers
)
