package websocket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goafd/afd/evhttp"
	"github.com/goafd/afd/evloop"
)

const timeout = 20 * time.Second

// echoServer serves an echo WebSocket at /ws with u on a two-loop
// evloop.Server and returns its host:port and the evloop.Server; the
// closes of the connections go to closed.
func echoServer(t testing.TB, u *Upgrader, closed chan<- error) (string, *evloop.Server) {
	t.Helper()
	return echoServerConfig(t, u, closed, evloop.Config{Loops: 2})
}

// echoServerConfig is echoServer on an evloop.Server of cfg.
func echoServerConfig(t testing.TB, u *Upgrader, closed chan<- error, cfg evloop.Config) (string, *evloop.Server) {
	t.Helper()
	es, err := evloop.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		u.Upgrade(w, r, Handler{
			OnMessage: func(c *Conn, typ MessageType, data []byte) {
				if string(data) == "close-4001" {
					c.Close(4001, "asked")
					return
				}
				if n, ok := strings.CutPrefix(string(data), "flood "); ok {
					// Messages of 32 KiB (one frame each), numbered, far more than evloop's
					// MaxOutbound and the sockets' buffers take.
					count, _ := strconv.Atoi(n)
					msg := make([]byte, 32<<10)
					for i := range count {
						binary.BigEndian.PutUint32(msg, uint32(i))
						if err := c.WriteMessage(BinaryMessage, msg); err != nil {
							c.Close(CloseInternalServerErr, err.Error()[:min(len(err.Error()), 100)])
							return
						}
					}
					return
				}
				c.WriteMessage(typ, data)
			},
			OnClose: func(c *Conn, err error) {
				if closed != nil {
					closed <- err
				}
			},
		})
	})
	hs := &evhttp.Server{Handler: mux}
	ln, err := hs.Listen(es, "tcp://127.0.0.1:0")
	if err != nil {
		es.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		hs.Close()
		es.Close()
	})
	return ln.Addr().String(), es
}

// rawDial opens a plain TCP connection and completes the handshake by
// hand, for tests that send frames the package's own client would not.
func rawDial(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(timeout))
	t.Cleanup(func() { nc.Close() })
	fmt.Fprintf(nc, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake: %d %v", resp.StatusCode, resp.Header)
	}
	return nc, br
}

// readFrame reads one unmasked frame from a server.
func readFrame(t testing.TB, br *bufio.Reader) (opcode, []byte) {
	t.Helper()
	var hb []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			t.Fatalf("reading a frame: %v", err)
		}
		hb = append(hb, b)
		h, n, cerr := parseHeader(hb)
		if cerr != nil {
			t.Fatal(cerr)
		}
		if n > 0 {
			if h.masked || !h.fin {
				t.Fatalf("frame from the server: masked %v fin %v", h.masked, h.fin)
			}
			p := make([]byte, h.length)
			if _, err := io.ReadFull(br, p); err != nil {
				t.Fatal(err)
			}
			return h.op, p
		}
	}
}

// expectClose reads the server's close frame with code, then its end of
// stream.
func expectClose(t *testing.T, br *bufio.Reader, code int) {
	t.Helper()
	op, p := readFrame(t, br)
	if op != opClose || len(p) < 2 || int(p[0])<<8|int(p[1]) != code {
		t.Fatalf("frame %d %q, want close %d", op, p, code)
	}
	if b, err := io.ReadAll(br); err != nil || len(b) > 0 {
		t.Fatalf("after the close frame: %q, %v; want the server's end of stream", b, err)
	}
}

// client dials addr with the package's Dialer, and gathers messages.
type client struct {
	*Conn
	msgs   chan got
	pongs  chan string
	closed chan error
}

