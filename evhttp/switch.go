package evhttp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/goafd/afd/evloop"
)

// A Protocol serves a connection after SwitchProtocols has taken it from
// HTTP: its callbacks run on the connection's evloop loop, as those of an
// evloop.Handler do, and must not block. A nil field does nothing. They
// must leave the connection's Context alone (it is evhttp's, and it
// leads the loop's callbacks to p): keep the protocol's state in the
// closures.
type Protocol struct {
	// OnOpen is called once, on the loop, once the 101 response is queued
	// for the socket and before any OnTraffic.
	OnOpen func(c *evloop.Conn)
	// OnTraffic is called with the connection's input, as
	// evloop.Handler.OnTraffic is: first, right after OnOpen, for bytes
	// the client sent after its request (if any), then whenever more
	// arrive.
	OnTraffic func(c *evloop.Conn)
	// OnClose is called once the connection is closed, as
	// evloop.Handler.OnClose is.
	OnClose func(c *evloop.Conn, err error)
}

// Errors of SwitchProtocols.
var (
	// ErrSwitchWritten: the response's header was already written.
	ErrSwitchWritten = errors.New("evhttp: switch protocols after the response was begun")
	// ErrSwitchBody: the request's body was not read to its end.
	ErrSwitchBody = errors.New("evhttp: switch protocols before the request body was read to its end")
)

// SwitchProtocols answers the request of w with 101 Switching Protocols
// and the header of w (the handler sets Upgrade, Connection and the
// protocol's own fields before), and hands the connection to p, on its
// loop: the bytes the client sent after the request and all that follows
// go to p.OnTraffic. Unlike Hijack, the connection stays on its loop,
// with no goroutine, and it works on every system, Windows included.
//
// Call it from the handler, before anything was written, with the
// request's body read to its end (ErrSwitchWritten, ErrSwitchBody). It
// returns once p.OnOpen has run; the handler may then return, or go on
// with the connection through evloop's calls that are safe from any
// goroutine (AsyncWrite, Run, Close). w is done: its Write fails with
// http.ErrHijacked.
//
// The connection is no longer the Server's, as a hijacked one is no
// longer net/http's: Shutdown and Close leave it (the evloop.Server's
// own Shutdown and Close close it). A w that is not evhttp's fails
// with errors.ErrUnsupported.
func SwitchProtocols(w http.ResponseWriter, p Protocol) error {
	rw, ok := w.(*response)
	if !ok {
		return fmt.Errorf("evhttp: switch protocols on a %T: %w", w, errors.ErrUnsupported)
	}
	switch {
	case rw.hijacked:
		return http.ErrHijacked
	case rw.status != 0 || rw.frame != frameUnset || len(rw.buf) > 0:
		return ErrSwitchWritten
	case rw.body != nil && !rw.body.drained():
		return ErrSwitchBody
	}
	hc := rw.hc
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\n")
	rw.header.Write(&b)
	b.WriteString("\r\n")
	rw.hijacked = true // nothing more of the response: the connection is p's
	if err := hc.send([]byte(b.String())); err != nil {
		return err
	}
	// The switch runs on the loop; a connection that closes before it
	// drops it, and its OnClose answers instead (see onClose).
	done := make(chan error, 1)
	hc.setOnDrop(func(err error) { done <- fmt.Errorf("evhttp: switch protocols: %w", err) })
	err := hc.c.Run(func(c *evloop.Conn) {
		hc.setOnDrop(nil)
		if hc.state != connWait {
			// The connection is closing (or the body was cut short).
			done <- fmt.Errorf("evhttp: switch protocols: %w", net.ErrClosed)
			return
		}
		hc.state = connSwitched
		hc.proto = &p
		hc.setTimer(0)
		hc.stopWriteTimer()
		// Paused if the client sent more behind its request while the
		// handler ran (onTraffic in connWait): the protocol reads.
		c.ResumeRead()
		hc.s.untrack(hc)
		// Nothing of HTTP stays with the connection: the parser (its
		// head buffer) and the request's body and cancel.
		hc.p, hc.body = nil, nil
		hc.wmu.Lock()
		hc.liveCancel, hc.liveBody = nil, nil
		hc.wmu.Unlock()
		if p.OnOpen != nil {
			p.OnOpen(c)
		}
		done <- nil
		if c.InboundBuffered() > 0 && p.OnTraffic != nil {
			p.OnTraffic(c)
		}
		if hc.ended {
			// The client's end of stream came before the switch: the
			// connection closes after the protocol's answer, as onEOF
			// closes a switched one.
			c.Close()
		}
	})
	if err != nil {
		return fmt.Errorf("evhttp: switch protocols: %w", err)
	}
	return <-done
}

// setOnDrop sets the function that the connection's OnClose calls, for
// a handler's goroutine that waits for a function of Run (the switch of
// SwitchProtocols, the Detach of Hijack): a connection that closes before
// such a function runs drops it, and the handler would wait forever.
// The function of Run clears it first thing.
func (hc *hconn) setOnDrop(f func(error)) {
	hc.wmu.Lock()
	hc.onDrop = f
	hc.wmu.Unlock()
}

// dropped calls the onDrop function, if any, from OnClose.
func (hc *hconn) dropped(err error) {
	hc.wmu.Lock()
	f := hc.onDrop
	hc.onDrop = nil
	hc.wmu.Unlock()
	if f != nil {
		f(err)
	}
}
