package evhttp

import (
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// headerSlack is what net/http's server allows a request's head beyond
// MaxHeaderBytes (its initialReadLimitSize), for the request line; the
// parser allows the same, so that the two refuse the same requests.
const headerSlack = 4096

// maxChunkLine caps a chunk-size line, extensions included, as net/http's
// chunked reader does.
const maxChunkLine = 4096

// parseState is where the parser is in the request it reads.
type parseState uint8

const (
	stateHead      parseState = iota // request line and header fields
	stateBody                        // Content-Length body: p.remaining bytes left
	stateChunkSize                   // a chunk-size line
	stateChunkData                   // chunk data: p.remaining bytes left
	stateChunkEnd                    // the CRLF after chunk data
	stateTrailer                     // the trailer section after the last chunk
	stateEnd                         // the body is complete: evEnd comes next
	stateFailed                      // an error was reported: nothing more is read
)

// event is what a call of parser.next found.
type event uint8

const (
	evMore  event = iota // all input consumed, the next event needs more
	evHead               // p.req has the request's head
	evBody               // body bytes (a slice of the input)
	evEnd                // the request's body is complete (trailers in p.req.Trailer)
	evError              // p.err: the request is malformed; close the connection
)

// A parseError is a request the parser refuses: status is the answer
// net/http's server gives it (400, 431, 501, 505), or 0 for a malformed
// body, which comes after the head was handed to the handler and can only
// close the connection.
type parseError struct {
	status int
	msg    string
}

func (e *parseError) Error() string { return "evhttp: " + e.msg }

func badRequest(msg string) *parseError { return &parseError{http.StatusBadRequest, msg} }
func badBody(msg string) *parseError    { return &parseError{0, msg} }

// A parser reads HTTP/1.1 requests from bytes as they come, split
// anywhere: it never waits for input, it returns what it found so far
// (evMore) and takes up where it was at the next call. It reads
// requests one after another (pipelining) and holds, between calls, at most
// an unfinished head or trailer section (limited by maxHeader) and a few
// counters: body bytes are handed out as slices of the input, uncopied.
type parser struct {
	maxHeader int // MaxHeaderBytes; the head may have headerSlack more

	state     parseState
	head      []byte        // head or trailer section gathered so far
	lineStart int           // start in head of the line not yet ended
	remaining int64         // body or chunk bytes left
	req       *http.Request // the request of the last evHead
	trailer   http.Header   // the trailer fields of the last evEnd, or nil
	err       *parseError
}

func newParser(maxHeader int) *parser {
	if maxHeader <= 0 {
		maxHeader = http.DefaultMaxHeaderBytes
	}
	return &parser{maxHeader: maxHeader}
}

// idle reports whether the parser is between requests with nothing
// gathered: a connection in that state holds no request data.
func (p *parser) idle() bool { return p.state == stateHead && len(p.head) == 0 }

// releaseHead drops the gathered-head buffer and the last trailer, so
// that an idle connection keeps none.
func (p *parser) releaseHead() {
	if len(p.head) == 0 {
		p.head = nil
		p.lineStart = 0
	}
	p.trailer = nil
}

// next consumes a prefix of in, n bytes, and returns the first event that
// it found: evHead (p.req), evBody (body, a slice of in, valid as long as
// in is), evEnd (p.trailer: the trailer fields, to merge into the
// Trailer of the request, which has the declared keys), evError (p.err; nothing is read after it), or evMore when
// all of in was consumed with no event. A caller loops while n < len(in)
// or the event is not evMore; it may pass a shorter in, to take body bytes
// at its own pace.
func (p *parser) next(in []byte) (n int, ev event, body []byte) {
	switch p.state {
	case stateHead:
		return p.readHead(in)
	case stateBody, stateChunkData:
		if p.remaining == 0 {
			// stateChunkData with a zero-size chunk cannot happen: the
			// last chunk goes to the trailer.
			panic("evhttp: parser in a body with no bytes left")
		}
		if len(in) == 0 {
			return 0, evMore, nil
		}
		k := len(in)
		if int64(k) > p.remaining {
			k = int(p.remaining)
		}
		p.remaining -= int64(k)
		if p.remaining == 0 {
			if p.state == stateBody {
				p.state = stateEnd
			} else {
				p.state = stateChunkEnd
			}
		}
		return k, evBody, in[:k]
	case stateChunkEnd:
		return p.readChunkEnd(in)
	case stateChunkSize:
		p.trailer = nil
		return p.readChunkSize(in)
	case stateTrailer:
		return p.readTrailer(in)
	case stateEnd:
		p.state = stateHead
		p.trailer = nil
		return 0, evEnd, nil
	default: // stateFailed
		return 0, evError, nil
	}
}

// fail records err and stops the parser.
func (p *parser) fail(n int, err *parseError) (int, event, []byte) {
	p.err = err
	p.state = stateFailed
	p.head = nil
	return n, evError, nil
}

// gather appends to p.head the bytes of in up to the end of a section
// (the first empty line), at most limit bytes in all. It returns the bytes
// of in consumed and whether the section is complete; a section over
// limit is an error.
func (p *parser) gather(in []byte, limit int) (n int, done, tooBig bool) {
	start := len(p.head)
	at := func(k int) byte { // byte k of p.head followed by in
		if k < start {
			return p.head[k]
		}
		return in[k-start]
	}
	ls := p.lineStart // where the line not yet ended starts
	for j, c := range in {
		if c != '\n' {
			continue
		}
		if a := start + j; a == ls || a == ls+1 && at(ls) == '\r' {
			if a+1 > limit {
				return 0, false, true
			}
			p.head = append(p.head, in[:j+1]...)
			p.lineStart = 0
			return j + 1, true, false
		}
		ls = start + j + 1
	}
	if start+len(in) > limit {
		return 0, false, true
	}
	p.head = append(p.head, in...)
	p.lineStart = ls
	return len(in), false, false
}

// readHead gathers and parses a request's head.
func (p *parser) readHead(in []byte) (int, event, []byte) {
	n := 0
	if len(p.head) == 0 {
		// Empty lines before a request line are skipped (RFC 9112
		// section 2.2: some clients send a CRLF after a POST body).
		for n < len(in) && (in[n] == '\r' || in[n] == '\n') {
			n++
		}
		in = in[n:]
		if len(in) == 0 {
			return n, evMore, nil
		}
	}
	k, done, tooBig := p.gather(in, p.maxHeader+headerSlack)
	if tooBig {
		return p.fail(n, &parseError{http.StatusRequestHeaderFieldsTooLarge, "request header too large"})
	}
	n += k
	if !done {
		return n, evMore, nil
	}
	req, err := p.parseHead(p.head)
	p.head = p.head[:0]
	if err != nil {
		return p.fail(n, err)
	}
	p.req = req
	switch {
	case len(req.TransferEncoding) > 0:
		p.state = stateChunkSize
	case req.ContentLength > 0:
		p.state, p.remaining = stateBody, req.ContentLength
	default:
		p.state = stateEnd
	}
	return n, evHead, nil
}

// nextLine returns the first line of s, without its CRLF or LF, and the
// rest of s after it.
func nextLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		line, rest = s, ""
	} else {
		line, rest = s[:i], s[i+1:]
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, rest
}

