//go:build linux || windows

package main

import (
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/goafd/afd/bench/internal/harness"
)

// serveWS serves -mode ws on ln: net/http upgrades every request with
// gorilla/websocket, and each connection's goroutine (the handler's)
// echoes its messages until it fails or closes.
func serveWS(ln net.Listener) *harness.Server {
	var (
		conns = &hijackedConns{m: make(map[net.Conn]struct{})}
		u     = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := u.Upgrade(w, r, nil) // answers the request itself on failure
		if err != nil {
			return
		}
		defer c.Close()
		if !conns.track(c.NetConn()) {
			return
		}
		defer conns.untrack(c.NetConn())
		for {
			typ, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, data); err != nil {
				return
			}
		}
	})
	return serveHTTP(ln, h, conns)
}

// hijackedConns are the connections that handlers took from net/http,
// which http.Server.Close does not close.
type hijackedConns struct {
	mu     sync.Mutex
	m      map[net.Conn]struct{}
	closed bool
}

// track adds c, or reports false once closeAll has run.
func (h *hijackedConns) track(c net.Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.m[c] = struct{}{}
	return true
}

// untrack removes c.
func (h *hijackedConns) untrack(c net.Conn) {
	h.mu.Lock()
	delete(h.m, c)
	h.mu.Unlock()
}

// count returns the number of connections held.
func (h *hijackedConns) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.m)
}

// closeAll closes every connection held, and those tracked later at once.
func (h *hijackedConns) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.m {
		c.Close()
	}
}
