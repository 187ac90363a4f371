package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// wsGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocket is the client of the WebSocket workloads: a TCP connection
// upgraded by an HTTP/1.1 handshake (RFC 6455, checked: 101 and the
// Sec-WebSocket-Accept of its key), then binary messages of MessageSize
// bytes, masked as a client's must be, that the server echoes in one
// unmasked frame each.
func WebSocket() Client {
	return Client{Dial: wsDial, Exchange: wsExchange}
}

// wsDial opens a TCP connection to addr and upgrades it, within ctx.
func wsDial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if err := wsHandshake(c, addr); err != nil {
		c.Close()
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// wsHandshake sends the upgrade request on c and checks the answer.
func wsHandshake(c net.Conn, host string) error {
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	// The server sends nothing after its answer until a message comes:
	// what the reader buffers is the answer alone.
	br := bufio.NewReaderSize(c, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		return fmt.Errorf("status %s, want 101: %w", resp.Status, ErrWrongAnswer)
	case resp.Header.Get("Sec-Websocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]):
		return fmt.Errorf("Sec-WebSocket-Accept %q: %w", resp.Header.Get("Sec-Websocket-Accept"), ErrWrongAnswer)
	case br.Buffered() > 0:
		return fmt.Errorf("%d bytes after the 101 answer: %w", br.Buffered(), ErrWrongAnswer)
	}
	return nil
}

// wsExchange is the round trip of the WebSocket workloads: a binary
// message, its echo read whole and compared.
func wsExchange(c net.Conn, id uint64) RoundTrip {
	msg := make([]byte, MessageSize)
	// A frame of MessageSize (< 126) bytes: 2 bytes of header, the mask
	// and the masked payload.
	frame := make([]byte, 2+4+MessageSize)
	frame[0] = 0x82 // FIN, binary
	frame[1] = 0x80 | MessageSize
	binary.LittleEndian.PutUint32(frame[2:6], uint32(id*2654435761+1))
	echo := make([]byte, 2+MessageSize)
	return func(seq uint64) error {
		fillMessage(msg, id, seq)
		mask := frame[2:6]
		for i, b := range msg {
			frame[6+i] = b ^ mask[i%4]
		}
		if _, err := c.Write(frame); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, echo); err != nil {
			return err
		}
		if echo[0] != 0x82 || echo[1] != MessageSize {
			return fmt.Errorf("connection %d, message %d: frame header % x, want 82 %02x: %w", id, seq, echo[:2], MessageSize, ErrWrongAnswer)
		}
		if !bytes.Equal(echo[2:], msg) {
			return fmt.Errorf("connection %d, message %d: the echo differs: %w", id, seq, ErrWrongAnswer)
		}
		return nil
	}
}
