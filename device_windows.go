package afd

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/windows"
)

// DefaultName is the device path Open uses when given "". Any name below
// \Device\Afd opens the driver; the part after it only labels the handle.
const DefaultName = `\Device\Afd\goafd`

// A Device is an open handle to the AFD driver. Polls are issued on it
// and complete through the I/O completion port it is associated with.
//
// One Device can carry any number of pending polls, but cancelling one
// scans all of them, so pollers spread sockets over several Devices.
type Device struct {
	h windows.Handle
	// skipOnSuccess records FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: a poll
	// that completes inline then queues no packet.
	skipOnSuccess atomic.Bool
}

// Open opens the AFD driver with NtCreateFile, as wepoll and mio do. An
// empty name means DefaultName. The handle is opened for asynchronous I/O;
// associate it with a completion port (see package iocp) before polling.
func Open(name string) (*Device, error) {
	if name == "" {
		name = DefaultName
	}
	u, err := windows.NewNTUnicodeString(name)
	if err != nil {
		return nil, fmt.Errorf("afd: open %q: %w", name, err)
	}
	oa := windows.OBJECT_ATTRIBUTES{ObjectName: u}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var (
		h    windows.Handle
		iosb windows.IO_STATUS_BLOCK
	)
	err = windows.NtCreateFile(&h, windows.SYNCHRONIZE, &oa, &iosb, nil, 0,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, windows.FILE_OPEN, 0, 0, 0)
	if err != nil {
		if s, ok := err.(windows.NTStatus); ok {
			err = Status(s)
		}
		return nil, fmt.Errorf("afd: open %q: %w", name, err)
	}
	return &Device{h: h}, nil
}

// OpenGlobalRoot opens the driver through the Win32 namespace with
// CreateFileW(`\\.\GLOBALROOT\Device\Afd\<name>`) instead of NtCreateFile.
// The result is the same kind of handle; an empty name means "goafd".
func OpenGlobalRoot(name string) (*Device, error) {
	if name == "" {
		name = "goafd"
	}
	path := `\\.\GLOBALROOT\Device\Afd\` + name
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("afd: open %q: %w", path, err)
	}
	h, err := windows.CreateFile(p, windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		return nil, fmt.Errorf("afd: open %q: %w", path, err)
	}
	return &Device{h: h}, nil
}

// Handle returns the driver handle, to associate it with a completion port.
func (d *Device) Handle() windows.Handle { return d.h }

// SetCompletionModes calls SetFileCompletionNotificationModes on the
// device. Pass windows.FILE_SKIP_SET_EVENT_ON_HANDLE, which every user
// wants (nothing waits on the handle itself), optionally with
// windows.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: then a poll whose sockets
// are already ready completes inline (Poll reports it) and queues no
// completion packet, saving a dequeue.
func (d *Device) SetCompletionModes(flags uint8) error {
	if err := windows.SetFileCompletionNotificationModes(d.h, flags); err != nil {
		return fmt.Errorf("afd: set completion modes %#x: %w", flags, err)
	}
	d.skipOnSuccess.Store(flags&windows.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS != 0)
	return nil
}

// Close closes the device handle. It does not end the polls still pending
// on it: on Windows they complete as their sockets and timeouts decide,
// under Wine at once with StatusHandlesClosed, and either way their
// packets still arrive on the completion port. Cancel them first, and
// dequeue their completions, before dropping their Requests.
func (d *Device) Close() error {
	if err := windows.CloseHandle(d.h); err != nil {
		return fmt.Errorf("afd: close %#x: %w", d.h, err)
	}
	return nil
}

// String returns "afd#<handle>", for messages.
func (d *Device) String() string { return fmt.Sprintf("afd#%#x", uintptr(d.h)) }
