package evhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/goafd/afd/evloop"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestHijack: on Linux and the BSDs a handler takes the connection over
// (evloop's Detach) and speaks on it, reading first the bytes the client
// sent after the request; on Windows, where evloop cannot detach an
// accepted connection, Hijack fails with errors.ErrUnsupported and the
// response goes on as usual.
func TestHijack(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, rw, err := w.(http.Hijacker).Hijack()
		if runtime.GOOS == "windows" {
			if !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("Hijack on Windows: %v, want errors.ErrUnsupported", err)
			}
			io.WriteString(w, "not hijacked")
			return
		}
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer nc.Close()
		line, _ := rw.ReadString('\n')
		io.WriteString(nc, "raw "+line)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\nping\n")
	if runtime.GOOS == "windows" {
		if _, body := readResp(t, br, "GET"); body != "not hijacked" {
			t.Fatalf("%q", body)
		}
		return
	}
	if line, err := br.ReadString('\n'); line != "raw ping\n" {
		t.Fatalf("%q, %v", line, err)
	}
}

// TestFlush: Flush sends what the handler wrote before it returns.
func TestFlush(t *testing.T) {
	release := make(chan struct{})
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "second")
	})})
	defer close(release)
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, p); err != nil || string(p) != "first" {
		t.Fatalf("%q, %v before the handler returned", p, err)
	}
}

// TestPool: with MaxHandlers 1 a second request waits for the first
// handler, and is served once it returns.
func TestPool(t *testing.T) {
	var running, most atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	addr := serve(t, &Server{MaxHandlers: 1, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		if n > most.Load() {
			most.Store(n)
		}
		if r.URL.Path == "/first" {
			close(started)
			<-release
		}
		running.Add(-1)
	})})
	a, abr := dial(t, addr)
	io.WriteString(a, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
	// The second request is sent once the first holds the only handler:
	// on two connections, it could otherwise be served first.
	select {
	case <-started:
	case <-time.After(timeout):
		t.Fatal("the first request's handler did not start")
	}
	b, bbr := dial(t, addr)
	io.WriteString(b, "GET /second HTTP/1.1\r\nHost: a\r\n\r\n")
	b.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := bbr.Peek(1); err == nil {
		t.Fatal("the second request was served while the only handler ran")
	}
	b.SetReadDeadline(time.Now().Add(timeout))
	close(release)
	readResp(t, abr, "GET")
	readResp(t, bbr, "GET")
	if most.Load() != 1 {
		t.Fatalf("%d handlers at once, MaxHandlers 1", most.Load())
	}
}

// TestPanic: a handler's panic closes its connection; the server goes on.
func TestPanic(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic(http.ErrAbortHandler)
		}
		hello(w, r)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET /panic HTTP/1.1\r\nHost: a\r\n\r\n")
	expectEOF(t, br)
	nc, br = dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResp(t, br, "GET")
}

// TestShortContentLength: a response shorter than its Content-Length
// closes the connection, so that the client sees it cut.
func TestShortContentLength(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "short")
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading a cut body: %v", err)
	}
}

