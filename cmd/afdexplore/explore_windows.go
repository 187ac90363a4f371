package main

import (
	"errors"
	"fmt"
	"io"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/scenario"
	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/iocp"
)

// explore walks through the seed article's program, one line per step.
// It returns an error if a step fails or the poll does not end as the
// article shows: CONNECT_FAIL with STATUS_CONNECTION_REFUSED.
func explore(w io.Writer) error {
	step := 0
	say := func(format string, args ...any) {
		step++
		fmt.Fprintf(w, "%2d. %s\n", step, fmt.Sprintf(format, args...))
	}
	if v, ok := scenario.Wine(); ok {
		fmt.Fprintf(w, "Running under Wine %s: its emulation of the driver answers.\n", v)
	}

	const name = `\Device\Afd\explore`
	dev, err := afd.Open(name)
	if err != nil {
		return err
	}
	defer dev.Close()
	say("Open %s with NtCreateFile (SYNCHRONIZE, FILE_SHARE_READ|FILE_SHARE_WRITE, FILE_OPEN): AFD handle %#x.",
		name, uintptr(dev.Handle()))

	port, err := iocp.New(0)
	if err != nil {
		return err
	}
	defer port.Close()
	say("Create an I/O completion port with CreateIoCompletionPort: port handle %#x.", uintptr(port.Handle()))

	const key = 1
	if err := port.Associate(dev.Handle(), key); err != nil {
		return err
	}
	say("Associate the AFD handle with the port under completion key %d: its polls complete there.", key)

	if err := dev.SetCompletionModes(windows.FILE_SKIP_SET_EVENT_ON_HANDLE); err != nil {
		return err
	}
	say("Set FILE_SKIP_SET_EVENT_ON_HANDLE on the AFD handle with SetFileCompletionNotificationModes: nothing waits on the handle itself.")

	s, err := sock.Socket(sock.TCP4)
	if err != nil {
		return err
	}
	defer sock.Close(s)
	base, err := afd.BaseSocket(windows.Handle(s))
	if err != nil {
		return err
	}
	say("Create a non-blocking TCP socket %#x; SIO_BASE_HANDLE gives its base socket %#x, the handle a poll names.",
		uintptr(s), uintptr(base))

	l, addr, err := sock.Listen(sock.TCP4)
	if err != nil {
		return err
	}
	sock.Close(l)
	err = windows.Connect(windows.Handle(s), &windows.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()})
	switch {
	case errors.Is(err, windows.WSAEWOULDBLOCK):
		say("Start a non-blocking connect to %v, where nobody listens (a listener there was just closed): WSAEWOULDBLOCK, under way.", addr)
	case err != nil:
		say("Start a non-blocking connect to %v, where nobody listens: it failed at once with %v.", addr, err)
	default:
		return fmt.Errorf("connect to %v succeeded, but nobody listens there", addr)
	}

	events := afd.AllEvents &^ afd.Connect
	req := afd.NewRequest(1)
	req.Set(0, base, events)
	done, err := dev.Poll(req)
	if err != nil {
		return err
	}
	pollStep := step + 1
	if done {
		say("Issue IOCTL_AFD_POLL (0x00012024) for socket %#x, events %#x (all but AFD_POLL_CONNECT), timeout never: NtDeviceIoControlFile returned %s: the poll completed inline, and its packet is queued all the same.",
			uintptr(base), uint32(events), statusText(req.Status()))
	} else {
		say("Issue IOCTL_AFD_POLL (0x00012024) for socket %#x, events %#x (all but AFD_POLL_CONNECT), timeout never: NtDeviceIoControlFile returned %s.",
			uintptr(base), uint32(events), statusText(afd.StatusPending))
	}

	start := time.Now()
	var entries [1]iocp.Entry
	n, err := port.Wait(entries[:], 10*time.Second)
	if err != nil {
		return err
	}
	if n == 0 {
		dev.Cancel(req)
		port.Wait(entries[:], 5*time.Second)
		return errors.New("no completion within 10s")
	}
	e := entries[0]
	say("Dequeue with GetQueuedCompletionStatusEx after %v: 1 packet, key %d, lpOverlapped %#x, %d bytes of AFD_POLL_INFO written back, status %s.",
		time.Since(start).Round(time.Microsecond), e.Key, uintptr(unsafe.Pointer(e.Overlapped)), e.Bytes, statusText(afd.Status(e.Internal)))

	got := afd.RequestOf(e.Overlapped)
	if got != req {
		return fmt.Errorf("the packet carried %p, not the request %p", got, req)
	}
	say("Recover the request from the IO_STATUS_BLOCK pointer (lpOverlapped): it is the request of step %d, IO_STATUS_BLOCK status %s.",
		pollStep, statusText(got.Status()))

	ready := got.Ready()
	if len(ready) != 1 {
		return fmt.Errorf("%d sockets ready, want 1 (status %v)", len(ready), got.Status())
	}
	h := ready[0]
	say("Decode the AFD_POLL_INFO: NumberOfHandles %d; socket %#x: %s, status %s.",
		got.Info().NumberOfHandles, uintptr(h.Handle), afdNames(h.Events), statusText(h.Status))

	_, wine := scenario.Wine()
	switch {
	case h.Status != afd.StatusConnectionRefused:
	case h.Events == afd.ConnectFail:
		fmt.Fprintf(w, "The connect failed, as in the article: %s, status %s.\n", afdNames(h.Events), statusText(h.Status))
		return nil
	case wine && h.Events == scenario.WineConnectFailEvents:
		fmt.Fprintf(w, "The connect failed, as in the article, but Wine added %s (a known race in its emulation): Windows reports %s alone.\n",
			afdNames(h.Events&^afd.ConnectFail), afdNames(afd.ConnectFail))
		return nil
	}
	return fmt.Errorf("the poll reported %s, status %s; the article shows %s, status %s",
		afdNames(h.Events), statusText(h.Status), afdNames(afd.ConnectFail), statusText(afd.StatusConnectionRefused))
}
