package afd

// IOCTL_AFD_POLL: device FILE_DEVICE_NETWORK (0x12), function 9,
// METHOD_BUFFERED, FILE_ANY_ACCESS.
const ioctlAFDPoll = 0x00012024

// Winsock ioctls that return the provider socket below a socket's
// Layered Service Providers.
const (
	sioBaseHandle      = 0x48000022 // SIO_BASE_HANDLE
	sioBSPHandle       = 0x4800001B // SIO_BSP_HANDLE
	sioBSPHandleSelect = 0x4800001C // SIO_BSP_HANDLE_SELECT
	sioBSPHandlePoll   = 0x4800001D // SIO_BSP_HANDLE_POLL
)

// The wrappers return the NTSTATUS as a Status rather than an error: a
// submitted poll answers StatusPending, which is not a failure, and a Status
// needs no allocation where an error interface would.
//
//sys	ntDeviceIoControlFile(handle windows.Handle, event windows.Handle, apcRoutine uintptr, apcContext *windows.IO_STATUS_BLOCK, iosb *windows.IO_STATUS_BLOCK, code uint32, in *byte, inLen uint32, out *byte, outLen uint32) (status Status) = ntdll.NtDeviceIoControlFile
//sys	ntCancelIoFileEx(handle windows.Handle, iosb *windows.IO_STATUS_BLOCK, result *windows.IO_STATUS_BLOCK) (status Status) = ntdll.NtCancelIoFileEx