func dialClient(t testing.TB, es *evloop.Server, url string, d *Dialer) *client {
	t.Helper()
	cl := &client{msgs: make(chan got, 100), pongs: make(chan string, 10), closed: make(chan error, 1)}
	if d == nil {
		d = &Dialer{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, _, err := d.Dial(ctx, es, url, Handler{
		OnMessage: func(c *Conn, typ MessageType, data []byte) {
			cl.msgs <- got{ev: evMessage, typ: typ, data: string(data)}
		},
		OnPong:  func(c *Conn, data []byte) { cl.pongs <- string(data) },
		OnClose: func(c *Conn, err error) { cl.closed <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	cl.Conn = c
	return cl
}

func (cl *client) expect(t *testing.T, typ MessageType, data []byte) {
	t.Helper()
	select {
	case g := <-cl.msgs:
		if g.typ != typ || g.data != string(data) {
			t.Fatalf("got %v message of %d bytes, want %v of %d", g.typ, len(g.data), typ, len(data))
		}
	case <-time.After(timeout):
		t.Fatal("no message")
	}
}

func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// TestEcho: the package's client and server echo text and binary
// messages from empty to 1 MiB (sent as fragments of the write window,
// reassembled), and ping/pong, then close with a code both sides see.
func TestEcho(t *testing.T) {
	closed := make(chan error, 1)
	addr, es := echoServer(t, &Upgrader{}, closed)
	cl := dialClient(t, es, "ws://"+addr+"/ws", nil)
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 200000, 1 << 20} {
		text := strings.Repeat("é", n/2)
		if err := cl.WriteMessage(TextMessage, []byte(text)); err != nil {
			t.Fatal(err)
		}
		cl.expect(t, TextMessage, []byte(text))
		bin := bytes.Repeat([]byte{0, 0xff, 7}, n/3)
		if err := cl.WriteMessage(BinaryMessage, bin); err != nil {
			t.Fatal(err)
		}
		cl.expect(t, BinaryMessage, bin)
	}
	if err := cl.Ping([]byte("are you there")); err != nil {
		t.Fatal(err)
	}
	if p := wait(t, cl.pongs); p != "are you there" {
		t.Fatalf("pong %q", p)
	}
	if err := cl.Close(4000, "done"); err != nil {
		t.Fatal(err)
	}
	if err := cl.WriteMessage(TextMessage, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v, want ErrClosed", err)
	}
	for _, err := range []error{wait(t, closed), wait(t, cl.closed)} {
		var ce *CloseError
		if !errors.As(err, &ce) || ce.Code != 4000 {
			t.Fatalf("OnClose: %v, want close 4000", err)
		}
	}
}

// TestServerClose: the server closes with a code; the client sees it.
func TestServerClose(t *testing.T) {
	addr, es := echoServer(t, &Upgrader{}, nil)
	cl := dialClient(t, es, "ws://"+addr+"/ws", nil)
	cl.WriteMessage(TextMessage, []byte("close-4001"))
	err := wait(t, cl.closed)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "asked" || !ce.Remote {
		t.Fatalf("client's OnClose: %v, want the server's close 4001 (asked)", err)
	}
}

// TestProtocolErrors: what a client sends wrong fails the connection with
// the code RFC 6455 names, in a close frame, then the server's close.
func TestProtocolErrors(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		code  int
	}{
		{"unmasked", mframe(true, 0, opText, []byte("hi"), false), 1002},
		{"reserved bit", mframe(true, 2, opText, []byte("hi"), true), 1002},
		{"control over 125", mframe(true, 0, opPing, make([]byte, 126), true), 1002},
		{"invalid UTF-8 across fragments", cat(mframe(false, 0, opText, []byte("ok\xf0\x9f"), true),
			mframe(true, 0, opContinuation, []byte("\x98x"), true)), 1007},
		{"over MaxMessageSize", mframe(true, 0, opBinary, make([]byte, 1001), true), 1009},
		{"huge length header", []byte{0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4}, 1009},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			closed := make(chan error, 1)
			addr, _ := echoServer(t, &Upgrader{MaxMessageSize: 1000}, closed)
			nc, br := rawDial(t, addr)
			nc.Write(tt.frame)
			expectClose(t, br, tt.code)
			nc.Close() // the server lingers for it, then closes
			err := wait(t, closed)
			var ce *CloseError
			if !errors.As(err, &ce) || ce.Code != tt.code || ce.Remote {
				t.Fatalf("server's OnClose: %v, want its own close %d", err, tt.code)
			}
		})
	}
}

// TestPeerCloseEchoed: a client's close frame is answered with the same
// code, then the server closes the TCP connection; a ping before it is
// answered with its payload.
func TestPeerCloseEchoed(t *testing.T) {
	addr, _ := echoServer(t, &Upgrader{}, nil)
	nc, br := rawDial(t, addr)
	nc.Write(mframe(true, 0, opPing, []byte("p1"), true))
	if op, p := readFrame(t, br); op != opPong || string(p) != "p1" {
		t.Fatalf("answer to a ping: %d %q", op, p)
	}
	nc.Write(mframe(true, 0, opClose, closePayload(1001, "away"), true))
	expectClose(t, br, 1001)
}

// TestNeverReads: a client that sends messages and never reads their
// echoes holds back the server's handler (its WriteMessage waits on the
// write window), the loop then parses no more, and once the unparsed
// input reaches evloop's MaxInbound the server closes the connection
// (evloop.ErrInboundFull): what the server holds for the peer stays
// bounded, and the server ends it without the client's help.
func TestNeverReads(t *testing.T) {
	closed := make(chan error, 1)
	addr, _ := echoServer(t, &Upgrader{}, closed)
	nc, _ := rawDial(t, addr)
	msg := mframe(true, 0, opBinary, make([]byte, 64<<10), true)
	go func() {
		for {
			if _, err := nc.Write(msg); err != nil {
				return
			}
		}
	}()
	err := wait(t, closed)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != CloseAbnormalClosure || !errors.Is(err, evloop.ErrInboundFull) {
		t.Fatalf("server's OnClose: %v, want 1006 with evloop.ErrInboundFull", err)
	}
}

// TestFloodSlowReader: a handler that writes far more than evloop's
// MaxOutbound (here 128 KiB, with a socket send buffer of 16 KiB) to a
// client slower than it waits in WriteMessage, on the write window,
// instead of failing with evloop.ErrOutboundFull: every message arrives,
// in order.
func TestFloodSlowReader(t *testing.T) {
	addr, _ := echoServerConfig(t, &Upgrader{}, nil, evloop.Config{Loops: 2, MaxOutbound: 128 << 10, SendBuffer: 16 << 10})
	nc, br := rawDial(t, addr)
	const count = 400 // 12.5 MiB
	nc.Write(mframe(true, 0, opText, []byte("flood "+strconv.Itoa(count)), true))
	for i := range count {
		op, p := readFrame(t, br)
		if op != opBinary || len(p) != 32<<10 || binary.BigEndian.Uint32(p) != uint32(i) {
			t.Fatalf("message %d: opcode %d, %d bytes %q", i, op, len(p), p[:min(len(p), 100)])
		}
	}
}

// TestCloseTimeout: a peer that never answers the server's close frame
// is cut after CloseTimeout, and OnClose says so.
func TestCloseTimeout(t *testing.T) {
	closed := make(chan error, 1)
	addr, _ := echoServer(t, &Upgrader{CloseTimeout: 50 * time.Millisecond}, closed)
	nc, br := rawDial(t, addr)
	nc.Write(mframe(true, 0, opText, []byte("close-4001"), true))
	if op, _ := readFrame(t, br); op != opClose {
		t.Fatalf("frame %d, want close", op)
	}
	// No answer; the server's end of stream comes after the timeout.
	if b, err := io.ReadAll(br); err != nil || len(b) > 0 {
		t.Fatalf("after the close frame: %q, %v", b, err)
	}
	nc.Close()
	err := wait(t, closed)
	if !IsCloseError(err, CloseAbnormalClosure) || !errors.Is(err, ErrCloseTimeout) {
		t.Fatalf("server's OnClose: %v, want 1006 with ErrCloseTimeout", err)
	}
}

// TestIdleHoldsNoGoroutine: idle WebSocket connections hold no
// goroutine: their count does not grow with the connections.
func TestIdleHoldsNoGoroutine(t *testing.T) {
	addr, es := echoServer(t, &Upgrader{}, nil)
	warm := dialClient(t, es, "ws://"+addr+"/ws", nil)
	warm.WriteMessage(TextMessage, []byte("x"))
	warm.expect(t, TextMessage, []byte("x"))
	before := settleGoroutines()
	const n = 50
	var cls []*client
	for range n {
		cl := dialClient(t, es, "ws://"+addr+"/ws", nil)
		cl.WriteMessage(TextMessage, []byte("hello"))
		cl.expect(t, TextMessage, []byte("hello"))
		cls = append(cls, cl)
	}
	after := settleGoroutines()
	if after-before >= n/2 {
		t.Fatalf("%d goroutines with %d idle connections more than with 1: %d", after, n, after-before)
	}
	var wg sync.WaitGroup
	for _, cl := range cls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl.Close(1000, "")
			wait(t, cl.closed)
		}()
	}
	wg.Wait()
}

