package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// EchoConfig describes an echo run.
type EchoConfig struct {
	Addr  string
	Conns int
	// Client is what the connections speak; the zero Client is the
	// plain echo.
	Client Client
	// Warmup runs before the measured window, Duration is its length.
	Warmup, Duration time.Duration
	// Progress, if not nil, is called while the connections are opened
	// (see DialAll).
	Progress func(opened int)
	// Accepted, if not nil, is called once the connections are open,
	// before the warm-up: it returns when the server has accepted them
	// all, so that the window measures serving, not accepting, and an
	// error to stop the run.
	Accepted func(ctx context.Context) error
	// Window, if not nil, is called as the measured window starts (true)
	// and as it ends (false), on Echo's goroutine; the connections run
	// on meanwhile. A server's CPU time read at both gives its cost per
	// round trip.
	Window func(start bool)
}

// EchoResult is what an echo run measured.
type EchoResult struct {
	// RoundTrips completed within the measured window, over Elapsed.
	RoundTrips uint64
	Elapsed    time.Duration
	// Served is how many connections completed at least one round trip
	// within the window: a server that starves connections serves few.
	Served int
	// Latency holds the round trips of the window, from write to the
	// last byte of the echo.
	Latency Histogram
}

// Throughput returns the round trips per second.
func (r *EchoResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.RoundTrips) / r.Elapsed.Seconds()
}

// echoConn is one connection's share of an echo run.
type echoConn struct {
	latency    Histogram
	roundTrips uint64
}

// Echo opens cfg.Conns connections to an echo server; each sends a
// MessageSize-byte message, waits for the whole echo, checks it, and
// repeats, until the end of the measured window. A wrong echo, or a
// connection error before the window ends, is an error: the server is
// broken. Connections still waiting at the end are not.
func Echo(ctx context.Context, cfg EchoConfig) (*EchoResult, error) {
	conns, err := cfg.Client.DialAll(ctx, cfg.Addr, cfg.Conns, cfg.Progress)
	if err != nil {
		return nil, fmt.Errorf("echo: %w", err)
	}
	defer closeAll(conns)
	if cfg.Accepted != nil {
		if err := cfg.Accepted(ctx); err != nil {
			return nil, fmt.Errorf("echo: %w", err)
		}
	}

	start := time.Now().Add(cfg.Warmup)
	end := start.Add(cfg.Duration)
	var (
		stopped atomic.Bool
		wg      sync.WaitGroup
		errOnce sync.Once
		runErr  error
		failed  = make(chan struct{})
	)
	stop := func() {
		stopped.Store(true)
		for _, c := range conns {
			c.SetDeadline(time.Now()) // wake the connections still waiting
		}
	}
	fail := func(err error) {
		errOnce.Do(func() {
			runErr = err
			close(failed)
		})
		stop()
	}
	shares := make([]echoConn, len(conns))
	for i, c := range conns {
		wg.Go(func() {
			if err := shares[i].run(cfg.Client.exchange(c, uint64(i)), uint64(i), start, end, &stopped); err != nil {
				fail(err)
			}
		})
	}
	// until waits for t, and reports false if the run failed first.
	until := func(t time.Time) bool {
		timer := time.NewTimer(time.Until(t))
		defer timer.Stop()
		select {
		case <-timer.C:
			return true
		case <-failed:
		case <-ctx.Done():
			fail(fmt.Errorf("echo: %w", ctx.Err()))
		}
		return false
	}
	window := cfg.Window
	if window == nil {
		window = func(bool) {}
	}
	if until(start) {
		window(true)
		if until(end) {
			window(false)
		}
	}
	stop()
	wg.Wait()
	if runErr != nil {
		return nil, runErr
	}

	res := &EchoResult{Elapsed: cfg.Duration}
	for i := range shares {
		s := &shares[i]
		res.RoundTrips += s.roundTrips
		res.Latency.Merge(&s.latency)
		if s.roundTrips > 0 {
			res.Served++
		}
	}
	return res, nil
}

// run is the loop of connection id, whose round trip is rt: it returns
// nil once the run is over (stopped, or past end), an error if the server
// misbehaves before.
func (s *echoConn) run(rt RoundTrip, id uint64, start, end time.Time, stopped *atomic.Bool) error {
	for seq := uint64(0); ; seq++ {
		sent := time.Now()
		if sent.After(end) || stopped.Load() {
			return nil
		}
		err := rt(seq)
		done := time.Now()
		if err != nil {
			if stopped.Load() && !errors.Is(err, ErrWrongAnswer) {
				return nil // woken by stop
			}
			return fmt.Errorf("echo: connection %d, message %d: %w", id, seq, err)
		}
		if !sent.Before(start) && !done.After(end) {
			s.latency.Record(done.Sub(sent))
			s.roundTrips++
		}
	}
}
