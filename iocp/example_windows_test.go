package iocp_test

import (
	"fmt"
	"log"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd/iocp"
)

func ExampleNew() {
	// 0: as many threads at once as there are processors.
	port, err := iocp.New(0)
	if err != nil {
		log.Fatal(err)
	}
	defer port.Close()
	fmt.Println(port.Handle() != 0)
	// Output: true
}

// Wake a goroutine blocked in Wait with a packet of one's own.
func ExamplePort_Post() {
	port, err := iocp.New(0)
	if err != nil {
		log.Fatal(err)
	}
	defer port.Close()

	const wakeUp = 99
	go func() {
		time.Sleep(10 * time.Millisecond)
		port.Post(wakeUp, nil, 0)
	}()
	var entries [1]iocp.Entry
	n, err := port.Wait(entries[:], -1) // forever
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, entries[0].Key, entries[0].Overlapped == nil)
	// Output: 1 99 true
}

// Dequeue several packets with one call.
func ExamplePort_Wait() {
	port, err := iocp.New(0)
	if err != nil {
		log.Fatal(err)
	}
	defer port.Close()

	ops := make([]windows.Overlapped, 3)
	for i := range ops {
		port.Post(uintptr(i+1), &ops[i], uint32(100*(i+1)))
	}
	entries := make([]iocp.Entry, 8)
	n, err := port.Wait(entries, time.Second)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries[:n] {
		fmt.Println(e.Key, e.Bytes, e.Overlapped == &ops[e.Key-1])
	}
	// Nothing left: a zero timeout returns at once.
	n, err = port.Wait(entries, 0)
	fmt.Println(n, err)
	// Output:
	// 1 100 true
	// 2 200 true
	// 3 300 true
	// 0 <nil>
}
