package load

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServer runs a goroutine-per-connection server on loopback that
// handles each connection with serve, until the test ends.
func startServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	})
	return ln.Addr().String()
}

func echoServe(c net.Conn) { io.Copy(c, c) }

func TestEcho(t *testing.T) {
	addr := startServer(t, echoServe)
	var opened, accepted int
	res, err := Echo(context.Background(), EchoConfig{
		Addr: addr, Conns: 20, Warmup: 20 * time.Millisecond, Duration: 200 * time.Millisecond,
		Progress: func(n int) { opened = n },
		Accepted: func(context.Context) error { accepted = opened; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if opened != 20 || accepted != 20 {
		t.Errorf("last progress call reported %d connections opened, %d when Accepted was called; want 20", opened, accepted)
	}
	if res.Served != 20 {
		t.Errorf("Served = %d, want all 20 connections", res.Served)
	}
	if res.RoundTrips == 0 || res.Latency.Count() != res.RoundTrips {
		t.Errorf("RoundTrips = %d, latency samples = %d: want equal and > 0", res.RoundTrips, res.Latency.Count())
	}
	if got, want := res.Throughput(), float64(res.RoundTrips)/0.2; got != want {
		t.Errorf("Throughput = %v, want %v", got, want)
	}
	if p50, p99 := res.Latency.Quantile(0.5), res.Latency.Quantile(0.99); p50 <= 0 || p99 < p50 {
		t.Errorf("p50 = %v, p99 = %v", p50, p99)
	}
}

func TestEchoDetectsWrongBytes(t *testing.T) {
	// A server that echoes, but damages every 10th byte after a while.
	addr := startServer(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		for total := 0; ; {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			for i := range n {
				if total += 1; total > 1000 && total%10 == 0 {
					buf[i] ^= 0xff
				}
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	})
	_, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 2, Duration: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "echo differs") {
		t.Fatalf("Echo against a damaging server: err = %v, want a mismatch", err)
	}
}

func TestEchoAcceptedFails(t *testing.T) {
	addr := startServer(t, echoServe)
	errNotAll := errors.New("not all accepted")
	_, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 2, Duration: time.Second,
		Accepted: func(context.Context) error { return errNotAll }})
	if !errors.Is(err, errNotAll) {
		t.Fatalf("Echo with a failing Accepted: err = %v, want its error", err)
	}
}

func TestEchoServerThatHangsUp(t *testing.T) {
	addr := startServer(t, func(c net.Conn) {})
	_, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 3, Duration: 2 * time.Second})
	// EOF, or a reset if the message arrived after the close.
	if err == nil || !strings.Contains(err.Error(), "echo: connection ") {
		t.Fatalf("Echo against a server that closes: err = %v, want the connection's error", err)
	}
}

func TestEchoStarvedConnectionsAreNotServed(t *testing.T) {
	// A server that answers only the first connection it accepts.
	var once sync.Once
	addr := startServer(t, func(c net.Conn) {
		first := false
		once.Do(func() { first = true })
		if first {
			echoServe(c)
			return
		}
		io.Copy(io.Discard, c)
	})
	res, err := Echo(context.Background(), EchoConfig{Addr: addr, Conns: 5, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Served != 1 {
		t.Errorf("Served = %d, want 1", res.Served)
	}
}

func TestStream(t *testing.T) {
	addr := startServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	res, err := Stream(context.Background(), addr, 10*time.Millisecond, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes < StreamChunk || res.Elapsed < 100*time.Millisecond || res.MBps() <= 0 {
		t.Errorf("Stream: %d bytes in %v (%.1f MB/s)", res.Bytes, res.Elapsed, res.MBps())
	}
}

func TestChurn(t *testing.T) {
	addr := startServer(t, echoServe)
	res, err := Churn(context.Background(), addr, 4, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Conns == 0 || res.PerSecond() <= 0 {
		t.Errorf("Churn: %d connections in %v", res.Conns, res.Elapsed)
	}
}

func TestOpenIdle(t *testing.T) {
	var mu sync.Mutex
	accepted := 0
	addr := startServer(t, func(c net.Conn) {
		mu.Lock()
		accepted++
		mu.Unlock()
		echoServe(c)
	})
	conns, err := OpenIdle(context.Background(), addr, 150, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer CloseAll(conns)
	mu.Lock()
	defer mu.Unlock()
	if len(conns) != 150 || accepted != 150 {
		t.Errorf("OpenIdle returned %d connections, server accepted %d; want 150", len(conns), accepted)
	}
}

func TestDialAllFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := DialAll(context.Background(), addr, 10, nil); err == nil {
		t.Fatal("DialAll to a closed port succeeded")
	}
}

func TestRoundTrips(t *testing.T) {
	var mu sync.Mutex
	received := 0
	addr := startServer(t, func(c net.Conn) {
		buf := make([]byte, MessageSize)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			mu.Lock()
			received++
			mu.Unlock()
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	conns, err := DialAll(context.Background(), addr, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer CloseAll(conns)
	if err := RoundTrips(context.Background(), conns, 11); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if received != 7*11 {
		t.Errorf("server received %d messages, want 77", received)
	}
}
