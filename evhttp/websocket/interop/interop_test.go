package interop

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/goafd/afd/evhttp"
	ws "github.com/goafd/afd/evhttp/websocket"
	"github.com/goafd/afd/evloop"
)

const timeout = 20 * time.Second

// server serves an echo at /ws; "close CODE" closes with that code.
func server(t testing.TB, closed chan<- error) string {
	t.Helper()
	es, err := evloop.NewServer(evloop.Config{Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	up := &ws.Upgrader{Subprotocols: []string{"echo"}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		up.Upgrade(w, r, ws.Handler{
			OnMessage: func(c *ws.Conn, typ ws.MessageType, data []byte) {
				if s, ok := strings.CutPrefix(string(data), "close "); ok && typ == ws.TextMessage {
					c.Close(4000+len(s), s)
					return
				}
				c.WriteMessage(typ, data)
			},
			OnClose: func(c *ws.Conn, err error) {
				if closed != nil {
					closed <- err
				}
			},
		})
	})
	hs := &evhttp.Server{Handler: mux}
	ln, err := hs.Listen(es, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.Close(); es.Close() })
	return "ws://" + ln.Addr().String() + "/ws"
}

func sizes() []int { return []int{0, 1, 125, 126, 65535, 65536, 300000, 1 << 20} }

func payload(n int, text bool) []byte {
	if text {
		return []byte(strings.Repeat("x€", n/4)) // 4 bytes each, 3 of them one rune
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// TestGorillaClient: gorilla/websocket's client echoes text and binary to
// 1 MiB, fragmented messages (its NextWriter sends a frame per Write),
// pings, and sees the server's close code.
func TestGorillaClient(t *testing.T) {
	closed := make(chan error, 1)
	url := server(t, closed)
	d := websocket.Dialer{Subprotocols: []string{"x", "echo"}, HandshakeTimeout: timeout}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(timeout))
	if c.Subprotocol() != "echo" {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	for _, n := range sizes() {
		for _, typ := range []int{websocket.TextMessage, websocket.BinaryMessage} {
			p := payload(n, typ == websocket.TextMessage)
			if err := c.WriteMessage(typ, p); err != nil {
				t.Fatal(err)
			}
			gt, got, err := c.ReadMessage()
			if err != nil || gt != typ || !bytes.Equal(got, p) {
				t.Fatalf("echo of %d bytes: type %d, %d bytes, %v", len(p), gt, len(got), err)
			}
		}
	}
	// A message in three fragments, a ping among them.
	w, _ := c.NextWriter(websocket.TextMessage)
	w.Write([]byte("one "))
	w.Write([]byte("two "))
	c.WriteControl(websocket.PingMessage, []byte("ping!"), time.Now().Add(timeout))
	w.Write([]byte("three"))
	w.Close()
	pong := make(chan string, 1)
	c.SetPongHandler(func(s string) error { pong <- s; return nil })
	_, got, err := c.ReadMessage()
	if err != nil || string(got) != "one two three" {
		t.Fatalf("fragmented echo: %q, %v", got, err)
	}
	select {
	case p := <-pong:
		if p != "ping!" {
			t.Fatalf("pong %q", p)
		}
	default:
		t.Fatal("no pong before the echo that followed the ping")
	}
	c.WriteMessage(websocket.TextMessage, []byte("close bye"))
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, 4003) {
		t.Fatalf("after asking to close: %v, want close 4003", err)
	}
	c.Close() // the server lingers for it, then closes
	var ce *ws.CloseError
	if err := <-closed; !errors.As(err, &ce) || ce.Code != 4003 {
		t.Fatalf("server's OnClose: %v", err)
	}
}

// TestGorillaClientCloses: gorilla's close frame is answered with the
// same code, which both sides see.
func TestGorillaClientCloses(t *testing.T) {
	closed := make(chan error, 1)
	url := server(t, closed)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(timeout))
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4321, "done"))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, 4321) {
		t.Fatalf("answer to the close: %v", err)
	}
	c.Close()
	var ce *ws.CloseError
	if err := <-closed; !errors.As(err, &ce) || ce.Code != 4321 || ce.Text != "done" || !ce.Remote {
		t.Fatalf("server's OnClose: %v", err)
	}
}

// TestCoderClient: coder/websocket's client echoes to 1 MiB and closes
// with a code.
func TestCoderClient(t *testing.T) {
	url := server(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, _, err := coder.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(2 << 20)
	for _, n := range sizes() {
		for _, typ := range []coder.MessageType{coder.MessageText, coder.MessageBinary} {
			p := payload(n, typ == coder.MessageText)
			if err := c.Write(ctx, typ, p); err != nil {
				t.Fatal(err)
			}
			gt, got, err := c.Read(ctx)
			if err != nil || gt != typ || !bytes.Equal(got, p) {
				t.Fatalf("echo of %d bytes: %v, %d bytes, %v", len(p), gt, len(got), err)
			}
		}
	}
	// coder's Ping waits for a Read to take the pong.
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx)
		readErr <- err
	}()
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := c.Close(coder.StatusCode(4100), "over"); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := <-readErr; coder.CloseStatus(err) != 4100 {
		t.Fatalf("read after the close: %v, want the server's answer 4100", err)
	}
}

// TestClientAgainstGorillaServer: the package's Dialer against
// gorilla/websocket's echo server (on net/http): text and binary to 1
// MiB, and the close code.
func TestClientAgainstGorillaServer(t *testing.T) {
	up := websocket.Upgrader{}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if string(p) == "bye" {
				c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4444, "gorilla"), time.Now().Add(timeout))
				continue
			}
			c.WriteMessage(typ, p)
		}
	})}
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	es, err := evloop.NewServer(evloop.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	msgs := make(chan []byte, 1)
	closed := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, _, err := (&ws.Dialer{}).Dial(ctx, es, "ws://"+ln.Addr().String()+"/", ws.Handler{
		OnMessage: func(c *ws.Conn, typ ws.MessageType, data []byte) { msgs <- data },
		OnClose:   func(c *ws.Conn, err error) { closed <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range sizes() {
		for _, typ := range []ws.MessageType{ws.TextMessage, ws.BinaryMessage} {
			p := payload(n, typ == ws.TextMessage)
			if err := c.WriteMessage(typ, p); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-msgs:
				if !bytes.Equal(got, p) {
					t.Fatalf("echo of %d bytes: %d bytes", len(p), len(got))
				}
			case <-ctx.Done():
				t.Fatal("no echo")
			}
		}
	}
	c.WriteMessage(ws.TextMessage, []byte("bye"))
	select {
	case err := <-closed:
		if !ws.IsCloseError(err, 4444) {
			t.Fatalf("close: %v, want 4444", err)
		}
	case <-ctx.Done():
		t.Fatal("no close")
	}
}
