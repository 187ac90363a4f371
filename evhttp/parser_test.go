package evhttp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// parsed is a request as the parser hands it out, body and trailers
// included.
type parsed struct {
	req  *http.Request
	body []byte
	done bool // evEnd seen
}

// feed runs p over data cut into pieces of the sizes that cut returns,
// and returns the requests it found and its error, if any.
func feed(p *parser, data []byte, cut func(rest int) int) ([]*parsed, *parseError) {
	var out []*parsed
	for len(data) > 0 {
		k := min(cut(len(data)), len(data))
		in := data[:k]
		data = data[k:]
		for {
			n, ev, body := p.next(in)
			in = in[n:]
			switch ev {
			case evHead:
				out = append(out, &parsed{req: p.req})
			case evBody:
				out[len(out)-1].body = append(out[len(out)-1].body, body...)
			case evEnd:
				last := out[len(out)-1]
				last.done = true
				mergeTrailer(last.req, p.trailer)
			case evError:
				return out, p.err
			}
			if ev == evMore && len(in) == 0 {
				break
			}
		}
	}
	// A request without a body completes with the next call.
	if _, ev, _ := p.next(nil); ev == evEnd {
		out[len(out)-1].done = true
	}
	return out, nil
}

// stdRead reads the requests of data with net/http's ReadRequest, as its
// server does (the Host header removed from Header).
func stdRead(data []byte) ([]*parsed, error) {
	br := bufio.NewReader(bytes.NewReader(data))
	var out []*parsed
	for {
		if _, err := br.Peek(1); err == io.EOF {
			return out, nil
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return out, err
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return out, err
		}
		delete(req.Header, "Host")
		out = append(out, &parsed{req: req, body: body, done: true})
	}
}

// sameRequest reports how a and b differ in what a handler sees, or "".
func sameRequest(a, b *parsed) string {
	x, y := a.req, b.req
	switch {
	case x.Method != y.Method:
		return fmt.Sprintf("Method %q, %q", x.Method, y.Method)
	case x.RequestURI != y.RequestURI:
		return fmt.Sprintf("RequestURI %q, %q", x.RequestURI, y.RequestURI)
	case x.URL.String() != y.URL.String():
		return fmt.Sprintf("URL %q, %q", x.URL, y.URL)
	case x.Proto != y.Proto || x.ProtoMajor != y.ProtoMajor || x.ProtoMinor != y.ProtoMinor:
		return fmt.Sprintf("Proto %q, %q", x.Proto, y.Proto)
	case x.Host != y.Host:
		return fmt.Sprintf("Host %q, %q", x.Host, y.Host)
	case !reflect.DeepEqual(x.Header, y.Header):
		return fmt.Sprintf("Header %q, %q", x.Header, y.Header)
	case x.ContentLength != y.ContentLength:
		return fmt.Sprintf("ContentLength %d, %d", x.ContentLength, y.ContentLength)
	case !reflect.DeepEqual(x.TransferEncoding, y.TransferEncoding):
		return fmt.Sprintf("TransferEncoding %q, %q", x.TransferEncoding, y.TransferEncoding)
	case x.Close != y.Close:
		return fmt.Sprintf("Close %v, %v", x.Close, y.Close)
	case !bytes.Equal(a.body, b.body):
		return fmt.Sprintf("body %q, %q", a.body, b.body)
	case (len(x.Trailer) > 0 || len(y.Trailer) > 0) && !reflect.DeepEqual(x.Trailer, y.Trailer):
		// (An empty trailer section ended by a bare LF gives net/http an
		// empty map, not nil: no difference to a handler.)
		return fmt.Sprintf("Trailer %q, %q", x.Trailer, y.Trailer)
	case a.done != b.done:
		return fmt.Sprintf("complete %v, %v", a.done, b.done)
	}
	return ""
}

