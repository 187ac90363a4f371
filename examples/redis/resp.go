package main

import (
	"bytes"
	"strconv"
)

// Limits of a request (see the package documentation).
const (
	maxBulk      = 1 << 20     // bytes in a bulk string
	maxArray     = 1024 * 1024 // elements in an array
	maxInline    = 64 << 10    // bytes in an inline command line
	maxRequest   = 8 << 20     // bytes in a request: the server's MaxInbound
	maxLengthLen = 32          // bytes of a "*n\r\n" or "$n\r\n" line
)

// parse reads one request from the start of b, appending its arguments
// (slices of b) to args. It returns the number of bytes the request takes,
// or 0 if b holds only part of it; perr describes a protocol error. A blank
// inline line or an empty array is a request without arguments.
func parse(b []byte, args [][]byte) (_ [][]byte, n int, perr string) {
	switch b[0] {
	case '*':
		return parseArray(b, args)
	case '$', '+', '-', ':':
		return args, 0, "unexpected type byte '" + string(b[0]) + "'"
	}
	if b[0] < ' ' && b[0] != '\r' && b[0] != '\n' && b[0] != '\t' {
		return args, 0, "unexpected byte " + strconv.Quote(string(b[:1]))
	}
	return parseInline(b, args)
}

// parseInline reads a line of words.
func parseInline(b []byte, args [][]byte) ([][]byte, int, string) {
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		if len(b) > maxInline {
			return args, 0, "too big inline request"
		}
		return args, 0, ""
	}
	if end > maxInline {
		return args, 0, "too big inline request"
	}
	line := b[:end]
	for len(line) > 0 {
		i := 0
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		line = line[i:]
		j := 0
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		if j > 0 {
			args = append(args, line[:j])
		}
		line = line[j:]
	}
	return args, end + 1, ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// parseArray reads an array of bulk strings.
func parseArray(b []byte, args [][]byte) ([][]byte, int, string) {
	count, pos, ok := parseLength(b)
	if pos == 0 {
		if !ok {
			return args, 0, "invalid multibulk length"
		}
		return args, 0, ""
	}
	if !ok || count > maxArray {
		return args, 0, "invalid multibulk length"
	}
	for range count { // count < 0 (a null array): no arguments
		if pos == len(b) {
			return args, 0, ""
		}
		if b[pos] != '$' {
			return args, 0, "expected '$', got " + strconv.Quote(string(b[pos:pos+1]))
		}
		size, n, ok := parseLength(b[pos:])
		if n == 0 {
			if !ok {
				return args, 0, "invalid bulk length"
			}
			return args, 0, ""
		}
		if !ok || size < 0 || size > maxBulk {
			return args, 0, "invalid bulk length"
		}
		pos += n
		if len(b)-pos < size+2 {
			return args, 0, ""
		}
		if b[pos+size] != '\r' || b[pos+size+1] != '\n' {
			return args, 0, "expected CRLF after bulk string"
		}
		args = append(args, b[pos:pos+size])
		pos += size + 2
	}
	return args, pos, ""
}

// parseLength reads the line "Xn\r\n" at the start of b (X is the type
// byte). It returns n and the line's length, 0 if the line is incomplete;
// ok is false if the line is bad (or too long to be good).
func parseLength(b []byte) (v, n int, ok bool) {
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		return 0, 0, len(b) <= maxLengthLen
	}
	if end < 2 || end > maxLengthLen || b[end-1] != '\r' {
		return 0, end + 1, false
	}
	x, ok := parseInt(b[1 : end-1])
	return int(x), end + 1, ok
}

// parseInt parses a decimal int64 (an optional '-' and digits, nothing else)
// without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// Replies.

func appendSimple(out []byte, s string) []byte {
	out = append(out, '+')
	out = append(out, s...)
	return append(out, '\r', '\n')
}

func appendError(out []byte, s string) []byte {
	out = append(out, '-')
	out = append(out, s...)
	return append(out, '\r', '\n')
}

func appendInt(out []byte, v int64) []byte {
	out = append(out, ':')
	out = strconv.AppendInt(out, v, 10)
	return append(out, '\r', '\n')
}

func appendBulk(out, b []byte) []byte {
	out = append(out, '$')
	out = strconv.AppendInt(out, int64(len(b)), 10)
	out = append(out, '\r', '\n')
	out = append(out, b...)
	return append(out, '\r', '\n')
}

func appendNil(out []byte) []byte { return append(out, "$-1\r\n"...) }
