package evloop

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/poll"
)

// keepCap is the largest buffer capacity a connection keeps once it is
// empty: a larger one goes back to the loop's spares (see loop.grow),
// so that idle connections hold little memory and busy ones reuse it.
const keepCap = 4 << 10

// States of a connection.
type connState uint8

const (
	connConnecting  connState = iota // dialled, connect under way
	connHandshaking                  // TLS: handshake under way, see tls.go
	connOpen                         // serving
	connFlushing                     // closing: writing the pending output
	connLingering                    // closing: sending side shut down, waiting for the peer's
	connClosed                       // socket closed, OnClose called
)

// A Conn is a TCP or Unix-domain stream connection served by an event
// loop: accepted by a listener, dialled, or taken from Go's net with
// Server.AddConn.
//
// Its methods fall in two groups. AsyncWrite, AsyncWriteDone, Run,
// Close, PauseRead, ResumeRead, LocalAddr, RemoteAddr, LocalNetAddr and
// RemoteNetAddr are safe for concurrent use from any goroutine. The
// others (Peek, Next, Discard, InboundBuffered, Write, Writev,
// OutboundBuffered, OutboundFull, AfterFunc, Context, SetContext, Detach,
// ConnectionState) belong to the connection's loop: call them from the
// callbacks of its Handler only (of this connection, or of another on
// the same loop), or from the functions of Run, AfterFunc and
// AsyncWriteDone.
type Conn struct {
	l      *loop
	h      *Handler
	ln     *Listener // nil for a dialled connection
	nc     net.Conn  // the connection of AddConn, which owns fd; nil otherwise
	fd     sock.Handle
	key    uint64
	local  netip.AddrPort // guarded by mu: a dialled connection's is set on its loop once connected
	remote netip.AddrPort
	path   string // a Unix-domain connection's socket path, for errors
	ctx    any
	tls    *tlsConn // TLS connections only, see tls.go

	// Owned by the loop.
	state    connState
	dialled  bool
	opened   bool        // OnOpen was called
	interest poll.Events // as registered with the poller
	in       []byte      // inbound bytes the handler left unconsumed
	view     []byte      // inbound bytes as the handler sees them
	out      []byte      // pending output is out[outHead:]
	outHead  int
	hold     readHold // why reading is stopped, see pause.go
	again    bool     // queued for OnTraffic with its unconsumed input, see loop.deliverAgain
	eof      bool     // the peer shut down its sending side
	ended    bool     // OnEOF was called: open for output, no more reads
	err      error    // why the connection closes, for OnClose
	failed   bool     // err is a failure: settle closes the connection
	dirty    bool     // queued for settle
	list     *connList
	prev     *Conn
	next     *Conn
	last     time.Duration // last activity, on the loop's clock

	sent   int64        // bytes the socket has taken, for dones
	timers []*Timer     // pending Timers of AfterFunc
	dones  []writeDone  // callbacks of AsyncWriteDone waiting for sent
	outLen atomic.Int64 // len(out)-outHead, for AsyncWrite

	// Shared with other goroutines, guarded by mu.
	mu       sync.Mutex
	async    []byte               // AsyncWrite data not yet taken by the loop
	asyncBuf []byte               // the loop's spare buffer, swapped with async
	funcs    []func(*Conn)        // functions of Run not yet run
	asyncFns []func(*Conn, error) // AsyncWriteDone callbacks of the data in async
	closeReq bool                 // Close was called: no more AsyncWrite
	queued   bool                 // a taskConn is queued
	closed   bool                 // the socket is closed
	readReq  readRequest          // PauseRead or ResumeRead for the loop to apply
}

// LocalAddr returns the connection's local address; the zero AddrPort
// for a Unix-domain connection, as for RemoteAddr, and for a dialled one
// until it has connected.
func (c *Conn) LocalAddr() netip.AddrPort {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.local
}

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() netip.AddrPort { return c.remote }

// peer names the other end in errors: its address, or the socket path of
// a Unix-domain connection.
func (c *Conn) peer() string {
	if c.path != "" {
		return "unix://" + c.path
	}
	return c.remote.String()
}

// Context returns the value set with SetContext, or nil.
func (c *Conn) Context() any { return c.ctx }

// SetContext attaches a value of the handler's to the connection, such
// as the state of its protocol.
func (c *Conn) SetContext(v any) { c.ctx = v }