// countLines returns an upper bound of the field lines in s.
func countLines(s string) int { return strings.Count(s, "\n") }

// parseFields parses the header or trailer field lines of s, up to its
// empty line, into h. The names and values are substrings of s (one
// allocation for the whole section, made by the caller), and the value
// slices of the fields are cut from one array, as net/textproto's reader
// does.
func parseFields(s string, h http.Header) *parseError {
	vals := make([]string, countLines(s))
	for len(s) > 0 {
		var l string
		l, s = nextLine(s)
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			// Obsolete line folding (RFC 9112 section 5.2): refused,
			// where net/http joins the lines.
			return badRequest("obsolete line folding in header")
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok || !validTokenString(name) {
			return badRequest("malformed header line")
		}
		value = trimOWSString(value)
		if !validFieldValueString(value) {
			return badRequest("invalid header value")
		}
		key := textproto.CanonicalMIMEHeaderKey(name) // name itself if canonical
		if vv, ok := h[key]; ok {
			h[key] = append(vv, value)
			continue
		}
		vals[0] = value
		h[key], vals = vals[:1:1], vals[1:]
	}
	return nil
}

// reqPool holds the Requests that parseHead fills: startRequest hands the
// handler a copy (Request.WithContext, the one way to set its context)
// and gives the filled one back, zeroed.
var reqPool = sync.Pool{New: func() any { return new(http.Request) }}

