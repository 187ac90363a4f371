package interop

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// gorillaEchoServer serves gorilla/websocket's echo on net/http, a
// goroutine per connection: the reference the package is measured by.
func gorillaEchoServer(b *testing.B) string {
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
			c.WriteMessage(typ, p)
		}
	})}
	ln, err := netListen()
	if err != nil {
		b.Fatal(err)
	}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	return "ws://" + ln.Addr().String() + "/"
}

// BenchmarkEcho: round trips of a 64-byte binary message from a
// gorilla/websocket client, to the package's server (evhttp) and to
// gorilla's on net/http.
func BenchmarkEcho(b *testing.B) {
	for _, s := range []struct {
		name string
		url  func(*testing.B) string
	}{
		{"evhttp-websocket", func(b *testing.B) string { return server(b, nil) }},
		{"gorilla-net-http", gorillaEchoServer},
	} {
		b.Run(s.name, func(b *testing.B) {
			c, _, err := websocket.DefaultDialer.Dial(s.url(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.ReadMessage(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIdleConn: what 1000 idle connections hold on the server after
// one echo each, heap and goroutines per connection, for the package's
// server and for gorilla's on net/http; the clients are raw sockets of
// Go's net (their own few hundred bytes count too).
func BenchmarkIdleConn(b *testing.B) {
	for _, s := range []struct {
		name string
		url  func(*testing.B) string
	}{
		{"evhttp-websocket", func(b *testing.B) string { return server(b, nil) }},
		{"gorilla-net-http", gorillaEchoServer},
	} {
		b.Run(s.name, func(b *testing.B) {
			const n = 1000
			addr := strings.TrimSuffix(strings.TrimPrefix(s.url(b), "ws://"), "/ws")
			addr = strings.TrimSuffix(addr, "/")
			hello := []byte{0x81, 0x85, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'} // masked with a zero key
			buf := make([]byte, 512)
			conns := make([]net.Conn, 0, n)
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			g0 := runtime.NumGoroutine()
			for range n {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				conns = append(conns, c)
				fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
					"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
				var got []byte
				for !bytes.HasSuffix(got, []byte("\r\n\r\n")) {
					k, err := c.Read(buf)
					if err != nil {
						b.Fatal(err)
					}
					got = append(got, buf[:k]...)
				}
				c.Write(hello)
				for !bytes.HasSuffix(got, []byte("hello")) {
					k, err := c.Read(buf)
					if err != nil {
						b.Fatal(err)
					}
					got = append(got, buf[:k]...)
				}
			}
			for range b.N {
				runtime.GC()
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse))/n, "heap+stack-B/conn")
			b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
		})
	}
}
