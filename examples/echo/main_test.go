package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goafd/afd/examples/internal/servertest"
	"github.com/goafd/afd/internal/sock"
)

// start runs the command in this process with args and returns the
// addresses it printed, by network, and a function that stops it and
// returns run's error.
func start(t *testing.T, args ...string) (map[string][]netip.AddrPort, func() error) {
	t.Helper()
	return servertest.StartN(t, "echo", run, strings.Count(strings.Join(args, " "), "://"), args...)
}

// TestTCP: 200 concurrent connections of Go's net, each with round trips
// of random sizes, on IPv4 and (where there is one) IPv6.
func TestTCP(t *testing.T) {
	args := []string{"-tcp", "tcp://127.0.0.1:0", "-udp", "", "-loops", "3"}
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		l.Close()
		args[1] += ",tcp6://[::1]:0"
	}
	addrs, stop := start(t, args...)
	for _, ap := range addrs["tcp"] {
		const conns = 200
		errs := make(chan error, conns)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Go(func() { errs <- echoTCP(ap.String(), uint64(i)) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("%v: %v", ap, err)
			}
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func echoTCP(addr string, seed uint64) error {
	c, err := net.DialTimeout("tcp", addr, servertest.Timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(servertest.Timeout))
	r := rand.New(rand.NewPCG(seed, 2))
	for round := range 5 {
		msg := make([]byte, 1+r.IntN(20000))
		for i := range msg {
			msg[i] = byte(r.Uint32())
		}
		if _, err := c.Write(msg); err != nil {
			return err
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("round %d: %w", round, err)
		}
		if !bytes.Equal(got, msg) {
			return fmt.Errorf("round %d: echo differs", round)
		}
	}
	return nil
}

// TestUDP: datagrams from Go's net, or, under Wine, where Go's net cannot
// make UDP sockets (WSAIoctl(SIO_UDP_NETRESET) is not supported, see
// WINE.md), from sockets of the project's own.
func TestUDP(t *testing.T) {
	addrs, stop := start(t, "-tcp", "", "-udp", "udp://127.0.0.1:0")
	server := addrs["udp"][0]
	if underWine() {
		t.Log("Go's net UDP fails under Wine 8.0: using internal/sock for the client")
		udpWithSock(t, server)
	} else {
		udpWithNet(t, server)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func udpWithNet(t *testing.T, server netip.AddrPort) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(server))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 65536)
	for i := range 100 {
		msg := bytes.Repeat([]byte{byte(i)}, 1+i*97)
		var n int
		for range 10 { // a datagram may be lost: send again
			c.Write(msg)
			c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			if n, err = c.Read(buf); err == nil {
				break
			}
		}
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("datagram %d: %d bytes, %v", i, n, err)
		}
	}
}

func udpWithSock(t *testing.T, server netip.AddrPort) {
	h, _, err := sock.BindOn(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close(h)
	buf := make([]byte, 65536)
	for i := range 100 {
		msg := bytes.Repeat([]byte{byte(i)}, 1+i*97)
		var (
			n    int
			from netip.AddrPort
		)
		for range 10 {
			if err = sock.SendDatagram(h, msg, server); err != nil {
				t.Fatal(err)
			}
			if err = sock.WaitReadable(h, 500*time.Millisecond); err == nil {
				n, from, err = sock.RecvDatagram(h, buf)
				break
			}
		}
		if err != nil || from != server || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("datagram %d: %d bytes from %v, %v", i, n, from, err)
		}
	}
}

// TestBadFlags: what run refuses.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-tcp", "", "-udp", ""},
		{"-tcp", "bogus://1.2.3.4:5"},
		{"-nosuchflag"},
		{"extra"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
