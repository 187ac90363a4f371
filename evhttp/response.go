package evhttp

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goafd/afd/evloop"
)

// bufferSize is how much of a response body is gathered before it is
// written: a response that fits, written by a handler that then returns,
// gets a Content-Length (as net/http's, whose buffer is also 4 KiB).
const bufferSize = 4 << 10

// framing is how a response's body is delimited.
type framing uint8

const (
	frameUnset   framing = iota // the header is not written yet
	frameLength                 // Content-Length
	frameChunked                // Transfer-Encoding: chunked
	frameClose                  // by the connection's close (HTTP/1.0 without a length)
	frameNone                   // no body: HEAD, 1xx, 204, 304
)

// A response is the http.ResponseWriter of a request, used by its
// handler's goroutine. It gathers bufferSize bytes of body, then writes
// through the connection's bounded write window (hconn.send).
type response struct {
	hc       *hconn
	req      *http.Request
	body     *body       // the request's body, nil if it has none
	cancel   func()      // ends the request's context
	header   http.Header // the handler's
	out      []byte      // from WriteHeader to the head's write: the status line and the handler's fields as at WriteHeader (later changes are not sent, as with net/http)
	outBox   *[]byte     // w.out's, from outPool
	bufBox   *[]byte     // w.buf's, from bufPool
	fields   fieldSet    // the fields of the header at WriteHeader that writeHeader decides
	status   int
	frame    framing
	length   int64 // Content-Length set by the handler, or -1
	written  int64 // body bytes written by the handler
	buf      []byte
	done     bool // the handler has returned
	hijacked bool
	err      error // the first write error
}

func newResponse(hc *hconn, req *http.Request) *response {
	w := &response{hc: hc, req: req, header: make(http.Header), length: -1}
	w.body, _ = req.Body.(*body)
	return w
}

func (w *response) Header() http.Header { return w.header }

// WriteHeader sends the status with the header, as net/http's does: an
// informational status (1xx but 101) is sent at once and the header may
// follow with another status.
func (w *response) WriteHeader(code int) {
	if w.hijacked || w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		var b strings.Builder
		fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
		w.header.Write(&b)
		b.WriteString("\r\n")
		if code == http.StatusContinue {
			w.hc.sent100.Store(true)
		}
		w.hc.send([]byte(b.String()))
		return
	}
	w.status = code
	// The header as it is now is what is sent: written out at once,
	// rather than cloned, but for the fields whose values writeHeader
	// decides.
	w.outBox = outPool.Get().(*[]byte)
	w.out = appendStatusLine((*w.outBox)[:0], code)
	w.out, w.fields = appendFields(w.out, w.header, code)
	// With a Transfer-Encoding too, the Content-Length goes, as net/http
	// drops it (RFC 9112 section 6.2: a sender must not send both).
	if cl := w.fields.contentLength; cl != "" && len(w.fields.transferEncoding) == 0 {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.length = n
		}
	}
}

// appendStatusLine appends the status line of code to b.
func appendStatusLine(b []byte, code int) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	if text := http.StatusText(code); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(code), 10)
	}
	return append(b, "\r\n"...)
}

// bodyAllowed reports whether the status allows a body.
func (w *response) bodyAllowed() bool {
	s := w.status
	return !(s >= 100 && s <= 199 || s == http.StatusNoContent || s == http.StatusNotModified)
}

