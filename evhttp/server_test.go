package evhttp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goafd/afd/evloop"
)

const timeout = 20 * time.Second

// serve starts s on a loopback port of a two-loop evloop.Server and
// returns its host:port; the test's cleanup closes both.
func serve(t testing.TB, s *Server) string {
	t.Helper()
	es, err := evloop.NewServer(evloop.Config{Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := s.Listen(es, "tcp://127.0.0.1:0")
	if err != nil {
		es.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		es.Close()
	})
	return ln.Addr().String()
}

// dial opens a raw connection with a deadline.
func dial(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(timeout))
	t.Cleanup(func() { nc.Close() })
	return nc, bufio.NewReader(nc)
}

// readResp reads a response to a request of method and its body.
func readResp(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a response body: %v", err)
	}
	return resp, string(b)
}

// expectEOF checks that the server closes the connection, after what br
// has buffered.
func expectEOF(t *testing.T, br *bufio.Reader) {
	t.Helper()
	if b, err := io.ReadAll(br); err != nil || len(b) > 0 {
		t.Fatalf("after the last response: %q, %v; want the server's close", b, err)
	}
}

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "Hello, World!")
})

// echo answers with the request's body, and its trailers as headers of
// the response, prefixed "Trailer-".
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for k, v := range r.Trailer {
		w.Header()["Trailer-"+k] = v
	}
	w.Write(b)
})

// TestKeepAlive: net/http's client makes requests on one connection; a
// small response gets a Content-Length and a sniffed Content-Type, as
// from net/http.
func TestKeepAlive(t *testing.T) {
	var remotes sync.Map
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remotes.Store(r.RemoteAddr, true)
		hello(w, r)
	})})
	cl := &http.Client{Timeout: timeout}
	for i := range 5 {
		resp, err := cl.Get(fmt.Sprintf("http://%s/%d", addr, i))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "Hello, World!" || resp.ContentLength != 13 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("Date") == "" {
			t.Fatalf("%s %q %d %q", resp.Status, b, resp.ContentLength, resp.Header)
		}
	}
	n := 0
	remotes.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("5 requests came on %d connections, want 1", n)
	}
}

// TestPipelining: requests sent in one write, with bodies, are answered in
// order, each after the one before even when the handlers of later ones
// would finish first.
func TestPipelining(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(50 * time.Millisecond) // the next must still wait
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.URL.Path, b)
	})})
	nc, br := dial(t, addr)
	var reqs strings.Builder
	var want []string
	for i := range 20 {
		path := fmt.Sprintf("/%d", i)
		if i%5 == 0 {
			path = "/slow"
		}
		body := strings.Repeat("x", i)
		fmt.Fprintf(&reqs, "POST %s HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
		want = append(want, path+" "+body)
	}
	io.WriteString(nc, reqs.String())
	for i, w := range want {
		if _, got := readResp(t, br, "POST"); got != w {
			t.Fatalf("response %d: %q, want %q", i, got, w)
		}
	}
}

// TestChunked: a chunked upload of unknown length, with trailers, reaches
// the handler whole; its echo, too long to buffer, comes back chunked.
func TestChunked(t *testing.T) {
	addr := serve(t, &Server{Handler: echo})
	data := make([]byte, 1<<20)
	rand.Read(data)
	pr, pw := io.Pipe()
	go func() {
		for p := data; len(p) > 0; p = p[min(len(p), 10000):] {
			pw.Write(p[:min(len(p), 10000)])
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", "http://"+addr+"/", pr)
	req.Trailer = http.Header{"X-Sum": nil}
	go func() {}()
	req.Trailer.Set("X-Sum", "the-sum") // sent after the body
	resp, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("echo of 1 MiB: %d bytes, %v", len(got), err)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("response framing %q, want chunked", resp.TransferEncoding)
	}
	if resp.Header.Get("Trailer-X-Sum") != "the-sum" {
		t.Fatalf("trailer not seen by the handler: %q", resp.Header)
	}
}

// TestExpectContinue: 100 Continue comes when the handler reads, and not
// before; a handler that answers without reading closes the connection
// after, as net/http's does.
func TestExpectContinue(t *testing.T) {
	release := make(chan struct{})
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/deny" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		<-release
		echo(w, r)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := br.Peek(1); err == nil {
		t.Fatal("an answer came before the handler read the body")
	}
	nc.SetReadDeadline(time.Now().Add(timeout))
	close(release)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("%q, %v; want 100 Continue", line, err)
	}
	br.ReadString('\n')
	io.WriteString(nc, "hello")
	if resp, body := readResp(t, br, "PUT"); resp.StatusCode != 200 || body != "hello" {
		t.Fatalf("%s %q", resp.Status, body)
	}

	nc, br = dial(t, addr)
	io.WriteString(nc, "PUT /deny HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	if resp, _ := readResp(t, br, "PUT"); resp.StatusCode != 403 || !resp.Close {
		t.Fatalf("%s close %v; want 403 and close", resp.Status, resp.Close)
	}
	expectEOF(t, br)

	// net/http's client, with its wait for 100 Continue.
	cl := &http.Client{Timeout: timeout, Transport: &http.Transport{ExpectContinueTimeout: timeout}}
	req, _ := http.NewRequest("PUT", "http://"+addr+"/", strings.NewReader("client"))
	req.Header.Set("Expect", "100-continue")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "client" {
		t.Fatalf("%q", b)
	}
}

