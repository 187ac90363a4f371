package websocket

import (
	"bytes"
	"fmt"
	"net"
	"runtime"
	"testing"
)

// BenchmarkEcho: round trips of a 64-byte binary message between the
// package's client and its server, on one connection.
func BenchmarkEcho(b *testing.B) {
	addr, es := echoServer(b, &Upgrader{}, nil)
	cl := dialClient(b, es, "ws://"+addr+"/ws", nil)
	msg := make([]byte, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		cl.WriteMessage(BinaryMessage, msg)
		<-cl.msgs
	}
}

// BenchmarkIdleConn: what 1000 idle WebSocket connections hold on the
// server, after one echo each: heap per connection (the clients are raw
// sockets of Go's net, whose few hundred bytes each count too) and
// goroutines per connection.
func BenchmarkIdleConn(b *testing.B) {
	const n = 1000
	addr, _ := echoServer(b, &Upgrader{}, nil)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	hello := mframe(true, 0, opText, []byte("hello"), true)
	buf := make([]byte, 512)
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
	g1 := settleGoroutines()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heap-B/conn")
	b.ReportMetric(float64(g1-g0)/n, "goroutines/conn")
}
