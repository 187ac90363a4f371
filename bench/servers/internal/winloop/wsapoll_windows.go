package winloop

import (
	"fmt"

	"github.com/goafd/afd/internal/sock"
	"golang.org/x/sys/windows"
)

// pollFd is WSAPOLLFD.
type pollFd struct {
	fd      windows.Handle
	events  int16
	revents int16
}

// WSAPOLLFD events. POLLHUP, POLLERR and POLLNVAL are reported without
// being asked for (asking is an error).
const (
	pollRdNorm = 0x0100
	pollWrNorm = 0x0010
	pollErr    = 0x0001
	pollHup    = 0x0002
	pollNval   = 0x0004
)

// pollWaiter waits with WSAPoll on an array of every socket that it keeps
// from one wait to the next: set and remove edit it in place, so a wait
// costs WSAPoll's own pass over the array and a scan of the answers.
type pollWaiter struct {
	fds    []pollFd
	index  map[sock.Handle]int // position in fds
	events []event
}

func newPollWaiter() *pollWaiter {
	return &pollWaiter{index: make(map[sock.Handle]int)}
}

func (w *pollWaiter) set(s sock.Handle, read, write bool) {
	var ev int16
	if read {
		ev |= pollRdNorm
	}
	if write {
		ev |= pollWrNorm
	}
	if i, ok := w.index[s]; ok {
		w.fds[i].events = ev
		return
	}
	w.index[s] = len(w.fds)
	w.fds = append(w.fds, pollFd{fd: windows.Handle(s), events: ev})
}

func (w *pollWaiter) remove(s sock.Handle) {
	i, ok := w.index[s]
	if !ok {
		return
	}
	last := len(w.fds) - 1
	w.fds[i] = w.fds[last]
	w.index[sock.Handle(w.fds[i].fd)] = i
	w.fds = w.fds[:last]
	delete(w.index, s)
}

func (w *pollWaiter) wait() ([]event, error) {
	if _, err := wsaPoll(&w.fds[0], uint32(len(w.fds)), -1); err != nil {
		return nil, fmt.Errorf("winloop: WSAPoll on %d sockets: %w", len(w.fds), err)
	}
	w.events = w.events[:0]
	for i := range w.fds {
		re := w.fds[i].revents
		if re == 0 {
			continue
		}
		w.events = append(w.events, event{
			s:        sock.Handle(w.fds[i].fd),
			readable: re&(pollRdNorm|pollErr|pollHup|pollNval) != 0,
			writable: re&pollWrNorm != 0,
		})
	}
	return w.events, nil
}