// TestUploadToBusyHandler: an upload to a handler that starts reading it
// late, and then reads it in small pieces, arrives whole, and the server
// holds a bounded part of it meanwhile: the loop pauses the connection
// while the body window is full, so that the connection's evloop buffer
// never holds more than one read (ReadBufferSize) after OnTraffic, where
// it would otherwise grow to evloop's MaxInbound and close the
// connection (ErrInboundFull).
func TestUploadToBusyHandler(t *testing.T) {
	const (
		readBuf = 16 << 10
		size    = 16 << 20
	)
	es, err := evloop.NewServer(evloop.Config{Loops: 2, ReadBufferSize: readBuf, MaxInbound: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan int64, 1)
	s := &Server{BodyWindow: 32 << 10, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		var n int64
		p := make([]byte, 8<<10)
		for i := 0; ; i++ {
			m, err := r.Body.Read(p)
			n += int64(m)
			if err != nil {
				break
			}
			if i%64 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		read <- n
		io.WriteString(w, "done")
	})}
	h := s.EvloopHandler()
	var maxIn atomic.Int64
	inner := h.OnTraffic
	h.OnTraffic = func(c *evloop.Conn) {
		inner(c)
		if n := int64(c.InboundBuffered()); n > maxIn.Load() {
			maxIn.Store(n)
		}
	}
	ln, err := es.Listen("tcp://127.0.0.1:0", h)
	if err != nil {
		es.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		es.Close()
	})
	resp, err := (&http.Client{Timeout: timeout}).Post("http://"+ln.Addr().String()+"/", "application/octet-stream",
		io.LimitReader(zeros{}, size))
	if err != nil {
		t.Fatalf("%v (the server's buffer held up to %d bytes)", err, maxIn.Load())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := recv(t, read); n != size || string(b) != "done" {
		t.Fatalf("the handler read %d bytes of %d; answer %q", n, size, b)
	}
	if m := maxIn.Load(); m > readBuf {
		t.Fatalf("the connection's buffer held %d bytes after OnTraffic, more than one read (%d)", m, readBuf)
	}
	t.Logf("the connection's buffer held up to %d bytes", maxIn.Load())
}

// recv waits for a value on ch, at most timeout.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// TestReadTimeout: ReadTimeout bounds the reading of a whole request, as
// net/http's: counted from the request's first byte (for a kept-alive
// connection; from the accept for the first request), a body that is not
// complete by then fails the handler's Read with a timeout
// (os.ErrDeadlineExceeded), the handler's answer is still sent, and the
// connection closes after it. A request that is read in time is served,
// however long the connection lives; with no IdleTimeout, ReadTimeout
// bounds the wait between requests too, and with no ReadHeaderTimeout,
// the head.
func TestReadTimeout(t *testing.T) {
	const rt = 400 * time.Millisecond
	errs := make(chan error, 4)
	s := &Server{ReadTimeout: rt, IdleTimeout: time.Minute, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		errs <- err
		if err != nil {
			io.WriteString(w, "read failed")
			return
		}
		io.WriteString(w, "ok")
	})}
	nc, br := dial(t, serve(t, s))
	for range 2 {
		io.WriteString(nc, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
		if resp, body := readResp(t, br, "POST"); body != "ok" || resp.Close {
			t.Fatalf("a body in time: %q, close %v", body, resp.Close)
		}
		if err := recv(t, errs); err != nil {
			t.Fatal(err)
		}
		time.Sleep(rt + 100*time.Millisecond) // the connection outlives ReadTimeout
	}
	start := time.Now()
	io.WriteString(nc, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello")
	err := recv(t, errs)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read of a body cut short: %v, want os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(start); d < rt-50*time.Millisecond {
		t.Fatalf("the read timed out after %v, before ReadTimeout %v", d, rt)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%v is not a net.Error with Timeout", err)
	}
	resp, body := readResp(t, br, "POST")
	if body != "read failed" || !resp.Close {
		t.Fatalf("after the timeout: %q, close %v; want the answer with Connection: close", body, resp.Close)
	}
	expectEOF(t, br)

	// Defaults: the head and the wait between requests.
	s2 := &Server{ReadTimeout: rt, Handler: hello}
	addr := serve(t, s2)
	nc, br = dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHo")
	expectEOF(t, br)
	nc, br = dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResp(t, br, "GET")
	expectEOF(t, br)
}

// TestWriteTimeout: WriteTimeout bounds the writing of a response, as
// net/http's: counted from the end of the request's head, a handler
// writing to a client that does not read has its Write fail with a
// timeout (os.ErrDeadlineExceeded) once it is over, instead of waiting
// for the client without end, and the connection closes. A response
// written in time is served, however long the connection lives.
func TestWriteTimeout(t *testing.T) {
	const wt = 400 * time.Millisecond
	errs := make(chan error, 4)
	s := &Server{WriteTimeout: wt, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/small" {
			io.WriteString(w, "ok")
			return
		}
		p := make([]byte, 64<<10)
		for n := 0; n < 1<<30; n += len(p) {
			if _, err := w.Write(p); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	})}
	nc, br := dial(t, serve(t, s))
	for range 2 {
		io.WriteString(nc, "GET /small HTTP/1.1\r\nHost: a\r\n\r\n")
		if _, body := readResp(t, br, "GET"); body != "ok" {
			t.Fatalf("a small answer: %q", body)
		}
		time.Sleep(wt + 100*time.Millisecond) // the connection outlives WriteTimeout
	}
	start := time.Now()
	io.WriteString(nc, "GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
	err := recv(t, errs)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write to a client that does not read: %v, want os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(start); d < wt-50*time.Millisecond {
		t.Fatalf("the write timed out after %v, before WriteTimeout %v", d, wt)
	}
	// The connection closes: what was sent, then the end.
	if _, err := io.Copy(io.Discard, br); err != nil && !isReset(err) {
		t.Fatalf("reading to the close: %v", err)
	}
}

