package evhttp

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goafd/afd/evloop"
)

// connState is where a connection is between requests and in one.
type connState uint8

const (
	connIdle     connState = iota // between requests, nothing gathered: no buffer held
	connHead                      // a request's head is arriving
	connBody                      // a handler runs; its body streams to it
	connWait                      // a handler runs; its body is complete and further input waits
	connDrain                     // the handler is done; the rest of its body is read and dropped
	connClosing                   // closing: input is dropped
	connSwitched                  // SwitchProtocols gave the connection to a Protocol
)

// The errors of ReadTimeout and WriteTimeout: they match
// os.ErrDeadlineExceeded, a net.Error whose Timeout is true, as the
// errors of net/http's deadlines do.
var (
	errReadTimeout  = fmt.Errorf("evhttp: request not read within ReadTimeout: %w", os.ErrDeadlineExceeded)
	errWriteTimeout = fmt.Errorf("evhttp: response not written within WriteTimeout: %w", os.ErrDeadlineExceeded)
)

// maxDrain is how much of a body its handler left unread the connection
// reads and drops to serve the next request, as net/http's
// maxPostHandlerReadBytes; beyond it, the connection closes.
const maxDrain = 256 << 10

// An hconn is the HTTP state of an evloop connection. Its fields are the
// loop's, but for those of the write side (wmu) and closeAfter, which the
// handler's goroutine uses too.
type hconn struct {
	s *Server
	c *evloop.Conn
	p *parser

	state   connState
	tls     *tls.ConnectionState // of a TLS connection, for Request.TLS; else nil
	timer   *evloop.Timer        // the head's, the wait's for a request, or ReadTimeout's
	wtimer  *evloop.Timer        // WriteTimeout's
	headAt  time.Time            // when the running request's head began, for ReadTimeout
	seq     uint64               // counts requests: a timer of an earlier one does nothing
	body    *body                // of the running request, if it has one
	drained int64
	done    bool // the running handler has returned (loop's view)
	// ended: the client has shut down its sending side (evloop's OnEOF):
	// what it sent before is answered, then the connection closes.
	ended bool
	// paused: the loop has paused the connection (PauseRead) since it
	// last resumed it. next resumes only then, sparing each request
	// ResumeRead's look-up of the goroutine it runs on.
	paused bool
	cancel context.CancelFunc

	proto   *Protocol   // after SwitchProtocols
	expect  bool        // the running request expects 100-continue
	sent100 atomic.Bool // 100 Continue was sent (or the response begun)

	closeAfter atomic.Bool // close the connection after the running response

	wmu        sync.Mutex
	wcond      sync.Cond
	inflight   int                // bytes given to AsyncWriteDone not yet taken by the socket
	werr       error              // the connection failed or closed: writes fail with it
	liveCancel context.CancelFunc // of the running request, for abort
	liveBody   *body              // of the running request, for abort
	onDrop     func(error)        // answers a handler waiting for a function of Run, see setOnDrop

	// Of the running request, for the pool's worker (run).
	w   *response
	req *http.Request

	// Made once per connection rather than per request.
	remoteAddr string
	localAddr  net.Addr
	doneFn     func(*evloop.Conn) // runs handlerDone on the loop
}

// abort fails the running request from any goroutine: its writes and body
// reads fail with err and its context is done.
func (hc *hconn) abort(err error) {
	hc.failWrites(err)
	hc.wmu.Lock()
	cancel, b := hc.liveCancel, hc.liveBody
	hc.wmu.Unlock()
	if b != nil {
		b.finish(nil, err)
	}
	if cancel != nil {
		cancel()
	}
}

