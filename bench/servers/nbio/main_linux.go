// Command nbio is the benchmark server on nbio, as its Quick Start shows
// an echo server: nbio.NewEngine on TCP with GOMAXPROCS pollers (or -loops
// of them) on epoll, and an OnData that writes back what it is handed
// (nbio copies what the socket does not take at once, so the handler
// passes its read buffer without a copy of its own). With -mode http
// nbhttp serves harness.HTTPHandler, and with -mode ws nbhttp's
// websocket.Upgrader echoes WebSocket messages. It does not serve -tls: nbio's TLS
// for raw connections, extension/tls over llib's fork of crypto/tls
// (marked deprecated in its source), was tried and left out: under the
// race detector it reports data races between the OnOpen that makes a
// connection's TLS state and the OnData that feeds it, and under
// tls-echo it answered a connection with another connection's message
// (connection 62 got bytes of connection 45's): in both runs at 100
// connections, in one of two at 1,000. The protocol is package harness's.
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
	harness.Main(serve, harness.HTTPServer, harness.WebSocket)
}

func serve(cfg harness.Config) (*harness.Server, error) {
	loops := cfg.Loops
	if loops == 0 {
		loops = runtime.GOMAXPROCS(0)
	}
	switch cfg.Mode {
	case harness.HTTP:
		return serveHTTP(cfg.Addr, loops, harness.HTTPHandler())
	case harness.WS:
		return serveHTTP(cfg.Addr, loops, wsEcho())
	}
	eng := nbio.NewEngine(nbio.Config{Network: "tcp", Addrs: []string{cfg.Addr}, NPoller: loops})
	var conns atomic.Int64
	eng.OnOpen(func(*nbio.Conn) { conns.Add(1) })
	eng.OnClose(func(*nbio.Conn, error) { conns.Add(-1) })
	if cfg.Mode == harness.Echo {
		eng.OnData(func(c *nbio.Conn, data []byte) { c.Write(data) })
	} else {
		eng.OnData(func(*nbio.Conn, []byte) {})
	}
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
