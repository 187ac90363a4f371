package evloop_test

import (
	"fmt"
	"io"
	"log"
	"net"

	"github.com/goafd/afd/evloop"
)

// A server that answers once the client has sent everything: the request
// is all the client sends before it shuts down its sending side. OnEOF
// sees the input OnTraffic left, and the connection stays open for the
// answer until the handler closes it. (What waits in the input is
// bounded by Config.MaxInbound: a longer request fails the connection
// with ErrInboundFull.)
func ExampleHandler_onEOF() {
	srv, err := evloop.NewServer(evloop.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ln, err := srv.Listen("tcp://127.0.0.1:0", evloop.Handler{
		OnTraffic: func(c *evloop.Conn) {}, // the input waits for OnEOF
		OnEOF: func(c *evloop.Conn) {
			req, _ := c.Next(-1)
			fmt.Fprintf(c, "%d bytes\n", len(req))
			c.Close() // after the answer
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "count these bytes")
	conn.(*net.TCPConn).CloseWrite() // the request is complete
	answer, err := io.ReadAll(conn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(answer))
	// Output: 17 bytes
}
