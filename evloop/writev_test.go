package evloop

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
)

// TestWritev: Writev sends its buffers in order as one stream: empty
// ones, more than one system call takes (sock.MaxSendv), more bytes than
// the socket takes at once (the rest buffered, from the middle of a
// buffer), and after output already pending.
func TestWritev(t *testing.T) {
	s := newServer(t, Config{Loops: 1, MaxOutbound: -1, SendBuffer: 64 << 10})
	var many [][]byte
	for i := range 150 {
		many = append(many, fmt.Appendf(nil, "<%d>", i), nil)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), (4<<20)/16)
	batches := [][][]byte{
		{[]byte("head "), nil, []byte("body"), []byte(" tail\n")},
		many,
		{[]byte("big:"), big, []byte(":end")},
		{[]byte("after pending output\n")},
	}
	var want bytes.Buffer
	for _, b := range batches {
		want.Write(bytes.Join(b, nil))
	}
	errs := make(chan error, 1)
	ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnTraffic: func(c *Conn) {
		c.Discard(-1)
		for _, b := range batches {
			n, err := c.Writev(b)
			if err != nil || n != len(bytes.Join(b, nil)) {
				errs <- fmt.Errorf("Writev: %d, %v", n, err)
				return
			}
		}
		if c.OutboundBuffered() == 0 {
			errs <- fmt.Errorf("nothing pending after %d bytes: the test tests too little", want.Len())
			return
		}
		errs <- nil
	}})
	c := dial(t, ln)
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	c.Write([]byte("go"))
	if err := recv(t, errs, "OnTraffic"); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		i := 0
		for i < len(got) && got[i] == want.Bytes()[i] {
			i++
		}
		t.Fatalf("the stream differs from byte %d of %d", i, len(got))
	}
}
