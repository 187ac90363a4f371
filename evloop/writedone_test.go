package evloop

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
)

// TestAsyncWriteDone: the callbacks of AsyncWriteDone run on the loop, in
// order, each once the socket has taken all the data of its write and
// those before (the test checks the loop's count of bytes sent); the
// peer then reads all of it. On a connection closed with data unsent,
// the waiting callbacks get the close's error, and none is lost.
func TestAsyncWriteDone(t *testing.T) {
	const (
		writes = 64
		size   = 64 << 10 // 4 MiB in all: more than the sockets hold
	)
	s := newServer(t, Config{Loops: 1, MaxOutbound: -1, SendBuffer: 64 << 10})
	opened := make(chan *Conn, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnOpen: func(c *Conn) { opened <- c }})
	client := dial(t, ln)
	client.(*net.TCPConn).SetReadBuffer(64 << 10)
	sc := recv(t, opened, "OnOpen")

	var (
		mu    sync.Mutex
		order []int
		bad   []string
	)
	all := make(chan struct{})
	var want bytes.Buffer
	for i := range writes {
		p := bytes.Repeat([]byte{byte(i)}, size)
		want.Write(p)
		end := int64(want.Len())
		err := sc.AsyncWriteDone(p, func(c *Conn, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil || c != sc || c.sent < end {
				bad = append(bad, fmt.Sprintf("callback %d: %v with %d bytes sent of %d", i, err, c.sent, end))
			}
			order = append(order, i)
			if len(order) == writes {
				close(all)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	recv(t, all, "all callbacks")
	mu.Lock()
	for i, j := range order {
		if i != j {
			t.Fatalf("callbacks in the order %v", order)
		}
	}
	if len(bad) > 0 {
		t.Error(bad)
	}
	mu.Unlock()
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("the peer read other bytes than those written")
	}

	// A peer that does not read, and a server closed under it.
	errs := make(chan error, writes)
	for range writes {
		if err := sc.AsyncWriteDone(make([]byte, size), func(_ *Conn, err error) { errs <- err }); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	failed := 0
	for range writes {
		if err := recv(t, errs, "a callback"); err != nil {
			if !errors.Is(err, ErrServerClosed) {
				t.Errorf("callback after Close: %v, want ErrServerClosed", err)
			}
			failed++
		}
	}
	if failed == 0 {
		t.Error("every write completed to a peer that did not read: the test tests nothing")
	}
}