// putRequest zeroes a Request of parseHead and gives it back to reqPool.
func putRequest(r *http.Request) {
	*r = http.Request{}
	reqPool.Put(r)
}

// parseHead parses a complete head, as net/http's ReadRequest and its
// server do, with the stricter rules of the package doc. The Request is
// from reqPool.
func (p *parser) parseHead(b []byte) (*http.Request, *parseError) {
	head := string(b) // the one copy: the request's strings are parts of it
	first, fields := nextLine(head)
	if len(first) == 0 {
		return nil, badRequest("malformed request line")
	}
	method, rest, ok1 := strings.Cut(first, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return nil, badRequest("malformed request line")
	}
	if !validTokenString(method) {
		return nil, badRequest("invalid method")
	}
	req := reqPool.Get().(*http.Request)
	*req = http.Request{
		Method:     method,
		RequestURI: target,
		Proto:      proto,
		Header:     make(http.Header, countLines(fields)),
	}
	if perr := p.fillHead(req, fields); perr != nil {
		putRequest(req)
		return nil, perr
	}
	return req, nil
}

// fillHead parses the rest of a head into req: its version, target and
// fields.
func (p *parser) fillHead(req *http.Request, fields string) *parseError {
	var ok bool
	if req.ProtoMajor, req.ProtoMinor, ok = http.ParseHTTPVersion(req.Proto); !ok {
		return badRequest("malformed HTTP version")
	}
	if req.ProtoMajor != 1 {
		return &parseError{http.StatusHTTPVersionNotSupported, "unsupported protocol version"}
	}
	rawURL := req.RequestURI
	authority := req.Method == "CONNECT" && !strings.HasPrefix(rawURL, "/")
	if authority {
		rawURL = "http://" + rawURL
	}
	var err error
	if req.URL, err = url.ParseRequestURI(rawURL); err != nil {
		return badRequest("malformed request target")
	}
	if authority {
		req.URL.Scheme = ""
	}
	if perr := parseFields(fields, req.Header); perr != nil {
		return perr
	}
	h := req.Header

	hosts := h["Host"]
	switch {
	case len(hosts) > 1:
		return badRequest("too many Host headers")
	case len(hosts) == 0 && req.ProtoMinor >= 1 && req.Method != "CONNECT":
		return badRequest("missing required Host header")
	case len(hosts) == 1 && !validHost(hosts[0]):
		return badRequest("malformed Host header")
	}
	req.Host = req.URL.Host
	if req.Host == "" && len(hosts) == 1 {
		req.Host = hosts[0]
	}
	delete(h, "Host")

	// Pragma: no-cache implies Cache-Control: no-cache (net/http's
	// fixPragmaCacheControl).
	if pr := h["Pragma"]; len(pr) > 0 && pr[0] == "no-cache" {
		if _, ok := h["Cache-Control"]; !ok {
			h["Cache-Control"] = []string{"no-cache"}
		}
	}

	// Framing (RFC 9112 section 6): a Transfer-Encoding with a
	// Content-Length, or in an HTTP/1.0 request, is refused; net/http
	// drops the Content-Length (or, for HTTP/1.0, the Transfer-Encoding).
	te, hasTE := h["Transfer-Encoding"]
	cls, hasCL := h["Content-Length"]
	if hasTE && hasCL {
		return badRequest("both Transfer-Encoding and Content-Length")
	}
	if hasTE {
		if req.ProtoMinor == 0 {
			return badRequest("Transfer-Encoding in an HTTP/1.0 request")
		}
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return &parseError{http.StatusNotImplemented, "unsupported transfer encoding"}
		}
		delete(h, "Transfer-Encoding")
		req.TransferEncoding = []string{"chunked"}
		req.ContentLength = -1
		if perr := declareTrailer(req); perr != nil {
			return perr
		}
	}
	if hasCL {
		first := strings.TrimSpace(cls[0])
		for _, cl := range cls[1:] {
			if strings.TrimSpace(cl) != first {
				return badRequest("multiple Content-Length headers")
			}
		}
		if len(cls) > 1 {
			h["Content-Length"] = []string{first}
		}
		n, err := strconv.ParseUint(first, 10, 63)
		if err != nil {
			return badRequest("bad Content-Length")
		}
		req.ContentLength = int64(n)
	}
	req.Close = shouldClose(req)
	return nil
}

