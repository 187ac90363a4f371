package evloop

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Benchmarks drive an echo server with Go's net clients in the same
// process: the numbers include the client's half, as a ratio between
// platforms and connection counts rather than a server's absolute speed.
//
//	go test -run '^$' -bench . -benchmem ./evloop/

func benchServer(b *testing.B) *Listener {
	s := newServer(b, Config{})
	return listen(b, s, "tcp://127.0.0.1:0", echoHandler())
}

func benchConns(b *testing.B, ln *Listener, n int) []net.Conn {
	cs := make([]net.Conn, n)
	for i := range cs {
		cs[i] = dial(b, ln)
		cs[i].SetDeadline(time.Time{})
	}
	return cs
}

// BenchmarkEchoRoundTrip: 64-byte messages, each client waiting for its
// echo before sending the next; an op is one round trip, whichever
// connection made it.
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			ln := benchServer(b)
			cs := benchConns(b, ln, n)
			msg := make([]byte, 64)
			per := make([]int, n)
			for i := range b.N {
				per[i%n]++
			}
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for i, c := range cs {
				wg.Go(func() {
					buf := make([]byte, len(msg))
					for range per[i] {
						if _, err := c.Write(msg); err != nil {
							b.Error(err)
							return
						}
						if _, err := io.ReadFull(c, buf); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// BenchmarkEchoThroughput: each client streams 16 KiB writes while a
// reader of its own takes the echo back; an op is one 16 KiB chunk.
func BenchmarkEchoThroughput(b *testing.B) {
	const chunk = 16 << 10
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			ln := benchServer(b)
			cs := benchConns(b, ln, n)
			per := make([]int, n)
			for i := range b.N {
				per[i%n]++
			}
			b.SetBytes(chunk)
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for i, c := range cs {
				wg.Go(func() {
					out := make([]byte, chunk)
					for range per[i] {
						if _, err := c.Write(out); err != nil {
							b.Error(err)
							return
						}
					}
				})
				wg.Go(func() {
					in := make([]byte, chunk)
					if _, err := io.ReadFull(c, make([]byte, 0)); err != nil {
						b.Error(err)
					}
					for left := per[i] * chunk; left > 0; {
						m, err := c.Read(in[:min(left, chunk)])
						if err != nil {
							b.Error(err)
							return
						}
						left -= m
					}
				})
			}
			wg.Wait()
		})
	}
}
