package evhttp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// halfCloseHandler: / says hello; /ctx answers whether the request's
// context was cancelled within a second (net/http cancels it at the
// client's end of stream); /echo reads the body and says how much came
// and how it ended.
var halfCloseHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ctx":
		select {
		case <-r.Context().Done():
			io.WriteString(w, "cancelled")
		case <-time.After(time.Second):
			io.WriteString(w, "not cancelled")
		}
	case "/echo":
		b, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d bytes, %v", len(b), err)
	default:
		io.WriteString(w, "hello")
	}
})

// halfClosed sends req on a new connection to addr, shuts down its
// sending side, and returns the responses that come before the server
// closes, as "status body" lines.
func halfClosed(t *testing.T, addr, req string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	if err := nc.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var out strings.Builder
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if err != io.EOF {
				fmt.Fprintf(&out, "(%v)", err)
			}
			return out.String()
		}
		b, err := io.ReadAll(resp.Body)
		fmt.Fprintf(&out, "%d %s", resp.StatusCode, b)
		if err != nil {
			fmt.Fprintf(&out, " (%v)", err)
		}
		out.WriteString("\n")
	}
}

// TestHalfCloseAsNetHTTP: a client that shuts down its sending side after
// its requests gets the answers net/http's server gives it (the body of a
// request cut short fails as there, and a head cut short is answered as
// there), and the connection closes after them. (Whether a pipelined
// request's context is cancelled by the end of stream depends, with
// net/http, on whether the requests after it came in the same read.)
func TestHalfCloseAsNetHTTP(t *testing.T) {
	ns := httptest.NewServer(halfCloseHandler)
	defer ns.Close()
	addr := serve(t, &Server{Handler: halfCloseHandler})
	for _, tc := range []struct{ name, req string }{
		{"get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"http/1.0", "GET / HTTP/1.0\r\n\r\n"},
		{"context", "GET /ctx HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"body", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
		{"chunked body", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{"body cut short", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello"},
		{"chunked body cut short", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
		{"pipelined", "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /?2 HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"},
		{"head cut short", "GET / HTTP/1.1\r\nHost: a\r\n"},
		{"request line cut short", "GET / HTT"},
		{"pipelined, then a head cut short", "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n"},
		{"nothing", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := halfClosed(t, ns.Listener.Addr().String(), tc.req)
			got := halfClosed(t, addr, tc.req)
			if got != want {
				t.Fatalf("evhttp:\n%s\nnet/http:\n%s", got, want)
			}
			t.Logf("%q", got)
		})
	}
}
