package evhttp

import (
	"bytes"
	"net/http"
	"strings"
)

// Response trailers, as net/http's server sends them: the names declared
// in the Trailer field of the header at WriteHeader, and the keys with
// http.TrailerPrefix of the header when the handler returns, go after the
// last chunk of a chunked response. Declaring trailers, or a TrailerPrefix
// key at WriteHeader, makes a response chunked rather than given a
// Content-Length; HTTP/1.0, HEAD, a 204 or 304 and a Content-Length set
// by the handler send none.

// declareTrailers returns the names that the Trailer field values vs
// declare, canonical, but for those RFC 9110 section 6.5.1 forbids in a
// trailer (net/http's server drops the same).
func declareTrailers(vs []string) []string {
	var names []string
	for _, v := range vs {
		for f := range strings.SplitSeq(v, ",") {
			if f = trimField(f); f == "" {
				continue
			}
			k := http.CanonicalHeaderKey(f)
			if strings.HasPrefix(k, "If-") || forbiddenTrailer[k] {
				continue
			}
			names = append(names, k)
		}
	}
	return names
}

// forbiddenTrailer holds the names that net/http's server does not send
// as declared trailers (httpguts.ValidTrailerHeader), with those that
// start with "If-".
var forbiddenTrailer = map[string]bool{
	"Authorization":       true,
	"Cache-Control":       true,
	"Connection":          true,
	"Content-Encoding":    true,
	"Content-Length":      true,
	"Content-Range":       true,
	"Content-Type":        true,
	"Expect":              true,
	"Host":                true,
	"Keep-Alive":          true,
	"Max-Forwards":        true,
	"Pragma":              true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Proxy-Connection":    true,
	"Range":               true,
	"Realm":               true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Www-Authenticate":    true,
}

// appendLastChunk appends the last chunk of a chunked response to b:
// "0\r\n", the trailer section and the empty line. The trailer section
// holds, as net/http's, the TrailerPrefix keys of h (the handler's header
// once it has returned) without their prefix and the values h has for
// the declared names, written as http.Header.Write writes fields.
func appendLastChunk(b []byte, h http.Header, declared []string) []byte {
	b = append(b, "0\r\n"...)
	var t http.Header
	for k, vv := range h {
		if kk, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			if t == nil {
				t = make(http.Header)
			}
			t[kk] = vv
		}
	}
	for _, k := range declared {
		if t == nil {
			t = make(http.Header)
		}
		for _, v := range h[k] {
			t.Add(k, v)
		}
	}
	if t != nil {
		buf := bytes.NewBuffer(b)
		t.Write(buf) // a bytes.Buffer does not fail
		b = buf.Bytes()
	}
	return append(b, "\r\n"...)
}
