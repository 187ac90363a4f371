package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goafd/afd/examples/internal/servertest"
)

const timeout = servertest.Timeout

// start runs the command in this process and returns the address it
// printed and a function that stops it and returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	return servertest.Start(t, "redis", run, args...)
}

// client is a minimal RESP client.
type client struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(timeout))
	t.Cleanup(func() { c.Close() })
	return &client{c, bufio.NewReader(c)}
}

// encode returns args as a RESP array of bulk strings.
func encode(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// read returns the next reply: simple strings, errors and integers as
// their line ("+OK", "-ERR ...", ":1"), a bulk string as its contents, a
// null bulk string as "(nil)", an array as "*n" followed by its elements,
// space-separated.
func (c *client) read() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(line, "\r\n") || len(line) < 3 {
		return "", fmt.Errorf("bad reply line %q", line)
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		if n < 0 {
			return "(nil)", nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return "", err
		}
		if string(b[n:]) != "\r\n" {
			return "", fmt.Errorf("bulk not followed by CRLF")
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad array length %q", line)
		}
		parts := []string{line}
		for range n {
			s, err := c.read()
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " "), nil
	}
	return "", fmt.Errorf("bad reply type %q", line)
}

// do sends a command and returns its reply.
func (c *client) do(t testing.TB, args ...string) string {
	t.Helper()
	if _, err := io.WriteString(c.c, encode(args...)); err != nil {
		t.Fatal(err)
	}
	r, err := c.read()
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return r
}

// expectClosed checks that the server closes the connection.
func (c *client) expectClosed(t *testing.T) {
	t.Helper()
	b, err := c.r.ReadByte()
	if err == nil {
		t.Fatalf("got %q, want the connection closed", b)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("got %v, want end of stream", err)
	}
}

