package afd_test

import (
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

// setup opens an AFD handle and a completion port of its own, as every
// user of the package does first.
func setup() (*afd.Device, *iocp.Port) {
	dev, err := afd.Open("")
	if err != nil {
		log.Fatal(err)
	}
	port, err := iocp.New(0)
	if err != nil {
		log.Fatal(err)
	}
	if err := port.Associate(dev.Handle(), 1); err != nil {
		log.Fatal(err)
	}
	if err := dev.SetCompletionModes(windows.FILE_SKIP_SET_EVENT_ON_HANDLE); err != nil {
		log.Fatal(err)
	}
	return dev, port
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair() (client, server net.Conn) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	server, err = l.Accept()
	if err != nil {
		log.Fatal(err)
	}
	return client, server
}

// baseOf returns the base socket of a TCP connection.
func baseOf(c net.Conn) windows.Handle {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		log.Fatal(err)
	}
	var s windows.Handle
	rc.Control(func(fd uintptr) {
		s, err = afd.BaseSocket(windows.Handle(fd))
	})
	if err != nil {
		log.Fatal(err)
	}
	return s
}

func ExampleOpen() {
	// Any name below \Device\Afd opens the driver; "" means DefaultName.
	dev, err := afd.Open(`\Device\Afd\example`)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	// Completions go to a port of our own, not to the Go runtime's.
	port, err := iocp.New(0)
	if err != nil {
		log.Fatal(err)
	}
	defer port.Close()
	if err := port.Associate(dev.Handle(), 1); err != nil {
		log.Fatal(err)
	}
	// Nothing waits on the handle itself.
	if err := dev.SetCompletionModes(windows.FILE_SKIP_SET_EVENT_ON_HANDLE); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready to poll")
	// Output: ready to poll
}

// Poll a connection for data to read, then take the completed Request
// back from its completion packet.
func ExampleDevice_Poll() {
	dev, port := setup()
	defer port.Close()
	defer dev.Close()
	client, server := tcpPair()
	defer client.Close()
	defer server.Close()

	req := afd.NewRequest(1)
	req.Set(0, baseOf(client), afd.Receive|afd.Disconnect|afd.Abort)
	req.Context = "client"
	if _, err := dev.Poll(req); err != nil {
		log.Fatal(err)
	}
	server.Write([]byte("hello"))

	// The packet's lpOverlapped points into the Request.
	var entries [8]iocp.Entry
	n, err := port.Wait(entries[:], 5*time.Second)
	if err != nil || n == 0 {
		log.Fatal("no completion: ", err)
	}
	done := afd.RequestOf(entries[0].Overlapped)
	fmt.Println(done == req, done.Context, done.Status())
	for _, h := range done.Ready() {
		fmt.Println(h.Events, h.Status)
	}
	// Output:
	// true client STATUS_SUCCESS (0x00000000)
	// RECEIVE STATUS_SUCCESS (0x00000000)
}

// Cancel a poll that is still pending. It completes with STATUS_CANCELLED,
// and its packet must still be dequeued.
func ExampleDevice_Cancel() {
	dev, port := setup()
	defer port.Close()
	defer dev.Close()
	client, server := tcpPair()
	defer client.Close()
	defer server.Close()

	req := afd.NewRequest(1)
	req.Set(0, baseOf(client), afd.Receive)
	if _, err := dev.Poll(req); err != nil {
		log.Fatal(err)
	}
	if err := dev.Cancel(req); err != nil {
		log.Fatal(err)
	}
	var entries [1]iocp.Entry
	if n, err := port.Wait(entries[:], 5*time.Second); err != nil || n == 0 {
		log.Fatal("no completion: ", err)
	}
	done := afd.RequestOf(entries[0].Overlapped)
	fmt.Println(done.Status())
	fmt.Println(errors.Is(done.Status(), windows.ERROR_OPERATION_ABORTED))
	fmt.Println(len(done.Ready()), done.Handles()[0].Events)

	// Once completed, there is nothing left to cancel.
	fmt.Println(dev.Cancel(req) != nil)
	// Output:
	// STATUS_CANCELLED (0xC0000120)
	// true
	// 0 RECEIVE
	// true
}

// Find the socket a poll must name for a net.Listener, and wait for a
// connection to accept.
func ExampleBaseSocket() {
	dev, port := setup()
	defer port.Close()
	defer dev.Close()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	rc, err := l.(*net.TCPListener).SyscallConn()
	if err != nil {
		log.Fatal(err)
	}
	var base windows.Handle
	rc.Control(func(fd uintptr) {
		// Below any Layered Service Provider: the socket AFD knows.
		base, err = afd.BaseSocket(windows.Handle(fd))
	})
	if err != nil {
		log.Fatal(err)
	}

	req := afd.NewRequest(1)
	req.Set(0, base, afd.Accept)
	if _, err := dev.Poll(req); err != nil {
		log.Fatal(err)
	}
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	var entries [1]iocp.Entry
	if n, err := port.Wait(entries[:], 5*time.Second); err != nil || n == 0 {
		log.Fatal("no completion: ", err)
	}
	fmt.Println(afd.RequestOf(entries[0].Overlapped).Ready()[0].Events)
	// Output: ACCEPT
}

// Errors of the driver match the Win32 and Winsock errors of the same
// meaning.
func ExampleStatus_Is() {
	err := fmt.Errorf("connect: %w", afd.StatusConnectionRefused)
	fmt.Println(errors.Is(err, windows.WSAECONNREFUSED))
	fmt.Println(errors.Is(afd.StatusCancelled, windows.ERROR_OPERATION_ABORTED))
	// Output:
	// true
	// true
}
