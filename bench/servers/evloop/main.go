//go:build linux || windows

// Command evloop is the benchmark server on this project's event loops,
// as examples/echo serves: Config defaults (GOMAXPROCS loops, 64 KiB read
// buffer per loop, shared by its connections) but on Windows 4 loops per
// P (see windowsLoopsPerP), and an OnTraffic that takes all that arrived
// with Next(-1) and writes it back. The poller is epoll on Linux and
// \Device\Afd on Windows. The protocol is package harness's.
package main

import (
	"fmt"
	"net"
	"runtime"

	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/evloop"
)

func main() {
	harness.Main(serve)
}

// windowsLoopsPerP is how many loops per P the server runs on Windows
// unless -loops says otherwise. Under Wine every system call (a receive,
// a send, a poll) waits for the wine server, which serves one request at
// a time: a loop spends most of its time waiting, and one loop per P
// leaves the wine server idle between its requests. Four per P keep it
// busy: echo at 1000 connections on 2 cores, measured side by side,
// made 6,100-6,300 round trips a second with 2 loops, 8,700-9,000 with 4
// and 10,100-10,300 with 8. On Windows itself these calls do not leave
// the thread, and more loops only share the same processors.
const windowsLoopsPerP = 4

func serve(cfg harness.Config) (*harness.Server, error) {
	loops := cfg.Loops
	if loops == 0 && runtime.GOOS == "windows" {
		loops = windowsLoopsPerP * runtime.GOMAXPROCS(0)
	}
	srv, err := evloop.NewServer(evloop.Config{Loops: loops})
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