// declareTrailer fills req.Trailer with the keys that its Trailer header
// declares, as net/http does for chunked requests.
func declareTrailer(req *http.Request) *parseError {
	vv, ok := req.Header["Trailer"]
	if !ok {
		return nil
	}
	delete(req.Header, "Trailer")
	t := make(http.Header)
	for _, v := range vv {
		for _, k := range strings.Split(v, ",") {
			k = http.CanonicalHeaderKey(strings.TrimSpace(k))
			switch k {
			case "Transfer-Encoding", "Trailer", "Content-Length":
				return badRequest("bad trailer key")
			case "":
				continue
			}
			t[k] = nil
		}
	}
	if len(t) > 0 {
		req.Trailer = t
	}
	return nil
}

// shouldClose reports whether the connection ends after req, by its
// version and Connection header.
func shouldClose(req *http.Request) bool {
	conn := req.Header["Connection"]
	if hasToken(conn, "close") {
		return true
	}
	return req.ProtoMinor == 0 && !hasToken(conn, "keep-alive")
}

// hasToken reports whether the comma-separated lists of vv hold token,
// case-insensitively.
func hasToken(vv []string, token string) bool {
	for _, v := range vv {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// readChunkSize reads a chunk-size line: hex digits, extensions (ignored),
// CRLF.
func (p *parser) readChunkSize(in []byte) (int, event, []byte) {
	i := bytes.IndexByte(in, '\n')
	if i < 0 {
		if len(p.head)+len(in) >= maxChunkLine {
			return p.fail(0, badBody("chunk-size line too long"))
		}
		p.head = append(p.head, in...)
		return len(in), evMore, nil
	}
	if len(p.head)+i >= maxChunkLine {
		return p.fail(0, badBody("chunk-size line too long"))
	}
	line := in[:i]
	if len(p.head) > 0 {
		p.head = append(p.head, line...)
		line = p.head
	}
	if len(line) == 0 || line[len(line)-1] != '\r' {
		return p.fail(0, badBody("chunk-size line without CRLF"))
	}
	line = line[:len(line)-1]
	line, _, _ = bytes.Cut(line, []byte{';'})
	line = trimOWS(line)
	var size uint64
	if len(line) == 0 || len(line) > 15 { // 15 hex digits keep it in an int64
		return p.fail(0, badBody("bad chunk size"))
	}
	for _, c := range line {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return p.fail(0, badBody("bad chunk size"))
		}
		size = size<<4 | uint64(d)
	}
	p.head = p.head[:0]
	if size == 0 {
		p.state = stateTrailer
		p.lineStart = 0
	} else {
		p.state, p.remaining = stateChunkData, int64(size)
	}
	return i + 1, evMore, nil
}

// readChunkEnd reads the CRLF after a chunk's data.
func (p *parser) readChunkEnd(in []byte) (int, event, []byte) {
	n := 0
	for n < len(in) {
		c := in[n]
		switch {
		case len(p.head) == 0 && c == '\r':
			p.head = append(p.head, c)
		case len(p.head) == 1 && c == '\n':
			p.head = p.head[:0]
			p.state = stateChunkSize
			return n + 1, evMore, nil
		default:
			return p.fail(n, badBody("missing CRLF after chunk data"))
		}
		n++
	}
	return n, evMore, nil
}

// readTrailer gathers and parses the trailer section.
func (p *parser) readTrailer(in []byte) (int, event, []byte) {
	n, done, tooBig := p.gather(in, p.maxHeader)
	if tooBig {
		return p.fail(0, badBody("trailer too large"))
	}
	if !done {
		return n, evMore, nil
	}
	t := make(http.Header)
	if err := parseFields(string(p.head), t); err != nil {
		return p.fail(n, badBody("malformed trailer"))
	}
	p.head = p.head[:0]
	if len(t) > 0 {
		p.trailer = t
	}
	p.state = stateHead
	return n, evEnd, nil
}
