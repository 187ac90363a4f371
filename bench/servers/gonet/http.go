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

// serveHTTP serves h on ln with an http.Server of net/http's defaults
// (keep-alive, no timeouts), counting its connections through ConnState
// and, with hijacked, those its handlers hijacked and still hold, which
// Stop closes too.
func serveHTTP(ln net.Listener, h http.Handler, hijacked *hijackedConns) *harness.Server {
	var (
		conns  atomic.Int64
		served = make(chan error, 1)
		once   sync.Once
	)
	srv := &http.Server{
		Handler: h,
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
		Addr: ln.Addr(),
		Conns: func() int {
			n := conns.Load()
			if hijacked != nil {
				n += int64(hijacked.count())
			}
			return int(n)
		},
		Stop: func() error {
			once.Do(func() {
				err := srv.Close()
				if hijacked != nil {
					hijacked.closeAll()
				}
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
