package scenario

import (
	"errors"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/sock"
)

// peerClose: when the peer closes the connection gracefully (its FIN
// arrives), the socket reports DISCONNECT. DISCONNECT is sticky: a second
// poll reports it again at once.
func peerClose(e *env) error {
	_, s, b, err := e.pair()
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "FIN", request(b, afd.Disconnect))
	if err != nil {
		return err
	}
	if err := e.closeSock(s); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.Disconnect, afd.StatusSuccess)
	}
	again, err := e.poll(e.dev, "again", request(b, afd.Disconnect))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Quiet, again) {
		e.expectReady(again, afd.Disconnect, afd.StatusSuccess)
	}
	return nil
}

// abortedPair returns the client of a connection whose server end was
// reset, once a poll has seen the reset arrive.
func (e *env) abortedPair() (sock.Handle, *op, error) {
	c, s, b, err := e.pair()
	if err != nil {
		return 0, nil, err
	}
	o, err := e.poll(e.dev, "RST", request(b, afd.Abort))
	if err != nil {
		return 0, nil, err
	}
	if err := e.abortSock(s); err != nil {
		return 0, nil, err
	}
	e.await(e.cfg.Timeout, o)
	return c, o, nil
}

// peerAbort: when the peer resets the connection (its RST arrives), the
// socket reports ABORT, with the socket status STATUS_SUCCESS.
func peerAbort(e *env) error {
	_, o, err := e.abortedPair()
	if err != nil {
		return err
	}
	if o.Completed {
		e.expectReady(o, afd.Abort, afd.StatusSuccess)
	}
	return nil
}

// recvAfterAbort: once the peer has reset the connection and the socket
// has reported ABORT, recv fails with WSAECONNRESET.
func recvAfterAbort(e *env) error {
	c, o, err := e.abortedPair()
	if err != nil {
		return err
	}
	if !o.Completed || !e.expectReady(o, afd.Abort, anyStatus) {
		return nil
	}
	const reset, eof = "WSAECONNRESET", "0 bytes (end of stream)"
	n, err := sock.Read(c, make([]byte, 16))
	var got string
	switch {
	case errors.Is(err, windows.WSAECONNRESET):
		got = reset
	case err != nil:
		got = err.Error()
	case n == 0:
		got = eof
	default:
		got = "data"
	}
	checkWine(e, "recv", got, reset, eof, "Wine's recv after an RST reports end of stream")
	return nil
}

// localClose: closing a socket (closesocket) while a poll on it is pending
// completes the poll with LOCAL_CLOSE, even when the poll asked for no
// events at all.
func localClose(e *env) error {
	c, _, b, err := e.pair()
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "no events", request(b, 0))
	if err != nil {
		return err
	}
	if !e.quiet(e.cfg.Quiet, o) {
		return nil
	}
	if err := e.closeSock(c); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.LocalClose, afd.StatusSuccess)
	}
	return nil
}

// localShutdown: shutting down the sending side locally (shutdown with
// SD_SEND) reports nothing: a pending poll for every event but SEND stays
// pending.
func localShutdown(e *env) error {
	c, _, b, err := e.pair()
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "shutdown", request(b, afd.AllEvents&^(afd.Send|afd.Connect)))
	if err != nil {
		return err
	}
	if err := sock.ShutdownWrite(c); err != nil {
		return err
	}
	if e.quiet(e.cfg.Quiet, o) {
		return e.cancel(o)
	}
	return nil
}

// closeDevice: closing the AFD handle does not end a poll pending on it:
// the poll still completes as its sockets and its timeout decide, here
// with STATUS_TIMEOUT once its timeout has passed.
//
// Wine's conformance tests, which pass on Windows, show this for a poll
// issued on a socket handle that is then closed (dlls/ws2_32/tests/afd.c,
// "Close a socket while polling on another"); an AFD handle is the same
// kind of file object.
func closeDevice(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	req := request(b, afd.Receive)
	req.SetTimeout(e.cfg.Quiet)
	o, err := e.poll(e.dev, "pending", req)
	if err != nil {
		return err
	}
	// The packet comes after the close: keep the key known meanwhile.
	if err := e.dev.Close(); err != nil {
		return err
	}
	e.await(e.cfg.Timeout, o)
	delete(e.keys, e.dev)
	if o.Completed {
		checkWine(e, "poll status", o.Status, afd.StatusTimeout, afd.StatusHandlesClosed,
			"Wine completes a poll at once when its AFD handle is closed")
		if o.Status == afd.StatusTimeout && o.Took < e.cfg.Quiet-20*time.Millisecond {
			e.mismatch("completed after %v, before its %v timeout", o.Took, e.cfg.Quiet)
		}
	}
	return nil
}