// TestCommands: every command and its error replies.
func TestCommands(t *testing.T) {
	addr, stop := start(t, "-addr", "127.0.0.1:0", "-loops", "2")
	c := dial(t, addr)
	long := strings.Repeat("x", 100000)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "+PONG"},
		{[]string{"ping", "hello world"}, "hello world"},
		{[]string{"PING", "a", "b"}, "-ERR wrong number of arguments for 'ping' command"},
		{[]string{"ECHO", "hi\r\nthere"}, "hi\r\nthere"},
		{[]string{"ECHO", ""}, ""},
		{[]string{"echo"}, "-ERR wrong number of arguments for 'echo' command"},
		{[]string{"GET", "k"}, "(nil)"},
		{[]string{"SET", "k", "v"}, "+OK"},
		{[]string{"GET", "k"}, "v"},
		{[]string{"set", "k", long}, "+OK"},
		{[]string{"get", "k"}, long},
		{[]string{"SET", "k"}, "-ERR wrong number of arguments for 'set' command"},
		{[]string{"SET", "k", "v", "XX"}, "-ERR syntax error"},
		{[]string{"SET", "k", "v", "EX"}, "-ERR syntax error"},
		{[]string{"SET", "k", "v", "EX", "1", "PX", "1"}, "-ERR syntax error"},
		{[]string{"SET", "k", "v", "EX", "0"}, "-ERR invalid expire time in 'set' command"},
		{[]string{"SET", "k", "v", "px", "x"}, "-ERR invalid expire time in 'set' command"},
		{[]string{"SET", "k", "v", "EX", "100"}, "+OK"},
		{[]string{"GET", "k"}, "v"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command"},
		{[]string{"GET", "a", "b"}, "-ERR wrong number of arguments for 'get' command"},
		{[]string{"SET", "a", "1"}, "+OK"},
		{[]string{"DEL", "a", "k", "nokey"}, ":2"},
		{[]string{"GET", "a"}, "(nil)"},
		{[]string{"DEL"}, "-ERR wrong number of arguments for 'del' command"},
		{[]string{"INCR", "n"}, ":1"},
		{[]string{"INCR", "n"}, ":2"},
		{[]string{"GET", "n"}, "2"},
		{[]string{"SET", "n", "-10"}, "+OK"},
		{[]string{"INCR", "n"}, ":-9"},
		{[]string{"SET", "n", "9223372036854775807"}, "+OK"},
		{[]string{"INCR", "n"}, "-ERR value is not an integer or out of range"},
		{[]string{"SET", "n", "abc"}, "+OK"},
		{[]string{"INCR", "n"}, "-ERR value is not an integer or out of range"},
		{[]string{"SET", "n", " 1"}, "+OK"},
		{[]string{"INCR", "n"}, "-ERR value is not an integer or out of range"},
		{[]string{"INCR"}, "-ERR wrong number of arguments for 'incr' command"},
		{[]string{"COMMAND"}, "*0"},
		{[]string{"command", "docs"}, "*0"},
		{[]string{"NOSUCH", "x"}, "-ERR unknown command 'NOSUCH'"},
		{[]string{"bad\r\n'cmd"}, "-ERR unknown command 'bad???cmd'"},
		{[]string{"PING"}, "+PONG"}, // still open
	} {
		if got := c.do(t, tc.args...); got != tc.want {
			t.Errorf("%.40q: got %.60q, want %.60q", tc.args, got, tc.want)
		}
	}

	// Expiry.
	if got := c.do(t, "SET", "e", "v", "PX", "50"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.do(t, "GET", "e"); got != "v" {
		t.Fatalf("before expiry: %q", got)
	}
	time.Sleep(100 * time.Millisecond)
	if got := c.do(t, "GET", "e"); got != "(nil)" {
		t.Fatalf("after expiry: %q", got)
	}

	// Inline commands.
	io.WriteString(c.c, "PING\r\n\r\n  set  il \t val \r\nGET il\nECHO x\r\n")
	for _, want := range []string{"+PONG", "+OK", "val", "x"} {
		if got, err := c.read(); got != want || err != nil {
			t.Fatalf("inline: got %q, %v, want %q", got, err, want)
		}
	}

	// The store is shared: another connection (on another loop) sees it.
	c2 := dial(t, addr)
	if got := c2.do(t, "GET", "il"); got != "val" {
		t.Fatalf("second connection: %q", got)
	}
	c2.c.Close() // or the graceful shutdown waits for it

	// QUIT answers and closes.
	if got := c.do(t, "QUIT"); got != "+OK" {
		t.Fatalf("QUIT: %q", got)
	}
	c.expectClosed(t)
	c.c.Close() // the server lingers until its peer closes
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestPipelining: 1000 commands in one write, answered in order.
func TestPipelining(t *testing.T) {
	addr, _ := start(t, "-addr", "127.0.0.1:0")
	c := dial(t, addr)
	var b strings.Builder
	for i := range 1000 {
		switch i % 4 {
		case 0:
			b.WriteString(encode("SET", fmt.Sprint("k", i), fmt.Sprint("v", i)))
		case 1:
			b.WriteString(encode("GET", fmt.Sprint("k", i-1)))
		case 2:
			b.WriteString(encode("INCR", "counter"))
		case 3:
			b.WriteString("ECHO " + fmt.Sprint(i) + "\r\n")
		}
	}
	if _, err := io.WriteString(c.c, b.String()); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		want := []string{"+OK", fmt.Sprint("v", i-1), fmt.Sprint(":", i/4+1), fmt.Sprint(i)}[i%4]
		got, err := c.read()
		if err != nil || got != want {
			t.Fatalf("reply %d: got %q, %v, want %q", i, got, err, want)
		}
	}
}

// TestSplit: commands sent one byte at a time are answered once complete.
func TestSplit(t *testing.T) {
	addr, _ := start(t, "-addr", "127.0.0.1:0")
	c := dial(t, addr)
	c.c.(*net.TCPConn).SetNoDelay(true)
	msg := encode("SET", "split", "hello\r\nworld") + encode("GET", "split") + "PING\r\n"
	for i := range len(msg) {
		if _, err := c.c.Write([]byte{msg[i]}); err != nil {
			t.Fatal(err)
		}
		if i%8 == 0 {
			time.Sleep(time.Millisecond) // let some bytes arrive alone
		}
	}
	for _, want := range []string{"+OK", "hello\r\nworld", "+PONG"} {
		if got, err := c.read(); got != want || err != nil {
			t.Fatalf("got %q, %v, want %q", got, err, want)
		}
	}
}

