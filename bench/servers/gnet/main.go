//go:build linux || windows

// Command gnet is the benchmark server on gnet v2, as its documentation
// shows an echo server: gnet.Run with multicore event loops (or -loops
// of them), and an OnTraffic that takes all that arrived with c.Next(-1)
// and writes it back with c.Write. gnet's loops poll with epoll on Linux;
// on Windows gnet serves with goroutines over Go's net package. The
// protocol is package harness's.
package main

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/goafd/afd/bench/internal/harness"
)

// stopTimeout bounds the engine's shutdown.
const stopTimeout = 10 * time.Second

func main() {
	harness.Main(serve)
}

// server is the gnet event handler.
type server struct {
	gnet.BuiltinEventEngine
	mode   harness.Mode
	booted chan gnet.Engine
	// conns counts the open connections. Engine.CountConnections would
	// race with the engine's start: gnet calls OnBoot before it
	// registers its event loops.
	conns atomic.Int64
}

// OnBoot hands the engine to serve, which waits for it.
func (s *server) OnBoot(eng gnet.Engine) gnet.Action {
	s.booted <- eng
	return gnet.None
}

func (s *server) OnOpen(gnet.Conn) ([]byte, gnet.Action) {
	s.conns.Add(1)
	return nil, gnet.None
}

func (s *server) OnClose(gnet.Conn, error) gnet.Action {
	s.conns.Add(-1)
	return gnet.None
}

// OnTraffic echoes or discards all that has arrived.
func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	if s.mode == harness.Sink {
		c.Discard(-1)
		return gnet.None
	}
	data, _ := c.Next(-1)
	c.Write(data)
	return gnet.None
}

func serve(cfg harness.Config) (*harness.Server, error) {
	addr, err := pickPort(cfg.Addr)
	if err != nil {
		return nil, err
	}
	opts := []gnet.Option{gnet.WithMulticore(true), gnet.WithLogger(stderrLogger{})}
	if cfg.Loops > 0 {
		opts = append(opts, gnet.WithNumEventLoop(cfg.Loops))
	}
	s := &server{mode: cfg.Mode, booted: make(chan gnet.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- gnet.Run(s, "tcp://"+addr.String(), opts...) }()
	var eng gnet.Engine
	select {
	case eng = <-s.booted:
	case err := <-done:
		return nil, fmt.Errorf("gnet: run %s: %w", addr, err)
	}
	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			return fmt.Errorf("gnet: stop: %w", err)
		}
		if err := <-done; err != nil {
			return fmt.Errorf("gnet: run %s: %w", addr, err)
		}
		return nil
	}
	return &harness.Server{Addr: addr, Conns: func() int { return int(s.conns.Load()) }, Stop: stop}, nil
}

// pickPort returns addr with a free port in place of port 0: gnet does
// not tell which port it bound, so the port is found by listening on it
// with Go's net and closing that listener before gnet listens.
func pickPort(addr string) (*net.TCPAddr, error) {
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gnet: address %s: %w", addr, err)
	}
	if tcp.Port != 0 {
		return tcp, nil
	}
	ln, err := net.ListenTCP("tcp", tcp)
	if err != nil {
		return nil, fmt.Errorf("gnet: find a free port on %s: %w", addr, err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr), nil
}