func (w *response) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.bodyAllowed() {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.length >= 0 && w.written+int64(len(p)) > w.length {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if w.frame == frameUnset && len(w.buf)+len(p) <= bufferSize {
		if w.buf == nil {
			w.bufBox = bufPool.Get().(*[]byte)
			w.buf = (*w.bufBox)[:0]
		}
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	if err := w.flushBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (w *response) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// flushBody writes the header if it is not yet, the gathered bytes and
// p, framed.
func (w *response) flushBody(p []byte) error {
	var out []byte
	box := w.outBox
	if w.frame == frameUnset {
		out = w.writeHeader()
		w.out, w.outBox = nil, nil
	} else {
		box = outPool.Get().(*[]byte)
		out = (*box)[:0]
	}
	switch w.frame {
	case frameLength, frameClose:
		out = append(out, w.buf...)
		out = append(out, p...)
	case frameChunked:
		if n := len(w.buf) + len(p); n > 0 {
			out = strconv.AppendInt(out, int64(n), 16)
			out = append(out, "\r\n"...)
			out = append(out, w.buf...)
			out = append(out, p...)
			out = append(out, "\r\n"...)
		}
	}
	w.buf = w.buf[:0]
	var err error
	if len(out) > 0 {
		err = w.hc.send(out) // which copies out: it goes back to the pool
	}
	putOut(box, out)
	if err != nil {
		w.err = err
		return err
	}
	return nil
}

// writeHeader decides the framing and returns the head, as net/http
// would write it: w.out, completed.
func (w *response) writeHeader() []byte {
	hc, req, f := w.hc, w.req, &w.fields
	out := w.out
	isHead := req.Method == http.MethodHead
	closing := req.Close || hc.closeAfter.Load() || hc.s.shuttingDown()
	if hc.expect && !hc.sent100.Load() {
		// The body the client holds back will not be read: close after.
		closing = true
	}
	hc.sent100.Store(true) // no 100 Continue once the response has begun
	if !f.contentType && !f.contentEncoding && w.bodyAllowed() && len(w.buf) > 0 && len(f.transferEncoding) == 0 {
		out = appendField(out, "Content-Type", http.DetectContentType(w.buf)) // as net/http sniffs
	}
	// A Transfer-Encoding of the handler's is sent only with the chunked
	// framing, as net/http does: it would contradict a Content-Length
	// and means nothing without a body or before HTTP/1.1. It also keeps
	// the length of a finished handler's output from being given, and
	// "identity" asks for a body delimited by the close.
	var te []string
	hasTE := len(f.transferEncoding) > 0
	switch {
	case !w.bodyAllowed():
		w.frame = frameNone
	case w.length >= 0:
		w.frame = frameLength
	case w.done && !f.trailers && !hasTE && (!isHead || w.written > 0):
		w.frame = frameLength
		w.length = w.written
	case isHead:
		w.frame = frameNone
	case req.ProtoMinor >= 1 && hasTE && f.transferEncoding[0] == "identity":
		w.frame = frameClose
		closing = true
	case req.ProtoMinor >= 1:
		w.frame = frameChunked
		te = []string{"chunked"}
	default:
		w.frame = frameClose
		closing = true
	}
	if w.bodyAllowed() && w.length >= 0 && w.frame != frameChunked {
		out = append(out, "Content-Length: "...)
		out = strconv.AppendInt(out, w.length, 10)
		out = append(out, "\r\n"...)
	}
	for _, v := range te {
		out = appendField(out, "Transfer-Encoding", v)
	}
	if isHead {
		w.frame = frameNone
	}
	if !f.date {
		out = append(out, "Date: "...)
		out = time.Now().UTC().AppendFormat(out, http.TimeFormat)
		out = append(out, "\r\n"...)
	}
	if hasToken(f.connection, "close") {
		closing = true
	}
	switch {
	case closing:
		out = append(out, "Connection: close\r\n"...)
		hc.closeAfter.Store(true)
	case req.ProtoMinor == 0:
		out = append(out, "Connection: keep-alive\r\n"...)
	default:
		for _, v := range f.connection {
			out = appendField(out, "Connection", v)
		}
	}
	return append(out, "\r\n"...)
}

// Flush sends the header and the gathered body bytes (http.Flusher).
func (w *response) Flush() {
	w.FlushError()
}

// FlushError is Flush that returns the connection's error, for
// http.ResponseController.
func (w *response) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	return w.flushBody(nil)
}

// finish completes the response once the handler has returned.
func (w *response) finish() {
	if w.hijacked {
		return
	}
	w.done = true
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		w.hc.closeAfter.Store(true)
		return
	}
	w.flushBody(nil)
	switch w.frame {
	case frameChunked:
		// The trailers: those declared at WriteHeader and the
		// TrailerPrefix keys set until now, even in a response
		// chunked for its size or a Flush.
		if err := w.hc.send(appendLastChunk(nil, w.header, w.fields.declared)); err != nil {
			w.hc.closeAfter.Store(true)
		}
	case frameLength:
		if w.written < w.length && w.req.Method != http.MethodHead {
			// Fewer bytes than promised: the client can only tell by
			// the close (net/http does the same).
			w.hc.closeAfter.Store(true)
		}
	case frameClose:
		w.hc.closeAfter.Store(true)
	}
	if w.bufBox != nil && cap(w.buf) == bufferSize {
		*w.bufBox = w.buf[:0]
		bufPool.Put(w.bufBox)
	}
	w.buf, w.bufBox = nil, nil
}

// bufPool holds the body buffers of responses: a response takes one for
// its first Write and gives it back when its handler has returned.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, bufferSize); return &b }}

// outPool holds the buffers in which responses put together what they
// write (head, framing and body), given back once written: the connection
// copies them.
var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledOut caps the buffers that go back to outPool, so that one
// large write does not stay in the pool.
const maxPooledOut = 64 << 10

// putOut gives b, the buffer of box, back to outPool.
func putOut(box *[]byte, b []byte) {
	if cap(b) <= maxPooledOut {
		*box = b[:0]
		outPool.Put(box)
	}
}

// errHijackBody: Hijack was called while the request body was unread.
var errHijackBody = errors.New("evhttp: Hijack before the request body was read to its end")

// Hijack takes the connection off its event loop with evloop's
// Conn.Detach and hands it to the handler (http.Hijacker). See the
// package doc for where Detach can and cannot.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.body != nil && !w.body.drained() {
		return nil, nil, errHijackBody
	}
	hc := w.hc
	// The response's bytes must have left: Detach refuses pending output.
	if w.frame != frameUnset || len(w.buf) > 0 {
		if err := w.flushBody(nil); err != nil {
			return nil, nil, err
		}
	}
	hc.wmu.Lock()
	for hc.inflight > 0 && hc.werr == nil {
		hc.wcond.Wait()
	}
	err := hc.werr
	hc.wmu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	type result struct {
		nc  net.Conn
		err error
	}
	ch := make(chan result, 1)
	hc.setOnDrop(func(err error) { ch <- result{nil, err} })
	try := func(c *evloop.Conn) {
		hc.setOnDrop(nil)
		nc, err := c.Detach()
		if err == nil {
			hc.state = connClosing
			hc.setTimer(0)
			hc.stopWriteTimer()
			hc.s.untrack(hc)
		}
		ch <- result{nc, err}
	}
	if err := hc.c.Run(try); err != nil {
		return nil, nil, err
	}
	r := <-ch
	if r.err != nil {
		return nil, nil, fmt.Errorf("evhttp: hijack: %w", r.err)
	}
	w.hijacked = true
	return r.nc, bufio.NewReadWriter(bufio.NewReader(r.nc), bufio.NewWriter(r.nc)), nil
}