// TestHead: a HEAD gets the header of the GET, Content-Length included,
// and no body; the next request on the connection is read right.
func TestHead(t *testing.T) {
	addr := serve(t, &Server{Handler: hello})
	nc, br := dial(t, addr)
	io.WriteString(nc, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body := readResp(t, br, "HEAD")
	if resp.StatusCode != 200 || resp.ContentLength != 13 || body != "" {
		t.Fatalf("HEAD: %s %d %q", resp.Status, resp.ContentLength, body)
	}
	if _, body = readResp(t, br, "GET"); body != "Hello, World!" {
		t.Fatalf("GET after HEAD: %q", body)
	}
}

// TestHTTP10: an HTTP/1.0 request is answered and the connection closed,
// unless it asks for keep-alive; a response of unknown length to one is
// delimited by the close.
func TestHTTP10(t *testing.T) {
	big := strings.Repeat("z", 3*bufferSize)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			io.WriteString(w, big)
			return
		}
		hello(w, r)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body := readResp(t, br, "GET")
	if body != "Hello, World!" || resp.Header.Get("Connection") != "keep-alive" {
		t.Fatalf("%q %q", body, resp.Header)
	}
	io.WriteString(nc, "GET / HTTP/1.0\r\n\r\n")
	if resp, body = readResp(t, br, "GET"); body != "Hello, World!" || !resp.Close {
		t.Fatalf("%q close %v", body, resp.Close)
	}
	expectEOF(t, br)

	nc, br = dial(t, addr)
	io.WriteString(nc, "GET /big HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	if resp, body = readResp(t, br, "GET"); body != big || resp.ContentLength != -1 || !resp.Close {
		t.Fatalf("%d bytes, length %d, close %v", len(body), resp.ContentLength, resp.Close)
	}
}

// TestRefusals: malformed requests get net/http's answers and the
// connection is closed.
func TestRefusals(t *testing.T) {
	addr := serve(t, &Server{Handler: hello, MaxHeaderBytes: 1 << 10})
	for _, tt := range []struct {
		req    string
		status int
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("v", 6<<10) + "\r\n\r\n", 431},
		{"GET / HTTP/1.1\r\n\r\n", 400},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx", 417},
		{"BAD\r\n\r\n", 400},
	} {
		nc, br := dial(t, addr)
		io.WriteString(nc, tt.req)
		resp, _ := readResp(t, br, "GET")
		if resp.StatusCode != tt.status || !resp.Close {
			t.Errorf("%.40q: %s, close %v; want %d and close", tt.req, resp.Status, resp.Close, tt.status)
		}
		expectEOF(t, br)
	}
}

// TestSmuggling: a request with both Content-Length and Transfer-Encoding
// is refused with 400 and the connection closed: the request hidden in its
// body is never served. net/http's server (checked here too) serves the
// first by its chunked framing and goes on with the connection.
func TestSmuggling(t *testing.T) {
	const attack = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
	var smuggled atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/smuggled" {
			smuggled.Store(true)
		}
		io.Copy(io.Discard, r.Body)
	})
	nc, br := dial(t, serve(t, &Server{Handler: h}))
	io.WriteString(nc, attack)
	if resp, _ := readResp(t, br, "POST"); resp.StatusCode != 400 || !resp.Close {
		t.Fatalf("%s close %v; want 400 and close", resp.Status, resp.Close)
	}
	expectEOF(t, br)
	if smuggled.Load() {
		t.Fatal("the smuggled request was served")
	}

	std := httptest.NewServer(h)
	defer std.Close()
	nc, br = dial(t, std.Listener.Addr().String())
	io.WriteString(nc, attack)
	if resp, _ := readResp(t, br, "POST"); resp.StatusCode != 200 {
		t.Fatalf("net/http: %s", resp.Status)
	}
	if resp, _ := readResp(t, br, "GET"); resp.StatusCode != 200 || !smuggled.Load() {
		t.Fatalf("net/http no longer serves the request behind: %s", resp.Status)
	}
}

