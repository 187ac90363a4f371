//go:build linux || windows

// Command evloop is the benchmark server on this project's event loops,
// as examples/echo serves: Config defaults (GOMAXPROCS loops, 64 KiB read
// buffer per loop, shared by its connections), and an OnTraffic that
// takes all that arrived with Next(-1) and writes it back. The poller is
// epoll on Linux and \Device\Afd on Windows. The protocol is package
// harness's.
package main

import (
	"fmt"
	"net"

	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/evloop"
)

func main() {
	harness.Main(serve)
}

func serve(cfg harness.Config) (*harness.Server, error) {
	srv, err := evloop.NewServer(evloop.Config{Loops: cfg.Loops})
	if err != nil {
		return nil, fmt.Errorf("evloop: new server: %w", err)
	}
	h := evloop.Handler{
		OnTraffic: func(c *evloop.Conn) {
			data, _ := c.Next(-1)
			c.Write(data)
		},
	}
	if cfg.Mode == harness.Sink {
		h.OnTraffic = func(c *evloop.Conn) {
			c.Discard(-1)
		}
	}
	ln, err := srv.Listen("tcp://"+cfg.Addr, h)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("evloop: listen %s: %w", cfg.Addr, err)
	}
	return &harness.Server{
		Addr:  net.TCPAddrFromAddrPort(ln.Addr()),
		Conns: func() int { return int(srv.Conns()) },
		Stop:  srv.Close,
	}, nil
}
