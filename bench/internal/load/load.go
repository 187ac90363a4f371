// Package load is afdbench's client: the workloads it drives against a
// contender's server over loopback. It uses Go's net, one goroutine per
// connection, the same for every contender, so that differences in the
// figures come from the servers.
package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// MessageSize is the size of the echo workloads' messages.
const MessageSize = 64

// dialParallel bounds the connection attempts in flight, so that opening
// thousands of connections does not overflow the server's accept queue.
const dialParallel = 64

// dialTimeout bounds one connection attempt. Under Wine a server that
// accepts thousands of connections can be slow to take the next one.
const dialTimeout = 30 * time.Second

// DialAll opens n TCP connections to addr, at most dialParallel at a time,
// and calls progress (if not nil) with the number opened so far, from one
// goroutine at a time, and with n at the end. On error it closes the connections it opened.
func DialAll(ctx context.Context, addr string, n int, progress func(done int)) ([]net.Conn, error) {
	return Client{}.DialAll(ctx, addr, n, progress)
}

// DialAll is DialAll with the client's Dialer.
func (cl Client) DialAll(ctx context.Context, addr string, n int, progress func(done int)) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	var (
		next atomic.Int64
		done atomic.Int64
		mu   sync.Mutex // serializes progress calls
		wg   sync.WaitGroup
		errs = make(chan error, 1)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(n, dialParallel) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := cl.dial(ctx, addr)
				if err != nil {
					select {
					case errs <- fmt.Errorf("dial connection %d of %d: %w", i+1, n, err):
					default:
					}
					cancel()
					return
				}
				conns[i] = c
				d := int(done.Add(1))
				if progress != nil && mu.TryLock() {
					progress(d)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		closeAll(conns)
		return nil, err
	default:
		if progress != nil {
			progress(n)
		}
		return conns, nil
	}
}

// closeAll closes the connections that are not nil.
func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
