package main

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/goafd/afd/internal/sock"
)

// links are the socket pairs that bounce the messages: sockets 2i and
// 2i+1 form a pair, and what one sends the other receives.
type links struct {
	h []sock.Handle
	// addr holds each socket's address for UDP, nil for TCP, whose
	// sockets are connected to their peers.
	addr []netip.AddrPort
}

// openUDP binds 2*pairs UDP sockets to loopback ports.
func openUDP(pairs int) (*links, error) {
	l := &links{h: make([]sock.Handle, 0, 2*pairs), addr: make([]netip.AddrPort, 0, 2*pairs)}
	for range 2 * pairs {
		s, a, err := sock.Bind(sock.UDP4)
		if err != nil {
			l.close()
			return nil, err
		}
		l.h, l.addr = append(l.h, s), append(l.addr, a)
	}
	return l, nil
}

// openTCP connects pairs TCP pairs over loopback, with Nagle's algorithm
// off as a request-response protocol has it.
func openTCP(pairs int) (*links, error) {
	l := &links{h: make([]sock.Handle, 0, 2*pairs)}
	for range pairs {
		c, s, err := sock.Pair(sock.TCP4)
		if err != nil {
			l.close()
			return nil, err
		}
		l.h = append(l.h, c, s)
		for _, h := range []sock.Handle{c, s} {
			if err := sock.SetNoDelay(h, true); err != nil {
				l.close()
				return nil, err
			}
		}
	}
	return l, nil
}

// ping is the message each pair bounces.
var ping = []byte("ping")

// serve puts one message in flight in each pair: the first socket of
// each sends to the second.
func (l *links) serve() error {
	for i := 0; i < len(l.h); i += 2 {
		if err := l.send(i, ping); err != nil {
			return err
		}
	}
	return nil
}

// bounce receives on socket i and sends what it got to i's peer. It
// reports false when there was nothing to receive. The calls are the
// allocation-free ones of an event loop.
func (l *links) bounce(i int, buf []byte) (bool, error) {
	var m int
	var err error
	if l.addr != nil {
		m, _, err = sock.RecvDatagram(l.h[i], buf)
	} else {
		m, err = sock.Recv(l.h[i], buf)
		if err == nil && m == 0 {
			return false, errors.New("tcp: the peer closed the connection")
		}
	}
	if sock.WouldBlock(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("receive: %w", err)
	}
	if err := l.send(i, buf[:m]); err != nil {
		return false, err
	}
	return true, nil
}

// send sends p from socket i to its peer, socket i^1.
func (l *links) send(i int, p []byte) error {
	var err error
	if l.addr != nil {
		err = sock.SendDatagram(l.h[i], p, l.addr[i^1])
	} else {
		var m int
		m, err = sock.Send(l.h[i], p)
		if err == nil && m < len(p) {
			err = fmt.Errorf("short write: %d of %d bytes", m, len(p))
		}
	}
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// close closes every socket.
func (l *links) close() {
	for _, h := range l.h {
		sock.Close(h)
	}
}
