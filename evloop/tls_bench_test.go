package evloop

import (
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// BenchmarkTLSIdleMemory measures what an idle connection holds on the
// server: 1000 connections, each after its handshake and one echo of
// 64 bytes, then idle. The figure, B/conn, is what the server frees when
// it closes them (runtime.MemStats HeapAlloc + StackInuse after GC,
// before and after Server.Close), less what a server with no connection
// frees, per connection; the clients stay alive and do not count.
//
//	go test -run '^$' -bench TLSIdleMemory -benchtime=1x ./evloop/
func BenchmarkTLSIdleMemory(b *testing.B) {
	pki := newPKI(b)
	for _, mode := range []struct {
		name string
		v    uint16 // 0: plaintext
	}{{"plain", 0}, {"TLS12", tls.VersionTLS12}, {"TLS13", tls.VersionTLS13}} {
		b.Run(mode.name, func(b *testing.B) {
			const n = 1000
			var perConn float64
			for range b.N {
				empty := idleServerBytes(b, pki, mode.v, 0)
				full := idleServerBytes(b, pki, mode.v, n)
				perConn = float64(full-empty) / n
			}
			b.ReportMetric(perConn, "B/conn")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// idleServerBytes serves n idle connections (TLS of version v, or
// plaintext for 0) and returns what closing the server frees.
func idleServerBytes(b *testing.B, pki *testPKI, v uint16, n int) int64 {
	s, err := NewServer(Config{Loops: 1})
	if err != nil {
		b.Fatal(err)
	}
	var ln *Listener
	if v == 0 {
		ln, err = s.Listen("tcp://127.0.0.1:0", echoHandler())
	} else {
		ln, err = s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(v), echoHandler())
	}
	if err != nil {
		b.Fatal(err)
	}
	clients := make([]net.Conn, n)
	msg := make([]byte, 64)
	for i := range clients {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		if v != 0 {
			c = tls.Client(c, pki.clientConfig(v))
		}
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	before := inUse()
	s.Close()
	after := inUse()
	for _, c := range clients {
		c.Close()
	}
	return before - after
}

// inUse returns the heap and stack memory in use after a GC.
func inUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

// BenchmarkTLSEcho: round trips of 64 bytes over one TLS 1.3
// connection, a crypto/tls client in the same process (its work and
// allocations count too).
//
//	go test -run '^$' -bench TLSEcho -benchmem ./evloop/
func BenchmarkTLSEcho(b *testing.B) {
	pki := newPKI(b)
	s := newServer(b, Config{Loops: 1})
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), echoHandler())
	if err != nil {
		b.Fatal(err)
	}
	c := tlsDial(b, ln, pki.clientConfig(tls.VersionTLS13))
	c.SetDeadline(time.Time{})
	msg := make([]byte, 64)
	for range 10 { // the tickets, the first records
		c.Write(msg)
		io.ReadFull(c, msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			b.Fatal(err)
		}
	}
}
