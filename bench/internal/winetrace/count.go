package winetrace

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Counts are the requests of a wine server log.
type Counts struct {
	Total  int64
	ByName map[string]int64
}

// Count counts the requests in a wine server log (wineserver -d1). A
// request is logged as "TID: name( arguments )" and its reply as
// "TID: name() = STATUS { ... }"; only requests are counted, so that a
// call that costs one round trip counts once. Other lines (file
// descriptor passing, signals, the server's own messages) are skipped.
func Count(r io.Reader) (Counts, error) {
	c := Counts{ByName: make(map[string]int64)}
	br := bufio.NewReaderSize(r, 64<<10)
	lineStart := true
	for {
		line, err := br.ReadSlice('\n')
		if lineStart {
			if name, ok := requestName(line); ok {
				c.Total++
				c.ByName[string(name)]++
			}
		}
		// A line longer than the buffer comes in pieces: only its
		// first can start a request.
		lineStart = !errors.Is(err, bufio.ErrBufferFull)
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return c, nil
		default:
			return c, err
		}
	}
}

// requestName returns the request name of a log line that logs a
// request: one that matches `^[0-9a-f]+: [a-z_]+\( `.
func requestName(line []byte) ([]byte, bool) {
	i := 0
	for i < len(line) && (line[i] >= '0' && line[i] <= '9' || line[i] >= 'a' && line[i] <= 'f') {
		i++
	}
	if i == 0 || !bytes.HasPrefix(line[i:], []byte(": ")) {
		return nil, false
	}
	rest := line[i+2:]
	j := 0
	for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] == '_') {
		j++
	}
	if j == 0 || !bytes.HasPrefix(rest[j:], []byte("( ")) {
		return nil, false
	}
	return rest[:j], true
}
