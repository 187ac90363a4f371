package evhttp

import (
	"context"
	"errors"
	"github.com/goafd/afd/evloop"
	"io"
	"net"
	"net/http"
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

// TestHalfClose: a client that shuts down its sending side after its
// request gets no answer: evloop closes a connection at the peer's end of
// stream. net/http's server answers it; a difference of the package doc.
func TestHalfClose(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the client's end of stream cancels it
		hello(w, r)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	nc.(*net.TCPConn).CloseWrite()
	if b, err := io.ReadAll(br); len(b) > 0 {
		t.Fatalf("a half-closed client was answered %q (%v): update the package doc", b, err)
	}
}

// TestUploadToBusyHandler: an upload to a handler that starts reading it
// late arrives whole. It needs the loop to stop reading the connection
// while the handler is behind, which evloop cannot do yet (see the
// package doc, "Backpressure"): the input then piles up in evloop's buffer
// until Config.MaxInbound closes the connection.
func TestUploadToBusyHandler(t *testing.T) {
	t.Skip("evloop has no read pause: an upload that outruns its handler by BodyWindow plus evloop's MaxInbound is cut")
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
		n, _ := io.Copy(io.Discard, r.Body)
		io.WriteString(w, strings.Repeat("x", int(n%10)))
	})})
	resp, err := (&http.Client{Timeout: timeout}).Post("http://"+addr+"/", "application/octet-stream",
		io.LimitReader(zeros{}, 64<<20))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
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