// InboundBuffered returns the number of inbound bytes Peek can see.
func (c *Conn) InboundBuffered() int { return len(c.view) }

// Peek returns the next n inbound bytes without consuming them; n < 0
// means all that is buffered. With fewer than n buffered it returns them
// all and io.ErrShortBuffer. The slice is valid until the callback
// returns: copy what must outlive it.
func (c *Conn) Peek(n int) ([]byte, error) {
	if n < 0 || n == len(c.view) {
		return c.view, nil
	}
	if n > len(c.view) {
		return c.view, io.ErrShortBuffer
	}
	return c.view[:n:n], nil
}

// Next is Peek that also consumes the bytes it returns.
func (c *Conn) Next(n int) ([]byte, error) {
	b, err := c.Peek(n)
	c.view = c.view[len(b):]
	return b, err
}

// Discard consumes the next n inbound bytes (all, for n < 0) and returns
// how many it consumed: with fewer than n buffered, all of them and
// io.ErrShortBuffer.
func (c *Conn) Discard(n int) (int, error) {
	b, err := c.Next(n)
	return len(b), err
}

// OutboundBuffered returns the bytes accepted by Write and AsyncWrite
// that the socket has not taken yet.
func (c *Conn) OutboundBuffered() int {
	c.mu.Lock()
	n := len(c.async)
	c.mu.Unlock()
	return len(c.out) - c.outHead + n
}

// Write sends p: as much as the socket takes at once, and the rest is
// buffered and sent when the socket is writable, in order. It accepts
// all of p and returns len(p), unless the connection is closing or
// closed (net.ErrClosed) or has failed (that error; OnClose follows).
// Write never blocks.
//
// From the connection's own callbacks (OnOpen, OnTraffic, and its
// functions of Run, AfterFunc and AsyncWriteDone), Write never refuses
// data for being over MaxOutbound: the loop stops reading instead, and
// OutboundFull tells the handler to stop answering. Written to from
// other callbacks (a broadcast, a proxy), where stopping this
// connection's reads would not stop the writer, it refuses p with
// ErrOutboundFull, writing nothing, while the pending output is at
// MaxOutbound or above, as AsyncWrite does.
func (c *Conn) Write(p []byte) (int, error) {
	if c.l.cur != c && c.state == connOpen && !c.failed && c.outboundFull() {
		return 0, ErrOutboundFull
	}
	return c.write(p)
}

// OutboundFull reports whether the output written that the socket has
// not taken yet is at Config.MaxOutbound or above: the loop then stops
// reading from the connection once the running callback returns.
//
// A handler answering many requests in one OnTraffic (a pipelining
// peer) checks it after each answer and, once it is true, stops
// answering and leaves the rest of the input unconsumed. The loop calls
// OnTraffic again with that input when the output has drained to half of
// MaxOutbound, even if nothing more arrives. A peer that never reads its
// answers then makes the connection hold at most MaxOutbound plus one
// answer of output, and one read's worth of input (Config.ReadBufferSize)
// besides what the handler leaves; without the check, one read of small
// requests can be worth any amount of answers.
func (c *Conn) OutboundFull() bool {
	max := c.l.s.cfg.MaxOutbound
	return max > 0 && len(c.out)-c.outHead >= max
}

// outboundFull reports whether the pending output, of the loop's
// buffer and of AsyncWrite, is at MaxOutbound or above.
func (c *Conn) outboundFull() bool {
	max := c.l.s.cfg.MaxOutbound
	return max > 0 && c.OutboundBuffered() >= max
}

// write is Write without the cap, for the connection's own callbacks and
// the loop.
func (c *Conn) write(p []byte) (int, error) {
	switch {
	case c.failed:
		return 0, c.err
	case c.state != connOpen:
		return 0, net.ErrClosed
	case len(p) == 0:
		return 0, nil
	case c.tls != nil:
		return c.tlsWrite(p)
	}
	c.send(p)
	if c.failed {
		return 0, c.err
	}
	return len(p), nil
}

// send writes p to the socket, as much as it takes at once, and buffers
// the rest: the bytes on the wire, which Write hands it (or, for TLS,
// the records the session makes). A failure fails the connection.
func (c *Conn) send(p []byte) {
	n := 0
	if c.outHead == len(c.out) {
		var ok bool
		if n, ok = c.afterSend(sock.Send(c.fd, p)); !ok {
			return
		}
	}
	if n < len(p) {
		c.buffer(p[n:])
		c.l.markDirty(c)
	}
}

