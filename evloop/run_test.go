package evloop

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
)

// TestConnRun: functions handed to Run from other goroutines run on the
// connection's loop, one at a time, in order, with the loop's methods at
// their disposal (the race detector checks that handler state touched by
// them and by OnTraffic needs no lock); a dialled connection's wait
// until it has connected; Run fails once the connection is closed.
func TestConnRun(t *testing.T) {
	const n = 200
	s := newServer(t, Config{Loops: 2})
	opened := make(chan *Conn, 1)
	var count int // handler state: only the loop touches it
	closed := make(chan int, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{
		OnOpen: func(c *Conn) { opened <- c },
		OnTraffic: func(c *Conn) {
			c.Discard(-1)
			count += 1000
		},
		OnClose: func(*Conn, error) { closed <- count },
	})
	client := dial(t, ln)
	sc := recv(t, opened, "OnOpen")
	errs := make(chan error, 1)
	go func() {
		for i := range n {
			if err := sc.Run(func(c *Conn) {
				count++
				c.Write([]byte{byte(i)})
			}); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	client.Write([]byte("x"))
	if err := recv(t, errs, "Run"); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, n)
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got[i] != byte(i) {
			t.Fatalf("byte %d written by the function %d", i, got[i])
		}
	}
	client.Close()
	if c := recv(t, closed, "OnClose"); c != n+1000 {
		t.Errorf("count %d, want %d", c, n+1000)
	}
	if err := sc.Run(func(*Conn) { t.Error("a function ran after the connection closed") }); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Run after close: %v, want net.ErrClosed", err)
	}

	// A dialled connection: queued before it connects, run after OnOpen.
	order := make(chan string, 2)
	echo := listen(t, s, "tcp://127.0.0.1:0", echoHandler())
	dc, err := s.Dial(echo.String(), Handler{
		OnOpen: func(c *Conn) { order <- "OnOpen" },
		OnTraffic: func(c *Conn) {
			if b, _ := c.Peek(-1); bytes.Equal(b, []byte("ran")) {
				c.Discard(-1)
				c.Close()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := dc.Run(func(c *Conn) { order <- "Run"; c.Write([]byte("ran")) }); err != nil {
		t.Fatal(err)
	}
	if a, b := recv(t, order, "OnOpen"), recv(t, order, "Run"); a != "OnOpen" || b != "Run" {
		t.Errorf("order %s, %s; want OnOpen, Run", a, b)
	}
}
