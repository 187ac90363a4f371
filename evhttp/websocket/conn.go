package websocket

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/goafd/afd/evhttp/internal/workpool"
	"github.com/goafd/afd/evloop"
)

// Defaults of the Upgrader's and Dialer's fields.
const (
	DefaultMaxMessageSize = 4 << 20
	DefaultWriteWindow    = 64 << 10
	DefaultCloseTimeout   = 5 * time.Second
	DefaultMaxHandlers    = 10000
)

// A Handler holds a connection's callbacks. They run off the event loop,
// on a bounded pool of goroutines (Upgrader.MaxHandlers), one at a time
// per connection and in order, so they may block: a slow OnMessage
// holds back its own connection only (its frames wait, unparsed, in the
// evloop buffer). A nil field does nothing.
type Handler struct {
	// OnMessage is called with each complete data message. data is the
	// callback's: it may keep it.
	OnMessage func(c *Conn, typ MessageType, data []byte)
	// OnPong is called with the payload of each pong the peer sends
	// (pings are answered by the loop, with no callback).
	OnPong func(c *Conn, data []byte)
	// OnClose is called once, last, when the connection has closed:
	// err is a *CloseError, with the peer's code and reason after a close
	// frame from it (Remote), or the code this side failed the connection
	// with (Err: ErrProtocol, ErrInvalidUTF8, ErrMessageTooBig), or 1006
	// when the connection went without a close frame (Err: evloop's
	// reason, ErrCloseTimeout).
	OnClose func(c *Conn, err error)
}

// settings are the limits of a connection, from its Upgrader or Dialer.
type settings struct {
	maxMessage   int64
	writeWindow  int
	closeTimeout time.Duration
	log          *log.Logger
}

// A connection's state on its loop.
type loopState uint8

const (
	stateOpen      loopState = iota // messages flow
	stateCloseSent                  // this side sent a close frame, waits for the peer's
	stateClosing                    // the close handshake is over or the connection failed: input is dropped
	stateClosed                     // evloop closed the connection
)

// A Conn is a WebSocket connection, server or client side. Its methods
// are safe for concurrent use from any goroutine but the event loop's
// (they may wait for the socket to take earlier output).
type Conn struct {
	c           *evloop.Conn
	h           Handler
	client      bool
	subprotocol string
	set         settings
	exec        serial
	untrack     func() // leaves the Upgrader's connections, for Shutdown; nil for a client
	gone        bool   // untrack has run; guarded by the Upgrader's mu

	// The loop's.
	r        reader
	state    loopState
	busy     bool // a message is with OnMessage: parsing waits for it
	timer    *evloop.Timer
	closeErr *CloseError // how the connection ends, once known

	// The writers'.
	wmu      sync.Mutex // one message at a time: its frames go together
	mu       sync.Mutex
	cond     sync.Cond
	inflight int   // bytes given to AsyncWriteDone not yet taken by the socket
	werr     error // writes fail with it: the connection is closing or closed
}

func newConn(h Handler, client bool, set settings, p *workpool.Pool) *Conn {
	c := &Conn{h: h, client: client, set: set}
	c.r = reader{server: !client, max: set.maxMessage}
	c.exec = serial{p: p, log: set.log}
	c.cond.L = &c.mu
	return c
}

// Subprotocol returns the subprotocol agreed in the handshake, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() netip.AddrPort { return c.c.RemoteAddr() }

// LocalAddr returns the connection's local address.
func (c *Conn) LocalAddr() netip.AddrPort { return c.c.LocalAddr() }

// EvloopConn returns the evloop connection under c, for its calls that
// are safe from any goroutine, such as Run and the addresses. Writing to
// it (AsyncWrite) would cut into the frames: write with WriteMessage.
func (c *Conn) EvloopConn() *evloop.Conn { return c.c }

