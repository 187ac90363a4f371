// Command http serves HTTP/1.1 "Hello, World!" with package evloop, parsing
// requests itself (no net/http): every request, whatever its method and
// target, is answered with 200 and the text "Hello, World!" (HEAD: the
// headers only).
//
// Usage:
//
//	http [-addr addr] [-loops n] [-idle d] [-maxconns n] [-tls [-cert file -key file]]
//
// -addr takes an address in evloop's form (tcp://127.0.0.1:8080); port 0
// picks a free port. Once listening, http prints
// "http: listening on tcp://127.0.0.1:8080" and serves until SIGINT or
// SIGTERM, when it shuts down gracefully and prints "http: shut down".
// With -tls it serves HTTPS (TLS 1.2 and 1.3, ALPN "http/1.1") with the
// certificate of -cert and -key (PEM files), or without them with a
// self-signed certificate for localhost, 127.0.0.1 and ::1 made at
// start; scripts/real-clients-tls.sh drives it with curl and openssl.
//
// Connections are kept alive (HTTP/1.1 unless "Connection: close",
// HTTP/1.0 only with "Connection: keep-alive") and may pipeline: the
// requests of one read are answered in order, with one write (one per
// 64 KiB of responses), and a request split over reads waits for its
// rest in the connection's buffer. A client that pipelines without
// reading is answered until its pending responses reach the server's
// MaxOutbound (4 MiB); its other requests wait until it reads.
// Content-Length bodies are read and dropped. A malformed request (bad
// request line or header, headers over 8 KiB, a Transfer-Encoding, a bad
// Content-Length) is answered with 400 Bad Request and the connection is
// closed. In steady state a request allocates nothing.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/goafd/afd/evloop"
	"github.com/goafd/afd/examples/internal/tlsflag"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "http:", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 10 * time.Second

// maxHeader caps the request line and headers, the final CRLF included.
const maxHeader = 8 << 10

// run serves until ctx is done, printing its address to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	var (
		addr     = fs.String("addr", "tcp://127.0.0.1:8080", "`address` to serve")
		loops    = fs.Int("loops", 0, "event loops (0: GOMAXPROCS)")
		idle     = fs.Duration("idle", time.Minute, "close connections idle this long (0: never)")
		maxConns = fs.Int("maxconns", 10000, "refuse connections beyond this many (0: no limit)")
		tlsFlags = tlsflag.Register(fs)
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	tlsCfg, err := tlsFlags.Config("http/1.1")
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	srv, err := evloop.NewServer(evloop.Config{Loops: *loops, IdleTimeout: *idle, MaxConns: *maxConns})
	if err != nil {
		return err
	}
	h := evloop.Handler{
		OnOpen:    func(c *evloop.Conn) { c.SetContext(new(conn)) },
		OnTraffic: onTraffic,
	}
	var ln *evloop.Listener
	if tlsCfg != nil {
		ln, err = srv.ListenTLS(*addr, tlsCfg, h)
	} else {
		ln, err = srv.Listen(*addr, h)
	}
	if err != nil {
		srv.Close()
		return err
	}
	fmt.Fprintf(out, "http: listening on %v\n", ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(out, "http: shut down")
	return nil
}

// conn is the state of a connection.
type conn struct {
	body int64  // bytes of the current request's body still to drop
	out  []byte // responses of this OnTraffic, written at once
}

const hello = "Hello, World!"

var (
	respOK          = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\n")
	respOKKeepAlive = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n")
	respOKClose     = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\nConnection: close\r\n\r\n")
	respBad         = []byte("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request")
	crlfcrlf        = []byte("\r\n\r\n")
)