// validRequests are requests net/http and the parser both accept; each
// is also run pipelined after the others.
var validRequests = []string{
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /x?y=z&w HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
	"GET http://example.com/abs HTTP/1.1\r\nHost: other\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n",
	"HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
	"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
	"POST /p HTTP/1.0\r\nContent-Length: 4\r\n\r\nabcd",
	"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA;name=v\r\n0123456789\r\n0\r\n\r\n",
	"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum, x-other\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\nX-Other: o\r\n\r\n",
	"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Undeclared: u\r\n\r\n",
	"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
	"GET / HTTP/1.1\r\nHost: a\r\nx-lower-case: v\r\nMulti: 1\r\nmulti: 2\r\nEmpty:\r\nSpaces:   in the middle  \r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nPragma: no-cache\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nObs: caf\xc3\xa9\r\n\r\n",
	"GET / HTTP/1.1\nHost: a\nBare: lf\n\n",
	"DELETE /%41%20b HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
	"M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n",
}

// TestParserAgreesWithNetHTTP: on valid input the parser hands out what
// net/http's ReadRequest reads (method, target, URL, version, headers,
// Host, length, transfer encoding, close, body, trailers), whatever the
// cuts of the input: byte by byte, at every single split, and pipelined
// in random pieces.
func TestParserAgreesWithNetHTTP(t *testing.T) {
	check := func(t *testing.T, data []byte, cut func(int) int) {
		t.Helper()
		want, err := stdRead(data)
		if err != nil {
			t.Fatalf("net/http refuses %q: %v", data, err)
		}
		got, perr := feed(newParser(0), data, cut)
		if perr != nil {
			t.Fatalf("parser refuses %q: %v", data, perr)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d requests, net/http %d", data, len(got), len(want))
		}
		for i := range got {
			if d := sameRequest(got[i], want[i]); d != "" {
				t.Fatalf("%q: request %d differs (parser, net/http): %s", data, i, d)
			}
		}
	}
	for _, r := range validRequests {
		data := []byte(r)
		check(t, data, func(int) int { return len(data) })
		check(t, data, func(int) int { return 1 })
		for s := 1; s < len(data); s++ {
			first := true
			check(t, data, func(rest int) int {
				if first {
					first = false
					return s
				}
				return rest
			})
		}
	}
	all := []byte(strings.Join(validRequests, ""))
	rng := rand.New(rand.NewSource(1))
	for range 50 {
		check(t, all, func(int) int { return 1 + rng.Intn(64) })
	}
}