// settleGoroutines returns the goroutine count once the pools' workers
// have exited (they do once their queues are empty).
func settleGoroutines() int {
	n := runtime.NumGoroutine()
	for range 200 {
		time.Sleep(5 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return m
		}
		n = m
	}
	return n
}

// TestHandshakeRefused: requests that are not WebSocket handshakes get
// their status, an Origin of another host 403, a client offered a
// subprotocol gets the server's choice.
func TestHandshakeRefused(t *testing.T) {
	addr, es := echoServer(t, &Upgrader{Subprotocols: []string{"b", "a"}}, nil)
	for _, tt := range []struct {
		minor  int
		header string
		status int
	}{
		{0, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 400},
		{1, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n", 400},
		{1, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 426},
		{1, "Connection: keep-alive\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 400},
		{1, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://evil.example\r\n", 403},
	} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(timeout))
		fmt.Fprintf(nc, "GET /ws HTTP/1.%d\r\nHost: %s\r\n%s\r\n", tt.minor, addr, tt.header)
		resp, err := http.ReadResponse(bufio.NewReader(nc), &http.Request{Method: "GET"})
		nc.Close()
		if err != nil || resp.StatusCode != tt.status {
			t.Fatalf("%q: %v %v, want %d", tt.header, resp, err, tt.status)
		}
	}
	cl := dialClient(t, es, "ws://"+addr+"/ws", &Dialer{Subprotocols: []string{"a", "b"}})
	if cl.Subprotocol() != "b" {
		t.Fatalf("subprotocol %q, want the server's preference b", cl.Subprotocol())
	}
}

// TestUpgraderShutdown: Shutdown sends 1001 to every connection, returns
// once they have closed, and refuses upgrades from then on with 503.
func TestUpgraderShutdown(t *testing.T) {
	u := &Upgrader{}
	addr, es := echoServer(t, u, nil)
	var cls []*client
	for range 3 {
		cls = append(cls, dialClient(t, es, "ws://"+addr+"/ws", nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := u.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, cl := range cls {
		if err := wait(t, cl.closed); !IsCloseError(err, CloseGoingAway) {
			t.Fatalf("client's OnClose: %v, want 1001", err)
		}
	}
	_, resp, err := (&Dialer{}).Dial(ctx, es, "ws://"+addr+"/ws", Handler{})
	if !errors.Is(err, ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Shutdown: %v, %v; want 503", resp, err)
	}
}

// TestUpgraderShutdownDuringUpgrade: a Shutdown that comes while an
// upgrade is under way (the client has its 101, the Upgrader does not
// track the connection yet) waits for it, and closes it with 1001; it
// returned at once before, and the server's own shutdown then cut the
// connection without a close frame (1006 at the client).
func TestUpgraderShutdownDuringUpgrade(t *testing.T) {
	switched, release := make(chan struct{}), make(chan struct{})
	testHookUpgradeSwitched = func() {
		switched <- struct{}{}
		<-release
	}
	defer func() { testHookUpgradeSwitched = nil }()
	u := &Upgrader{}
	addr, es := echoServer(t, u, nil)
	cl := dialClient(t, es, "ws://"+addr+"/ws", nil)
	wait(t, switched)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- u.Shutdown(ctx) }()
	select {
	case err := <-done:
		close(release)
		t.Fatalf("Shutdown returned (%v) with an upgrade under way", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := wait(t, done); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := wait(t, cl.closed); !IsCloseError(err, CloseGoingAway) {
		t.Fatalf("client's OnClose: %v, want 1001", err)
	}
}

// TestCallbackPanic: a panic in OnMessage is logged and closes the
// connection with 1011; the server goes on serving others.
func TestCallbackPanic(t *testing.T) {
	es, err := evloop.NewServer(evloop.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	var logged strings.Builder
	var logMu sync.Mutex
	u := &Upgrader{ErrorLog: log.New(lockedWriter{&logMu, &logged}, "", 0)}
	hs := &evhttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.Upgrade(w, r, Handler{OnMessage: func(c *Conn, typ MessageType, data []byte) {
			if string(data) == "panic" {
				panic("boom")
			}
			c.WriteMessage(typ, data)
		}})
	})}
	defer hs.Close()
	ln, err := hs.Listen(es, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/"
	cl := dialClient(t, es, url, nil)
	cl.WriteMessage(TextMessage, []byte("panic"))
	if err := wait(t, cl.closed); !IsCloseError(err, CloseInternalServerErr) {
		t.Fatalf("close after a panic: %v, want 1011", err)
	}
	logMu.Lock()
	if !strings.Contains(logged.String(), "boom") {
		t.Errorf("log: %q, want the panic", logged.String())
	}
	logMu.Unlock()
	other := dialClient(t, es, url, nil)
	other.WriteMessage(TextMessage, []byte("still here"))
	other.expect(t, TextMessage, []byte("still here"))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestWriteChecks: WriteMessage refuses text that is not UTF-8 and
// message types other than text and binary, sending nothing; Ping
// refuses a payload over 125 bytes and Close a bad code.
func TestWriteChecks(t *testing.T) {
	addr, es := echoServer(t, &Upgrader{}, nil)
	cl := dialClient(t, es, "ws://"+addr+"/ws", nil)
	if err := cl.WriteMessage(TextMessage, []byte("\xff")); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8 text: %v", err)
	}
	if err := cl.WriteMessage(MessageType(9), nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("message type 9: %v", err)
	}
	if err := cl.Ping(make([]byte, 126)); err == nil {
		t.Error("ping of 126 bytes accepted")
	}
	if err := cl.Close(1005, ""); err == nil {
		t.Error("close with 1005 accepted")
	}
	cl.WriteMessage(TextMessage, []byte("ok"))
	cl.expect(t, TextMessage, []byte("ok")) // nothing of the refused ones came first
}
