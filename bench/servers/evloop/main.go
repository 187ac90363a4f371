//go:build linux || windows

// Command evloop is the benchmark server on this project's event loops,
// as examples/echo serves: Config defaults (GOMAXPROCS loops, 64 KiB read
// buffer per loop, shared by its connections) but on Windows 4 loops per
// P (see windowsLoopsPerP), and an OnTraffic that takes all that arrived
// with Next(-1) and writes it back. The poller is epoll on Linux and
// \Device\Afd on Windows. With -tls the listener is ListenTLS's (the
// handshakes on evloop's pool, the records on the loops); with -mode http
// an evhttp.Server serves harness.HTTPHandler on the same loops; with
// -mode ws it upgrades every request with package evhttp/websocket's
// Upgrader (its defaults) and writes every message back from OnMessage.
// The protocol is package harness's.
package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"

	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/evhttp"
	"github.com/goafd/afd/evhttp/websocket"
	"github.com/goafd/afd/evloop"
)

func main() {
	harness.Main(serve, harness.TLS, harness.HTTPServer, harness.WebSocket)
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
	ln, stop, err := listen(srv, cfg)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("evloop: listen %s: %w", cfg.Addr, err)
	}
	return &harness.Server{
		Addr:  net.TCPAddrFromAddrPort(ln.Addr()),
		Conns: func() int { return int(srv.Conns()) },
		Stop:  stop,
	}, nil
}

// listen serves cfg's mode on srv and returns the listener and what stops
// the server.
func listen(srv *evloop.Server, cfg harness.Config) (*evloop.Listener, func() error, error) {
	addr := "tcp://" + cfg.Addr
	if cfg.Mode == harness.HTTP || cfg.Mode == harness.WS {
		hs := &evhttp.Server{Handler: harness.HTTPHandler()}
		if cfg.Mode == harness.WS {
			hs.Handler = wsEcho()
		}
		ln, err := hs.Listen(srv, addr)
		return ln, func() error { return errors.Join(hs.Close(), srv.Close()) }, err
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
	if !cfg.TLS {
		ln, err := srv.Listen(addr, h)
		return ln, srv.Close, err
	}
	tlsCfg, err := harness.TLSConfig()
	if err != nil {
		return nil, nil, err
	}
	ln, err := srv.ListenTLS(addr, tlsCfg, h)
	return ln, srv.Close, err
}

// wsEcho upgrades every request to a WebSocket whose messages are
// written back as they came. The connections stay evloop's, which
// srv.Conns counts and srv.Close closes.
func wsEcho() http.Handler {
	u := &websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	h := websocket.Handler{
		OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) { c.WriteMessage(typ, data) },
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { u.Upgrade(w, r, h) })
}
