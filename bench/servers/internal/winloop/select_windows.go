package winloop

import (
	"fmt"

	"github.com/goafd/afd/internal/sock"
)

// fdSet is Winsock's fd_set, {u_int fd_count; SOCKET fd_array[N]}, with N
// as large as needed: [0] holds the count (u_int, padded to the size of
// a SOCKET, which is a UINT_PTR), the sockets follow. select reads the sockets to watch and
// leaves in it those that are ready.
type fdSet []uintptr

// reset empties the set.
func (f *fdSet) reset() { *f = append((*f)[:0], 0) }

// add puts s in the set.
func (f *fdSet) add(s sock.Handle) {
	*f = append(*f, uintptr(s))
	(*f)[0]++
}

// sockets returns the sockets in the set.
func (f fdSet) sockets() []uintptr { return f[1 : 1+uint32(f[0])] }

// ptr returns the set for select, or nil if it is empty.
func (f fdSet) ptr() *uintptr {
	if uint32(f[0]) == 0 {
		return nil
	}
	return &f[0]
}

// interest is what a selectWaiter watches a socket for.
type interest struct {
	s           sock.Handle
	read, write bool
}

// selectWaiter waits with select. select overwrites its sets with the
// ready sockets, so every wait builds them again from the interests:
// that pass over every socket, and select's own, are the cost of select.
type selectWaiter struct {
	watch       []interest
	index       map[sock.Handle]int // position in watch
	read, write fdSet
	events      []event
}

func newSelectWaiter() *selectWaiter {
	return &selectWaiter{index: make(map[sock.Handle]int)}
}

func (w *selectWaiter) set(s sock.Handle, read, write bool) {
	if i, ok := w.index[s]; ok {
		w.watch[i].read, w.watch[i].write = read, write
		return
	}
	w.index[s] = len(w.watch)
	w.watch = append(w.watch, interest{s: s, read: read, write: write})
}

func (w *selectWaiter) remove(s sock.Handle) {
	i, ok := w.index[s]
	if !ok {
		return
	}
	last := len(w.watch) - 1
	w.watch[i] = w.watch[last]
	w.index[w.watch[i].s] = i
	w.watch = w.watch[:last]
	delete(w.index, s)
}

func (w *selectWaiter) wait() ([]event, error) {
	w.read.reset()
	w.write.reset()
	for _, in := range w.watch {
		if in.read {
			w.read.add(in.s)
		}
		if in.write {
			w.write.add(in.s)
		}
	}
	// The first argument is ignored by Winsock; errors (a reset, a
	// refused connection) make a socket readable, so no except set.
	if _, err := sockSelect(0, w.read.ptr(), w.write.ptr(), nil, nil); err != nil {
		return nil, fmt.Errorf("winloop: select on %d sockets: %w", len(w.watch), err)
	}
	w.events = w.events[:0]
	for _, s := range w.read.sockets() {
		w.events = append(w.events, event{s: sock.Handle(s), readable: true})
	}
	for _, s := range w.write.sockets() {
		w.events = append(w.events, event{s: sock.Handle(s), writable: true})
	}
	return w.events, nil
}
