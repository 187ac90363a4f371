package evhttp

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// trailerHandler sets response trailers in the ways net/http's
// ResponseWriter documents: declared in the Trailer field before
// WriteHeader, and keys with http.TrailerPrefix.
func trailerHandler(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	switch r.URL.Path {
	case "/declared":
		h.Set("Trailer", "X-Sum, X-Count")
		h.Add("Trailer", "X-More")
		io.WriteString(w, "body")
		h.Set("X-Sum", "10")
		h.Set("X-Count", "2")
		h["X-More"] = []string{"a", "b"}
	case "/declared-header":
		h.Set("Trailer", "X-Sum")
		h.Set("X-Sum", "in the head")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "body")
		h.Set("X-Sum", "in the trailer")
	case "/prefix":
		// Set after the header without a Flush: the body fits the
		// buffer, so net/http gives it a Content-Length and the
		// trailer is lost.
		io.WriteString(w, "body")
		h.Set(http.TrailerPrefix+"X-Late", "v")
	case "/prefix-flush":
		io.WriteString(w, "body")
		w.(http.Flusher).Flush()
		h.Set(http.TrailerPrefix+"X-Late", "v")
		h.Set(http.TrailerPrefix+"x-lower", "kept as it is")
	case "/prefix-before":
		h.Set(http.TrailerPrefix+"X-Early", "first")
		io.WriteString(w, "body")
		h.Set(http.TrailerPrefix+"X-Early", "last")
	case "/both":
		h.Set("Trailer", "X-A")
		io.WriteString(w, "one")
		w.(http.Flusher).Flush()
		io.WriteString(w, "two")
		h.Set("X-A", "a")
		h.Set(http.TrailerPrefix+"X-B", "b")
		h.Set(http.TrailerPrefix+"X-A", "prefixed")
	case "/flush":
		h.Set("Trailer", "X-Sum")
		w.(http.Flusher).Flush()
		io.WriteString(w, strings.Repeat("x", 1000))
		w.(http.Flusher).Flush()
		h.Set("X-Sum", "1000")
	case "/large":
		// Over both servers' buffers: chunked for its size, in chunks
		// that are not net/http's.
		h.Set("Trailer", "X-Sum")
		io.WriteString(w, strings.Repeat("x", 10000))
		h.Set("X-Sum", "10000")
		h.Set(http.TrailerPrefix+"X-Late", "v")
	case "/empty":
		h.Set("Trailer", "X-Never")
	case "/forbidden":
		// (net/http's client refuses a response that declares
		// Content-Length, Transfer-Encoding or Trailer.)
		h.Set("Trailer", "If-Match, Host, authorization, X-Ok, Bad Name")
		io.WriteString(w, "body")
		h.Set("Authorization", "a")
		h.Set("If-Match", "x")
		h.Set("Host", "h")
		h.Set("X-Ok", "a\r\nInjected: 1")
		h["Bad Name"] = []string{"x"}
		h.Set(http.TrailerPrefix+"Bad Name", "y")
		h.Set(http.TrailerPrefix+"Content-Type", "text/late")
	case "/length":
		h.Set("Trailer", "X-Sum")
		h.Set("Content-Length", "4")
		io.WriteString(w, "body")
		h.Set("X-Sum", "1")
	case "/no-content":
		h.Set("Trailer", "X-Sum")
		w.WriteHeader(http.StatusNoContent)
		h.Set("X-Sum", "1")
	}
}

// trailerPaths are trailerHandler's cases, with the trailer net/http's
// server sends for a GET over HTTP/1.1, which the comparison checks
// first so that it is not one of two equal mistakes.
var trailerPaths = []struct {
	path    string
	trailer http.Header
}{
	{"/declared", http.Header{"X-Sum": {"10"}, "X-Count": {"2"}, "X-More": {"a", "b"}}},
	{"/declared-header", http.Header{"X-Sum": {"in the trailer"}}},
	{"/prefix", nil},
	{"/prefix-flush", http.Header{"X-Late": {"v"}, "X-Lower": {"kept as it is"}}},
	{"/prefix-before", http.Header{"X-Early": {"last"}}},
	{"/both", http.Header{"X-A": {"prefixed", "a"}, "X-B": {"b"}}},
	{"/flush", http.Header{"X-Sum": {"1000"}}},
	{"/empty", http.Header{"X-Never": nil}},
	{"/forbidden", http.Header{"X-Ok": {"a  Injected: 1"}, "Content-Type": {"text/late"}, // declared, never sent:
		"Authorization": nil, "Bad Name": nil, "Host": nil, "If-Match": nil}},
	{"/length", nil},
	{"/no-content", nil},
}

