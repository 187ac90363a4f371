package load

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
)

// HelloBody is the body the HTTP servers answer a GET with
// (harness.Hello).
const HelloBody = "Hello, World!"

// httpReadBuffer is the client's buffer for the responses of one
// connection: a head and a MessageSize body fit.
const httpReadBuffer = 4 << 10

// HTTPHello is the client of the HTTP hello workloads: plain TCP, and
// keep-alive GET requests answered 200 with HelloBody.
func HTTPHello() Client {
	return Client{Exchange: func(c net.Conn, id uint64) RoundTrip {
		req := []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
		want := []byte(HelloBody)
		r := bufio.NewReaderSize(c, httpReadBuffer)
		return func(seq uint64) error {
			if _, err := c.Write(req); err != nil {
				return err
			}
			return readResponse(r, id, seq, want)
		}
	}}
}

// HTTPEcho is the client of the HTTP echo workloads: plain TCP, and
// keep-alive POST requests of a MessageSize body that the server answers
// 200 with, as the echo workload's messages.
func HTTPEcho() Client {
	return Client{Exchange: func(c net.Conn, id uint64) RoundTrip {
		head := "POST /echo HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\n" +
			"Content-Length: " + strconv.Itoa(MessageSize) + "\r\n\r\n"
		req := make([]byte, len(head)+MessageSize)
		copy(req, head)
		body := req[len(head):]
		r := bufio.NewReaderSize(c, httpReadBuffer)
		return func(seq uint64) error {
			fillMessage(body, id, seq)
			if _, err := c.Write(req); err != nil {
				return err
			}
			return readResponse(r, id, seq, body)
		}
	}}
}

// readResponse reads one response from r and checks that it is a 200
// with a Content-Length and body want. Other framings (chunked, to the
// close) are wrong answers: every server of the benchmarks sends a
// Content-Length.
func readResponse(r *bufio.Reader, id, seq uint64, want []byte) error {
	wrong := func(format string, args ...any) error {
		return fmt.Errorf("connection %d, request %d: %s: %w", id, seq, fmt.Sprintf(format, args...), ErrWrongAnswer)
	}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return wrong("status line %q, want HTTP/1.1 200", line)
	}
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return wrong("header line %q", line)
		}
		if bytes.EqualFold(name, []byte("Content-Length")) {
			n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
			if err != nil || n < 0 {
				return wrong("Content-Length %q", value)
			}
			length = n
		}
	}
	if length != len(want) {
		return wrong("Content-Length %d, want %d", length, len(want))
	}
	body, err := r.Peek(length)
	if err != nil {
		return err
	}
	if !bytes.Equal(body, want) {
		return wrong("body %q, want %q", body, want)
	}
	_, err = r.Discard(length)
	return err
}