// isReset reports whether err says that the server reset the connection.
func isReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "reset") || strings.Contains(s, "forcibly closed") || strings.Contains(s, "aborted")
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestHijackAfterBody: a hijacked connection reads what follows the
// request's body, even when the body came through the window in many
// pieces (taken by the loop outside of OnTraffic).
func TestHijackAfterBody(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("evloop cannot detach an accepted connection on Windows (TestHijack checks the error)")
	}
	body := strings.Repeat("b", 5000)
	addr := serve(t, &Server{BodyWindow: 16, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, err := io.ReadAll(r.Body); err != nil || string(b) != body {
			t.Errorf("body: %d bytes, %v", len(b), err)
		}
		nc, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer nc.Close()
		line, _ := rw.ReadString('\n')
		io.WriteString(nc, "raw "+line)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n"+body+"ping\n")
	if line, err := br.ReadString('\n'); line != "raw ping\n" {
		t.Fatalf("%.60q, %v", line, err)
	}
}

// TestHeadSniff: a HEAD gets the Content-Type that the GET's body would
// have been sniffed to, as from net/http.
func TestHeadSniff(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html><body>hi</body></html>")
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, _ := readResp(t, br, "HEAD")
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || resp.ContentLength != 28 {
		t.Fatalf("HEAD: Content-Type %q, length %d", ct, resp.ContentLength)
	}
}

// TestShutdownTimeout: a Shutdown whose context ends while a handler
// still runs returns the context's error and closes the connection: the
// handler's request context is done.
func TestShutdownTimeout(t *testing.T) {
	started, ended := make(chan struct{}), make(chan error, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
		ended <- r.Context().Err()
	})}
	nc, br := dial(t, serve(t, s))
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the context's deadline", err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("request context: %v", err)
		}
	case <-time.After(2 * time.Second):
		// evloop calls OnClose once the graceful close has lingered
		// for the client's close: Close must not wait for it.
		t.Fatal("the request context is not done 2 s after Shutdown gave up")
	}
	expectEOF(t, br)
}

// TestListenAndServe: ListenAndServe serves until Shutdown, and then
// returns http.ErrServerClosed, as http.Server's does.
func TestListenAndServe(t *testing.T) {
	s := &Server{Handler: hello}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.ListenAndServe("tcp://127.0.0.1:0", func(ln *evloop.Listener) { ready <- ln.Addr().String() })
	}()
	addr := <-ready
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResp(t, br, "GET")
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("ListenAndServe: %v", err)
	}
	if err := s.ListenAndServe("tcp://127.0.0.1:0", nil); !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("ListenAndServe after Shutdown: %v", err)
	}
}

// TestPipelinedThenMore: a pipelined request taken up after the response
// before it (outside of OnTraffic) is served once, and a request that
// comes later on the connection is read right after it.
func TestPipelinedThenMore(t *testing.T) {
	var served atomic.Int32
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, r.URL.Path)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
	for _, want := range []string{"/1", "/2"} {
		if _, body := readResp(t, br, "GET"); body != want {
			t.Fatalf("%q, want %q", body, want)
		}
	}
	io.WriteString(nc, "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
	if _, body := readResp(t, br, "GET"); body != "/3" {
		t.Fatalf("%q, want /3", body)
	}
	if n := served.Load(); n != 3 {
		t.Fatalf("%d requests served, want 3", n)
	}
}

