package poll_test

import (
	"fmt"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd/poll"
)

// A waitable handle, here an event, in the same Poller as sockets.
func ExamplePoller_AddHandle() {
	p, err := poll.New()
	if err != nil {
		panic(err)
	}
	defer p.Close()
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		panic(err)
	}
	defer windows.CloseHandle(ev)
	if err := p.AddHandle(ev, 42); err != nil {
		panic(err)
	}
	windows.SetEvent(ev)
	events := make([]poll.Event, 8)
	n, err := p.Wait(events, -1)
	if err != nil {
		panic(err)
	}
	fmt.Println(events[:n])
	// Output: [{IN 42}]
}