// onOpen starts serving a connection: its first request's head is due
// within ReadHeaderTimeout, as for net/http.
func (s *Server) onOpen(c *evloop.Conn) {
	hc := &hconn{s: s, c: c, p: newParser(s.MaxHeaderBytes), state: connHead}
	hc.wcond.L = &hc.wmu
	if st, ok := c.ConnectionState(); ok {
		hc.tls = &st // shared by the connection's requests, as net/http does
	}
	hc.doneFn = func(*evloop.Conn) { hc.handlerDone() }
	c.SetContext(hc)
	if !s.track(hc) {
		hc.state = connClosing
		c.Close()
		return
	}
	hc.headAt = time.Now()
	hc.setTimer(s.readHeaderTimeout())
}

func (s *Server) onTraffic(c *evloop.Conn) {
	if hc, ok := c.Context().(*hconn); ok {
		if hc.state == connSwitched {
			if hc.proto.OnTraffic != nil {
				hc.proto.OnTraffic(c)
			}
			return
		}
		hc.onTraffic()
	}
}

// onEOF: the client has shut down its sending side, after the input
// OnTraffic has had. The connection stays open for the answers.
func (s *Server) onEOF(c *evloop.Conn) {
	hc, ok := c.Context().(*hconn)
	if !ok || hc.state == connSwitched {
		c.Close() // a switched protocol has no use for half a connection
		return
	}
	hc.ended = true
	hc.endOfInput()
}

// endOfInput acts on the client's end of stream once the input before it
// has been taken, as net/http does: a request whose head or body is cut
// short fails, a running request goes on and is answered, its context
// cancelled (net/http cancels it when its read of the connection ends),
// and the connection closes when nothing is left to answer.
func (hc *hconn) endOfInput() {
	switch hc.state {
	case connIdle, connDrain:
		hc.close()
	case connHead:
		if hc.p.idle() {
			hc.close() // not one byte of a request: no answer
		} else {
			hc.refuse(errCutShort)
		}
	case connBody:
		// The handler's Read fails; the rest of its work, answer
		// included, goes on. closeAfter first, as for ReadTimeout.
		hc.closeAfter.Store(true)
		hc.body.finish(nil, io.ErrUnexpectedEOF)
		hc.state = connWait
		hc.cancelRequest()
	case connWait:
		hc.cancelRequest()
	}
}

// cancelRequest cancels the running request's context.
func (hc *hconn) cancelRequest() {
	if hc.cancel != nil {
		hc.cancel()
	}
}

// input returns the connection's unconsumed input.
func (hc *hconn) input() []byte {
	in, _ := hc.c.Peek(-1)
	return in
}

// consume consumes n bytes of input (all, for n < 0), from a callback of
// the connection's loop: OnTraffic or a function of Run.
func (hc *hconn) consume(n int) {
	hc.c.Discard(n)
}

func (s *Server) onClose(c *evloop.Conn, err error) {
	hc, ok := c.Context().(*hconn)
	if !ok {
		return
	}
	if hc.state == connSwitched {
		if hc.proto.OnClose != nil {
			hc.proto.OnClose(c, err)
		}
		return
	}
	hc.state = connClosing
	if err == nil {
		err = net.ErrClosed
	}
	// The client is gone: the handler's writes and body reads fail, and
	// its Request.Context is done.
	hc.abort(fmt.Errorf("evhttp: connection closed: %w", err))
	hc.dropped(err)
	s.untrack(hc)
}

// setTimer replaces the connection's timer with one that closes it after
// d (none for d <= 0), unless a request's head has come by then.
func (hc *hconn) setTimer(d time.Duration) {
	if d <= 0 {
		hc.replaceTimer(false, 0, nil) // no closure made for no timer
		return
	}
	hc.replaceTimer(true, d, func() {
		if hc.state == connIdle || hc.state == connHead {
			hc.close() // as net/http: no answer to a head that did not come in time
		}
	})
}

// replaceTimer replaces the connection's timer with one that runs f after
// d, if on.
func (hc *hconn) replaceTimer(on bool, d time.Duration, f func()) {
	if hc.timer != nil {
		hc.timer.Stop()
		hc.timer = nil
	}
	if on {
		hc.timer = hc.c.AfterFunc(d, func(*evloop.Conn) {
			hc.timer = nil
			f()
		})
	}
}

