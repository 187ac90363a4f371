// Package harnesstest checks a benchmark server against the protocol of
// package harness. The server's test binary is the server: its TestMain
// calls Main, and Check starts the test binary again as the server, so the
// test needs no compiler at run time and runs under Wine as it does
// natively.
//
//	func TestMain(m *testing.M) { harnesstest.Main(m, main) }
//
//	func TestProtocol(t *testing.T) { harnesstest.Check(t, "gonet") }
package harnesstest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goafd/afd/bench/internal/contenders"
	"github.com/goafd/afd/bench/internal/harness"
)

// serveEnv, set to 1, makes the test binary run the server's main.
const serveEnv = "HARNESSTEST_SERVE"

// timeout bounds every step of a check: under Wine, a process takes a
// second or two to start.
const timeout = 20 * time.Second

// Main runs serverMain, which does not return, if this process was started
// by Check as the server, and the tests otherwise.
func Main(m *testing.M, serverMain func()) {
	if os.Getenv(serveEnv) == "1" {
		serverMain()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Server is a benchmark server process started by Start.
type Server struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *lockedBuffer
	// Addr is the address of its ready line.
	Addr string
	// done is closed when the process has exited, with waitErr set.
	done    chan struct{}
	waitErr error
}

// Start runs the test binary as the server with args and waits for its
// ready line. The server is killed when the test ends, if still running.
func Start(t *testing.T, args ...string) *Server {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("test binary: %v", err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	s := &Server{t: t, cmd: cmd, stderr: new(lockedBuffer), done: make(chan struct{})}
	cmd.Stderr = s.stderr
	s.stdin, err = cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.stdout = bufio.NewReader(out)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
			return
		default:
		}
		cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(timeout):
			t.Errorf("server process %d still there %v after being killed", cmd.Process.Pid, timeout)
		}
	})
	line := s.line()
	addr, ok := strings.CutPrefix(line, "ready ")
	if !ok {
		t.Fatalf("server's first line is %q, want \"ready <host:port>\"", line)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	s.Addr = addr
	return s
}

// line reads the server's next line of output, failing the test on error
// or timeout.
func (s *Server) line() string {
	s.t.Helper()
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := s.stdout.ReadString('\n')
		ch <- result{line, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			s.t.Fatalf("read server output: %v (read %q); stderr: %s", r.err, r.line, s.stderr)
		}
		return strings.TrimSuffix(r.line, "\n")
	case <-time.After(timeout):
		s.t.Fatalf("no line from the server in %v; stderr: %s", timeout, s.stderr)
		return ""
	}
}

// Stats asks the server for its stats and parses the answer.
func (s *Server) Stats() harness.Stats {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, "stats\n"); err != nil {
		s.t.Fatalf("send stats: %v", err)
	}
	st, err := harness.ParseStats(s.line())
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

