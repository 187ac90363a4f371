package evhttp

import (
	"net/http"
	"slices"
	"strings"
)

// A fieldSet holds what a response needs of the header fields whose
// values writeHeader decides, as the handler's header had them at
// WriteHeader.
type fieldSet struct {
	contentType      bool // present: not sniffed
	contentEncoding  bool // not empty: not sniffed either, as net/http does
	date             bool // present: not set
	contentLength    string
	transferEncoding []string
	connection       []string
	trailers         bool     // a Trailer field or a key with http.TrailerPrefix: chunked, not a Content-Length
	declared         []string // the trailer names the Trailer field declares (declareTrailers)
}

// maxSortedFields is how many fields appendFields sorts without
// allocating.
const maxSortedFields = 32

// appendFields appends to b the fields of h as http.Header.Write writes
// them (sorted by name, names that are not tokens left out, the line
// breaks in a value made spaces and its ends trimmed), but for
// Content-Length, Transfer-Encoding and Connection, whose values it
// returns with whether h has Content-Type and Date, and for the keys with
// http.TrailerPrefix, which it notes in the fieldSet with the trailers
// the Trailer field declares. The Content-Type of a 304 (code) is left
// out.
func appendFields(b []byte, h http.Header, code int) ([]byte, fieldSet) {
	var f fieldSet
	var arr [maxSortedFields]string
	keys := arr[:0]
	for k := range h {
		switch k {
		case "Content-Length":
			if v := h[k]; len(v) > 0 {
				f.contentLength = v[0]
			}
			continue
		case "Transfer-Encoding":
			f.transferEncoding = h[k]
			continue
		case "Connection":
			f.connection = h[k]
			continue
		case "Content-Type":
			f.contentType = true
			if code == http.StatusNotModified {
				continue // as net/http, after RFC 9110 section 15.4.5
			}
		case "Content-Encoding":
			f.contentEncoding = len(h[k]) > 0 && h[k][0] != ""
		case "Date":
			f.date = true
		case "Trailer":
			if v := h[k]; len(v) > 0 {
				f.trailers = true
				f.declared = declareTrailers(v)
			}
		}
		if strings.HasPrefix(k, http.TrailerPrefix) {
			f.trailers = true
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !validToken([]byte(k)) {
			continue
		}
		for _, v := range h[k] {
			b = appendField(b, k, v)
		}
	}
	return b, f
}

// appendField appends the field line "name: value\r\n" to b, with the line
// breaks in value made spaces and its ends trimmed, as http.Header.Write
// does.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	value = trimField(value)
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, "\r\n"...)
}

// trimField trims ASCII white space at both ends of s, as
// textproto.TrimString does.
func trimField(s string) string {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