// afterSend takes the outcome of one send to the socket: the bytes it took
// (none when it would block), or false once a failure has failed the
// connection.
func (c *Conn) afterSend(m int, err error) (int, bool) {
	switch {
	case err == nil:
		c.sent += int64(m)
		c.l.touch(c)
		return m, true
	case sock.WouldBlock(err):
		return 0, true
	}
	c.fail(fmt.Errorf("evloop: write to %s: %w", c.peer(), err))
	return 0, false
}

// AsyncWrite queues a copy of p to be written by the connection's loop,
// after what was written before, and wakes the loop. It is safe from any
// goroutine. It fails with net.ErrClosed once Close was called or the
// connection closed, and with ErrOutboundFull, queuing nothing, while
// the connection's pending output exceeds Config.MaxOutbound. Data that
// AsyncWrite accepted is sent before a graceful close (Close, Shutdown)
// completes.
func (c *Conn) AsyncWrite(p []byte) error { return c.asyncWrite(p, nil) }

// asyncWrite is AsyncWrite and AsyncWriteDone.
func (c *Conn) asyncWrite(p []byte, done func(*Conn, error)) error {
	c.mu.Lock()
	if c.closeReq || c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	if max := c.l.s.cfg.MaxOutbound; max > 0 {
		if pend := c.outLen.Load() + int64(len(c.async)); pend > 0 && pend >= int64(max) {
			c.mu.Unlock()
			return ErrOutboundFull
		}
	}
	c.async = append(c.async, p...)
	if done != nil {
		c.asyncFns = append(c.asyncFns, done)
	}
	post := !c.queued
	c.queued = true
	c.mu.Unlock()
	if post {
		c.l.post(task{kind: taskConn, c: c})
	}
	return nil
}

// Close closes the connection gracefully, from any goroutine: the loop
// stops delivering inbound data, flushes the pending output (AsyncWrite
// data accepted before Close included), shuts down its sending side so
// the peer reads end of stream, waits for the peer to close (see
// Config.LingerTimeout), closes the socket and calls OnClose with nil.
// Close returns at once; a second Close returns net.ErrClosed.
//
// The peer's end of stream closes the connection the same way, once
// OnTraffic has had what came before it: what was written until then is
// delivered, and AsyncWrite fails from then on; unless the handler has
// OnEOF, which keeps the connection open for answers that come later
// (a half-closed connection) until Close.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closeReq || c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	c.closeReq = true
	post := !c.queued
	c.queued = true
	c.mu.Unlock()
	if post {
		c.l.post(task{kind: taskConn, c: c})
	}
	return nil
}

// Run queues f to run on the connection's loop, as a callback of c: f
// may use every method of c, and of the other connections of the loop,
// as OnTraffic can. It is safe from any goroutine and does not wait: it
// is how work done elsewhere gets back to the loop's state (gnet's
// Conn.Wake, with a function). Functions run in the order of their Run
// calls, after the AsyncWrite data queued before them has been written,
// and, for a dialled connection, once it has connected (after OnOpen).
// Run fails with net.ErrClosed once Close was called or the connection
// closed; a function queued before that and not yet run when the
// connection stops serving (a graceful close begins, it fails) is
// dropped, and OnClose follows.
func (c *Conn) Run(f func(c *Conn)) error {
	c.mu.Lock()
	if c.closeReq || c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	c.funcs = append(c.funcs, f)
	post := !c.queued
	c.queued = true
	c.mu.Unlock()
	if post {
		c.l.post(task{kind: taskConn, c: c})
	}
	return nil
}

// runFuncs runs the functions queued by Run, while c is open.
func (c *Conn) runFuncs() {
	c.mu.Lock()
	fs := c.funcs
	c.funcs = nil
	c.mu.Unlock()
	l := c.l
	for i, f := range fs {
		if c.state != connOpen || c.failed {
			break
		}
		prev := l.cur
		l.cur = c
		f(c)
		l.cur = prev
		fs[i] = nil
	}
}

