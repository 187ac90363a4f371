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
	nc, _ := dial(t, addr)
	defer nc.Close()
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
	for _, tc := range []struct {
		name, req string
		differs   bool // evhttp does not answer where net/http does: see below
	}{
		{name: "get", req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "http/1.0", req: "GET / HTTP/1.0\r\n\r\n"},
		{name: "context", req: "GET /ctx HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "body", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
		{name: "chunked body", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{name: "body cut short", req: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello"},
		{name: "chunked body cut short", req: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
		{name: "pipelined", req: "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /?2 HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"},
		{name: "head cut short", req: "GET / HTTP/1.1\r\nHost: a\r\n"},
		{name: "request line cut short", req: "GET / HTT"},
		{name: "pipelined, then a head cut short", req: "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n"},
		{name: "nothing", req: ""},
		// evhttp ignores empty lines before a request line, as RFC 9112
		// (section 2.2) asks; net/http only after a POST, and answers
		// this one 400. Nothing of a request came: no answer.
		{name: "a blank line", req: "\r\n", differs: true},
		{name: "a request, then a blank line", req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := halfClosed(t, ns.Listener.Addr().String(), tc.req)
			if tc.differs {
				want = halfClosed(t, ns.Listener.Addr().String(), "") // no answer
			}
			got := halfClosed(t, addr, tc.req)
			if got != want {
				t.Fatalf("evhttp:\n%s\nnet/http:\n%s", got, want)
			}
			t.Logf("%q", got)
		})
	}
}