// setDeadlines starts the timers of ReadTimeout, for a request with a
// body, and of WriteTimeout, for the request that startRequest has just
// begun.
func (hc *hconn) setDeadlines() {
	s, seq := hc.s, hc.seq
	if s.ReadTimeout <= 0 || hc.state != connBody {
		hc.replaceTimer(false, 0, nil) // no closure made for no timer
	} else {
		hc.setReadTimer(seq)
	}
	hc.stopWriteTimer()
	if s.WriteTimeout > 0 {
		hc.wtimer = hc.c.AfterFunc(s.WriteTimeout, func(*evloop.Conn) {
			hc.wtimer = nil
			if hc.seq == seq {
				hc.closeAfter.Store(true)
				hc.failWrites(errWriteTimeout)
			}
		})
	}
}

// setReadTimer starts the timer of ReadTimeout for request seq.
func (hc *hconn) setReadTimer(seq uint64) {
	hc.replaceTimer(true, time.Until(hc.headAt.Add(hc.s.ReadTimeout)), func() {
		if hc.seq != seq {
			return
		}
		switch hc.state {
		case connBody:
			// The handler reads what came in time, then the error; the
			// rest of the body waits unread (connWait), and the
			// connection closes after the answer.
			// closeAfter first: the handler answers as soon as its
			// Read fails, and the answer must say Connection: close.
			hc.closeAfter.Store(true)
			hc.body.finish(nil, errReadTimeout)
			hc.state = connWait
		case connDrain:
			hc.close()
		}
	})
}

// stopWriteTimer stops the timer of WriteTimeout: the response is
// complete.
func (hc *hconn) stopWriteTimer() {
	if hc.wtimer != nil {
		hc.wtimer.Stop()
		hc.wtimer = nil
	}
}

// failWrites has the running handler's writes fail with err, and a Write
// that waits for the client return with it.
func (hc *hconn) failWrites(err error) {
	hc.wmu.Lock()
	if hc.werr == nil {
		hc.werr = err
	}
	hc.wcond.Broadcast()
	hc.wmu.Unlock()
}

// onTraffic takes the input of the connection as far as its state allows.
func (hc *hconn) onTraffic() {
	for {
		in := hc.input()
		if len(in) == 0 {
			return
		}
		switch hc.state {
		case connIdle, connHead:
			if hc.state == connIdle {
				hc.state = connHead
				hc.headAt = time.Now()
				hc.setTimer(hc.s.readHeaderTimeout())
			}
			n, ev, _ := hc.p.next(in)
			hc.consume(n)
			switch ev {
			case evHead:
				hc.startRequest()
			case evError:
				hc.refuse(hc.p.err)
				return
			}
		case connBody, connDrain:
			room := len(in)
			if hc.state == connBody {
				if room = hc.body.room(); room == 0 {
					return // paused: Read resumes it when it has made room
				}
			}
			n, ev, b := hc.p.next(in[:min(room, len(in))])
			switch ev {
			case evBody:
				if hc.state == connBody {
					hc.body.put(b)
				} else if hc.drained += int64(len(b)); hc.drained > maxDrain {
					hc.close()
					return
				}
				hc.consume(n)
				if hc.p.state == stateEnd {
					hc.p.next(nil)
					hc.bodyEnd()
				}
			case evEnd:
				hc.consume(n)
				hc.bodyEnd()
			case evError:
				// A malformed body: the handler's Read fails, and the
				// framing of what follows is lost. closeAfter first, as
				// for ReadTimeout: the handler answers as soon as its
				// Read fails.
				hc.closeAfter.Store(true)
				hc.body.finish(nil, hc.p.err)
				hc.consume(-1)
				if hc.state == connDrain {
					hc.close()
					return
				}
				hc.state = connWait
				return
			default:
				hc.consume(n)
			}
		case connWait:
			// Pipelined: waits for the running response, and the
			// connection is not read meanwhile (next resumes it), so
			// that what waits is at most one read. As net/http, which
			// stops reading once its background read has a byte, the
			// client's going is then seen only after the response.
			hc.c.PauseRead()
			hc.paused = true
			return
		default:
			hc.consume(-1)
			return
		}
	}
}

