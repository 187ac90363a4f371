package load

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// startWSServer serves gorilla/websocket's echo on loopback, through
// transform (which may spoil a message), until the test ends.
func startWSServer(t *testing.T, transform func([]byte) []byte) string {
	t.Helper()
	u := websocket.Upgrader{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := u.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, data, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, transform(data)) != nil {
				return
			}
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestWebSocketIdle: the WebSocket client upgrades its connections and
// has a message echoed on each against gorilla/websocket's server.
func TestWebSocketIdle(t *testing.T) {
	addr := startWSServer(t, func(b []byte) []byte { return b })
	conns, err := WebSocket().OpenIdle(context.Background(), addr, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 20 {
		t.Fatalf("%d connections, want 20", len(conns))
	}
	CloseAll(conns)
}

// TestWebSocketWrongAnswers: a changed echo, and a server that answers
// the upgrade with 200, are wrong answers.
func TestWebSocketWrongAnswers(t *testing.T) {
	addr := startWSServer(t, func(b []byte) []byte {
		b[len(b)-1] ^= 1
		return b
	})
	if _, err := WebSocket().OpenIdle(context.Background(), addr, 1, nil); !errors.Is(err, ErrWrongAnswer) {
		t.Fatalf("changed echo: %v, want ErrWrongAnswer", err)
	}
	plain := startServer(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		c.Read(buf)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	})
	_, err := WebSocket().OpenIdle(context.Background(), plain, 1, nil)
	if !errors.Is(err, ErrWrongAnswer) || !strings.Contains(err.Error(), "handshake") {
		t.Fatalf("200 to the upgrade: %v, want a handshake's ErrWrongAnswer", err)
	}
}