// TestProtocolErrors: a protocol error is answered with an error, after
// the replies to the commands before it, and closes the connection.
func TestProtocolErrors(t *testing.T) {
	addr, _ := start(t, "-addr", "127.0.0.1:0")
	for _, tc := range []struct{ send, want string }{
		{"$3\r\nfoo\r\n", "-ERR Protocol error: unexpected type byte '$'"},
		{":1\r\n", "-ERR Protocol error: unexpected type byte ':'"},
		{"\x00\r\n", `-ERR Protocol error: unexpected byte "\x00"`},
		{"*x\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"*\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"*99999999999\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"*" + strings.Repeat("1", 40), "-ERR Protocol error: invalid multibulk length"},
		{"*1\r\n:5\r\n", `-ERR Protocol error: expected '$', got ":"`},
		{"*2\r\n$3\r\nGET\r\n+k\r\n", `-ERR Protocol error: expected '$', got "+"`},
		{"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n$1048577\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n$4\r\nPINGxx", "-ERR Protocol error: expected CRLF after bulk string"},
		{"PING " + strings.Repeat("x", maxInline+10), "-ERR Protocol error: too big inline request"},
	} {
		c := dial(t, addr)
		io.WriteString(c.c, encode("PING")+tc.send)
		if got, err := c.read(); got != "+PONG" || err != nil {
			t.Fatalf("%.20q: before the error: %q, %v", tc.send, got, err)
		}
		if got, err := c.read(); got != tc.want || err != nil {
			t.Fatalf("%.20q: got %q, %v, want %q", tc.send, got, err, tc.want)
		}
		c.expectClosed(t)
	}
	// The largest bulk string allowed is accepted.
	c := dial(t, addr)
	big := strings.Repeat("b", maxBulk)
	if got := c.do(t, "ECHO", big); got != big {
		t.Fatalf("ECHO of %d bytes: %d bytes back", len(big), len(got))
	}
}

// TestConcurrentIncr: 100 clients increment one key; no increment is lost.
func TestConcurrentIncr(t *testing.T) {
	addr, stop := start(t, "-addr", "127.0.0.1:0", "-loops", "4")
	const clients, each = 100, 20
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", addr, timeout)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(timeout))
			cl := &client{c, bufio.NewReader(c)}
			for range each {
				if _, err := io.WriteString(c, encode("INCR", "shared")); err != nil {
					errs <- err
					return
				}
				r, err := cl.read()
				if err != nil || !strings.HasPrefix(r, ":") {
					errs <- fmt.Errorf("INCR: %q, %v", r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c := dial(t, addr)
	if got, want := c.do(t, "GET", "shared"), fmt.Sprint(clients*each); got != want {
		t.Fatalf("final count %s, want %s", got, want)
	}
	c.c.Close() // or the graceful shutdown waits for it
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestAllocs: serving a pipelined batch of commands on existing keys
// allocates nothing in the server (measured in the parser and command
// code directly: the loop itself is measured by evloop's tests).
func TestAllocs(t *testing.T) {
	st := newStore()
	s := &session{args: make([][]byte, 0, 8), out: make([]byte, 0, 4096)}
	req := []byte(encode("SET", "k", "12") + encode("GET", "k") + encode("INCR", "k") +
		encode("PING") + encode("ECHO", "x") + encode("DEL", "none") + "GET k\r\n")
	serve := func() {
		for b := req; len(b) > 0; {
			args, n, perr := parse(b, s.args[:0])
			if perr != "" || n == 0 {
				t.Fatalf("parse: %d, %q", n, perr)
			}
			s.exec(st, args)
			s.args, b = args[:0], b[n:]
		}
		s.out = s.out[:0]
	}
	serve()
	if n := testing.AllocsPerRun(100, serve); n != 0 {
		t.Errorf("%v allocations per batch, want 0", n)
	}
}

// TestBadFlags: what run refuses.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", ""},
		{"-addr", "bogus://1.2.3.4:5"},
		{"-nosuchflag"},
		{"extra"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
