package scenario

import (
	"net/netip"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/sock"
)

// seedEvents is what the seed article (and wepoll) asks for: every event
// but CONNECT.
const seedEvents = afd.AllEvents &^ afd.Connect

// anyStatus tells expectReady not to check the socket status.
const anyStatus afd.Status = 0xFFFFFFFF

// closedPort returns a loopback address that nobody listens on: the
// address of a listener just closed.
func closedPort() (netip.AddrPort, error) {
	l, addr, err := sock.Listen(sock.TCP4)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return addr, sock.Close(l)
}

// dial starts a non-blocking connect to addr.
func (e *env) dial(addr netip.AddrPort) (sock.Handle, error) {
	s, err := sock.Dial(addr)
	if err != nil {
		return 0, err
	}
	return e.track(s), nil
}

// connectFail: a non-blocking connect to a local port that nobody listens
// on makes the poll report CONNECT_FAIL alone, with the socket status
// STATUS_CONNECTION_REFUSED. CONNECT_FAIL is sticky: a second poll reports
// it again at once.
func connectFail(e *env) error {
	addr, err := closedPort()
	if err != nil {
		return err
	}
	s, err := e.dial(addr)
	if err != nil {
		return err
	}
	b, err := e.base(s)
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "connect", request(b, seedEvents))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReadyWine(o, afd.ConnectFail, WineConnectFailEvents, afd.StatusConnectionRefused, wineConnectFailNote)
	}
	again, err := e.poll(e.dev, "again", request(b, seedEvents))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Quiet, again) {
		e.expectReadyWine(again, afd.ConnectFail, WineConnectFailEvents, afd.StatusConnectionRefused, wineConnectFailNote)
	}
	return nil
}

// connectSuccess: a non-blocking connect that succeeds makes the socket
// report SEND, which is how pollers learn of connect completion (they
// never ask for CONNECT).
func connectSuccess(e *env) error {
	_, addr, err := e.listen()
	if err != nil {
		return err
	}
	s, err := e.dial(addr)
	if err != nil {
		return err
	}
	b, err := e.base(s)
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "connect", request(b, afd.Send|afd.ConnectFail))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.Send, afd.StatusSuccess)
	}
	return nil
}

// connectEvent: asking for CONNECT on a connected socket reports CONNECT at
// once, and again on every later poll: the event never clears, which is
// why pollers never ask for it.
func connectEvent(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	for _, label := range []string{"connected", "again", "once more"} {
		o, err := e.poll(e.dev, label, request(b, afd.Connect))
		if err != nil {
			return err
		}
		if e.await(e.cfg.Quiet, o) {
			e.expectReady(o, afd.Connect, afd.StatusSuccess)
		}
	}
	return nil
}

// accept: a listening socket reports ACCEPT when a connection arrives for
// it to accept.
func accept(e *env) error {
	l, addr, err := e.listen()
	if err != nil {
		return err
	}
	b, err := e.base(l)
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "listening", request(b, afd.Accept))
	if err != nil {
		return err
	}
	if o.Completed {
		e.mismatch("the poll completed before any connection arrived (%v)", o.Reported())
	}
	if _, err := e.dial(addr); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.Accept, afd.StatusSuccess)
	}
	if a, err := sock.Accept(l); err == nil {
		e.track(a)
	}
	return nil
}