// TestParserRefuses: malformed requests get net/http's status (400, 431,
// 501, 505), and the stricter refusals of the package doc 400; a bad body
// stops the parser with no status, after the head was handed out.
func TestParserRefuses(t *testing.T) {
	big := strings.Repeat("a", http.DefaultMaxHeaderBytes+headerSlack)
	tests := []struct {
		name, req string
		status    int
		netHTTP   bool // net/http's ReadRequest refuses it too (its server refuses more)
	}{
		{"no version", "GET /\r\n\r\n", 400, true},
		{"bad version", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400, true},
		{"HTTP/2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, false},
		{"bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, true},
		{"bad target", "GET a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, true},
		{"relative target", "GET x HTTP/1.1\r\nHost: a\r\n\r\n", 400, true},
		{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nBad\r\n\r\n", 400, true},
		{"space in name", "GET / HTTP/1.1\r\nHost: a\r\nBad Name: v\r\n\r\n", 400, false},   // net/http's server refuses it
		{"space before colon", "GET / HTTP/1.1\r\nHost: a\r\nName : v\r\n\r\n", 400, false}, // net/http's server refuses it
		{"control in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400, true},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, false},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true},
		{"bad Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, false},
		{"bad Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400, true},
		{"empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400, true},
		{"two Content-Lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, true},
		{"gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, true},
		{"gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, true},
		{"bad trailer key", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n", 400, true},
		// Stricter than net/http (see the package doc).
		{"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, false},
		{"TE and CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400, false},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, false},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400, false},
		{"header too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + big + "\r\n\r\n", 431, false},
		// Bodies: the head is handed out, then the parser stops.
		{"bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 0, true},
		{"chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 0, true},
		{"no CRLF after chunk", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 0, true},
		{"bad trailer", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n", 0, true},
		{"long chunk line", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("e", maxChunkLine) + "\r\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stdErr := stdRead([]byte(tt.req))
			if (stdErr != nil) != tt.netHTTP {
				t.Errorf("net/http's ReadRequest: error %v, want an error: %v", stdErr, tt.netHTTP)
			}
			for _, cut := range []func(int) int{func(r int) int { return r }, func(int) int { return 1 }} {
				p := newParser(0)
				got, perr := feed(p, []byte(tt.req), cut)
				if perr == nil {
					t.Fatalf("accepted: %d requests", len(got))
				}
				if perr.status != tt.status {
					t.Fatalf("status %d (%v), want %d", perr.status, perr, tt.status)
				}
				if tt.status == 0 && len(got) != 1 {
					t.Fatalf("a bad body came with %d heads, want 1", len(got))
				}
				if _, ev, _ := p.next([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")); ev != evError {
					t.Fatalf("after an error, next returned %v", ev)
				}
			}
		})
	}
}

// TestParserHeaderLimit: the head may be MaxHeaderBytes plus net/http's
// slack, and no more, however it is cut; the limit is the parser's
// setting.
func TestParserHeaderLimit(t *testing.T) {
	const max = 100
	head := func(total int) []byte {
		pre := "GET / HTTP/1.1\r\nHost: a\r\nX: "
		pad := total - len(pre) - 4
		return []byte(pre + strings.Repeat("v", pad) + "\r\n\r\n")
	}
	for _, cut := range []func(int) int{func(r int) int { return r }, func(int) int { return 1 }, func(int) int { return 7 }} {
		got, err := feed(newParser(max), head(max+headerSlack), cut)
		if err != nil || len(got) != 1 {
			t.Fatalf("head at the limit: %v, %d requests", err, len(got))
		}
		_, err = feed(newParser(max), head(max+headerSlack+1), cut)
		if err == nil || err.status != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("head one byte over the limit: %v, want 431", err)
		}
	}
}

// TestParserTrailerLimit: a trailer section is limited to MaxHeaderBytes.
func TestParserTrailerLimit(t *testing.T) {
	req := "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + strings.Repeat("v", 200) + "\r\n\r\n"
	if _, err := feed(newParser(100), []byte(req), func(int) int { return 13 }); err == nil {
		t.Fatal("a trailer over MaxHeaderBytes was accepted")
	}
	if got, err := feed(newParser(1000), []byte(req), func(int) int { return 13 }); err != nil || len(got[0].req.Trailer["X"]) != 1 {
		t.Fatalf("a trailer within MaxHeaderBytes: %v", err)
	}
}

// TestParserLeadingEmptyLines: empty lines between requests are skipped
// and hold nothing.
func TestParserLeadingEmptyLines(t *testing.T) {
	p := newParser(0)
	data := "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
	got, err := feed(p, []byte(data), func(int) int { return 1 })
	if err != nil || len(got) != 2 || got[1].req.URL.Path != "/2" {
		t.Fatalf("got %d requests, %v", len(got), err)
	}
	if !p.idle() {
		t.Fatal("parser not idle after complete requests")
	}
}

// TestParserBodyPace: a caller may take body bytes at its own pace, by
// passing a shorter input; the body is handed out uncopied.
func TestParserBodyPace(t *testing.T) {
	p := newParser(0)
	data := []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	n, ev, _ := p.next(data)
	if ev != evHead {
		t.Fatalf("event %v, want evHead", ev)
	}
	data = data[n:]
	k, ev, body := p.next(data[:3])
	if ev != evBody || k != 3 || string(body) != "012" || &body[0] != &data[0] {
		t.Fatalf("next(3 bytes): %d, %v, %q", k, ev, body)
	}
	data = data[3:]
	k, ev, body = p.next(data)
	if ev != evBody || string(body) != "3456789" {
		t.Fatalf("rest of the body: %d, %v, %q", k, ev, body)
	}
	if _, ev, _ = p.next(data[k:]); ev != evEnd {
		t.Fatalf("after the body: %v, want evEnd", ev)
	}
	if _, ev, _ = p.next(data[k:]); ev != evHead {
		t.Fatalf("next request: %v", ev)
	}
}
