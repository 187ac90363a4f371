package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A peer is one socket of a pair: it receives a message and sends it
// back to the other socket of its pair.
type peer interface {
	// receive receives a message into buf.
	receive(buf []byte) (int, error)
	// send sends p to the other socket of the pair.
	send(p []byte) error
	io.Closer
}

// ping is the message each pair bounces.
var ping = []byte("ping")

// bounce runs a goroutine per peer, each receiving and sending back,
// until n events were handled in all, then closes the peers. Peers 2i
// and 2i+1 form a pair. It returns the time and the number of heap
// allocations from the first send to the last event. Messages received
// after the nth are not sent back, so that a run makes n events'
// system calls however the goroutines are scheduled at the end.
func bounce(peers []peer, n int) (time.Duration, uint64, error) {
	var (
		done     atomic.Int64
		finished = make(chan struct{})
		once     sync.Once
		failure  error
		wg       sync.WaitGroup
	)
	stop := func(err error) {
		once.Do(func() {
			failure = err
			close(finished)
		})
	}
	for _, p := range peers {
		wg.Go(func() {
			buf := make([]byte, 64)
			for {
				m, err := p.receive(buf)
				if err != nil {
					stop(err)
					return
				}
				if k := done.Add(1); k >= int64(n) {
					if k == int64(n) {
						stop(nil)
					}
					return
				}
				if err := p.send(buf[:m]); err != nil {
					stop(err)
					return
				}
			}
		})
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	start := time.Now()
	for i := 0; i < len(peers); i += 2 {
		if err := peers[i].send(ping); err != nil {
			stop(err)
		}
	}
	select {
	case <-finished:
	case <-time.After(time.Minute):
		stop(fmt.Errorf("only %d events in a minute", done.Load()))
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms)
	mallocs = ms.Mallocs - mallocs
	for _, p := range peers {
		p.Close() // ends the goroutines' receives
	}
	wg.Wait()
	return elapsed, mallocs, failure
}

// udpPeer is a UDP socket that sends to its peer's address.
type udpPeer struct {
	c  *net.UDPConn
	to netip.AddrPort
}

func (p *udpPeer) receive(buf []byte) (int, error) {
	m, _, err := p.c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return 0, fmt.Errorf("udp receive: %w", err)
	}
	return m, nil
}

func (p *udpPeer) send(b []byte) error {
	if _, err := p.c.WriteToUDPAddrPort(b, p.to); err != nil {
		return fmt.Errorf("udp send: %w", err)
	}
	return nil
}

func (p *udpPeer) Close() error { return p.c.Close() }

// openUDP binds 2*pairs UDP sockets to loopback ports.
func openUDP(pairs int) ([]peer, error) {
	conns := make([]*net.UDPConn, 0, 2*pairs)
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	for range 2 * pairs {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			closeAll()
			return nil, err
		}
		conns = append(conns, c)
	}
	peers := make([]peer, len(conns))
	for i, c := range conns {
		peers[i] = &udpPeer{c: c, to: conns[i^1].LocalAddr().(*net.UDPAddr).AddrPort()}
	}
	return peers, nil
}

// tcpPeer is one end of a TCP connection.
type tcpPeer struct{ c net.Conn }

func (p *tcpPeer) receive(buf []byte) (int, error) {
	m, err := p.c.Read(buf)
	if err != nil {
		return 0, fmt.Errorf("tcp receive: %w", err)
	}
	return m, nil
}

func (p *tcpPeer) send(b []byte) error {
	if _, err := p.c.Write(b); err != nil {
		return fmt.Errorf("tcp send: %w", err)
	}
	return nil
}

func (p *tcpPeer) Close() error { return p.c.Close() }

// openTCP connects pairs TCP connections over loopback (Go's net turns
// Nagle's algorithm off).
func openTCP(pairs int) ([]peer, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	peers := make([]peer, 0, 2*pairs)
	for range pairs {
		c, err := net.Dial("tcp4", l.Addr().String())
		if err == nil {
			var s net.Conn
			s, err = l.Accept()
			if err == nil {
				peers = append(peers, &tcpPeer{c}, &tcpPeer{s})
				continue
			}
			c.Close()
		}
		for _, p := range peers {
			p.Close()
		}
		return nil, fmt.Errorf("connect: %w", err)
	}
	return peers, nil
}