// TestResponseTrailersAsNetHTTP: a handler's trailers reach the client as
// net/http's server sends them: the same head fields and, byte for byte,
// the same body with its framing and trailer section:
// declared in the Trailer field or set with http.TrailerPrefix, with
// Flush between the writes or not, for GET and HEAD, over HTTP/1.1
// (chunked, the trailer section after the last chunk) and HTTP/1.0 (no
// trailers: the body ends with the connection), forbidden and invalid
// names dropped, and none after a Content-Length or for a 204.
func TestResponseTrailersAsNetHTTP(t *testing.T) {
	h := http.HandlerFunc(trailerHandler)
	ns := httptest.NewServer(h)
	defer ns.Close()
	addr := serve(t, &Server{Handler: h})
	for _, tc := range trailerPaths {
		for _, proto := range []string{"HTTP/1.1", "HTTP/1.0"} {
			for _, method := range []string{"GET", "HEAD"} {
				want, wantBody, wantRaw := trailerExchange(t, ns.Listener.Addr().String(), method, proto, tc.path)
				if method == "GET" && proto == "HTTP/1.1" && !maps.EqualFunc(want.Trailer, tc.trailer, sameValues) {
					t.Fatalf("%s: net/http sent the trailer %q, the test expects %q", tc.path, want.Trailer, tc.trailer)
				}
				got, gotBody, gotRaw := trailerExchange(t, addr, method, proto, tc.path)
				if proto == "HTTP/1.0" {
					// net/http leaves out the Connection: close that
					// evhttp sends; both close (compared as Close).
					got.Header.Del("Connection")
					want.Header.Del("Connection")
				}
				_, gotWire, _ := strings.Cut(gotRaw, "\r\n\r\n")
				_, wantWire, _ := strings.Cut(wantRaw, "\r\n\r\n")
				if gotWire != wantWire || got.StatusCode != want.StatusCode ||
					!maps.EqualFunc(got.Header, want.Header, sameValues) ||
					!maps.EqualFunc(got.Trailer, want.Trailer, sameValues) ||
					!slicesEqual(got.TransferEncoding, want.TransferEncoding) ||
					got.ContentLength != want.ContentLength || got.Close != want.Close || gotBody != wantBody {
					t.Errorf("%s %s %s:\nevhttp   %q\n         trailer %q\nnet/http %q\n         trailer %q",
						method, tc.path, proto, gotRaw, got.Trailer, wantRaw, want.Trailer)
				}
			}
		}
	}
}

// TestResponseTrailersClient: net/http's client, over a keep-alive
// connection, gets the trailers of responses that follow one another,
// and the connection stays usable after each; a TrailerPrefix key set
// after a body chunked for its size is sent too.
func TestResponseTrailersClient(t *testing.T) {
	addr := serve(t, &Server{Handler: http.HandlerFunc(trailerHandler)})
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: timeout}
	paths := append(trailerPaths[:len(trailerPaths):len(trailerPaths)], struct {
		path    string
		trailer http.Header
	}{"/large", http.Header{"X-Sum": {"10000"}, "X-Late": {"v"}}})
	for range 3 {
		for _, tc := range paths {
			if tc.path == "/no-content" {
				continue
			}
			resp, err := cl.Get("http://" + addr + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadAll(resp.Body); err != nil {
				t.Fatalf("%s: %v", tc.path, err)
			}
			resp.Body.Close()
			if !maps.EqualFunc(resp.Trailer, tc.trailer, sameValues) {
				t.Errorf("%s: trailer %q, want %q", tc.path, resp.Trailer, tc.trailer)
			}
		}
	}
}

// dateField matches the Date field that a server adds.
var dateField = regexp.MustCompile(`\r\nDate: [^\r]*`)

// trailerExchange sends one request with proto on a new connection and
// returns the response read by net/http with its body read to the end,
// and everything that came, head, body and trailers, but for the server's
// Date field.
func trailerExchange(t *testing.T, addr, method, proto, path string) (*http.Response, string, string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(timeout))
	fmt.Fprintf(nc, "%s %s %s\r\nHost: a\r\n\r\n", method, path, proto)
	var raw strings.Builder
	br := bufio.NewReader(io.TeeReader(nc, &raw))
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s %s: %v", method, path, proto, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s %s: body: %v", method, path, proto, err)
	}
	resp.Header.Del("Date")
	return resp, string(body), dateField.ReplaceAllString(raw.String(), "")
}
