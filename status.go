package afd

import "fmt"

// Status is an NTSTATUS value: how the driver answers a request, and what
// it stores in IO_STATUS_BLOCK.Status and PollHandleInfo.Status.
//
// A Status is an error. On Windows errors.Is matches it against the Win32
// and Winsock errors that carry the same meaning: StatusCancelled matches
// windows.ERROR_OPERATION_ABORTED, StatusConnectionRefused matches
// windows.WSAECONNREFUSED and windows.ERROR_CONNECTION_REFUSED, and so on.
type Status uint32

// The NTSTATUS values that IOCTL_AFD_POLL and its neighbours produce.
const (
	StatusSuccess             Status = 0x00000000
	StatusTimeout             Status = 0x00000102
	StatusPending             Status = 0x00000103
	StatusInvalidHandle       Status = 0xC0000008
	StatusInvalidParameter    Status = 0xC000000D
	StatusInvalidDeviceReq    Status = 0xC0000010
	StatusAccessDenied        Status = 0xC0000022
	StatusBufferTooSmall      Status = 0xC0000023
	StatusObjectTypeMismatch  Status = 0xC0000024
	StatusInsufficientRes     Status = 0xC000009A
	StatusNotSupported        Status = 0xC00000BB
	StatusCancelled           Status = 0xC0000120
	StatusConnectionReset     Status = 0xC000020D
	StatusNotFound            Status = 0xC0000225
	StatusHandlesClosed       Status = 0x8000000A
	StatusConnectionRefused   Status = 0xC0000236
	StatusNetworkUnreachable  Status = 0xC000023C
	StatusHostUnreachable     Status = 0xC000023D
	StatusConnectionAborted   Status = 0xC0000241
	StatusIOTimeout           Status = 0xC00000B5
	StatusAddressAlreadyExist Status = 0xC000020A
)

var statusNames = map[Status]string{
	StatusSuccess:             "STATUS_SUCCESS",
	StatusTimeout:             "STATUS_TIMEOUT",
	StatusPending:             "STATUS_PENDING",
	StatusInvalidHandle:       "STATUS_INVALID_HANDLE",
	StatusInvalidParameter:    "STATUS_INVALID_PARAMETER",
	StatusInvalidDeviceReq:    "STATUS_INVALID_DEVICE_REQUEST",
	StatusAccessDenied:        "STATUS_ACCESS_DENIED",
	StatusBufferTooSmall:      "STATUS_BUFFER_TOO_SMALL",
	StatusObjectTypeMismatch:  "STATUS_OBJECT_TYPE_MISMATCH",
	StatusInsufficientRes:     "STATUS_INSUFFICIENT_RESOURCES",
	StatusNotSupported:        "STATUS_NOT_SUPPORTED",
	StatusCancelled:           "STATUS_CANCELLED",
	StatusConnectionReset:     "STATUS_CONNECTION_RESET",
	StatusNotFound:            "STATUS_NOT_FOUND",
	StatusHandlesClosed:       "STATUS_HANDLES_CLOSED",
	StatusConnectionRefused:   "STATUS_CONNECTION_REFUSED",
	StatusNetworkUnreachable:  "STATUS_NETWORK_UNREACHABLE",
	StatusHostUnreachable:     "STATUS_HOST_UNREACHABLE",
	StatusConnectionAborted:   "STATUS_CONNECTION_ABORTED",
	StatusIOTimeout:           "STATUS_IO_TIMEOUT",
	StatusAddressAlreadyExist: "STATUS_ADDRESS_ALREADY_EXISTS",
}

// Name returns the symbolic name of s ("STATUS_CANCELLED"), or "" for a
// value this package does not name.
func (s Status) Name() string { return statusNames[s] }

// Error returns the name and the value: "STATUS_CANCELLED (0xC0000120)".
func (s Status) Error() string {
	if n := s.Name(); n != "" {
		return fmt.Sprintf("%s (0x%08X)", n, uint32(s))
	}
	return fmt.Sprintf("NTSTATUS 0x%08X", uint32(s))
}

// IsError reports whether s is an error status (severity bits 11), as
// opposed to success, informational or warning values such as StatusPending
// and StatusTimeout.
func (s Status) IsError() bool { return s>>30 == 3 }

// success reports whether s is a success or informational status
// (NT_SUCCESS): not an error, and not a warning such as
// StatusHandlesClosed.
func (s Status) success() bool { return s>>31 == 0 }

// Timeout reports whether s means a timeout, as net.Error does.
func (s Status) Timeout() bool { return s == StatusTimeout || s == StatusIOTimeout }
