package evloop

import (
	"testing"
)

// TestConsumeOutsideOnTraffic: input that a handler consumes outside
// OnTraffic (in a function of Conn.Run, a timer of Conn.AfterFunc, the
// callback of AsyncWriteDone) stays consumed: the next OnTraffic sees
// only what was left and what came since, not the consumed bytes again.
func TestConsumeOutsideOnTraffic(t *testing.T) {
	for _, via := range []string{"Run", "AfterFunc", "AsyncWriteDone"} {
		t.Run(via, func(t *testing.T) {
			s := newServer(t, Config{Loops: 1})
			seen := make(chan string, 4)
			first := true
			ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
				OnTraffic: func(c *Conn) {
					b, _ := c.Peek(-1)
					seen <- string(b)
					if !first {
						c.Discard(-1)
						return
					}
					first = false
					// Leave "abcd" unconsumed, and consume "ab" of it
					// later, outside OnTraffic.
					consume := func(c *Conn) {
						c.Discard(2)
						seen <- "consumed"
					}
					switch via {
					case "Run":
						go c.Run(consume)
					case "AfterFunc":
						c.AfterFunc(0, consume)
					case "AsyncWriteDone":
						go c.AsyncWriteDone([]byte("x"), func(c *Conn, err error) { consume(c) })
					}
				},
			})
			client := dial(t, ln)
			if _, err := client.Write([]byte("abcd")); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, seen, "first OnTraffic"); got != "abcd" {
				t.Fatalf("first OnTraffic saw %q, want %q", got, "abcd")
			}
			if got := recv(t, seen, "consumption"); got != "consumed" {
				t.Fatalf("got %q, want the consumption", got)
			}
			if _, err := client.Write([]byte("ef")); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, seen, "second OnTraffic"); got != "cdef" {
				t.Fatalf("second OnTraffic saw %q, want %q (the bytes consumed outside OnTraffic are gone)", got, "cdef")
			}
		})
	}
}
