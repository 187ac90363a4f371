package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ChurnResult is what a churn run measured.
type ChurnResult struct {
	// Conns completed (connect, one round trip, close) in Elapsed.
	Conns   uint64
	Elapsed time.Duration
}

// PerSecond returns the connections completed per second.
func (r *ChurnResult) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Conns) / r.Elapsed.Seconds()
}

// Churn runs workers goroutines for duration; each connects to an echo
// server, does one MessageSize-byte round trip, checks it, closes, and
// starts over. A failed connection or a wrong echo is an error.
func Churn(ctx context.Context, addr string, workers int, duration time.Duration) (*ChurnResult, error) {
	return Client{}.Churn(ctx, addr, workers, duration)
}

// Churn is Churn with the client's connections and round trip: with TLS,
// every connection does a full handshake.
func (cl Client) Churn(ctx context.Context, addr string, workers int, duration time.Duration) (*ChurnResult, error) {
	// A timer, not a context deadline: the dialer would apply the
	// deadline itself and could fail a dial before ctx reports the end.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.AfterFunc(duration, cancel)
	defer timer.Stop()
	var (
		total   atomic.Uint64
		wg      sync.WaitGroup
		errOnce sync.Once
		runErr  error
	)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			if err := cl.churnWorker(ctx, addr, uint64(w), &total); err != nil {
				errOnce.Do(func() { runErr = err })
				cancel()
			}
		})
	}
	wg.Wait()
	if runErr != nil {
		return nil, fmt.Errorf("churn: %w", runErr)
	}
	return &ChurnResult{Conns: total.Load(), Elapsed: time.Since(start)}, nil
}

// churnWorker is one churn goroutine. It returns nil when ctx ends.
func (cl Client) churnWorker(ctx context.Context, addr string, id uint64, total *atomic.Uint64) error {
	for seq := uint64(0); ; seq++ {
		err := cl.churnOnce(ctx, addr, id, seq)
		if ctx.Err() != nil {
			return nil // the run is over; the last attempt does not count
		}
		if err != nil {
			return fmt.Errorf("worker %d, connection %d: %w", id, seq, err)
		}
		total.Add(1)
	}
}

// churnOnce connects, does the seq-th round trip of worker id, and
// closes.
func (cl Client) churnOnce(ctx context.Context, addr string, id, seq uint64) error {
	c, err := cl.dial(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	return cl.exchange(c, id)(seq)
}
