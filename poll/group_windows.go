package poll

import (
	"fmt"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/iocp"
)

// groupSize is how many sockets share one AFD device handle. Cancelling a
// poll scans every poll pending on its device, so one device for all
// sockets makes cancellation cost grow with their number (trio #1280);
// wepoll, mio and polling all settle on 32.
const groupSize = 32

// A group is one AFD device and the sockets whose polls it carries.
type group struct {
	dev *afd.Device
	n   int // sockets assigned, including those waiting for a cancellation
}

// groups hands out room on AFD devices, opening a new one when all are
// full. Its caller serializes access.
type groups struct {
	all  []*group
	free []*group // groups with room, most recently freed last
}

// get returns a group with room for one more socket, counting it in.
func (gs *groups) get(port *iocp.Port) (*group, error) {
	if n := len(gs.free); n > 0 {
		g := gs.free[n-1]
		g.n++
		if g.n == groupSize {
			gs.free = gs.free[:n-1]
		}
		return g, nil
	}
	dev, err := afd.Open("")
	if err != nil {
		return nil, err
	}
	if err := port.Associate(dev.Handle(), keyAFD); err != nil {
		dev.Close()
		return nil, err
	}
	err = dev.SetCompletionModes(windows.FILE_SKIP_SET_EVENT_ON_HANDLE | windows.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)
	if err != nil {
		dev.Close()
		return nil, err
	}
	g := &group{dev: dev, n: 1}
	gs.all = append(gs.all, g)
	gs.free = append(gs.free, g)
	return g, nil
}

// put gives back the room of one socket.
func (gs *groups) put(g *group) {
	if g.n == groupSize {
		gs.free = append(gs.free, g)
	}
	g.n--
}

// cancelAll cancels every poll pending on the devices: each completes
// with StatusCancelled.
func (gs *groups) cancelAll() {
	for _, g := range gs.all {
		g.dev.CancelAll() // StatusNotFound: nothing pending there
	}
}

// close closes every device. Polls still pending would outlive their
// device on Windows: cancelAll, and take in the completions, first.
func (gs *groups) close() error {
	var first error
	for _, g := range gs.all {
		if err := g.dev.Close(); err != nil && first == nil {
			first = fmt.Errorf("poll: %w", err)
		}
	}
	gs.all, gs.free = nil, nil
	return first
}