// TestHeaderAfterWriteHeader: header changes after WriteHeader are not
// sent, as with net/http (which snapshots the header there).
func TestHeaderAfterWriteHeader(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Early", "1")
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-Late", "1")
		io.WriteString(w, "body")
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, _ := readResp(t, br, "GET")
	if resp.StatusCode != 202 || resp.Header.Get("X-Early") != "1" || resp.Header.Get("X-Late") != "" {
		t.Fatalf("%s %q", resp.Status, resp.Header)
	}
}

// TestPipelinedInputBounded: requests pipelined behind one whose handler
// is busy wait in the socket, not in the server: the connection is paused
// while the handler runs, so that its evloop buffer holds at most one
// read after OnTraffic, where it would otherwise take them all in, up to
// evloop's MaxInbound, and close the connection (ErrInboundFull). Once
// the handler returns, every request is answered, in order.
func TestPipelinedInputBounded(t *testing.T) {
	const readBuf = 16 << 10
	n := 8000 // over 200 KiB of requests
	if runtime.GOOS == "windows" {
		n = 4000 // each request is slow under Wine; still over MaxInbound
	}
	es, err := evloop.NewServer(evloop.Config{Loops: 1, ReadBufferSize: readBuf, MaxInbound: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, r.URL.Path)
	})}
	h := s.EvloopHandler()
	var maxIn atomic.Int64
	inner := h.OnTraffic
	h.OnTraffic = func(c *evloop.Conn) {
		inner(c)
		if n := int64(c.InboundBuffered()); n > maxIn.Load() {
			maxIn.Store(n)
		}
	}
	ln, err := es.Listen("tcp://127.0.0.1:0", h)
	if err != nil {
		es.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		es.Close()
	})
	nc, br := dial(t, ln.Addr().String())
	var reqs bytes.Buffer
	reqs.WriteString("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&reqs, "GET /%d HTTP/1.1\r\nHost: a\r\n\r\n", i)
	}
	size := reqs.Len()
	var written atomic.Int64
	wrote := make(chan error, 1)
	go func() {
		for b := reqs.Bytes(); len(b) > 0; {
			m, err := nc.Write(b[:min(len(b), 4<<10)])
			written.Add(int64(m))
			if err != nil {
				wrote <- err
				return
			}
			b = b[m:]
		}
		wrote <- nil
	}()
	// Until the requests are all written, or the client stalls.
	last, stable := int64(-1), 0
	for stable < 5 && written.Load() < int64(size) {
		time.Sleep(20 * time.Millisecond)
		if w := written.Load(); w == last {
			stable++
		} else {
			last, stable = w, 0
		}
	}
	close(release)
	for i := -1; i < n; i++ {
		want := "/slow"
		if i >= 0 {
			want = fmt.Sprintf("/%d", i)
		}
		if _, body := readResp(t, br, "GET"); body != want {
			t.Fatalf("answer %q, want %q", body, want)
		}
	}
	if err := recv(t, wrote); err != nil {
		t.Fatal(err)
	}
	if m := maxIn.Load(); m > readBuf {
		t.Fatalf("the connection's buffer held %d bytes after OnTraffic, more than one read (%d)", m, readBuf)
	}
	t.Logf("%d bytes of requests; the connection's buffer held up to %d bytes", size, maxIn.Load())
}

// TestMalformedBodyCloses: a chunked body that turns malformed fails the
// handler's Read; its answer says Connection: close, and the connection
// closes after it (what follows cannot be framed).
func TestMalformedBodyCloses(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			io.WriteString(w, "read failed")
			return
		}
		io.WriteString(w, "ok")
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nxyz\r\n")
	resp, body := readResp(t, br, "POST")
	if body != "read failed" || !resp.Close {
		t.Fatalf("%q, close %v; want the answer with Connection: close", body, resp.Close)
	}
	expectEOF(t, br)
}
