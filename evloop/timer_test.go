package evloop

import (
	"testing"
	"time"
)

// TestAfterFunc: timers of a connection run on its loop in the order of
// their times, whatever the order they were set in; a stopped one does
// not run; those of a connection that closes are dropped with it; a
// timer that closes its connection is a deadline.
func TestAfterFunc(t *testing.T) {
	s := newServer(t, Config{Loops: 1})
	type result struct {
		stopped, stoppedAgain bool
		closedErr             error
	}
	results := make(chan result, 1)
	var opened *Conn
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) {
			start := time.Now()
			if opened == nil {
				opened = c
				c.AfterFunc(60*time.Millisecond, func(c *Conn) { c.Write([]byte("c")) })
				c.AfterFunc(0, func(c *Conn) { c.Write([]byte("a")) })
				c.AfterFunc(30*time.Millisecond, func(c *Conn) {
					if time.Since(start) < 30*time.Millisecond {
						t.Error("a timer ran early")
					}
					c.Write([]byte("b"))
				})
				never := c.AfterFunc(40*time.Millisecond, func(c *Conn) { c.Write([]byte("X")) })
				r := result{stopped: never.Stop(), stoppedAgain: never.Stop()}
				// The deadline of the exchange: closes the connection.
				c.AfterFunc(90*time.Millisecond, func(c *Conn) { c.Close() })
				results <- r
				return
			}
			// A second connection, closed at once: its timer goes with it.
			c.AfterFunc(time.Hour, func(c *Conn) { t.Error("the timer of a closed connection ran") })
			c.Close()
		},
	})
	c := dial(t, ln)
	r := recv(t, results, "OnOpen")
	if !r.stopped || r.stoppedAgain {
		t.Errorf("Stop: %v, then %v; want true, then false", r.stopped, r.stoppedAgain)
	}
	b, err := readAll(c)
	if string(b) != "abc" || err != nil {
		t.Errorf("read %q, %v; want \"abc\" then end of stream (the deadline's Close)", b, err)
	}
	c.Close()
	c2 := dial(t, ln)
	readAll(c2)
	c2.Close()
	// The loop keeps no timer: the second connection's went with it.
	done := make(chan int, 1)
	ln3 := listen(t, s, "tcp://127.0.0.1:0", Handler{OnOpen: func(c *Conn) { done <- len(c.l.timers) }})
	dial(t, ln3)
	if n := recv(t, done, "OnOpen"); n != 0 {
		t.Errorf("%d timers left on the loop", n)
	}
}
