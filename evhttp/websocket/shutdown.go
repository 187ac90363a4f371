package websocket

import (
	"context"
	"net/http"
	"time"
)

// begin counts an upgrade under way, for Shutdown to wait for, or reports
// false once the Upgrader is shutting down.
func (u *Upgrader) begin() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closing {
		return false
	}
	u.upgrading++
	return true
}

// track ends an upgrade that begin counted: c, switched, joins the
// Upgrader's connections (Shutdown closes them and waits for them), or
// nil for one that failed. It reports false if Shutdown began meanwhile:
// the caller closes c then, and Shutdown waits for that close. A
// connection that closed already is not added.
func (u *Upgrader) track(c *Conn) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.upgrading--
	if c == nil {
		return true
	}
	if !c.gone {
		if u.conns == nil {
			u.conns = make(map[*Conn]struct{})
		}
		u.conns[c] = struct{}{}
	}
	return !u.closing
}

func (u *Upgrader) untrack(c *Conn) {
	u.mu.Lock()
	c.gone = true
	delete(u.conns, c)
	u.mu.Unlock()
}

func (u *Upgrader) snapshot() []*Conn {
	u.mu.Lock()
	defer u.mu.Unlock()
	cs := make([]*Conn, 0, len(u.conns))
	for c := range u.conns {
		cs = append(cs, c)
	}
	return cs
}

// Shutdown closes the Upgrader's connections gracefully: each is sent a
// close frame with 1001 (going away), after the messages written before,
// and Shutdown returns once all have closed (their peers answered, or
// CloseTimeout passed), or with ctx's error when ctx ends first, after
// closing what remains at once. Upgrades under way are waited for, and
// closed the same way. Upgrades from then on are refused with
// 503. evhttp.Server's Shutdown does not reach upgraded connections
// (they are no longer its own): call this one beside it.
func (u *Upgrader) Shutdown(ctx context.Context) error {
	u.mu.Lock()
	u.closing = true
	u.mu.Unlock()
	for _, c := range u.snapshot() {
		c.Close(CloseGoingAway, "server shutting down")
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		u.mu.Lock()
		n := len(u.conns) + u.upgrading
		u.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			for _, c := range u.snapshot() {
				c.CloseNow()
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// refuseShutdown answers an upgrade during Shutdown.
func refuseShutdown(w http.ResponseWriter) {
	http.Error(w, "503 Service Unavailable: shutting down", http.StatusServiceUnavailable)
}
