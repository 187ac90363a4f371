package evloop

import "github.com/goafd/afd/poll"

// Reading an open connection stops for two reasons, each lifted on its
// own: its pending output reached Config.MaxOutbound (the loop's doing,
// lifted when the output has drained to half of it), and PauseRead (the
// handler's, lifted by ResumeRead). A connection is thus in one of four
// states, reading, held by its output, paused, or both, and reads again
// only when no reason is left; a readHold is the set of reasons.
//
// When the last reason goes, the input the handler left is offered
// again (loop.again): the handler may have left it for want of room
// (OutboundFull) or paused in the middle of it, and the peer may send
// nothing more that would bring OnTraffic back.
type readHold uint8

const (
	holdOutput readHold = 1 << iota // pending output at MaxOutbound, until half of it
	holdPaused                      // PauseRead, until ResumeRead
)

// A readRequest is the last PauseRead or ResumeRead that a goroutine
// other than the loop made, waiting for the loop (Conn.runTask).
type readRequest uint8

const (
	readNoRequest readRequest = iota
	readPause
	readResume
)

// PauseRead stops reading from the connection until ResumeRead: the
// loop takes the socket's interest in input off its poller, reads
// nothing more from it, and calls OnTraffic no more, not even for input
// the handler left unconsumed. Data the peer sends meanwhile waits in the
// socket buffers of both ends, and TCP's flow control stops the peer
// once they are full: a paused connection holds no more inbound memory
// than it held when it paused (InboundBuffered, which is at most what the
// handler left of the last OnTraffic; over TLS, also the records of one
// read that were not decrypted yet, at most Config.ReadBufferSize, and
// crypto/tls's buffer of one record).
//
// Everything else goes on: Write, AsyncWrite and the pending output,
// timers and Run, Close and Shutdown (a graceful close reads again, to
// discard and to see the peer's close), and Config.IdleTimeout, which
// closes a connection paused for longer than it with ErrIdleTimeout, as
// for any connection that moves no byte. What the socket reports without
// a read still closes the connection: a reset (or another error of the
// socket) closes it at once, and OnClose comes with the socket's error
// (io.ErrUnexpectedEOF where the system records none: Wine 8.0 after a
// reset); the input it holds is dropped. The peer's end of stream, which
// comes after its data, is not seen until ResumeRead: the data first,
// then the graceful close (or OnEOF). So on Windows too, where the poll asks AFD
// for ABORT while paused, not for RECEIVE nor DISCONNECT.
//
// PauseRead and ResumeRead are safe from any goroutine and idempotent:
// the last call made is the one that holds (a pause is not counted).
// From a callback of the connection's loop (OnOpen, OnTraffic, of this
// connection or another of the loop, functions of Run, AfterFunc,
// AsyncWriteDone) they take effect at once: after PauseRead in
// OnTraffic, no OnTraffic comes, even for input that was already read.
// From another goroutine they take effect when the loop gets to them,
// before it runs the functions given to Run after them; an OnTraffic
// under way, or one for input read before, may still come. On a
// connection that is closing or closed they do nothing. A pause made
// before the connection is open (from another goroutine, while a Dial
// connects or a TLS handshake runs) takes effect at OnOpen: the
// handshake reads what it needs.
//
// A handler that pauses while a consumer in another goroutine is behind,
// and the consumer that resumes once it has caught up, must allow for a
// consumer that catches up just before the pause: its ResumeRead then
// comes first, and the pause holds. The handler pauses, then looks
// again, and resumes if the consumer is no longer behind (the Example
// does).
func (c *Conn) PauseRead() { c.requestRead(readPause) }

// ResumeRead undoes PauseRead: the loop reads from the connection again,
// and OnTraffic comes first with the input the handler had left
// unconsumed (over TLS, with what the session had decrypted or still
// holds), if any, even if nothing new arrives; new input follows, in
// order. While the pending output is at Config.MaxOutbound the loop
// still does not read: it reads, and offers the input left again, once
// the output has drained to half of it, as without a pause. See
// PauseRead for where it may be called.
func (c *Conn) ResumeRead() { c.requestRead(readResume) }

// requestRead is PauseRead and ResumeRead.
func (c *Conn) requestRead(r readRequest) {
	// The loop is known by its goroutine, as in Server.callerLoop.
	onLoop := c.l.gid.Load() == goid()
	c.mu.Lock()
	if c.closeReq || c.closed {
		c.mu.Unlock()
		return
	}
	if onLoop {
		c.readReq = readNoRequest // this call comes after any queued
		c.mu.Unlock()
		c.applyRead(r)
		return
	}
	c.readReq = r
	post := !c.queued
	c.queued = true
	c.mu.Unlock()
	if post {
		c.l.post(task{kind: taskConn, c: c})
	}
}

// takeReadRequest applies the request queued by another goroutine, on
// the loop.
func (c *Conn) takeReadRequest() {
	c.mu.Lock()
	r := c.readReq
	c.readReq = readNoRequest
	c.mu.Unlock()
	c.applyRead(r)
}

// applyRead applies a PauseRead or ResumeRead on the loop.
func (c *Conn) applyRead(r readRequest) {
	switch {
	case c.state == connClosed:
	case r == readPause:
		c.setHold(c.hold | holdPaused)
		c.l.markDirty(c)
	case r == readResume:
		c.setHold(c.hold &^ holdPaused)
		c.l.markDirty(c)
	}
}

// setHold sets the reasons that hold reading; settle registers the
// interest that follows (the caller has c settled). When the last reason goes, the connection is
// queued to have its input offered again (loop.deliverAgain). It does
// not look at the input itself: it may run inside the connection's own
// OnTraffic, when c.in is not yet up to date (see syncIn).
func (c *Conn) setHold(h readHold) {
	if c.hold != 0 && h == 0 && c.state == connOpen && !c.again && !c.ended {
		c.again = true
		c.l.again = append(c.l.again, c)
	}
	c.hold = h
}

// reading reports whether the loop reads from c: always while it closes
// (to discard, and to see the peer's close), when nothing holds it while
// it is open.
func (c *Conn) reading() bool {
	return c.state != connOpen || c.hold == 0
}

// readInterest returns the interest in input an open connection needs,
// having updated the hold of its pending output (pending bytes).
func (c *Conn) readInterest(pending int) poll.Events {
	h := c.hold
	if max := c.l.s.cfg.MaxOutbound; max > 0 {
		switch {
		case pending >= max:
			h |= holdOutput
		case pending <= max/2:
			h &^= holdOutput
		}
	}
	c.setHold(h)
	if c.hold != 0 {
		return 0
	}
	return poll.In
}

// redeliver calls OnTraffic again with the input the handler left, once
// reading resumes: loop.deliverAgain, or a read that comes first (the
// input left goes before what the read brings, and before the end of
// stream, which drops it). Over TLS the session's plaintext and records
// not yet decrypted follow it.
func (c *Conn) redeliver() {
	c.again = false
	if c.state != connOpen || c.hold != 0 || c.failed || c.ended {
		return // ended: no OnTraffic after OnEOF
	}
	if c.tls != nil {
		c.tlsFeed(nil, true)
		return
	}
	if c.syncIn(); len(c.in) > 0 {
		c.deliver(false)
	}
}