// TestReadHeaderTimeout: a head that does not come in time, on a new
// connection or a kept-alive one, has the connection closed without an
// answer; IdleTimeout closes a kept-alive connection with no request.
func TestReadHeaderTimeout(t *testing.T) {
	addr := serve(t, &Server{Handler: hello, ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 400 * time.Millisecond})
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHo")
	start := time.Now()
	expectEOF(t, br)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closed after %v", d)
	}
	nc, br = dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResp(t, br, "GET")
	expectEOF(t, br) // idle
}

// TestClientNeverReads: a handler writing to a client that never reads
// is held back once the write window and the socket buffers are full, not
// buffered without end; when the client goes, its Write fails and its
// context is done.
func TestClientNeverReads(t *testing.T) {
	var written atomic.Int64
	done := make(chan error, 1)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := make([]byte, 64<<10)
		for written.Load() < 1<<30 {
			if _, err := w.Write(p); err != nil {
				<-r.Context().Done()
				done <- err
				return
			}
			written.Add(int64(len(p)))
		}
		done <- nil
	})})
	nc, _ := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	// Wait until the writes stop progressing.
	last := int64(-1)
	for range 100 {
		time.Sleep(50 * time.Millisecond)
		n := written.Load()
		if n == last && n > 0 {
			break
		}
		last = n
	}
	if n := written.Load(); n > 64<<20 {
		t.Fatalf("%d MiB written to a client that does not read", n>>20)
	}
	nc.(*net.TCPConn).SetLinger(0)
	nc.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the handler wrote 1 GiB to a client that does not read")
		}
	case <-time.After(timeout):
		t.Fatal("the handler's Write is still blocked after the client left")
	}
}

// TestClientGone: a client that leaves mid-request has its request's
// context cancelled, and a body read fails.
func TestClientGone(t *testing.T) {
	got := make(chan error, 2)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			_, err := io.ReadAll(r.Body)
			got <- err
		}
		select {
		case <-r.Context().Done():
			got <- r.Context().Err()
		case <-time.After(timeout):
			got <- errors.New("context not cancelled")
		}
	})})
	nc, _ := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(20 * time.Millisecond)
	nc.Close()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("context: %v", err)
	}
	nc, _ = dial(t, addr)
	io.WriteString(nc, "POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly some")
	time.Sleep(20 * time.Millisecond)
	nc.Close()
	if err := <-got; err == nil {
		t.Fatal("reading a body cut short: no error")
	}
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("context: %v", err)
	}
}

// TestSlowReader: a body larger than the window reaches a handler that
// reads it slowly, whole, in order.
func TestSlowReader(t *testing.T) {
	addr := serve(t, &Server{BodyWindow: 1 << 10, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var all []byte
		p := make([]byte, 100)
		for {
			n, err := r.Body.Read(p)
			all = append(all, p[:n]...)
			if err != nil {
				break
			}
		}
		w.Write(all)
	})})
	data := make([]byte, 300<<10)
	rand.Read(data)
	resp, err := (&http.Client{Timeout: timeout}).Post("http://"+addr+"/", "application/octet-stream", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("%d bytes back of %d", len(got), len(data))
	}
}

// TestIdleHoldsNothing: idle keep-alive connections hold no goroutine.
func TestIdleHoldsNothing(t *testing.T) {
	addr := serve(t, &Server{Handler: hello})
	before := runtime.NumGoroutine()
	const n = 200
	for range n {
		nc, br := dial(t, addr)
		io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		readResp(t, br, "GET")
	}
	var after int
	for range 500 { // the last handlers' goroutines exit after the answer
		if after = runtime.NumGoroutine(); after-before < 10 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d goroutines more with %d idle connections", after-before, n)
}

// TestShutdown: Shutdown closes idle connections, lets a running request
// finish with Connection: close, and returns once it has.
func TestShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			close(started)
			<-release
		}
		hello(w, r)
	})}
	addr := serve(t, s)
	idle, ibr := dial(t, addr)
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResp(t, ibr, "GET")
	busy, bbr := dial(t, addr)
	io.WriteString(busy, "GET /wait HTTP/1.1\r\nHost: a\r\n\r\n")
	<-started
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	expectEOF(t, ibr)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if resp, body := readResp(t, bbr, "GET"); body != "Hello, World!" || !resp.Close {
		t.Fatalf("%q close %v", body, resp.Close)
	}
	expectEOF(t, bbr)
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("listener still open")
	}
}