// runTask takes the PauseRead or ResumeRead, AsyncWrite data, functions
// of Run and Close request queued for c.
func (c *Conn) runTask() {
	c.takeReadRequest()
	if c.state == connConnecting || c.state == connHandshaking || c.state == connClosed {
		c.mu.Lock()
		c.queued = false
		closeReq := c.closeReq
		c.mu.Unlock()
		if closeReq && c.state != connClosed {
			c.closeNow(nil) // data waits in async for the connect (and handshake) otherwise
		}
		return
	}
	c.mu.Lock()
	c.queued = false
	data := c.async
	c.async, c.asyncBuf = c.asyncBuf[:0], nil
	fns := c.takeAsyncFns()
	closeReq := c.closeReq
	c.mu.Unlock()
	c.writeAsync(data)
	c.awaitSent(fns)
	c.runFuncs()
	if closeReq {
		c.beginClose(nil)
	}
}

// writeAsync writes data taken from async and gives its buffer back.
func (c *Conn) writeAsync(data []byte) {
	if len(data) > 0 && c.state <= connFlushing {
		c.writeAny(data)
	}
	if cap(data) <= keepCap {
		c.mu.Lock()
		if c.asyncBuf == nil {
			c.asyncBuf = data[:0]
		}
		c.mu.Unlock()
	}
}

// writeAny is Write for the loop itself, which also writes while the
// connection is flushing.
func (c *Conn) writeAny(p []byte) {
	state := c.state
	c.state = connOpen
	c.write(p)
	c.state = state
}

// buffer appends p to the pending output.
func (c *Conn) buffer(p []byte) {
	room := cap(c.out) - len(c.out)
	if c.outHead > 0 && (c.outHead >= len(c.out)/2 || room < len(p)) {
		n := copy(c.out, c.out[c.outHead:])
		c.out = c.out[:n]
		c.outHead = 0
		room = cap(c.out) - n
	}
	if room < len(p) {
		c.out = c.l.grow(c.out, len(p))
	}
	c.out = append(c.out, p...)
	c.outLen.Store(int64(len(c.out) - c.outHead))
}

// fail records the first error of c and has the loop close it once the
// running callback returns.
func (c *Conn) fail(err error) {
	if !c.failed {
		c.err = err
	}
	c.failed = true
	c.l.markDirty(c)
}

// onEvent handles readiness of c.
func (c *Conn) onEvent(ev poll.Events) {
	if c.state == connConnecting {
		c.connected(ev)
		return
	}
	done := false
	if ev&(poll.Out|poll.Err|poll.Hup) != 0 && c.outHead < len(c.out) {
		c.flush()
		done = true
	}
	if c.state != connClosed && !c.failed && ev&(poll.In|poll.Err|poll.Hup) != 0 && c.interest&poll.In != 0 && c.reading() {
		c.read()
		done = true
	}
	if !done && ev&(poll.Err|poll.Hup) != 0 && c.state != connClosed {
		// Nothing to read or write would notice: take the error as is.
		err := sock.Error(c.fd)
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		err = fmt.Errorf("evloop: connection to %s: %w", c.peer(), err)
		if c.state == connHandshaking {
			c.tlsSocketFailed(err)
		} else {
			c.fail(err)
		}
	}
	c.l.markDirty(c)
}

// read reads once into the loop's buffer and delivers it.
func (c *Conn) read() {
	l := c.l
	if c.again {
		// Reading has just resumed: the input left goes first.
		c.redeliver()
		if !c.reading() || c.state == connClosed || c.failed {
			return // paused again, detached or closed by OnTraffic
		}
	}
	n, err := sock.Recv(c.fd, l.buf)
	switch {
	case err != nil && sock.WouldBlock(err):
		return
	case err != nil && c.state == connHandshaking:
		c.tlsSocketFailed(fmt.Errorf("evloop: read from %s: %w", c.peer(), err))
	case err != nil:
		c.fail(fmt.Errorf("evloop: read from %s: %w", c.peer(), err))
		return
	case n == 0:
		if c.tls != nil && !c.tlsEOF() {
			return
		}
		c.eof = true
		switch c.state {
		case connOpen:
			c.inputEnded()
		case connLingering:
			c.closeNow(c.err)
		}
		return
	}
	if c.tls != nil {
		c.tlsRead(l.buf[:n])
		return
	}
	if c.state != connOpen {
		return // closing: discarded
	}
	l.touch(c)
	c.take(l.buf[:n])
}

