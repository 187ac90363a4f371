package evloop_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/goafd/afd/evloop"
)

// A complete echo server: every byte a connection sends comes back. The
// handler runs on the server's event loops; here a plain net client talks
// to it, then the server shuts down gracefully.
func Example() {
	srv, err := evloop.NewServer(evloop.Config{IdleTimeout: time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := srv.Listen("tcp://127.0.0.1:0", evloop.Handler{
		OnTraffic: func(c *evloop.Conn) {
			data, _ := c.Next(-1) // all that has arrived
			c.Write(data)         // to the socket at once; the rest is buffered
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(conn, "hello, loop\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(line)
	conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	// Output: hello, loop
}

// A client on the same loops: Dial connects without blocking, OnOpen
// says it has, and a failure would come as OnClose with the error.
func ExampleServer_Dial() {
	srv, err := evloop.NewServer(evloop.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ln, err := srv.Listen("tcp://127.0.0.1:0", evloop.Handler{
		OnTraffic: func(c *evloop.Conn) {
			data, _ := c.Next(-1)
			c.Write(data)
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	done := make(chan error, 1)
	_, err = srv.Dial(ln.String(), evloop.Handler{
		OnOpen: func(c *evloop.Conn) { c.Write([]byte("ping")) },
		OnTraffic: func(c *evloop.Conn) {
			if c.InboundBuffered() < 4 {
				return // wait for the whole answer
			}
			reply, _ := c.Next(4)
			fmt.Printf("%s\n", reply)
			c.Close()
		},
		OnClose: func(c *evloop.Conn, err error) { done <- err },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("closed:", <-done)
	// Output:
	// ping
	// closed: <nil>
}

// A listener the program already has, from Go's net, served by the
// loops: from then on the server owns it and closes it.
func ExampleServer_AddListener() {
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := evloop.NewServer(evloop.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	_, err = srv.AddListener(nl, evloop.Handler{
		OnTraffic: func(c *evloop.Conn) {
			data, _ := c.Next(-1)
			c.Write(data)
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	conn, err := net.Dial("tcp", nl.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "served by the loops\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(line)
	// Output: served by the loops
}
