package poll_test

import (
	"fmt"
	"log"
	"time"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/poll"
)

// A level-triggered UDP socket: reported while a datagram waits.
func ExamplePoller_Wait() {
	p, err := poll.New()
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	h, addr, err := sock.Bind(sock.UDP4)
	if err != nil {
		log.Fatal(err)
	}
	defer sock.Close(h)
	if err := p.Add(uintptr(h), 42, poll.In); err != nil {
		log.Fatal(err)
	}

	from, _, _ := sock.Bind(sock.UDP4)
	defer sock.Close(from)
	sock.SendTo(from, []byte("hello"), addr)

	events := make([]poll.Event, 8)
	n, err := p.Wait(events, 10*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range events[:n] {
		fmt.Println(e.Key, e.Events)
		buf := make([]byte, 64)
		m, _, _ := sock.RecvFrom(h, buf)
		fmt.Printf("%s\n", buf[:m])
	}
	n, _ = p.Wait(events, 10*time.Millisecond)
	fmt.Println(n, "events once read")
	// Output:
	// 42 IN
	// hello
	// 0 events once read
}

// One-shot: reported once, re-armed with Modify. A connected socket is
// writable.
func ExamplePoller_Modify() {
	p, err := poll.New()
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	c, s, err := sock.Pair(sock.TCP4)
	if err != nil {
		log.Fatal(err)
	}
	defer sock.Close(c)
	defer sock.Close(s)

	p.Add(uintptr(c), 1, poll.Out|poll.Oneshot)
	events := make([]poll.Event, 8)
	for range 2 {
		n, _ := p.Wait(events, 100*time.Millisecond)
		fmt.Println(n, events[:n])
	}
	p.Modify(uintptr(c), 2, poll.In|poll.Out|poll.Oneshot)
	n, _ := p.Wait(events, 100*time.Millisecond)
	fmt.Println(n, events[:n])
	// Output:
	// 1 [{OUT 1}]
	// 0 []
	// 1 [{OUT 2}]
}

// Close returns a blocked Wait with an error that matches net.ErrClosed.
func ExamplePoller_Close() {
	p, err := poll.New()
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := p.Wait(make([]poll.Event, 1), -1)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	p.Close()
	fmt.Println(<-done)
	// Output: poll: wait: poller is closed
}

// A Poller for code that owns its sockets and Deletes each before closing
// it, as an event loop does: on Windows it then keeps no poll of its own
// per socket to notice closes.
func ExampleDeleteBeforeClose() {
	p, err := poll.New(poll.DeleteBeforeClose())
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	events := make([]poll.Event, 8)
	for i := range uint64(3) {
		c, s, err := sock.Pair(sock.TCP4)
		if err != nil {
			log.Fatal(err)
		}
		p.Add(uintptr(c), i, poll.Out)
		n, _ := p.Wait(events, time.Second)
		fmt.Println(events[:n])
		p.Delete(uintptr(c)) // then close
		sock.Close(c)
		sock.Close(s)
	}
	// Output:
	// [{OUT 0}]
	// [{OUT 1}]
	// [{OUT 2}]
}
