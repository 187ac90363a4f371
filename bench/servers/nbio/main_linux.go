// Command nbio is the benchmark server on nbio, as its Quick Start shows
// an echo server: nbio.NewEngine on TCP with GOMAXPROCS pollers (or -loops
// of them) on epoll, and an OnData that writes back what it is handed
// (nbio copies what the socket does not take at once, so the handler
// passes its read buffer without a copy of its own). With -tls the
// handlers are wrapped by nbio's extension/tls (its fork of crypto/tls,
// llib's, fed on the pollers: the handshake runs there too); with -mode
// http nbhttp serves harness.HTTPHandler. The protocol is package
// harness's.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"

	"github.com/goafd/afd/bench/internal/harness"
)

func main() {
	// nbio logs to stdout, the harness's protocol channel.
	logging.Output = os.Stderr
	harness.Main(serve, harness.TLS, harness.HTTPServer)
}

func serve(cfg harness.Config) (*harness.Server, error) {
	loops := cfg.Loops
	if loops == 0 {
		loops = runtime.GOMAXPROCS(0)
	}
	if cfg.Mode == harness.HTTP {
		return serveHTTP(cfg.Addr, loops)
	}
	eng := nbio.NewEngine(nbio.Config{Network: "tcp", Addrs: []string{cfg.Addr}, NPoller: loops})
	var conns atomic.Int64
	open := func(*nbio.Conn) { conns.Add(1) }
	closed := func(*nbio.Conn, error) { conns.Add(-1) }
	data := func(c *nbio.Conn, data []byte) { c.Write(data) }
	if cfg.Mode == harness.Sink {
		data = func(*nbio.Conn, []byte) {}
	}
	if cfg.TLS {
		var err error
		if open, data, err = tlsHandlers(cfg.Mode, open); err != nil {
			return nil, fmt.Errorf("nbio: %w", err)
		}
	}
	eng.OnOpen(open)
	eng.OnClose(closed)
	eng.OnData(data)
	if err := eng.Start(); err != nil {
		return nil, fmt.Errorf("nbio: listen %s: %w", cfg.Addr, err)
	}
	addr, err := net.ResolveTCPAddr("tcp", eng.Addrs[0]) // the bound address, since Start
	if err != nil {
		eng.Stop()
		return nil, fmt.Errorf("nbio: bound address %s: %w", eng.Addrs[0], err)
	}
	return &harness.Server{
		Addr:  addr,
		Conns: func() int { return int(conns.Load()) },
		Stop: func() error {
			eng.Stop()
			return nil
		},
	}, nil
}
