// Package afd is a thin binding of \Device\Afd, the driver below Winsock
// that answers readiness polls for sockets: the interface that wepoll,
// libuv, mio and Rust's polling use to give Windows an epoll.
//
// Most programs want package poll, the portable epoll-style poller built
// on it. This package is for those who want the driver itself.
//
// # The recipe
//
//	dev, _ := afd.Open("")                              // NtCreateFile(\Device\Afd\goafd)
//	port, _ := iocp.New(0)                              // a completion port of one's own
//	port.Associate(dev.Handle(), key)
//	dev.SetCompletionModes(windows.FILE_SKIP_SET_EVENT_ON_HANDLE)
//	base, _ := afd.BaseSocket(socket)                   // below any Layered Service Provider
//	req := afd.NewRequest(1)
//	req.Set(0, base, afd.Receive|afd.Disconnect|afd.Abort)
//	dev.Poll(req)                                       // IOCTL_AFD_POLL: pending
//	n, _ := port.Wait(entries, -1)                      // GetQueuedCompletionStatusEx
//	r := afd.RequestOf(entries[0].Overlapped)           // r == req
//	r.Ready()                                           // the sockets that fired, and what
//
// A poll completes once, when any of its sockets has any of the events it
// asks for, when it times out, or when it is cancelled (Device.Cancel).
// The driver is level-triggered: a new poll on a socket that is still
// ready completes at once. DISCONNECT and CONNECT_FAIL are sticky.
// LOCAL_CLOSE completes the polls pending on a socket that this process
// closes, asked for or not.
//
// # Memory
//
// The driver writes a Request's IO_STATUS_BLOCK and AFD_POLL_INFO after
// Poll has returned. From Poll until RequestOf takes its completion back,
// the Request is pinned (runtime.Pinner): the garbage collector neither
// moves nor frees it, even if the caller drops every reference. Take every
// completion back, including those of cancelled polls; a Request whose
// completion is never dequeued stays pinned. The tests check this with
// checkptr and with the collector running all the time (GOGC=1).
//
// # Errors
//
// NTSTATUS values are Status errors with their names
// ("STATUS_CANCELLED (0xC0000120)"), matchable with errors.Is against the
// Win32 and Winsock errors of the same meaning: StatusCancelled matches
// windows.ERROR_OPERATION_ABORTED, StatusConnectionRefused matches
// windows.WSAECONNREFUSED.
//
// # Wine
//
// Wine 8.0 emulates the driver closely; cmd/afdexplore prints where it
// differs (recv after a reset reads end of stream; closing the device
// completes its polls with STATUS_HANDLES_CLOSED; the SIO_BSP_* ioctls
// are missing, so BaseSocket's fallbacks are tested with a fake).
//
// The package builds on every system; outside Windows it has only the
// portable parts (Events, Status).
package afd
