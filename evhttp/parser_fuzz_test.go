package evhttp

import (
	"bytes"
	"testing"
)

// FuzzParser: on any input, however it is cut, the parser does not panic,
// finds the same requests and the same error, keeps within its header
// limit, and where net/http's ReadRequest also reads all of the input,
// hands out what it reads. The seeds are the requests of the table tests;
// `go test` runs only those, quickly: go test -fuzz FuzzParser ./evhttp
// explores.
func FuzzParser(f *testing.F) {
	for _, r := range validRequests {
		f.Add([]byte(r), uint8(1))
		f.Add([]byte(r+r), uint8(7))
	}
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), uint8(3))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n"), uint8(5))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		const max = 256
		whole, wholeErr := feed(newParser(max), data, func(r int) int { return r })
		s := int(step%32) + 1
		cut, cutErr := feed(newParser(max), data, func(int) int { return s })
		if (wholeErr == nil) != (cutErr == nil) || wholeErr != nil && *wholeErr != *cutErr {
			t.Fatalf("error whole %v, in pieces of %d %v", wholeErr, s, cutErr)
		}
		if len(whole) != len(cut) {
			t.Fatalf("%d requests whole, %d in pieces of %d", len(whole), len(cut), s)
		}
		for i := range whole {
			if d := sameRequest(whole[i], cut[i]); d != "" {
				t.Fatalf("request %d whole and in pieces of %d: %s", i, s, d)
			}
		}
		if wholeErr != nil || len(whole) == 0 || !whole[len(whole)-1].done {
			return
		}
		std, err := stdRead(data)
		if err != nil || len(std) != len(whole) {
			return // net/http reads less (or refuses): nothing to compare
		}
		for i := range whole {
			if bytes.HasPrefix(data, []byte("\r")) || bytes.HasPrefix(data, []byte("\n")) {
				return // leading empty lines: net/http refuses them
			}
			if d := sameRequest(whole[i], std[i]); d != "" {
				t.Fatalf("request %d differs (parser, net/http): %s", i, d)
			}
		}
	})
}
