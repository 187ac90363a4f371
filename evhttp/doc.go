// Package evhttp serves standard http.Handlers over the connections of
// package evloop: requests are parsed on the event loops, incrementally,
// and handlers run on a bounded pool of goroutines.
//
//	srv := &evhttp.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
//	go srv.ListenAndServe("tcp://127.0.0.1:8080", nil) // or srv.Listen(es, addr) on an evloop.Server of your own
//	...
//	srv.Shutdown(ctx)
//
// HTTPS is ListenAndServeTLS (or ListenTLS): evloop's TLS listener does
// the handshake and the records, the requests see Request.TLS, and
// WebSocket upgrades on it (package evhttp/websocket) are wss://.
//
// # Model
//
// A connection lives on its evloop loop. The loop parses what arrives
// (request line, headers, then the body, Content-Length or chunked, split
// anywhere) and, once a request's head is complete, hands the request to a
// handler on the server's pool: at most MaxHandlers goroutines, started on
// demand; one with nothing to do waits a couple of seconds for the next
// request (keeping the stack it has grown) and then exits, at once on
// Shutdown or Close, so an idle server soon holds none. A request beyond MaxHandlers waits, in order.
// Handlers never run on a loop.
//
// The request body goes from the loop to the handler through a window of
// BodyWindow bytes: when the handler is behind and the window is full, the
// loop pauses the connection (evloop's Conn.PauseRead) and the handler's
// Read resumes it once it has made room (see Backpressure). The response goes the other way: ResponseWriter gathers 4 KiB,
// then writes through evloop's AsyncWriteDone, and a Write waits while
// WriteWindow bytes are still to be taken by the socket, so that a client
// that does not read holds back its handler, not the server's memory.
//
// Requests on one connection are served one at a time, in order: pipelined
// requests wait, unparsed, in the connection's evloop buffer until the
// response before them is written, and the connection is paused
// meanwhile.
//
// An idle keep-alive connection holds no goroutine and no buffer of its
// own: its evloop connection, a parser of a few words and a timer in the
// loop's heap. The README has measurements.
//
// # What differs from net/http
//
// Stricter parsing, each answered 400 with the connection closed:
//   - a request with both Content-Length and Transfer-Encoding (RFC 9112
//     section 6.3; net/http drops the Content-Length and serves the
//     request by its chunked framing, then the next one behind it);
//   - a Transfer-Encoding in an HTTP/1.0 request (RFC 9112 section 6.1;
//     net/http ignores it and reads the body by Content-Length);
//   - obsolete line folding in a header (RFC 9112 section 5.2; net/http
//     joins the lines).
//
// More lenient: any number of empty lines before a request line are
// skipped (net/http skips up to 4, after a POST only).
//
// The rest of the request answers are net/http's: 400 for a malformed
// request, 431 for a head over MaxHeaderBytes (plus the 4096 bytes of
// slack net/http gives), 501 for a transfer coding other than chunked, 505
// for a version other than HTTP/1.x, 417 for an Expect other than
// 100-continue; a head that does not come within ReadHeaderTimeout closes
// the connection without an answer; ReadTimeout and WriteTimeout are
// net/http's, but for what their docs tell. Responses are framed as net/http
// frames them (a Content-Length when the handler's output fits the buffer,
// otherwise chunked for HTTP/1.1 and delimited by the close for HTTP/1.0),
// with the same Date, sniffed Content-Type and Connection headers.
//
// Response trailers are net/http's: the names declared in the Trailer
// field before WriteHeader (but for those RFC 9110 forbids in a trailer)
// and the keys with http.TrailerPrefix are sent after the last chunk. A
// Trailer field, or a TrailerPrefix key set before WriteHeader, makes the
// response chunked even when it would fit a Content-Length; a
// TrailerPrefix key set later reaches the client only if the response is
// chunked anyway (a Flush, a body over the buffer). HTTP/1.0, HEAD, a
// 204 or 304 and a Content-Length set by the handler send no trailers.
//
// A client that shuts down its sending side after its requests (a
// half-close) gets their answers, and then the connection closes; as with
// net/http, a request whose head or body the end cuts short fails (a
// head with 400 Bad Request, a body with the handler's Read), and the end
// cancels the running request's context (TestHalfCloseAsNetHTTP).
//
// Not there (yet):
//   - ConnState, ConnContext, HTTP/2 (ALPN offers http/1.1 at most);
//     http.ResponseController's deadlines return http.ErrNotSupported
//     (FlushError is supported). Without WriteTimeout, a client that
//     never reads blocks its handler's Write until the connection closes
//     (Shutdown, Close, the client leaving or evloop's
//     Config.IdleTimeout), as with net/http.
//
// As with net/http, the Host header is moved from Request.Header to
// Request.Host, and Request.Context is cancelled when the client goes
// (evloop's OnClose) or the handler returns.
//
// # Hijacking
//
// http.Hijacker is implemented with evloop's Conn.Detach: the connection
// leaves its loop and the handler gets a blocking net.Conn (the socket
// itself, through Go's net), which reads first the bytes the client sent
// after the request. It works on Linux, macOS and the BSDs. On Windows,
// where Go's net cannot take over a socket, Detach and thus Hijack fail
// with errors.ErrUnsupported for connections accepted by evloop. A
// handler must have read the request body to its end before it hijacks.
//
// SwitchProtocols is the way that works everywhere: it answers 101
// Switching Protocols and hands the connection to a Protocol, whose
// callbacks the loop runs as it ran the parser's, with no goroutine and
// no Detach. Package evhttp/websocket is built on it.
//
// # Backpressure
//
// A connection holds a bounded part of what its client sends, however
// fast the client and however slow the handler: when the body window is
// full, the loop pauses the connection (evloop's Conn.PauseRead) until the
// handler's Read has taken half of it, and while a request runs with
// input behind its body (pipelined requests), the connection is paused
// until the response is written.
// What waits is then in the socket buffers, where TCP's flow control stops
// the client, and in the connection's evloop buffer at most one read
// (evloop's Config.ReadBufferSize): a connection holds at most BodyWindow
// plus one read of its client's input (TestUploadToBusyHandler). While
// paused, the connection does not see the client's end of stream (a
// reset, it does): the request's context is cancelled once reading
// resumes, as with net/http, which does not read the connection while a
// handler has not read the body either.
package evhttp
