package evhttp

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// errBodyClosed: the handler read a body it had closed.
var errBodyClosed = errors.New("http: invalid Read on closed Body")

// A body is a request body on its way from the connection's loop, which
// puts the bytes the parser hands out, to the handler, which reads them.
// It holds at most window bytes: the loop pauses the connection when it
// is full (the input waits in the connection's buffer, at most one read,
// and in the socket), and Read resumes it once it has made room.
type body struct {
	hc     *hconn
	window int
	req    *http.Request // the handler's, whose Trailer the last fields join

	mu      sync.Mutex
	cond    sync.Cond
	buf     []byte
	eof     bool  // the whole body is in buf
	err     error // the body failed: a malformed chunk, the client gone
	closed  bool  // the handler closed it
	stalled bool  // the loop left input for want of room
	read    bool  // the handler has called Read (100-continue is sent)
}

func newBody(hc *hconn, window int) *body {
	b := &body{hc: hc, window: window}
	b.cond.L = &b.mu
	return b
}

// room returns how many bytes put may take now, on the loop; 0 marks the
// body stalled and pauses the connection, for Read to resume it.
func (b *body) room() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 1 << 30 // discarded: no limit but the caller's
	}
	r := b.window - len(b.buf)
	if r <= 0 {
		// The pause comes before stalled can be seen: a Read that makes
		// room resumes after it (of the two, the last one made holds).
		b.hc.c.PauseRead()
		b.hc.paused = true
		b.stalled = true
		return 0
	}
	return r
}

// put appends p (which the caller may reuse) to the body.
func (b *body) put(p []byte) {
	b.mu.Lock()
	if !b.closed {
		b.buf = append(b.buf, p...)
		b.cond.Broadcast()
	}
	b.mu.Unlock()
}

// finish marks the body complete, with its trailer fields, or failed with
// err.
func (b *body) finish(trailer http.Header, err error) {
	b.mu.Lock()
	if err == nil && b.req != nil {
		mergeTrailer(b.req, trailer)
	}
	if err != nil {
		if b.err == nil && !b.eof {
			b.err = err
		}
	} else {
		b.eof = true
	}
	b.cond.Broadcast()
	b.mu.Unlock()
}

// done reports whether the loop has nothing more to put.
func (b *body) done() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eof || b.err != nil
}

// drained reports whether the handler has read the whole body.
func (b *body) drained() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eof && len(b.buf) == 0
}

// Read reads the body, waiting for the loop to put bytes. The first Read
// of a request that expects 100-continue sends it.
func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	if !b.read {
		b.read = true
		if b.hc.expect100() {
			b.mu.Unlock()
			b.hc.send100()
			b.mu.Lock()
		}
	}
	for len(b.buf) == 0 && !b.eof && b.err == nil && !b.closed {
		b.cond.Wait()
	}
	switch {
	case b.closed:
		b.mu.Unlock()
		return 0, errBodyClosed
	case len(b.buf) == 0 && b.err != nil:
		err := b.err
		b.mu.Unlock()
		return 0, err
	case len(b.buf) == 0:
		b.mu.Unlock()
		return 0, io.EOF
	}
	n := copy(p, b.buf)
	b.buf = b.buf[:copy(b.buf, b.buf[n:])]
	if len(b.buf) == 0 && cap(b.buf) > 0 && b.eof {
		b.buf = nil
	}
	wake := b.stalled && len(b.buf) <= b.window/2
	if wake {
		b.stalled = false
	}
	b.mu.Unlock()
	if wake {
		b.hc.resume()
	}
	return n, nil
}

// Close stops reading: what is left of the body is discarded by the loop
// (within the server's limit, beyond which the connection closes).
func (b *body) Close() error {
	b.mu.Lock()
	wake := b.stalled
	b.closed, b.stalled, b.buf = true, false, nil
	b.cond.Broadcast()
	b.mu.Unlock()
	if wake {
		b.hc.resume()
	}
	return nil
}

var _ io.ReadCloser = (*body)(nil)

// mergeTrailer adds trailer fields to req.Trailer, which holds the keys
// its Trailer header declared, as net/http does.
func mergeTrailer(req *http.Request, t http.Header) {
	if len(t) == 0 {
		return
	}
	if req.Trailer == nil {
		req.Trailer = t
		return
	}
	for k, vv := range t {
		req.Trailer[k] = vv
	}
}
