package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/lesismal/nbio/nbhttp"

	"github.com/goafd/afd/bench/internal/harness"
)

// stopTimeout bounds nbhttp's Shutdown.
const stopTimeout = 10 * time.Second

// serveHTTP serves h on addr with nbhttp on loops pollers, its defaults
// otherwise (keep-alive of 120 s, handlers on its task pool). Its count
// of connections holds the upgraded ones, which stay nbhttp's.
func serveHTTP(addr string, loops int, h http.Handler) (*harness.Server, error) {
	eng := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp", Addrs: []string{addr}, NPoller: loops, Handler: h,
	})
	if err := eng.Start(); err != nil {
		return nil, fmt.Errorf("nbhttp: listen %s: %w", addr, err)
	}
	bound, err := net.ResolveTCPAddr("tcp", eng.Addrs[0]) // the bound address, since Start
	if err != nil {
		eng.Stop()
		return nil, fmt.Errorf("nbhttp: bound address %s: %w", eng.Addrs[0], err)
	}
	return &harness.Server{
		Addr:  bound,
		Conns: eng.Online,
		Stop: func() error {
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			if err := eng.Shutdown(ctx); err != nil {
				return fmt.Errorf("nbhttp: shutdown: %w", err)
			}
			return nil
		},
	}, nil
}
