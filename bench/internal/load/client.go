package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
)

// A Client is what a workload's connections speak: how one is opened and
// what one round trip on it is. The zero Client is plain TCP with the
// MessageSize-byte echo.
type Client struct {
	// Dial opens a connection to addr; nil: TCP.
	Dial Dialer
	// Exchange returns the round trip of connection c, the id-th of its
	// workload; nil: the echo of one MessageSize-byte message.
	Exchange func(c net.Conn, id uint64) RoundTrip
}

// A Dialer opens one connection to addr.
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// A RoundTrip does the seq-th round trip of its connection and checks the
// answer: an error means the connection or the server failed.
type RoundTrip func(seq uint64) error

// dial opens a connection with the client's Dialer, TCP by default,
// bounded by dialTimeout.
func (cl Client) dial(ctx context.Context, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if cl.Dial == nil {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	return cl.Dial(ctx, addr)
}

// exchange returns the round trip of connection c, the echo by default.
func (cl Client) exchange(c net.Conn, id uint64) RoundTrip {
	if cl.Exchange == nil {
		return echoExchange(c, id)
	}
	return cl.Exchange(c, id)
}

// echoExchange is the round trip of the echo workloads: a MessageSize
// message, its echo read whole and compared.
func echoExchange(c net.Conn, id uint64) RoundTrip {
	msg := make([]byte, MessageSize)
	echo := make([]byte, MessageSize)
	return func(seq uint64) error {
		fillMessage(msg, id, seq)
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, echo); err != nil {
			return err
		}
		if !bytes.Equal(msg, echo) {
			return mismatchError(id, seq, msg, echo)
		}
		return nil
	}
}

// TLS dials TCP and completes a TLS handshake with crypto/tls's client
// defaults (TLS 1.3 where the server has it), without verifying the
// server's certificate (the servers' is self-signed) and without a
// session cache: every connection does a full handshake.
func TLS(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return tc, nil
}
