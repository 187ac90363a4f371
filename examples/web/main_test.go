package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/goafd/afd/evhttp/websocket"
	"github.com/goafd/afd/evloop"
	"github.com/goafd/afd/examples/internal/servertest"
)

// start runs the command in this process on a free loopback port and
// returns its URL and a function that stops it and returns run's error.
func start(t *testing.T) (string, func() error) {
	t.Helper()
	addrs, stop := servertest.StartN(t, "web", run, 1, "-addr", "tcp://127.0.0.1:0", "-loops", "2")
	if len(addrs["http"]) != 1 {
		t.Fatalf("web printed %v, want one http address", addrs)
	}
	return "http://" + addrs["http"][0].String(), stop
}

// TestRoutes: / says hello, /echo echoes a body (of known length, and
// chunked), another path is 404; the server then shuts down cleanly.
func TestRoutes(t *testing.T) {
	url, stop := start(t)
	cl := &http.Client{Timeout: servertest.Timeout}
	get := func(path string) (int, string) {
		resp, err := cl.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != 200 || body != "Hello, World!" {
		t.Fatalf("/: %d %q", code, body)
	}
	if code, _ := get("/nothing"); code != 404 {
		t.Fatalf("/nothing: %d, want 404", code)
	}
	if code, _ := get("/ws"); code != 400 {
		t.Fatalf("/ws without a WebSocket handshake: %d, want 400", code)
	}
	data := make([]byte, 200<<10)
	rand.Read(data)
	for _, r := range []io.Reader{bytes.NewReader(data), io.MultiReader(strings.NewReader(""), bytes.NewReader(data))} {
		resp, err := cl.Post(url+"/echo", "application/octet-stream", r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(b, data) {
			t.Fatalf("/echo: %d bytes back of %d", len(b), len(data))
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestWebSocket: /ws echoes text and binary messages and closes with the
// code a "close CODE REASON" message asks for.
func TestWebSocket(t *testing.T) {
	url, stop := start(t)
	es, err := evloop.NewServer(evloop.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	msgs := make(chan string, 10)
	closed := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	c, _, err := (&websocket.Dialer{}).Dial(ctx, es, "ws"+strings.TrimPrefix(url, "http")+"/ws", websocket.Handler{
		OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) {
			msgs <- typ.String() + ":" + string(data)
		},
		OnClose: func(c *websocket.Conn, err error) { closed <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("héllo"))
	c.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2})
	for _, want := range []string{"text:héllo", "binary:\x00\x01\x02"} {
		select {
		case m := <-msgs:
			if m != want {
				t.Fatalf("echo %q, want %q", m, want)
			}
		case <-ctx.Done():
			t.Fatal("no echo")
		}
	}
	c.WriteMessage(websocket.TextMessage, []byte("close 4002 bye"))
	select {
	case err := <-closed:
		if !websocket.IsCloseError(err, 4002) {
			t.Fatalf("close: %v, want 4002", err)
		}
	case <-ctx.Done():
		t.Fatal("no close")
	}
	// A connection open at shutdown is closed with 1001.
	if _, _, err = (&websocket.Dialer{}).Dial(ctx, es, "ws"+strings.TrimPrefix(url, "http")+"/ws", websocket.Handler{
		OnClose: func(c *websocket.Conn, err error) { closed <- err },
	}); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-closed:
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Fatalf("close at shutdown: %v, want 1001", err)
		}
	case <-ctx.Done():
		t.Fatal("no close at shutdown")
	}
}
