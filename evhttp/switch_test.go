package evhttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/goafd/afd/evloop"
)

// echoProtocol says hello, then echoes; OnClose sends its error to
// closed.
func echoProtocol(closed chan<- error) Protocol {
	return Protocol{
		OnOpen: func(c *evloop.Conn) { c.Write([]byte("hello\n")) },
		OnTraffic: func(c *evloop.Conn) {
			b, _ := c.Next(-1)
			c.Write(b)
		},
		OnClose: func(c *evloop.Conn, err error) { closed <- err },
	}
}

// TestSwitchProtocols: a handler switches its connection to a line echo
// served on the loop; the bytes the client sent right behind its request
// reach the protocol first, the 101 response goes before its output, and
// the handler's return ends nothing.
func TestSwitchProtocols(t *testing.T) {
	closed := make(chan error, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Upgrade", "echo")
		w.Header().Set("Connection", "Upgrade")
		err := SwitchProtocols(w, echoProtocol(closed))
		if err != nil {
			t.Errorf("SwitchProtocols: %v", err)
			return
		}
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("Write after SwitchProtocols: %v, want http.ErrHijacked", err)
		}
		if err := SwitchProtocols(w, Protocol{}); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("second SwitchProtocols: %v, want http.ErrHijacked", err)
		}
	})}
	addr := serve(t, s)
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nearly\n")
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != "echo" {
		t.Fatalf("response %d %v, want 101 with Upgrade: echo", resp.StatusCode, resp.Header)
	}
	want := "hello\nearly\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != want {
		t.Fatalf("after the 101: %q, %v; want %q", got, err, want)
	}
	io.WriteString(nc, "later\n")
	got = got[:6]
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "later\n" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	nc.Close()
	if err := <-closed; err != nil {
		t.Fatalf("OnClose: %v, want nil for the client's close", err)
	}
}

// TestSwitchProtocolsRefused: SwitchProtocols after the response was begun
// fails with ErrSwitchWritten and the response goes on as HTTP.
func TestSwitchProtocolsRefused(t *testing.T) {
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		if err := SwitchProtocols(w, Protocol{}); !errors.Is(err, ErrSwitchWritten) {
			t.Errorf("SwitchProtocols after WriteHeader: %v, want ErrSwitchWritten", err)
		}
	})}
	addr := serve(t, s)
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := readResp(t, br, "GET")
	if resp.StatusCode != http.StatusTeapot {
		t.Fatalf("status %d, want 418", resp.StatusCode)
	}
}

// TestSwitchProtocolsClientGone: clients that send an upgrade request and
// reset the connection at once; every handler's SwitchProtocols returns
// (with an error, or with the connection, whose OnClose follows) instead
// of waiting forever for a switch that the closing connection dropped.
func TestSwitchProtocolsClientGone(t *testing.T) {
	clientGone(t, "SwitchProtocols", "Upgrade: x\r\nConnection: Upgrade\r\n", func(w http.ResponseWriter) error {
		return SwitchProtocols(w, Protocol{})
	})
}

// TestHijackClientGone: as TestSwitchProtocolsClientGone, for Hijack,
// whose Detach runs on the loop the same way.
func TestHijackClientGone(t *testing.T) {
	clientGone(t, "Hijack", "", func(w http.ResponseWriter) error {
		nc, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			nc.Close()
		}
		return err
	})
}

// clientGone has 200 clients send a request with the extra header lines
// fields and reset the connection at once, while the handler calls take
// (the call named what), and checks that every handler that began has
// returned once Shutdown has.
func clientGone(t *testing.T, what, fields string, take func(http.ResponseWriter) error) {
	t.Helper()
	const n = 200
	var entered atomic.Int64
	returned := make(chan error, n)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		returned <- take(w)
	})}
	addr := serve(t, s)
	for range n {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n"+fields+"\r\n")
		nc.(*net.TCPConn).SetLinger(0)
		nc.Close()
	}
	// Once the server has no connection left, no handler starts.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for got := int64(0); got < entered.Load(); got++ {
		select {
		case <-returned:
		case <-ctx.Done():
			t.Fatalf("%d of %d handlers still in %s", entered.Load()-got, entered.Load(), what)
		}
	}
}

// TestSwitchProtocolsAfterEOF: a client that shuts down its sending side
// right behind its request still has its connection switched: the
// protocol gets the bytes that came, and then the connection closes, as
// one whose end came after the switch.
func TestSwitchProtocolsAfterEOF(t *testing.T) {
	closed := make(chan error, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the end of stream has come
		w.Header().Set("Upgrade", "echo")
		w.Header().Set("Connection", "Upgrade")
		err := SwitchProtocols(w, echoProtocol(closed))
		if err != nil {
			t.Errorf("SwitchProtocols: %v", err)
		}
	})}
	addr := serve(t, s)
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	nc.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("response %d, want 101", resp.StatusCode)
	}
	if rest, err := io.ReadAll(br); err != nil || string(rest) != "hello\n" {
		t.Fatalf("after the 101: %q, %v; want \"hello\\n\" and the end", rest, err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("OnClose: %v", err)
	}
}