// close closes the connection gracefully and drops further input. No
// handler runs on it: it leaves the connections Shutdown waits for (the
// evloop.Server's own shutdown waits for its linger).
func (hc *hconn) close() {
	hc.state = connClosing
	hc.setTimer(0)
	hc.stopWriteTimer()
	hc.c.Close()
	hc.s.untrack(hc)
}

// errCutShort: the client's end of stream came within a request's head.
// net/http answers it with a bare 400.
var errCutShort = badRequest("")

// refuse answers a malformed request as net/http does, and closes.
func (hc *hconn) refuse(err *parseError) {
	msg := http.StatusText(err.status)
	if err.status == http.StatusBadRequest && err.msg != "" {
		msg += ": " + strings.TrimPrefix(err.msg, "evhttp: ")
	}
	fmt.Fprintf(hc.c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n%d %s",
		err.status, http.StatusText(err.status), err.status, msg)
	hc.close()
}

// startRequest hands the request whose head the parser has just read to a
// handler on the pool.
func (hc *hconn) startRequest() {
	hc.setTimer(0)
	s := hc.s
	req := hc.p.req
	hc.p.req = nil
	hc.drained = 0
	hc.expect = false
	hc.sent100.Store(false)
	if e := req.Header["Expect"]; len(e) > 0 {
		if len(e) == 1 && strings.EqualFold(e[0], "100-continue") {
			hc.expect = req.ProtoMinor >= 1 && req.ContentLength != 0
			delete(req.Header, "Expect")
		} else {
			hc.c.Write([]byte("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			hc.close()
			return
		}
	}
	if hc.p.state == stateEnd {
		hc.p.next(nil)
		req.Body = http.NoBody
		hc.state = connWait
	} else {
		hc.body = newBody(hc, s.bodyWindow())
		req.Body = hc.body
		hc.state = connBody
	}
	if hc.localAddr == nil {
		hc.remoteAddr = hc.c.RemoteNetAddr().String()
		hc.localAddr = hc.c.LocalNetAddr()
	}
	req.RemoteAddr = hc.remoteAddr
	req.TLS = hc.tls
	ctx, cancel := context.WithCancel(s.baseContext())
	ctx = &requestContext{Context: ctx, srv: s.std, local: hc.localAddr}
	hc.cancel = cancel
	hc.wmu.Lock()
	hc.liveCancel, hc.liveBody = cancel, hc.body
	hc.wmu.Unlock()
	tmpl := req
	req = req.WithContext(ctx)
	putRequest(tmpl)
	if hc.body != nil {
		hc.body.req = req
	}
	if s.shuttingDown() {
		hc.closeAfter.Store(true)
	}
	hc.seq++
	hc.setDeadlines()
	w := newResponse(hc, req)
	w.cancel = cancel
	hc.w, hc.req = w, req
	s.pool.Submit(hc)
}

// Run serves the running request, on a worker of the pool (a
// workpool.Task).
func (hc *hconn) Run() { hc.serve(hc.w, hc.req) }

// A requestContext is a request's context: the values of
// http.ServerContextKey and http.LocalAddrContextKey over the request's
// cancelable context, in one allocation instead of one per value.
type requestContext struct {
	context.Context
	srv   *http.Server
	local net.Addr
}

func (c *requestContext) Value(key any) any {
	switch key {
	case http.ServerContextKey:
		return c.srv
	case http.LocalAddrContextKey:
		return c.local
	}
	return c.Context.Value(key)
}

// bodyEnd: the body of the running request is complete.
func (hc *hconn) bodyEnd() {
	switch hc.state {
	case connBody:
		hc.body.finish(hc.p.trailer, nil)
		hc.state = connWait
	case connDrain:
		hc.next()
	}
}

// handlerDone runs on the loop once the handler has returned and its
// response is written.
func (hc *hconn) handlerDone() {
	hc.stopWriteTimer() // the response is written, though the body may still be drained
	if hc.cancel != nil {
		hc.cancel()
		hc.cancel = nil
	}
	switch hc.state {
	case connWait:
		hc.next()
	case connBody:
		if hc.closeAfter.Load() {
			hc.close()
			return
		}
		if hc.expect && !hc.sent100.Load() {
			// The client waits for 100 Continue that will not come:
			// it may or may not send its body (net/http closes too).
			hc.close()
			return
		}
		hc.state = connDrain
		hc.paused = false
		hc.c.ResumeRead() // the body may have stalled: the rest is read and dropped
		hc.onTraffic()
	}
}

// next ends the running request and goes on to the next one, or closes.
func (hc *hconn) next() {
	hc.body = nil
	hc.w, hc.req = nil, nil // an idle connection holds no request
	hc.wmu.Lock()
	hc.liveCancel, hc.liveBody = nil, nil
	hc.wmu.Unlock()
	hc.stopWriteTimer()
	if hc.closeAfter.Load() || hc.s.shuttingDown() {
		hc.close()
		return
	}
	hc.state = connIdle
	hc.p.releaseHead()
	hc.setTimer(hc.s.idleTimeout())
	if hc.paused { // while the request ran, as input waited
		hc.paused = false
		hc.c.ResumeRead()
	}
	hc.onTraffic()
	if hc.ended && (hc.state == connIdle || hc.state == connHead) {
		hc.endOfInput() // the input after the end of stream is taken
	}
}

// resume has the loop read the connection again, from the handler's
// goroutine: OnTraffic comes with the input left, and then what arrives.
func (hc *hconn) resume() {
	hc.c.ResumeRead()
}

// expect100 reports whether the handler's first Read must send 100
// Continue.
func (hc *hconn) expect100() bool { return hc.expect && !hc.sent100.Load() }

// send100 sends 100 Continue, unless the response has begun.
func (hc *hconn) send100() {
	if hc.sent100.CompareAndSwap(false, true) {
		hc.send([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
	}
}

// send writes p to the connection from the handler's goroutine, through
// AsyncWriteDone, waiting while the bytes in flight are at the server's
// write window: a client that does not read holds back its handler, not
// the server's memory.
func (hc *hconn) send(p []byte) error {
	window := hc.s.writeWindow()
	for len(p) > 0 {
		k := min(len(p), window)
		hc.wmu.Lock()
		for hc.werr == nil && hc.inflight > 0 && hc.inflight+k > window {
			hc.wcond.Wait()
		}
		if err := hc.werr; err != nil {
			hc.wmu.Unlock()
			return err
		}
		hc.inflight += k
		hc.wmu.Unlock()
		err := hc.c.AsyncWriteDone(p[:k], func(_ *evloop.Conn, err error) {
			hc.wmu.Lock()
			hc.inflight -= k
			if err != nil && hc.werr == nil {
				hc.werr = err
			}
			hc.wcond.Broadcast()
			hc.wmu.Unlock()
		})
		if err != nil {
			hc.wmu.Lock()
			hc.inflight -= k
			if hc.werr == nil {
				hc.werr = err
			}
			hc.wmu.Unlock()
			return err
		}
		p = p[k:]
	}
	return nil
}

// serve runs the handler on a pool goroutine.
func (hc *hconn) serve(w *response, req *http.Request) {
	defer func() {
		if err := recover(); err != nil {
			if err != http.ErrAbortHandler {
				hc.s.logf("evhttp: panic serving %s: %v", req.RemoteAddr, err)
			}
			hc.c.Close()
		}
	}()
	defer w.cancel()
	hc.s.handler().ServeHTTP(w, req)
	w.finish()
	if w.body != nil {
		w.body.Close()
	}
	hc.c.Run(hc.doneFn)
}
