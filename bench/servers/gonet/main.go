//go:build linux || windows

// Command gonet is the benchmark server on Go's net package, the way Go
// programs serve TCP: a goroutine per connection, blocking reads into a
// 16 KiB buffer of its own, reused for every read. The runtime's network
// poller is epoll on Linux and an I/O completion port on Windows. With
// -tls the listener is crypto/tls's (tls.NewListener: the handshake runs
// in the connection's goroutine, at its first read); with -mode http an
// http.Server serves harness.HTTPHandler, net/http's goroutine per
// connection; with -mode ws the same http.Server upgrades every request
// with gorilla/websocket (an Upgrader of its defaults) and echoes its
// messages from a goroutine per connection, ReadMessage then WriteMessage,
// as gorilla's echo example does. -loops sets GOMAXPROCS. The protocol is package harness's.
package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"

	"github.com/goafd/afd/bench/internal/harness"
)

// bufSize is the read buffer of each connection.
const bufSize = 16 << 10

func main() {
	harness.Main(serve, harness.TLS, harness.HTTPServer, harness.WebSocket)
}

// server accepts connections and tracks them, to count and close them.
type server struct {
	ln   net.Listener
	mode harness.Mode
	wg   sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func serve(cfg harness.Config) (*harness.Server, error) {
	if cfg.Loops > 0 {
		runtime.GOMAXPROCS(cfg.Loops)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("gonet: listen %s: %w", cfg.Addr, err)
	}
	switch cfg.Mode {
	case harness.HTTP:
		return serveHTTP(ln, harness.HTTPHandler(), nil), nil
	case harness.WS:
		return serveWS(ln), nil
	}
	if cfg.TLS {
		tlsCfg, err := harness.TLSConfig()
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("gonet: %w", err)
		}
		ln = tls.NewListener(ln, tlsCfg)
	}
	s := &server{ln: ln, mode: cfg.Mode, conns: make(map[net.Conn]struct{})}
	s.wg.Go(s.accept)
	return &harness.Server{Addr: ln.Addr(), Conns: s.count, Stop: s.stop}, nil
}

// accept serves every connection in a goroutine of its own until the
// listener is closed.
func (s *server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Go(func() {
			defer s.untrack(c)
			s.handle(c)
		})
	}
}

// handle echoes or discards what c sends until it closes or fails.
func (s *server) handle(c net.Conn) {
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 && s.mode == harness.Echo {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// track adds c to the open connections, unless the server is stopping.
func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// untrack closes c and removes it from the open connections.
func (s *server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// stop closes the listener and every connection, and waits for their
// goroutines.
func (s *server) stop() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("gonet: close listener: %w", err)
	}
	return nil
}