// onTraffic answers the complete requests buffered, in order, and leaves an
// incomplete one for the next call.
func onTraffic(c *evloop.Conn) {
	st, _ := c.Context().(*conn)
	if st == nil {
		return
	}
	st.out = st.out[:0]
	closing := false
	// A peer may pipeline requests without reading the responses: once
	// the pending output is full, the rest waits (the loop offers it
	// again when the output has drained), so that the responses to one
	// read cannot take any amount of memory.
	for !closing && !c.OutboundFull() {
		if st.body > 0 {
			n, _ := c.Discard(int(min(st.body, int64(c.InboundBuffered()))))
			st.body -= int64(n)
			if st.body > 0 {
				break
			}
		}
		buf, _ := c.Peek(-1)
		if len(buf) == 0 {
			break
		}
		end := bytes.Index(buf, crlfcrlf)
		if end < 0 {
			if len(buf) > maxHeader {
				st.out = append(st.out, respBad...)
				closing = true
			}
			break
		}
		end += len(crlfcrlf)
		if end > maxHeader {
			st.out = append(st.out, respBad...)
			closing = true
			break
		}
		req, ok := parse(buf[:end])
		c.Discard(end)
		if !ok {
			st.out = append(st.out, respBad...)
			closing = true
			break
		}
		st.body = req.contentLength
		closing = !req.keepAlive
		switch {
		case closing:
			st.out = append(st.out, respOKClose...)
		case req.minor == 0:
			st.out = append(st.out, respOKKeepAlive...)
		default:
			st.out = append(st.out, respOK...)
		}
		if !req.head {
			st.out = append(st.out, hello...)
		}
		if len(st.out) >= flushAt {
			c.Write(st.out)
			st.out = st.out[:0]
		}
	}
	if len(st.out) > 0 {
		c.Write(st.out)
	}
	if closing {
		c.Close()
	}
	if cap(st.out) > 64<<10 {
		st.out = nil // a burst of pipelined requests: do not keep its buffer
	}
}

// flushAt is how many bytes of responses a batch gathers before it
// writes them: the connection's pending output then counts them, for
// Conn.OutboundFull.
const flushAt = 64 << 10

// request is what the server needs of a request.
type request struct {
	minor         int   // HTTP/1.minor
	head          bool  // method HEAD
	keepAlive     bool  // the connection stays open after the response
	contentLength int64 // body bytes after the headers
}

// parse parses a request line and headers, hdr ending with CRLF CRLF.
func parse(hdr []byte) (req request, ok bool) {
	line, rest, _ := bytes.Cut(hdr, []byte("\r\n"))
	method, line, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(line, []byte(" "))
	if !ok1 || !ok2 || !isToken(method) || len(target) == 0 || !isTarget(target) {
		return req, false
	}
	switch string(proto) { // no allocation: the compiler compares in place
	case "HTTP/1.1":
		req.minor = 1
		req.keepAlive = true
	case "HTTP/1.0":
	default:
		return req, false
	}
	req.head = string(method) == "HEAD"
	seenLength := false
	for {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		if len(h) == 0 {
			break // the empty line before the body
		}
		name, value, found := bytes.Cut(h, []byte(":"))
		if !found || !isToken(name) {
			return req, false
		}
		value = trim(value)
		for _, b := range value {
			if b < ' ' && b != '\t' || b == 0x7f {
				return req, false
			}
		}
		switch {
		case equalFold(name, "content-length"):
			n, ok := parseLength(value)
			if !ok || seenLength && n != req.contentLength {
				return req, false
			}
			req.contentLength, seenLength = n, true
		case equalFold(name, "transfer-encoding"):
			return req, false // chunked bodies are not supported
		case equalFold(name, "connection"):
			for len(value) > 0 {
				var opt []byte
				opt, value, _ = bytes.Cut(value, []byte(","))
				opt = trim(opt)
				if equalFold(opt, "close") {
					req.keepAlive = false
					break
				}
				if equalFold(opt, "keep-alive") && req.minor == 0 {
					req.keepAlive = true
				}
			}
		}
	}
	return req, true
}

// isToken reports whether b is a non-empty token of RFC 9110.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c >= 0x80 || !tokenChars[c] {
			return false
		}
	}
	return true
}

var tokenChars = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isTarget reports whether b has only visible ASCII characters.
func isTarget(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// trim removes spaces and tabs around b.
func trim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b is lower, ignoring ASCII case; lower is
// lower case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length value: decimal digits, at most 18.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
