package evhttp

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// BenchmarkIdleConn measures the heap and the goroutines that an idle
// keep-alive connection holds on the server, after one request
// (client side excluded: raw connections, whose buffers are counted
// before).
func BenchmarkIdleConn(b *testing.B) {
	const n = 1000
	addr := serve(b, &Server{Handler: hello})
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	req := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	buf := make([]byte, 4096)
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
		c.Write(req)
		if _, err := c.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
	for range b.N {
		runtime.GC()
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heap-B/conn")
	b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
}

// benchGet runs keep-alive GET round trips on one raw connection.
func benchGet(b *testing.B, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.Write(req)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkGet: round trips of "Hello, World!" on one keep-alive
// connection, evhttp and net/http's server.
func BenchmarkGet(b *testing.B) {
	b.Run("evhttp", func(b *testing.B) { benchGet(b, serve(b, &Server{Handler: hello})) })
	b.Run("net-http", func(b *testing.B) {
		s := httptest.NewServer(hello)
		defer s.Close()
		benchGet(b, s.Listener.Addr().String())
	})
}
