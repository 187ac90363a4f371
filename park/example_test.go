package park_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/goafd/afd/park"
)

// A connection is parked with no goroutine waiting on it; the callback
// runs once data has come, and Read then returns at once.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	conn, err := ln.Accept()
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	w, err := park.New()
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	readable := make(chan error, 1)
	if err := w.Notify(conn, func(err error) { readable <- err }); err != nil {
		log.Fatal(err)
	}
	fmt.Println("parked:", w.Parked())

	client.Write([]byte("hello"))
	fmt.Println("callback:", <-readable)
	buf := make([]byte, 64) // only now
	n, _ := conn.Read(buf)
	fmt.Printf("read %q; parked: %d\n", buf[:n], w.Parked())
	// Output:
	// parked: 1
	// callback: <nil>
	// read "hello"; parked: 0
}

// A goroutine per connection that holds a read buffer only while the
// connection has something to read: between requests it blocks in
// WaitReadable, with no buffer.
func ExampleWatcher_WaitReadable() {
	w, err := park.New()
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()

	serve := func(conn net.Conn) {
		defer conn.Close()
		for {
			if err := w.WaitReadable(context.Background(), conn); err != nil {
				return
			}
			buf := make([]byte, 4096) // a pool, in a real server
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			conn.Write(buf[:n])
		}
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()

	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	reply := make([]byte, 64)
	for _, msg := range []string{"one", "two"} {
		client.Write([]byte(msg))
		n, _ := client.Read(reply)
		fmt.Printf("%s\n", reply[:n])
	}
	// Output:
	// one
	// two
}

// A server with a goroutine per connection while the connection is busy,
// and none while it is idle: once a request is answered, the goroutine
// parks the connection and ends, with its buffer; the callback starts a
// new one when the next request comes.
func ExampleWatcher_Notify() {
	w, err := park.New()
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()

	var serve func(conn net.Conn)
	serve = func(conn net.Conn) {
		buf := make([]byte, 4096) // a pool, in a real server
		n, err := conn.Read(buf)
		if err != nil {
			conn.Close()
			return
		}
		conn.Write(buf[:n])
		// Idle until the next request: no goroutine, no buffer.
		err = w.Notify(conn, func(err error) {
			if err != nil {
				conn.Close()
				return
			}
			go serve(conn)
		})
		if err != nil {
			conn.Close()
		}
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()

	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	reply := make([]byte, 64)
	for _, msg := range []string{"one", "two", "three"} {
		client.Write([]byte(msg))
		n, _ := client.Read(reply)
		fmt.Printf("%s\n", reply[:n])
	}
	// Output:
	// one
	// two
	// three
}
