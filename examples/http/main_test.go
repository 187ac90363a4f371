package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goafd/afd/examples/internal/servertest"
)

const timeout = servertest.Timeout

// start runs the command in this process with args, on a free loopback
// port, and returns the address it printed (host:port) and a function that
// stops it and returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	return servertest.Start(t, "http", run, append([]string{"-addr", "tcp://127.0.0.1:0"}, args...)...)
}

func client(conns int) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
		},
	}
}

// get does a GET with cl and checks the answer.
func get(cl *http.Client, url string) error {
	resp, err := cl.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(body) != hello || resp.ContentLength != int64(len(hello)) ||
		resp.Header.Get("Content-Length") != "13" {
		return fmt.Errorf("%s: %q, Content-Length %d", resp.Status, body, resp.ContentLength)
	}
	return nil
}

// TestGet: net/http's client gets "Hello, World!", with a HEAD and a POST
// with a body on the same connection.
func TestGet(t *testing.T) {
	addr, stop := start(t, "-loops", "2")
	cl := client(1)
	if err := get(cl, "http://"+addr+"/"); err != nil {
		t.Fatal(err)
	}
	resp, err := cl.Head("http://" + addr + "/x")
	if err != nil || resp.StatusCode != 200 || resp.ContentLength != 13 {
		t.Fatalf("HEAD: %v, %v", resp, err)
	}
	resp.Body.Close()
	resp, err = cl.Post("http://"+addr+"/", "text/plain", strings.NewReader(strings.Repeat("b", 100000)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != hello {
		t.Fatalf("POST: %s %q", resp.Status, body)
	}
	if err := get(cl, "http://"+addr+"/again"); err != nil {
		t.Fatal(err)
	}
	cl.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestKeepAlive: 1000 requests, one after the other, on one connection of
// net/http's client.
func TestKeepAlive(t *testing.T) {
	addr, _ := start(t)
	var conns int
	cl := client(1)
	cl.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conns++
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	for i := range 1000 {
		if err := get(cl, fmt.Sprintf("http://%s/%d", addr, i)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if conns != 1 {
		t.Errorf("%d connections for 1000 requests", conns)
	}
	cl.CloseIdleConnections()
}

// rawConn dials addr with a deadline.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(timeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponses reads n responses from r and returns their status codes and
// whether each said Connection: close.
func readResponses(t *testing.T, r *bufio.Reader, n int) {
	t.Helper()
	for i := range n {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || string(body) != hello {
			t.Fatalf("response %d: %s %q %v", i, resp.Status, body, err)
		}
	}
}

const getReq = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

// TestPipelining: requests in one write, a body among them, answered in
// order; then the same byte by byte.
func TestPipelining(t *testing.T) {
	addr, _ := start(t)
	reqs := strings.Repeat(getReq, 50) +
		"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + getReq
	c := rawConn(t, addr)
	if _, err := io.WriteString(c, reqs); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	readResponses(t, r, 51)
	resp, err := http.ReadResponse(r, &http.Request{Method: "HEAD"})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD: %v %v", resp, err)
	}
	readResponses(t, r, 1)

	// byte by byte: nothing comes back before the last byte
	c = rawConn(t, addr)
	req := "POST /split HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + getReq
	r = bufio.NewReader(c)
	for i := range len(req) {
		if _, err := c.Write([]byte{req[i]}); err != nil {
			t.Fatal(err)
		}
		if i%8 == 0 && i < len(req)-len(getReq)-1 {
			c.SetReadDeadline(time.Now().Add(time.Millisecond))
			if _, err := r.Peek(1); err == nil {
				t.Fatalf("an answer after %d of %d bytes", i+1, len(req))
			}
		}
	}
	c.SetReadDeadline(time.Now().Add(timeout))
	readResponses(t, r, 2)
}

// TestClose: Connection: close and HTTP/1.0 close the connection after
// the answer; HTTP/1.0 with keep-alive does not.
func TestClose(t *testing.T) {
	addr, _ := start(t)
	for _, tc := range []struct {
		req    string
		closes bool
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", true},
		{"GET / HTTP/1.0\r\n\r\n", true},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
	} {
		c := rawConn(t, addr)
		io.WriteString(c, tc.req)
		r := bufio.NewReader(c)
		readResponses(t, r, 1)
		c.SetReadDeadline(time.Now().Add(scaledDur(100 * time.Millisecond)))
		_, err := r.ReadByte()
		if tc.closes && err != io.EOF {
			t.Errorf("%q: %v after the answer, want EOF", tc.req, err)
		}
		if !tc.closes && !isTimeout(err) {
			t.Errorf("%q: %v after the answer, want a timeout", tc.req, err)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func scaledDur(d time.Duration) time.Duration {
	if underWine() {
		return 5 * d
	}
	return d
}

// TestBadRequest: malformed requests get 400 and a close, after the
// answers to the good requests before them.
func TestBadRequest(t *testing.T) {
	addr, _ := start(t)
	for _, bad := range []string{
		"GET /\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / http/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET /\x01 HTTP/1.1\r\n\r\n",
		"\r\n\r\n",
		"GET / HTTP/1.1\r\nHost x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\n: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
		"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", maxHeader) + "\r\n\r\n",
		"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 2*maxHeader), // never ends
	} {
		c := rawConn(t, addr)
		if _, err := io.WriteString(c, getReq+bad); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		readResponses(t, r, 1)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("%.40q: %v", bad, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !resp.Close || string(body) != "Bad Request" {
			t.Errorf("%.40q: %s, close %v, %q", bad, resp.Status, resp.Close, body)
		}
		if _, err := r.ReadByte(); err != io.EOF {
			t.Errorf("%.40q: %v after the 400, want EOF", bad, err)
		}
	}
}

// TestConcurrent: 100 clients of net/http at once, 20 requests each.
func TestConcurrent(t *testing.T) {
	addr, stop := start(t, "-loops", "3")
	const conns = 100
	cl := client(conns)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			for j := range 20 {
				if err := get(cl, fmt.Sprintf("http://%s/%d/%d", addr, i, j)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cl.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestAllocs: a keep-alive request and its answer allocate nothing in
// steady state, on the server's side and a raw client's together.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	addr, _ := start(t, "-loops", "1")
	c := rawConn(t, addr)
	req := []byte("GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n")
	buf := make([]byte, len(respOK)+len(hello))
	round := func() {
		if _, err := c.Write(req); err != nil {
			panic(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			panic(err)
		}
	}
	for range 100 {
		round()
	}
	if string(buf) != string(respOK)+hello {
		t.Fatalf("answer %q", buf)
	}
	runs := 1000
	if underWine() {
		runs = 200
	}
	if n := testing.AllocsPerRun(runs, round); n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}

// TestBadFlags: what run refuses.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", "bogus://1.2.3.4:5"},
		{"-addr", "udp://127.0.0.1:0"},
		{"-nosuchflag"},
		{"extra"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// TestPipeliningNoRead: a client pipelines more requests than the
// server's pending output holds the responses of, reading nothing until
// it has sent them all. The server stops answering when its output is
// full and goes on when the client reads, though nothing more arrives:
// every response comes, in order.
func TestPipeliningNoRead(t *testing.T) {
	addr, _ := start(t)
	c := rawConn(t, addr)
	n := (8 << 20) / 100 // responses of about 100 bytes: 8 MiB, twice MaxOutbound
	wrote := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c, strings.Repeat(getReq, n-1)+"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		wrote <- err
	}()
	// Read once all is sent, or once the server, its output full, has
	// stopped taking requests and the sockets' buffers are full too.
	select {
	case err := <-wrote:
		wrote <- err
	case <-time.After(scaledDur(time.Second)):
	}
	r := bufio.NewReader(c)
	readResponses(t, r, n)
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after the response to Connection: close: %v, want EOF", err)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}

// TestTLS: with -tls, net/http's client gets the answer over HTTPS,
// with ALPN http/1.1, from a server with the self-signed certificate it
// made for 127.0.0.1.
func TestTLS(t *testing.T) {
	addr, stop := start(t, "-tls")
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Timeout: timeout, Transport: tr}
	for i := range 3 {
		resp, err := c.Get("https://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != hello {
			t.Fatalf("request %d: %q, %v", i, body, err)
		}
		cs := resp.TLS
		if cs == nil || cs.NegotiatedProtocol != "http/1.1" || cs.PeerCertificates[0].VerifyHostname("127.0.0.1") != nil {
			t.Fatalf("request %d: TLS state %+v", i, cs)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
