package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// RoundTrips has each of conns, open to an echo server, do rounds
// MessageSize-byte round trips, all connections at once, and checks every
// echo. It is for counting what a fixed number of messages costs the
// server, where Echo measures how many fit in a time.
func RoundTrips(ctx context.Context, conns []net.Conn, rounds int) error {
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetDeadline(time.Now())
		}
	})
	defer stop()
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		runErr  error
	)
	for i, c := range conns {
		wg.Go(func() {
			rt := echoExchange(c, uint64(i))
			for range rounds {
				if err := rt(0); err != nil {
					errOnce.Do(func() { runErr = fmt.Errorf("round trips: connection %d: %w", i, err) })
					return
				}
			}
		})
	}
	wg.Wait()
	if runErr == nil && ctx.Err() != nil {
		runErr = fmt.Errorf("round trips: %w", ctx.Err())
	}
	return runErr
}
