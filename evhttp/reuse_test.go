package evhttp

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRequestNotReused: a Request handed to a handler stays its own after
// the handler returns (a handler may keep it, and a goroutine it started
// may read it): the requests that follow, on the same connection and on
// others, parse into other Requests, fields and values included.
func TestRequestNotReused(t *testing.T) {
	const n = 50
	kept := make(chan *http.Request, 2*n)
	addr := serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kept <- r
		io.WriteString(w, r.URL.Path)
	})})
	nc1, br1 := dial(t, addr)
	nc2, br2 := dial(t, addr)
	for i := range n {
		for j, nc := range []net.Conn{nc1, nc2} {
			fmt.Fprintf(nc, "GET /%d/%d HTTP/1.1\r\nHost: a\r\nX-N: %d-%d\r\nX-Long: %s\r\n\r\n",
				i, j, i, j, strings.Repeat("v", i))
		}
		readResp(t, br1, "GET")
		readResp(t, br2, "GET")
	}
	seen := make(map[string]bool)
	for range 2 * n {
		r := <-kept
		i, j := 0, 0
		if _, err := fmt.Sscanf(r.URL.Path, "/%d/%d", &i, &j); err != nil {
			t.Fatalf("kept request with path %q: %v", r.URL.Path, err)
		}
		if seen[r.URL.Path] {
			t.Fatalf("request %s seen twice", r.URL.Path)
		}
		seen[r.URL.Path] = true
		want := fmt.Sprintf("%d-%d", i, j)
		if got := r.Header.Get("X-N"); got != want || r.Header.Get("X-Long") != strings.Repeat("v", i) ||
			r.Method != "GET" || r.RequestURI != r.URL.Path || r.Host != "a" {
			t.Fatalf("kept request %s changed: X-N %q, X-Long of %d bytes, %s %s host %q",
				r.URL.Path, got, len(r.Header.Get("X-Long")), r.Method, r.RequestURI, r.Host)
		}
	}
}

// TestResponseHeadAsNetHTTP: the header fields a handler sets reach the
// client as net/http's server sends them: names that are not tokens left
// out, line breaks in values made spaces, values trimmed, several values
// as several lines, the handler's Connection and Transfer-Encoding
// fields as net/http treats them.
func TestResponseHeadAsNetHTTP(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		switch r.URL.Path {
		case "/fields":
			hd["Bad Name"] = []string{"x"}
			hd["X-Inject"] = []string{"a\r\nInjected: 1"}
			hd["X-Trim"] = []string{"  padded \t"}
			hd["X-Multi"] = []string{"1", "2"}
			hd.Set("Content-Type", "text/x-test")
			io.WriteString(w, "body")
		case "/keep-alive":
			hd.Set("Connection", "keep-alive")
			io.WriteString(w, "body")
		case "/length":
			hd.Set("Content-Length", "4")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "body")
		case "/no-content":
			hd.Set("Content-Length", "4")
			hd.Set("Transfer-Encoding", "chunked")
			w.WriteHeader(http.StatusNoContent)
		case "/chunked":
			io.WriteString(w, "one")
			w.(http.Flusher).Flush()
			io.WriteString(w, "two")
		case "/date":
			hd.Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT")
		case "/close":
			hd.Set("Connection", "close")
		case "/not-modified":
			hd.Set("Content-Type", "text/plain") // dropped from a 304
			hd.Set("Etag", `"x"`)
			w.WriteHeader(http.StatusNotModified)
		case "/encoded":
			hd.Set("Content-Encoding", "gzip") // not sniffed
			io.WriteString(w, "<html>body")
		case "/te-chunked":
			hd.Set("Transfer-Encoding", "chunked")
			io.WriteString(w, "body")
		case "/te-identity":
			hd.Set("Transfer-Encoding", "identity")
			io.WriteString(w, "body")
		case "/te-length":
			hd.Set("Transfer-Encoding", "chunked")
			hd.Set("Content-Length", "4")
			io.WriteString(w, "body")
		}
	})
	// The /te- paths: a Transfer-Encoding set by the handler, which
	// net/http uses only where it frames by chunks (and drops with a
	// Content-Length, for HEAD and before HTTP/1.1); "identity" asks for
	// a body delimited by the close.
	paths := []string{"/fields", "/keep-alive", "/length", "/no-content", "/chunked", "/date", "/close",
		"/te-chunked", "/te-identity", "/te-length", "/encoded", "/not-modified"}
	ns := httptest.NewUnstartedServer(h)
	ns.Config.ErrorLog = log.New(io.Discard, "", 0) // its complaint of /te-length
	ns.Start()
	defer ns.Close()
	addr := serve(t, &Server{Handler: h})
	for _, path := range paths {
		for _, method := range []string{"GET", "HEAD"} {
			want, wantRaw, wantBody := rawExchange(t, ns.Listener.Addr().String(), method, path)
			got, gotRaw, gotBody := rawExchange(t, addr, method, path)
			if got.StatusCode != want.StatusCode || !maps.EqualFunc(got.Header, want.Header, sameValues) ||
				!slicesEqual(got.TransferEncoding, want.TransferEncoding) || got.ContentLength != want.ContentLength ||
				got.Close != want.Close || gotBody != wantBody {
				t.Errorf("%s %s:\nevhttp   %q %q\nnet/http %q %q", method, path, gotRaw, gotBody, wantRaw, wantBody)
			}
		}
	}
}

func sameValues(a, b []string) bool { return slicesEqual(a, b) }

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// rawExchange sends one request on a new connection and returns the
// response, with its Date field dropped unless the handler set it, and
// its head as it came.
func rawExchange(t *testing.T, addr, method, path string) (resp *http.Response, head, body string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(timeout))
	fmt.Fprintf(nc, "%s %s HTTP/1.1\r\nHost: a\r\n\r\n", method, path)
	var raw strings.Builder
	br := bufio.NewReader(io.TeeReader(nc, &raw))
	resp, err = http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, err := io.ReadAll(resp.Body)
	body = string(b)
	if err != nil {
		body += " (" + err.Error() + ")"
	}
	if path != "/date" {
		resp.Header.Del("Date")
	}
	head, _, _ = strings.Cut(raw.String(), "\r\n\r\n")
	return resp, head, body
}
