package afd

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// winsockEquivalent maps a Status to the Winsock error that Winsock
// functions report for the same condition, where RtlNtStatusToDosError
// gives a different (Win32) code.
var winsockEquivalent = map[Status]syscall.Errno{
	StatusConnectionRefused:  windows.WSAECONNREFUSED,
	StatusConnectionReset:    windows.WSAECONNRESET,
	StatusConnectionAborted:  windows.WSAECONNABORTED,
	StatusNetworkUnreachable: windows.WSAENETUNREACH,
	StatusHostUnreachable:    windows.WSAEHOSTUNREACH,
	StatusIOTimeout:          windows.WSAETIMEDOUT,
	StatusInvalidHandle:      windows.WSAENOTSOCK,
	StatusObjectTypeMismatch: windows.WSAENOTSOCK,
}

// Is reports whether target is a Windows error that means what s means:
// the Win32 error that RtlNtStatusToDosError maps s to
// (StatusCancelled and windows.ERROR_OPERATION_ABORTED), or the Winsock
// error of the same condition (StatusConnectionRefused and
// windows.WSAECONNREFUSED).
func (s Status) Is(target error) bool {
	e, ok := target.(syscall.Errno)
	if !ok || s == StatusSuccess || s == StatusPending {
		return false
	}
	if w, ok := winsockEquivalent[s]; ok && w == e {
		return true
	}
	return windows.NTStatus(s).Errno() == e
}
