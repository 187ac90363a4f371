package scenario

import (
	"fmt"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// skipOnSuccess: with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set on the AFD
// handle, a poll that is ready at once returns STATUS_SUCCESS inline and
// queues no completion packet; a poll that has to wait still completes
// through the port.
func skipOnSuccess(e *env) error {
	d, err := e.device(2, windows.FILE_SKIP_SET_EVENT_ON_HANDLE|windows.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, nil)
	if err != nil {
		return err
	}
	_, s, b, err := e.pair()
	if err != nil {
		return err
	}
	o, err := e.poll(d, "ready", request(b, afd.Send))
	if err != nil {
		return err
	}
	check(e, "ready: answered inline", o.Inline, true)
	check(e, "ready: inline status", o.Submit, afd.StatusSuccess)
	if o.Inline {
		e.expectReady(o, afd.Send, afd.StatusSuccess)
	}
	n := e.dequeue(0)
	e.notef("zero-timeout wait on the port after the inline completion: %d packets", n)
	e.quiet(e.cfg.Quiet)
	check(e, "ready: packet queued", o.Queued, false)

	w, err := e.poll(d, "waits", request(b, afd.Receive))
	if err != nil {
		return err
	}
	if err := write(s, []byte("data")); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, w) {
		e.expectReady(w, afd.Receive, afd.StatusSuccess)
		check(e, "waits: packet queued", w.Queued, true)
	}
	return nil
}

// severalDevices: several AFD handles can share one completion port under
// different keys; each completion packet carries the key of the handle
// its poll was issued on.
func severalDevices(e *env) error {
	devs := []*afd.Device{e.dev}
	for _, key := range []uintptr{2, 3} {
		d, err := e.device(key, windows.FILE_SKIP_SET_EVENT_ON_HANDLE, nil)
		if err != nil {
			return err
		}
		devs = append(devs, d)
	}
	var ops []*op
	for _, d := range devs {
		_, _, b, err := e.pair()
		if err != nil {
			return err
		}
		o, err := e.poll(d, fmt.Sprintf("key %d", e.keys[d]), request(b, afd.Send))
		if err != nil {
			return err
		}
		ops = append(ops, o)
	}
	if !e.await(e.cfg.Timeout, ops...) {
		return nil
	}
	for i, o := range ops {
		e.expectReady(o, afd.Send, afd.StatusSuccess)
		check(e, o.Label+": packet key", o.Key, e.keys[devs[i]])
	}
	return nil
}

// globalRoot: the driver also opens through the Win32 namespace, with
// CreateFileW(`\\.\GLOBALROOT\Device\Afd\...`), and that handle polls like
// one opened with NtCreateFile.
func globalRoot(e *env) error {
	d, err := e.device(2, windows.FILE_SKIP_SET_EVENT_ON_HANDLE, func() (*afd.Device, error) {
		return afd.OpenGlobalRoot("scenario")
	})
	if err != nil {
		return err
	}
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	o, err := e.poll(d, "connected", request(b, afd.Send))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.Send, afd.StatusSuccess)
		check(e, "packet key", o.Key, 2)
	}
	return nil
}
