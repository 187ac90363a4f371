// Command client drives an echo server (examples/echo) with Go's standard
// library only, and checks every byte of every answer.
//
// Usage:
//
//	client [-tcp addr] [-udp addr] [-conns n] [-rounds n] [-timeout d]
//
// Over -conns TCP connections at once, each sends -rounds rounds of
// messages of several sizes (1 byte to 1 MiB) and reads each echo back
// while it writes; over -conns UDP sockets, each sends datagrams of
// several sizes (1 byte to 8 KiB) and waits for each reply, resending a
// datagram that got none (UDP may lose it) up to three times. An address
// is host:port, with or without the tcp:// or udp:// that the server
// prints; an empty one skips that half. The client prints one line per
// network on success and exits with status 1 on any mismatch, error or
// lost datagram, or when the whole run has not finished within -timeout.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "echo client:", err)
		os.Exit(1)
	}
}

// Message sizes: from one byte to more than a socket buffer holds, so
// that the server's buffering of pending output is exercised too.
var (
	tcpSizes = []int{1, 7, 64, 1000, 4096, 16 << 10, 65 << 10, 1 << 20}
	udpSizes = []int{1, 7, 64, 512, 1400, 8 << 10}
)

// udpWait is how long a datagram's reply is awaited before it is sent
// again, and udpTries how many times it is sent in all.
const (
	udpWait  = time.Second
	udpTries = 3
)

// A tally counts what one network's clients checked.
type tally struct {
	messages atomic.Int64
	bytes    atomic.Int64
	resent   atomic.Int64
}

// run parses args, drives the server and reports to out.
func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	var (
		tcp     = fs.String("tcp", "127.0.0.1:7007", "TCP `address` of the echo server (empty: none)")
		udp     = fs.String("udp", "127.0.0.1:7007", "UDP `address` of the echo server (empty: none)")
		conns   = fs.Int("conns", 20, "TCP connections and UDP sockets, each")
		rounds  = fs.Int("rounds", 2, "rounds of every message size per connection or socket")
		timeout = fs.Duration("timeout", 20*time.Second, "fail if the run takes longer than this")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *conns < 1 || *rounds < 1 {
		return errors.New("-conns and -rounds must be at least 1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	for _, n := range []struct {
		name, addr string
		client     func(ctx context.Context, addr string, seed uint64, rounds int, t *tally) error
	}{
		{"tcp", strings.TrimPrefix(*tcp, "tcp://"), tcpClient},
		{"udp", strings.TrimPrefix(*udp, "udp://"), udpClient},
	} {
		if n.addr == "" {
			continue
		}
		start := time.Now()
		var t tally
		if err := together(*conns, func(i int) error {
			return n.client(ctx, n.addr, uint64(i), *rounds, &t)
		}); err != nil {
			return fmt.Errorf("%s %s: %w", n.name, n.addr, err)
		}
		fmt.Fprintf(out, "echo client: %s %s: %d sockets, %d messages, %d bytes echoed intact", n.name, n.addr,
			*conns, t.messages.Load(), t.bytes.Load())
		if r := t.resent.Load(); r > 0 {
			fmt.Fprintf(out, " (%d datagrams resent)", r)
		}
		fmt.Fprintf(out, " in %v\n", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// together runs f for n clients at once and returns the first error.
func together(n int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for i := range n {
		wg.Go(func() {
			if err := f(i); err != nil {
				once.Do(func() { first = fmt.Errorf("client %d: %w", i, err) })
			}
		})
	}
	wg.Wait()
	return first
}

// fill fills b with bytes of r.
func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// tcpClient sends rounds of messages of every size over one connection,
// writing each while it reads the echo back, and compares them.
func tcpClient(ctx context.Context, addr string, seed uint64, rounds int, t *tally) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]byte, tcpSizes[len(tcpSizes)-1])
	in := make([]byte, len(out))
	for round := range rounds {
		for _, size := range tcpSizes {
			fill(r, out[:size])
			werr := make(chan error, 1)
			go func() {
				_, err := c.Write(out[:size])
				werr <- err
			}()
			_, rerr := io.ReadFull(c, in[:size])
			if err := <-werr; err != nil {
				return fmt.Errorf("round %d, %d bytes: write: %w", round, size, err)
			}
			if rerr != nil {
				return fmt.Errorf("round %d, %d bytes: read: %w", round, size, rerr)
			}
			if i := firstDiff(in[:size], out[:size]); i >= 0 {
				return fmt.Errorf("round %d, %d bytes: the echo differs from byte %d on", round, size, i)
			}
			t.messages.Add(1)
			t.bytes.Add(int64(size))
		}
	}
	return nil
}

// udpClient sends rounds of datagrams of every size from one socket and
// waits for each one's reply, resending after udpWait.
func udpClient(ctx context.Context, addr string, seed uint64, rounds int, t *tally) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	r := rand.New(rand.NewPCG(seed, 11))
	var prev []byte                                 // the datagram before, while its duplicates may come
	in := make([]byte, udpSizes[len(udpSizes)-1]+1) // a longer reply shows as one
	for round := range rounds {
		for _, size := range udpSizes {
			msg := make([]byte, size)
			fill(r, msg)
			sends, err := exchange(ctx, c, msg, prev, in)
			if err != nil {
				return fmt.Errorf("round %d, %d bytes: %w", round, size, err)
			}
			prev = nil
			if sends > 1 {
				prev = msg
				t.resent.Add(int64(sends - 1))
			}
			t.messages.Add(1)
			t.bytes.Add(int64(size))
		}
	}
	return nil
}

// exchange sends msg over c until its reply arrives, at most udpTries
// times, and returns how many times it sent it. A late reply to a resent
// earlier datagram, prev, is skipped; any other reply that is not msg is
// a mismatch.
func exchange(ctx context.Context, c net.Conn, msg, prev, in []byte) (int, error) {
	for try := 1; try <= udpTries; try++ {
		if _, err := c.Write(msg); err != nil {
			return try, fmt.Errorf("send: %w", err)
		}
		wait := time.Now().Add(udpWait)
		if dl, ok := ctx.Deadline(); ok && dl.Before(wait) {
			wait = dl
		}
		c.SetReadDeadline(wait)
		n, err := c.Read(in)
		for err == nil && prev != nil && bytes.Equal(in[:n], prev) {
			n, err = c.Read(in)
		}
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			if ctx.Err() != nil {
				return try, fmt.Errorf("no reply: %w", ctx.Err())
			}
			continue
		case err != nil:
			return try, fmt.Errorf("receive: %w", err)
		case n != len(msg):
			return try, fmt.Errorf("a reply of %d bytes", n)
		case !bytes.Equal(in[:n], msg):
			return try, fmt.Errorf("the reply differs from byte %d on", firstDiff(in[:n], msg))
		}
		return try, nil
	}
	return udpTries, fmt.Errorf("no reply to %d sends", udpTries)
}

// firstDiff returns the index of the first byte where a and b (of the
// same length) differ, or -1.
func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
