//go:build linux || windows

package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/goafd/afd/bench/internal/harness"
)

// serveHTTP serves harness.HTTPHandler on ln with an http.Server of
// net/http's defaults (keep-alive, no timeouts), counting its
// connections through ConnState.
func serveHTTP(ln net.Listener) *harness.Server {
	var (
		conns  atomic.Int64
		served = make(chan error, 1)
		once   sync.Once
	)
	srv := &http.Server{
		Handler: harness.HTTPHandler(),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				conns.Add(-1)
			}
		},
	}
	go func() { served <- srv.Serve(ln) }()
	var stopErr error
	return &harness.Server{
		Addr:  ln.Addr(),
		Conns: func() int { return int(conns.Load()) },
		Stop: func() error {
			once.Do(func() {
				err := srv.Close()
				if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
					err = errors.Join(err, serr)
				}
				if err != nil {
					stopErr = fmt.Errorf("gonet: http: %w", err)
				}
			})
			return stopErr
		},
	}
}