// onTraffic parses the input on the loop, until a message goes to
// OnMessage (then parsing waits for its return), the input runs out, or
// the output is at evloop's MaxOutbound (pongs to a peer that pings and
// never reads: the loop calls again once it has drained).
func (c *Conn) onTraffic(ec *evloop.Conn) {
	for !c.busy {
		if c.state >= stateClosing {
			ec.Discard(-1)
			return
		}
		if ec.OutboundFull() {
			return
		}
		in, _ := ec.Peek(-1)
		if len(in) == 0 {
			return
		}
		n, ev, err := c.r.next(in)
		ec.Discard(n)
		if err != nil {
			c.fail(err)
			return
		}
		switch ev {
		case evMore:
			return
		case evMessage:
			typ, data := c.r.msgType, c.r.take()
			if c.h.OnMessage == nil {
				continue
			}
			c.busy = true
			c.exec.run(func() {
				c.callback(func() { c.h.OnMessage(c, typ, data) })
				ec.Run(func(ec *evloop.Conn) {
					c.busy = false
					c.onTraffic(ec)
				})
			})
		case evPing:
			if c.state == stateOpen {
				c.writeControl(opPong, c.r.control())
			}
		case evPong:
			if c.h.OnPong != nil {
				data := append([]byte(nil), c.r.control()...)
				c.exec.run(func() { c.callback(func() { c.h.OnPong(c, data) }) })
			}
		case evClose:
			c.peerClosed()
		}
	}
}

// callback runs f, one of the handler's callbacks; a panic in it fails
// the connection with 1011.
func (c *Conn) callback(f func()) {
	defer func() {
		if v := recover(); v != nil {
			c.logf("websocket: panic in a callback for %s: %v", c.c.RemoteAddr(), v)
			c.Close(CloseInternalServerErr, "")
		}
	}()
	f()
}

