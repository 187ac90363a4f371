package evloop_test

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"github.com/goafd/afd/evloop"
)

// A handler that hands its input to a slower consumer, a goroutine,
// through a queue of a few pieces: when the queue is full it pauses the
// connection, leaving the input where it is, and the consumer resumes it
// once it has caught up. Whatever the peer sends, the server holds at
// most the queue and one read: the rest waits in the socket buffers. The
// handler looks at the queue again after pausing: of a ResumeRead and a
// PauseRead, the last one made holds.
func ExampleConn_PauseRead() {
	srv, err := evloop.NewServer(evloop.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	queue := make(chan []byte, 4)
	total := make(chan int)
	ln, err := srv.Listen("tcp://127.0.0.1:0", evloop.Handler{
		OnOpen: func(c *evloop.Conn) {
			go func() { // the consumer
				n := 0
				for piece := range queue {
					n += len(piece)
					if len(queue) == 0 {
						c.ResumeRead() // safe from any goroutine; nothing if not paused
					}
				}
				total <- n
			}()
		},
		OnTraffic: func(c *evloop.Conn) {
			for c.InboundBuffered() > 0 {
				if len(queue) == cap(queue) {
					c.PauseRead() // no OnTraffic until ResumeRead
					if len(queue) == cap(queue) {
						return
					}
					// The consumer caught up before the pause: its
					// ResumeRead came first, the pause won.
					c.ResumeRead()
				}
				piece, _ := c.Next(-1)
				queue <- append([]byte(nil), piece...)
			}
		},
		OnClose: func(c *evloop.Conn, err error) { close(queue) },
	})
	if err != nil {
		log.Fatal(err)
	}

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(conn, strings.NewReader(strings.Repeat("x", 10<<20)))
	conn.Close()
	fmt.Println(<-total, "bytes consumed")
	// Output: 10485760 bytes consumed
}
