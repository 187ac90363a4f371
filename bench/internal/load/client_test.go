package load

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goafd/afd/bench/internal/harness"
)

// startTLSServer runs an echo server inside TLS, a goroutine per
// connection, until the test ends, and counts the handshakes it completes.
func startTLSServer(t *testing.T) (addr string, handshakes func() int) {
	t.Helper()
	cfg, err := harness.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 1<<16)
	addr = startServer(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			return
		}
		done <- struct{}{}
		io.Copy(tc, tc)
	})
	return addr, func() int { return len(done) }
}

func TestTLSEcho(t *testing.T) {
	addr, handshakes := startTLSServer(t)
	// The window is long enough for a round trip on each connection on
	// a loaded machine under the race detector; the handshakes precede it.
	res, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 3, Client: Client{Dial: TLS},
		Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.RoundTrips == 0 || res.Served != 3 {
		t.Errorf("TLS echo: %d round trips, %d of 3 connections served", res.RoundTrips, res.Served)
	}
	if n := handshakes(); n != 3 {
		t.Errorf("server completed %d handshakes, want 3", n)
	}
}

func TestTLSChurnHandshakesEveryConnection(t *testing.T) {
	addr, handshakes := startTLSServer(t)
	// Two seconds: a full handshake under the race detector on a loaded
	// machine takes tens of milliseconds.
	res, err := Client{Dial: TLS}.Churn(context.Background(), addr, 2, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A connection counted has had its echo, which the server sends after
	// its handshake; the server may have completed the handshake of each
	// worker's last connection, which the end of the run did not count.
	if n := handshakes(); res.Conns == 0 || uint64(n) < res.Conns || uint64(n) > res.Conns+2 {
		t.Errorf("%d connections completed, the server completed %d handshakes: want one each", res.Conns, n)
	}
}

func TestTLSToPlainServerFails(t *testing.T) {
	addr := startServer(t, echoServe)
	if _, err := (Client{Dial: TLS}).DialAll(context.Background(), addr, 1, nil); err == nil {
		t.Fatal("a TLS handshake with a plaintext echo server succeeded")
	}
}

// startHTTPServer serves harness.HTTPHandler with net/http until the test
// ends.
func startHTTPServer(t *testing.T) string {
	t.Helper()
	srv := &http.Server{Handler: harness.HTTPHandler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestHTTPClients(t *testing.T) {
	addr := startHTTPServer(t)
	for name, cl := range map[string]Client{"hello": HTTPHello(), "echo": HTTPEcho()} {
		res, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 3, Client: cl,
			Duration: time.Second})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.RoundTrips < 6 || res.Served != 3 {
			t.Errorf("%s: %d requests, %d of 3 connections served", name, res.RoundTrips, res.Served)
		}
	}
}

func TestHTTPWrongAnswers(t *testing.T) {
	for _, tc := range []struct{ name, response string }{
		{"status", "HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\nHello, World!"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nd\r\nHello, World!\r\n0\r\n\r\n"},
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHello, World"},
		{"body", "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, world!"},
		{"header", "HTTP/1.1 200 OK\r\nContent-Length 13\r\n\r\nHello, World!"},
	} {
		addr := startServer(t, func(c net.Conn) {
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if line == "\r\n" {
					io.WriteString(c, tc.response)
				}
			}
		})
		_, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 1, Client: HTTPHello(), Duration: time.Second})
		if !errors.Is(err, ErrWrongAnswer) {
			t.Errorf("%s: err = %v, want a wrong answer", tc.name, err)
		}
	}
}

func TestHTTPEchoChecksTheBody(t *testing.T) {
	// A server that answers every POST with the body of the first.
	addr := startServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		var first string
		for {
			req, err := http.ReadRequest(r)
			if err != nil {
				return
			}
			b, _ := io.ReadAll(req.Body)
			if first == "" {
				first = string(b)
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n"+first)
		}
	})
	_, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 1, Client: HTTPEcho(), Duration: time.Second})
	if !errors.Is(err, ErrWrongAnswer) || !strings.Contains(err.Error(), "request 1") {
		t.Fatalf("err = %v, want a wrong answer to the second request", err)
	}
}
