package park

import (
	"context"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkIdleMemory measures the Go memory (heap and goroutine stacks)
// that an idle connection costs while it waits for data, three ways:
// parked with Notify; a goroutine blocked in WaitReadable, with no
// buffer; a goroutine blocked in Read on a 4 KiB buffer, as a plain
// goroutine-per-connection server has. The connections exist before
// the first measurement, so only the waiting is counted; memory of the
// kernel (the epoll entry, the AFD poll) is not. Each iteration waits on
// idleConns connections, then wakes them all with a byte.
func BenchmarkIdleMemory(b *testing.B) {
	const idleConns = 1000
	ln := listener(b)
	clients := make([]*net.TCPConn, idleConns)
	servers := make([]*net.TCPConn, idleConns)
	for i := range clients {
		clients[i], servers[i] = pairOn(b, ln)
	}
	w := newWatcher(b)
	one := []byte{1}
	var reading atomic.Int64 // goroutines of Read4KiB about to read

	for _, mode := range []struct {
		name string
		wait func(s *net.TCPConn, done chan<- struct{})
	}{
		{"Notify", func(s *net.TCPConn, done chan<- struct{}) {
			if err := w.Notify(s, func(error) { done <- struct{}{} }); err != nil {
				b.Fatal(err)
			}
		}},
		{"WaitReadable", func(s *net.TCPConn, done chan<- struct{}) {
			go func() {
				w.WaitReadable(context.Background(), s)
				done <- struct{}{}
			}()
		}},
		{"Read4KiB", func(s *net.TCPConn, done chan<- struct{}) {
			go func() {
				buf := make([]byte, 4096)
				reading.Add(1)
				s.Read(buf)
				done <- struct{}{}
			}()
		}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var total float64
			done := make(chan struct{}, idleConns)
			for b.Loop() {
				before := goMemory()
				for _, s := range servers {
					mode.wait(s, done)
				}
				// Measure once every connection waits.
				for w.Parked() < idleConns && mode.name == "WaitReadable" {
					runtime.Gosched()
				}
				for reading.Load() < idleConns && mode.name == "Read4KiB" {
					runtime.Gosched()
				}
				total += float64(goMemory()-before) / idleConns
				for _, c := range clients {
					c.Write(one)
				}
				for range idleConns {
					<-done
				}
				reading.Store(0)
				buf := make([]byte, 1)
				for _, s := range servers {
					if mode.name != "Read4KiB" {
						s.Read(buf)
					}
				}
			}
			b.ReportMetric(total/float64(b.N), "B/idle-conn")
		})
	}
}

// goMemory is the memory of Go's heap in use and of goroutine stacks,
// after a collection.
func goMemory() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}
