package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// StreamChunk is the size of the stream workload's writes.
const StreamChunk = 64 << 10

// StreamResult is what a stream run measured.
type StreamResult struct {
	Bytes   int64
	Elapsed time.Duration
}

// MBps returns the throughput in megabytes (10^6 bytes) per second.
func (r *StreamResult) MBps() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) / 1e6 / r.Elapsed.Seconds()
}

// Stream writes StreamChunk-byte chunks on one connection to a sink
// server for warmup, then counts the bytes written in the next duration.
func Stream(ctx context.Context, addr string, warmup, duration time.Duration) (*StreamResult, error) {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()

	chunk := make([]byte, StreamChunk)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	if err := writeUntil(c, chunk, time.Now().Add(warmup), nil); err != nil {
		return nil, fmt.Errorf("stream: warm-up: %w", err)
	}
	res := &StreamResult{}
	start := time.Now()
	err = writeUntil(c, chunk, start.Add(duration), &res.Bytes)
	res.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("stream: %w", ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	return res, nil
}

// writeUntil writes chunk to c over and over until the deadline, adding
// the bytes written to *total if total is not nil. Reaching the deadline
// is not an error.
func writeUntil(c net.Conn, chunk []byte, deadline time.Time, total *int64) error {
	if err := c.SetWriteDeadline(deadline); err != nil {
		return err
	}
	for {
		n, err := c.Write(chunk)
		if total != nil {
			*total += int64(n)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
