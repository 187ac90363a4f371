package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// OpenIdle opens n connections to an echo server and completes one
// MessageSize-byte round trip on each, so that the server has surely
// accepted and served all of them, then returns them open and idle; the
// caller closes them. progress, if not nil, gets the number of
// connections opened, then the number checked, n at the end of each.
func OpenIdle(ctx context.Context, addr string, n int, progress func(stage string, done int)) ([]net.Conn, error) {
	return Client{}.OpenIdle(ctx, addr, n, progress)
}

// OpenIdle is OpenIdle with the client's connections and round trip.
func (cl Client) OpenIdle(ctx context.Context, addr string, n int, progress func(stage string, done int)) ([]net.Conn, error) {
	var dialProgress func(int)
	if progress != nil {
		dialProgress = func(d int) { progress("opened", d) }
	}
	conns, err := cl.DialAll(ctx, addr, n, dialProgress)
	if err != nil {
		return nil, fmt.Errorf("idle: %w", err)
	}
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetDeadline(time.Now())
		}
	})
	defer stop()
	// Round trips run dialParallel at a time: enough to keep the server
	// busy, few enough not to need thousands of goroutines.
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		runErr  error
		checked atomic.Int64
		sem     = make(chan struct{}, dialParallel)
	)
	for i, c := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := cl.exchange(c, uint64(i))(0); err != nil {
				errOnce.Do(func() { runErr = fmt.Errorf("idle: connection %d: %w", i, err) })
				return
			}
			checked.Add(1)
		})
		if progress != nil && (i+1)%1000 == 0 {
			progress("checked", int(checked.Load()))
		}
	}
	wg.Wait()
	if runErr == nil && ctx.Err() != nil {
		runErr = fmt.Errorf("idle: %w", ctx.Err())
	}
	if runErr != nil {
		closeAll(conns)
		return nil, runErr
	}
	if progress != nil {
		progress("checked", n)
	}
	return conns, nil
}

// CloseAll closes the connections of OpenIdle.
func CloseAll(conns []net.Conn) { closeAll(conns) }