func (c *Conn) logf(format string, args ...any) {
	if c.set.log != nil {
		c.set.log.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// peerClosed answers the peer's close frame, on the loop: with the same
// code if this side has not sent one, then closes the connection.
func (c *Conn) peerClosed() {
	ce := &CloseError{Code: c.r.closeCode, Text: c.r.closeText, Remote: true}
	if c.state == stateOpen {
		code := ce.Code
		if code == CloseNoStatusReceived {
			code = 0 // answered with an empty close frame
		}
		c.sendClose(code, "")
	}
	if c.closeErr == nil {
		c.closeErr = ce
	}
	c.finish()
}

// fail fails the connection for the peer's error, on the loop: a close
// frame with err's code (unless one was sent), then the close.
func (c *Conn) fail(err *CloseError) {
	if c.state == stateOpen {
		c.sendClose(err.Code, err.Text)
	}
	if c.closeErr == nil {
		c.closeErr = err
	}
	c.finish()
}

// finish ends the connection once no more frames are to be read: evloop
// flushes the output, shuts down the sending side and waits for the
// peer's close (the server closes the TCP connection first, RFC 6455
// section 7.1.1; a client's side waits for it the same way).
func (c *Conn) finish() {
	c.state = stateClosing
	c.stopTimer()
	c.r.msg = nil
	c.c.Close()
}

func (c *Conn) stopTimer() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// sendClose writes a close frame from the loop (no code for code 0),
// behind the frames writers have queued, and stops the writers.
func (c *Conn) sendClose(code int, text string) {
	c.mu.Lock()
	if c.werr == nil {
		c.werr = ErrClosed
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	var p []byte
	if code != 0 {
		p = binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(text)), uint16(code))
		p = append(p, text...)
	}
	c.state = stateCloseSent
	c.writeControl(opClose, p)
}

// writeControl writes a control frame from the loop. It goes through
// AsyncWrite, so that it follows the frames writers queued before (a
// close frame must be the last); at evloop's MaxOutbound, where
// AsyncWrite refuses, the loop's own Write takes it.
func (c *Conn) writeControl(op opcode, p []byte) {
	f := c.frame(nil, true, op, p)
	if err := c.c.AsyncWrite(f); errors.Is(err, evloop.ErrOutboundFull) {
		c.c.Write(f)
	}
}

// frame appends a frame of payload p to b, masked for a client.
func (c *Conn) frame(b []byte, fin bool, op opcode, p []byte) []byte {
	var mask [4]byte
	if c.client {
		rand.Read(mask[:])
	}
	b = appendHeader(b, fin, op, len(p), c.client, mask)
	start := len(b)
	b = append(b, p...)
	if c.client {
		maskBytes(mask, 0, b[start:])
	}
	return b
}

// onClose is evloop's OnClose: the writers stop, and OnClose goes to the
// handler after the callbacks queued before.
func (c *Conn) onClose(_ *evloop.Conn, err error) {
	c.state = stateClosed
	c.stopTimer()
	c.r.msg = nil
	c.mu.Lock()
	if c.werr == nil || c.werr == ErrClosed {
		c.werr = fmt.Errorf("%w: %w", ErrClosed, orClosed(err))
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	ce := c.closeErr
	if ce == nil {
		ce = &CloseError{Code: CloseAbnormalClosure, Err: err}
	}
	c.exec.run(func() {
		if c.h.OnClose != nil {
			c.callback(func() { c.h.OnClose(c, ce) })
		}
		if c.untrack != nil {
			c.untrack() // after OnClose: Shutdown waits for it too
		}
	})
}

func orClosed(err error) error {
	if err == nil {
		return net.ErrClosed
	}
	return err
}

// framePool holds the buffers frames are built in before AsyncWriteDone
// copies them.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// WriteMessage sends a data message. A message larger than the write
// window goes as several frames (fragments) of at most that size, so
// that the window bounds what waits for the socket. It waits while
// WriteWindow bytes are still to be taken by the socket: a peer that
// does not read holds back its writer, not the server's memory. It fails
// with ErrClosed (wrapping the connection's error) once the connection
// is closing, and with ErrInvalidUTF8 for a text message that is not
// UTF-8. Messages of concurrent writers do not interleave.
func (c *Conn) WriteMessage(typ MessageType, data []byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return fmt.Errorf("websocket: write of message type %d: %w", typ, errors.ErrUnsupported)
	}
	if typ == TextMessage && !utf8.Valid(data) {
		return fmt.Errorf("websocket: write of a text message: %w", ErrInvalidUTF8)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	op := opcode(typ)
	chunk := max(c.set.writeWindow-maxHeader, 1)
	for first := true; first || len(data) > 0; first = false {
		k := min(len(data), chunk)
		if err := c.writeFrame(len(data) == k, op, data[:k]); err != nil {
			return err
		}
		data = data[k:]
		op = opContinuation
	}
	return nil
}

// Ping sends a ping with payload p (at most 125 bytes); the peer's pong
// goes to OnPong.
func (c *Conn) Ping(p []byte) error {
	if len(p) > maxControlPayload {
		return fmt.Errorf("websocket: ping payload of %d bytes: over 125", len(p))
	}
	return c.writeFrame(true, opPing, p)
}

// writeFrame queues one frame through evloop's AsyncWriteDone, whole, so
// that the loop's own frames (pongs, close) fall between frames only.
func (c *Conn) writeFrame(fin bool, op opcode, p []byte) error {
	bp := framePool.Get().(*[]byte)
	f := c.frame((*bp)[:0], fin, op, p)
	defer func() {
		if cap(f) <= 64<<10 {
			*bp = f[:0]
			framePool.Put(bp)
		}
	}()
	k := len(f)
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.werr == nil && c.inflight > 0 && c.inflight+k > c.set.writeWindow {
		c.cond.Wait()
	}
	if c.werr != nil {
		return c.werr
	}
	// Under mu: Close's close frame cannot come between the check and
	// the write.
	err := c.c.AsyncWriteDone(f, func(_ *evloop.Conn, err error) {
		c.mu.Lock()
		c.inflight -= k
		if err != nil && c.werr == nil {
			c.werr = fmt.Errorf("%w: %w", ErrClosed, err)
		}
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	if err != nil {
		if errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("%w: %w", ErrClosed, err)
		}
		return fmt.Errorf("websocket: write: %w", err)
	}
	c.inflight += k
	return nil
}

// Close starts the closing handshake: it sends a close frame with code
// and reason (at most 123 bytes; code 0 sends none), after the messages
// written before, and returns at once. The connection closes when the
// peer answers, or after the close timeout; OnClose follows. Writes fail
// with ErrClosed from then on. Close after the connection began closing
// returns ErrClosed.
func (c *Conn) Close(code int, reason string) error {
	if len(reason) > maxControlPayload-2 {
		return fmt.Errorf("websocket: close reason of %d bytes: over 123", len(reason))
	}
	if code != 0 && !validCloseCode(code) {
		return fmt.Errorf("websocket: close code %d: not one a peer may send", code)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.werr != nil {
		return ErrClosed
	}
	c.werr = ErrClosed
	c.cond.Broadcast()
	err := c.c.Run(func(ec *evloop.Conn) {
		if c.state != stateOpen {
			return
		}
		c.sendClose(code, reason)
		c.timer = ec.AfterFunc(c.set.closeTimeout, func(ec *evloop.Conn) {
			c.timer = nil
			if c.closeErr == nil {
				c.closeErr = &CloseError{Code: CloseAbnormalClosure, Err: ErrCloseTimeout}
			}
			c.finish()
		})
	})
	if err != nil {
		return ErrClosed
	}
	return nil
}

// CloseNow closes the connection at once, without a close handshake (the
// peer sees 1006).
func (c *Conn) CloseNow() error {
	if err := c.c.Close(); err != nil {
		return ErrClosed
	}
	return nil
}
