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
//
// The clients' goroutines and buffers are made, and every connection has
// done one op (the first I/O of a socket allocates, in Go's net on
// Windows for one), before the timer starts, so that allocations per op
// are the steady state's: the server's and the net clients' reads and
// writes.

// benchConnCounts are the connection counts of every benchmark.
var benchConnCounts = []int{1, 100, 1000}

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

// drive spreads b.N ops over the connections and runs, for each, the
// workers that setup returns, all at once: one op each to warm up, then
// the timed ones.
func drive(b *testing.B, cs []net.Conn, setup func(c net.Conn) []func(ops int) error) {
	n := len(cs)
	per := make([]int, n)
	for i := range b.N {
		per[i%n]++
	}
	start := make(chan struct{})
	var warm, wg sync.WaitGroup
	for i, c := range cs {
		for _, work := range setup(c) {
			warm.Add(1)
			wg.Go(func() {
				err := work(1)
				warm.Done()
				<-start
				if err == nil {
					err = work(per[i])
				}
				if err != nil {
					b.Error(err)
				}
			})
		}
	}
	warm.Wait()
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	wg.Wait()
	b.StopTimer()
}

// BenchmarkEchoRoundTrip: 64-byte messages, each client waiting for its
// echo before sending the next; an op is one round trip, whichever
// connection made it.
func BenchmarkEchoRoundTrip(b *testing.B) {
	const size = 64
	for _, n := range benchConnCounts {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			cs := benchConns(b, benchServer(b), n)
			b.SetBytes(size)
			drive(b, cs, func(c net.Conn) []func(int) error {
				msg, buf := make([]byte, size), make([]byte, size)
				return []func(int) error{func(ops int) error {
					for range ops {
						if _, err := c.Write(msg); err != nil {
							return err
						}
						if _, err := io.ReadFull(c, buf); err != nil {
							return err
						}
					}
					return nil
				}}
			})
		})
	}
}

// BenchmarkEchoThroughput: each client streams 16 KiB writes while a
// reader of its own takes the echo back; an op is one 16 KiB chunk.
func BenchmarkEchoThroughput(b *testing.B) {
	const chunk = 16 << 10
	for _, n := range benchConnCounts {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			cs := benchConns(b, benchServer(b), n)
			b.SetBytes(chunk)
			drive(b, cs, func(c net.Conn) []func(int) error {
				out, in := make([]byte, chunk), make([]byte, chunk)
				write := func(ops int) error {
					for range ops {
						if _, err := c.Write(out); err != nil {
							return err
						}
					}
					return nil
				}
				read := func(ops int) error {
					for left := ops * chunk; left > 0; {
						m, err := c.Read(in[:min(left, chunk)])
						if err != nil {
							return err
						}
						left -= m
					}
					return nil
				}
				return []func(int) error{write, read}
			})
		})
	}
}