// WaitConns asks for stats until the server counts n connections, and
// returns those stats.
func (s *Server) WaitConns(n int) harness.Stats {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := s.Stats()
		if st.Conns == n {
			return st
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server counts %d connections after %v, want %d", st.Conns, timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Quit sends quit, or closes stdin if eof, and checks that the server
// exits with status 0 promptly.
func (s *Server) Quit(eof bool) {
	s.t.Helper()
	var err error
	if eof {
		err = s.stdin.Close()
	} else {
		_, err = io.WriteString(s.stdin, "quit\n")
	}
	if err != nil {
		s.t.Fatalf("stop server: %v", err)
	}
	select {
	case <-s.done:
		if s.waitErr != nil {
			s.t.Fatalf("server exited with %v; stderr: %s", s.waitErr, s.stderr)
		}
	case <-time.After(timeout):
		s.t.Fatalf("server still running %v after being told to quit", timeout)
	}
}

// Check runs the server of the contender called name through the
// protocol: ready line, byte-exact echo on several connections at once,
// sink, the stats and their connection counts, quit and end of stdin,
// and the exit statuses of errors and bad usage. On a system the
// contender does not run on, it checks that the server says so and exits
// with harness.ExitUnsupported.
func Check(t *testing.T, name string) {
	c, ok := contenders.Lookup(name)
	if !ok {
		t.Fatalf("no contender %q", name)
	}
	if !c.RunsOn(runtime.GOOS) {
		checkExit(t, harness.ExitUnsupported)
		return
	}
	t.Run("echo", func(t *testing.T) { checkEcho(t, plainDial) })
	t.Run("sink", func(t *testing.T) { checkSink(t) })
	t.Run("errors", func(t *testing.T) {
		checkExit(t, 1, "-addr", "127.0.0.1:no-such-port")
		checkExit(t, 2, "-mode", "mirror")
		checkExit(t, 2, "-mode", "http", "-tls")
	})
	if c.Serves(harness.TLS) {
		t.Run("tls", func(t *testing.T) { checkEcho(t, tlsDial, "-tls") })
	} else {
		t.Run("no-tls", func(t *testing.T) { checkExit(t, 2, "-tls") })
	}
	if c.Serves(harness.HTTPServer) {
		t.Run("http", func(t *testing.T) {
			if raceDetector && slices.Contains(c.RaceReports, harness.HTTPServer) {
				t.Skipf("the race detector reports races in %s's HTTP server, outside this repository (contenders.Contender.RaceReports)", name)
			}
			checkHTTP(t)
		})
	} else {
		t.Run("no-http", func(t *testing.T) { checkExit(t, 2, "-mode", "http") })
	}
	if c.Serves(harness.WebSocket) {
		t.Run("ws", func(t *testing.T) {
			if raceDetector && slices.Contains(c.RaceReports, harness.WebSocket) {
				t.Skipf("the race detector reports races in %s's WebSocket server, outside this repository (contenders.Contender.RaceReports)", name)
			}
			checkWS(t)
		})
	} else {
		t.Run("no-ws", func(t *testing.T) { checkExit(t, 2, "-mode", "ws") })
	}
}

// plainDial opens a TCP connection to addr.
func plainDial(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, timeout)
}

// tlsDial opens a TLS connection to addr and completes its handshake,
// checking that the server presents the self-signed certificate of
// harness.SelfSigned, for 127.0.0.1.
func tlsDial(addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	certs := c.ConnectionState().PeerCertificates
	if len(certs) != 1 {
		c.Close()
		return nil, fmt.Errorf("server presents %d certificates, want 1", len(certs))
	}
	if err := certs[0].VerifyHostname("127.0.0.1"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// checkExit runs the server with args and checks that it exits with code
// at once, with a message on stderr and no ready line.
func checkExit(t *testing.T, code int, args ...string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("test binary: %v", err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%q: still running after %v", args, timeout)
	}
	if got := cmd.ProcessState.ExitCode(); got != code || stdout.Len() != 0 || stderr.Len() == 0 {
		t.Errorf("%q: exit status %d, stdout %q, stderr %q; want status %d, an empty stdout and a message",
			args, got, stdout.String(), stderr.String(), code)
	}
}

// echoConns is the number of connections checkEcho opens at once.
const echoConns = 8

// checkEcho echoes messages of growing size, up to a few socket buffers,
// on several connections at once opened by dial, and checks the counts of
// connections. args are the server's flags beyond -mode echo.
func checkEcho(t *testing.T, dial func(addr string) (net.Conn, error), args ...string) {
	s := Start(t, append([]string{"-mode", "echo", "-loops", "2"}, args...)...)
	conns := make([]net.Conn, echoConns)
	for i := range conns {
		c, err := dial(s.Addr)
		if err != nil {
			t.Fatalf("dial %s: %v", s.Addr, err)
		}
		defer c.Close()
		conns[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	for i, c := range conns {
		wg.Go(func() {
			for size := 1; size <= 1<<20; size *= 8 {
				if err := roundTrip(c, message(i, size)); err != nil {
					errs <- fmt.Errorf("connection %d, %d bytes: %w", i, size, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := s.WaitConns(len(conns))
	checkStats(t, st)
	for _, c := range conns {
		c.Close()
	}
	s.WaitConns(0)
	s.Quit(false)
}

// sinkBytes is what checkSink sends: more than loopback's socket buffers
// hold (Linux grows them to several MiB), so that the write completes only
// if the server reads.
const sinkBytes = 32 << 20

// checkSink sends a stream the server must read without answering, and
// stops the server by closing its stdin. It does not half-close: nbio
// closes a connection on EPOLLRDHUP with data unread, which resets it.
func checkSink(t *testing.T) {
	s := Start(t, "-mode", "sink")
	c, err := net.DialTimeout("tcp", s.Addr, timeout)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(message(0, sinkBytes)); err != nil {
		t.Fatalf("write to sink: %v", err)
	}
	s.WaitConns(1)
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	var b [1]byte
	if n, err := c.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read from sink: %d bytes, %v; want nothing until the deadline", n, err)
	}
	c.Close()
	s.WaitConns(0)
	s.Quit(true)
}

// roundTrip writes msg to c and reads it back, concurrently: a message
// larger than the socket buffers would deadlock otherwise.
func roundTrip(c net.Conn, msg []byte) error {
	c.SetDeadline(time.Now().Add(timeout))
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		werr <- err
	}()
	got := make([]byte, len(msg))
	_, rerr := io.ReadFull(c, got)
	if err := errors.Join(<-werr, rerr); err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		i := 0
		for got[i] == msg[i] {
			i++
		}
		return fmt.Errorf("echo differs from byte %d on", i)
	}
	return nil
}

// message returns size bytes that differ between connections and along
// the message, so that reordered or mixed echoes show.
func message(conn, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7 + i>>8 + conn*31)
	}
	return b
}

// checkStats checks that the figures every server reports are there.
func checkStats(t *testing.T, st harness.Stats) {
	t.Helper()
	t.Logf("%v", st)
	if st.Heap == 0 || st.Sys == 0 || st.Stack == 0 || st.Goroutines == 0 {
		t.Errorf("runtime figures missing: %v", st)
	}
	if st.RSS < st.Heap {
		t.Errorf("rss %d below heap %d: %v", st.RSS, st.Heap, st)
	}
	if st.Handles < st.Conns {
		t.Errorf("handles %d below connections %d: %v", st.Handles, st.Conns, st)
	}
}

// lockedBuffer collects the server's stderr, which the test reads while
// the server writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
