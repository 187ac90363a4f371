package afd

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// maxProviderLayers bounds how many Layered Service Providers BaseSocket
// unwraps, so that a provider that answers with its own socket cannot make
// it loop forever.
const maxProviderLayers = 16

// BaseSocket returns the base provider socket of s: the handle the AFD
// driver knows, below any Layered Service Provider. Polls must name it,
// not s.
//
// It asks SIO_BASE_HANDLE first. Some LSPs intercept that ioctl and fail
// it (mio #1314); then it asks SIO_BSP_HANDLE_SELECT, SIO_BSP_HANDLE_POLL
// and SIO_BSP_HANDLE in turn for the socket of the next provider down, and
// starts again from there. WSAENOTSOCK ends the search at once. Under Wine
// the SIO_BSP_* ioctls are not implemented and SIO_BASE_HANDLE answers even
// for handles that are not sockets.
func BaseSocket(s windows.Handle) (windows.Handle, error) {
	return baseSocket(s, wsaIoctlHandle)
}

// ioctlHandle performs a Winsock ioctl that returns a socket handle.
type ioctlHandle func(s windows.Handle, code uint32) (windows.Handle, error)

// wsaIoctlHandle is the real ioctlHandle.
func wsaIoctlHandle(s windows.Handle, code uint32) (windows.Handle, error) {
	var (
		out   windows.Handle
		bytes uint32
	)
	err := windows.WSAIoctl(s, code, nil, 0, (*byte)(unsafe.Pointer(&out)),
		uint32(unsafe.Sizeof(out)), &bytes, nil, 0)
	if err != nil {
		return windows.InvalidHandle, err
	}
	return out, nil
}

var bspIoctls = [...]uint32{sioBSPHandleSelect, sioBSPHandlePoll, sioBSPHandle}

// baseSocket is BaseSocket with the ioctl as a parameter, so that the
// fallback logic can be tested without an LSP installed.
func baseSocket(s windows.Handle, ioctl ioctlHandle) (windows.Handle, error) {
	orig := s
	for range maxProviderLayers {
		base, err := ioctl(s, sioBaseHandle)
		if err == nil {
			return base, nil
		}
		if errors.Is(err, windows.WSAENOTSOCK) {
			return windows.InvalidHandle, fmt.Errorf("afd: base socket of %#x: %w", uintptr(orig), err)
		}
		next := windows.InvalidHandle
		for _, code := range bspIoctls {
			if h, e := ioctl(s, code); e == nil && h != s && h != windows.InvalidHandle {
				next = h
				break
			}
		}
		if next == windows.InvalidHandle {
			return windows.InvalidHandle, fmt.Errorf("afd: base socket of %#x: %w", uintptr(orig), err)
		}
		s = next
	}
	return windows.InvalidHandle, fmt.Errorf("afd: base socket of %#x: more than %d provider layers", uintptr(orig), maxProviderLayers)
}