// inputEnded handles the end of the peer's stream on an open connection:
// OnEOF, which keeps the connection open for output, if the handler has
// one; else a graceful close.
func (c *Conn) inputEnded() {
	if c.ended {
		return // the TLS session's end of stream came first (tlsEOF)
	}
	c.mu.Lock()
	closeReq := c.closeReq // Close from another goroutine, not yet taken
	c.mu.Unlock()
	if c.h.OnEOF == nil || closeReq {
		c.beginClose(nil)
		return
	}
	// No more reads (settle asks for no input): a socket at its end of
	// stream is readable at every Wait.
	c.ended = true
	l := c.l
	prev := l.cur
	l.cur = c
	c.h.OnEOF(c)
	l.cur = prev
	l.markDirty(c)
}

// take delivers inbound bytes p, read into a buffer of the loop, after
// those the handler left unconsumed.
func (c *Conn) take(p []byte) {
	l := c.l
	n := len(p)
	c.syncIn()
	inBuf := len(c.in) == 0
	if inBuf {
		c.view = p
	} else {
		if cap(c.in)-len(c.in) < n {
			c.in = l.grow(c.in, n)
		}
		c.in = append(c.in, p...)
		c.view = c.in
	}
	c.deliver(inBuf)
}

// syncIn drops from c.in the bytes that were consumed outside OnTraffic:
// between deliveries c.view is c.in, and Next and Discard called from a
// function of Run, a timer, an AsyncWriteDone callback or another
// connection's callback shorten c.view only, leaving it a suffix of c.in.
// Whatever reads c.in calls it first, or the consumed bytes would be
// delivered again.
func (c *Conn) syncIn() {
	if len(c.view) == len(c.in) {
		return
	}
	c.in = c.in[:copy(c.in, c.view)]
	if len(c.in) == 0 && cap(c.in) > keepCap {
		c.l.putBuf(c.in)
		c.in = nil
	}
	c.view = c.in
}

// deliver hands the inbound bytes of c.view to OnTraffic and keeps what
// the handler leaves in c.in. inBuf says that c.view is in the loop's
// read buffer, not in c.in.
func (c *Conn) deliver(inBuf bool) {
	l := c.l
	if c.h.OnTraffic != nil {
		prev := l.cur
		l.cur = c
		c.h.OnTraffic(c)
		l.cur = prev
		if c.state == connClosed {
			return // detached: the rest went with it
		}
	} else {
		c.view = nil
	}
	// Keep what the handler left.
	switch {
	case len(c.view) == 0:
		c.in = c.in[:0]
		if cap(c.in) > keepCap {
			l.putBuf(c.in)
			c.in = nil
		}
	case inBuf:
		if cap(c.in) < len(c.view) {
			c.in = l.grow(c.in, len(c.view))
		}
		c.in = append(c.in[:0], c.view...)
	default:
		c.in = c.in[:copy(c.in, c.view)]
	}
	c.view = c.in
	if max := l.s.cfg.MaxInbound; max > 0 && len(c.in) > max && c.state == connOpen {
		c.fail(ErrInboundFull)
	}
}

// flush writes pending output, as much as the socket takes.
func (c *Conn) flush() {
	n, err := sock.Send(c.fd, c.out[c.outHead:])
	switch {
	case err != nil && sock.WouldBlock(err):
		return
	case err != nil:
		c.fail(fmt.Errorf("evloop: write to %s: %w", c.peer(), err))
		return
	}
	c.outHead += n
	c.sent += int64(n)
	if n > 0 {
		c.l.touch(c)
	}
	if c.outHead == len(c.out) {
		c.out, c.outHead = c.out[:0], 0
		if cap(c.out) > keepCap {
			c.l.putBuf(c.out)
			c.out = nil
		}
	}
	c.outLen.Store(int64(len(c.out) - c.outHead))
}

// settle runs after the loop's callbacks: it closes a failed connection,
// moves a graceful close on, and registers the interest the connection
// needs now.
func (c *Conn) settle() {
	if c.state == connClosed || c.state == connConnecting {
		return
	}
	if c.failed {
		c.closeNow(c.err)
		return
	}
	if len(c.dones) > 0 {
		c.callDones()
		if c.state == connClosed || c.failed {
			return // a callback closed or detached it; failed: settled again
		}
	}
	pending := len(c.out) - c.outHead
	if c.state == connFlushing && pending == 0 {
		if c.eof {
			c.closeNow(c.err)
			return
		}
		if err := sock.ShutdownWrite(c.fd); err != nil {
			c.closeNow(c.err)
			return
		}
		c.state = connLingering
		c.l.touch(c) // the linger time starts now
	}
	var want poll.Events
	switch c.state {
	case connOpen:
		if !c.ended {
			want |= c.readInterest(pending)
		}
	case connHandshaking:
		if !c.eof && c.tls.s.WantInput() {
			want |= poll.In
		}
	case connFlushing, connLingering:
		if !c.eof {
			want |= poll.In // read and discard, and see the peer's close
		}
	}
	if pending > 0 {
		want |= poll.Out
	}
	if want != c.interest {
		if err := c.l.p.Modify(uintptr(c.fd), c.key, want); err != nil {
			c.closeNow(fmt.Errorf("evloop: connection to %s: %w", c.peer(), err))
			return
		}
		c.interest = want
	}
}

// beginClose starts a graceful close: no more inbound data for the
// handler, flush the output, then shut down and linger (settle does
// those).
func (c *Conn) beginClose(err error) {
	if c.state != connOpen || c.failed {
		return
	}
	c.mu.Lock()
	c.closeReq = true
	data := c.async
	c.async = nil
	fns := c.takeAsyncFns()
	c.mu.Unlock()
	if len(data) > 0 {
		c.writeAny(data)
	}
	c.awaitSent(fns)
	if c.tls != nil {
		c.tlsCloseWrite() // close_notify, after the output
	}
	if c.err == nil {
		c.err = err
	}
	c.state = connFlushing
	c.l.putBuf(c.in)
	c.in, c.view = nil, nil
	c.l.idle.remove(c)
	c.l.closing.push(c)
	c.last = c.l.now
	c.l.markDirty(c)
}

// closeNow closes the socket at once, drops what is pending and calls
// OnClose, if the handler has seen the connection.
func (c *Conn) closeNow(err error) {
	if c.state == connClosed {
		return
	}
	l := c.l
	c.state = connClosed
	if c.key != 0 {
		l.unregister(c.key)
		l.forget(c.fd)
	}
	if c.list != nil {
		c.list.remove(c)
	}
	if len(c.timers) > 0 {
		l.dropTimers(c)
	}
	c.closeSocket()
	l.nconn.Add(-1)
	if c.ln != nil {
		l.s.conns.Add(-1)
	}
	c.mu.Lock()
	c.closed = true
	c.async, c.asyncBuf, c.funcs = nil, nil, nil
	fns := c.takeAsyncFns()
	c.mu.Unlock()
	l.putBuf(c.in)
	l.putBuf(c.out)
	c.in, c.view, c.out, c.outHead = nil, nil, nil, 0
	c.outLen.Store(0)
	if c.err != nil && err == nil {
		err = c.err
	}
	c.err = err
	c.dropDones(fns, err)
	if (c.opened || c.dialled) && c.h.OnClose != nil {
		c.h.OnClose(c, err)
	}
	if c.tls != nil {
		c.tlsClosed(err) // after OnClose, which may ask for ConnectionState
	}
}

// closeSocket closes the connection's socket: through the net.Conn it
// came from, if any.
func (c *Conn) closeSocket() {
	switch {
	case c.nc != nil:
		c.nc.Close()
	case c.fd != badHandle:
		sock.Close(c.fd)
	}
}

// connected handles the end of a dialled connect.
func (c *Conn) connected(ev poll.Events) {
	err := sock.Error(c.fd)
	if err == nil && ev&(poll.Err|poll.Hup) != 0 {
		// No error recorded but the socket says it failed: make sure.
		if _, perr := sock.PeerAddr(c.fd); perr != nil {
			err = perr
		}
	}
	if err != nil {
		c.closeNow(fmt.Errorf("evloop: dial %s: %w", c.peer(), err))
		return
	}
	local, _ := sock.LocalAddr(c.fd)
	c.mu.Lock()
	c.local = local
	c.mu.Unlock()
	c.l.touch(c)
	if c.tls != nil {
		c.tlsStart()
		return
	}
	c.start()
}

// start opens c for the handler: interest in reading, OnOpen, and the
// AsyncWrite data queued while it was connecting.
func (c *Conn) start() {
	c.state = connOpen
	c.opened = true
	if c.h.OnOpen != nil {
		l := c.l
		prev := l.cur
		l.cur = c
		c.h.OnOpen(c)
		l.cur = prev
	}
	if c.state == connOpen {
		c.mu.Lock()
		data := c.async
		c.async = nil
		fns := c.takeAsyncFns()
		c.mu.Unlock()
		if len(data) > 0 {
			c.write(data)
		}
		c.awaitSent(fns)
		c.runFuncs()
	}
	c.l.markDirty(c)
}
