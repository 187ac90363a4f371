package poll

import (
	"fmt"
	"io/fs"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"
)

// keyHandle marks the packet a thread-pool wait posts when its handle is
// signalled; the packet's byte count carries the wait's id.
const keyHandle = 3

// wtExecuteOnlyOnce is WT_EXECUTEONLYONCE: the wait ends after one call.
const wtExecuteOnlyOnce = 0x00000008

// A handleWait is one waitable handle registered with AddHandle.
type handleWait struct {
	h    windows.Handle
	key  uint64
	id   uint32
	wait windows.Handle // the thread-pool wait object
	p    *sysPoller
}

// handleWaits maps the ids that thread-pool callbacks receive to their
// waits. The callback runs on a thread-pool thread and is given only a
// number, never a Go pointer.
var handleWaits struct {
	sync.Mutex
	next uint32
	m    map[uint32]*handleWait
}

// handleCallback is the WAITORTIMERCALLBACK of every wait: it posts a
// packet to the poller's port, which Wait turns into an event.
var handleCallback = syscall.NewCallback(func(context, timedOut uintptr) uintptr {
	handleWaits.Lock()
	w := handleWaits.m[uint32(context)]
	handleWaits.Unlock()
	if w != nil {
		w.p.port.Post(keyHandle, nil, w.id)
	}
	return 0
})

// AddHandle registers a waitable Windows handle, such as an event, a
// process or a thread: once it is signalled, Wait reports it as In with
// key. The registration is one-shot: after the report it is gone, and
// AddHandle starts a new one. Adding a handle that is registered fails
// with an error matching fs.ErrExist.
//
// The wait runs in the system thread pool (RegisterWaitForSingleObject),
// which posts a packet to the Poller's completion port. This works the
// same under Wine.
func (p *Poller) AddHandle(h windows.Handle, key uint64) error {
	if !p.enter() {
		return fmt.Errorf("poll: add handle %#x: %w", uintptr(h), ErrClosed)
	}
	defer p.exit()
	if key == ReservedKey {
		return fmt.Errorf("poll: add handle %#x: %w %#x", uintptr(h), ErrInvalidKey, key)
	}
	if err := p.sys.addHandle(h, key); err != nil {
		return fmt.Errorf("poll: add handle %#x: %w", uintptr(h), err)
	}
	return nil
}

// DeleteHandle ends the registration of h. It waits for a callback that
// is running to finish; no Wait that starts after it returns reports h.
// Deleting a handle that is not registered (or has been reported) fails
// with an error matching fs.ErrNotExist.
func (p *Poller) DeleteHandle(h windows.Handle) error {
	if !p.enter() {
		return fmt.Errorf("poll: delete handle %#x: %w", uintptr(h), ErrClosed)
	}
	defer p.exit()
	if err := p.sys.deleteHandle(h); err != nil {
		return fmt.Errorf("poll: delete handle %#x: %w", uintptr(h), err)
	}
	return nil
}

func (p *sysPoller) addHandle(h windows.Handle, key uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.handles[h]; ok {
		return fs.ErrExist
	}
	w := &handleWait{h: h, key: key, p: p}
	handleWaits.Lock()
	if handleWaits.m == nil {
		handleWaits.m = make(map[uint32]*handleWait)
	}
	for {
		handleWaits.next++
		if _, used := handleWaits.m[handleWaits.next]; !used && handleWaits.next != 0 {
			break
		}
	}
	w.id = handleWaits.next
	handleWaits.m[w.id] = w
	handleWaits.Unlock()
	err := registerWaitForSingleObject(&w.wait, h, handleCallback, uintptr(w.id), windows.INFINITE, wtExecuteOnlyOnce)
	if err != nil {
		forgetWait(w)
		return err
	}
	if p.handles == nil {
		p.handles = make(map[windows.Handle]*handleWait)
	}
	p.handles[h] = w
	return nil
}

func (p *sysPoller) deleteHandle(h windows.Handle) error {
	p.mu.Lock()
	w, ok := p.handles[h]
	if ok {
		delete(p.handles, h)
	}
	p.mu.Unlock()
	if !ok {
		return fs.ErrNotExist
	}
	return endWait(w, true)
}

// endWait releases the thread-pool wait of w; with block it first waits
// for a running callback to return.
func endWait(w *handleWait, block bool) error {
	forgetWait(w)
	var done windows.Handle // 0: do not wait for callbacks
	if block {
		done = windows.InvalidHandle
	}
	err := unregisterWaitEx(w.wait, done)
	if err == windows.ERROR_IO_PENDING {
		// The callback is running or has run: the wait is released once
		// it returns.
		err = nil
	}
	return err
}

func forgetWait(w *handleWait) {
	handleWaits.Lock()
	delete(handleWaits.m, w.id)
	handleWaits.Unlock()
}

// handleFired turns the packet of a wait into readiness for Wait.
func (p *sysPoller) handleFired(id uint32) {
	handleWaits.Lock()
	w := handleWaits.m[id]
	handleWaits.Unlock()
	if w == nil || p.handles[w.h] != w {
		return // deleted meanwhile
	}
	delete(p.handles, w.h)
	// The callback has posted and returns at once: release the wait
	// without blocking this Wait on it.
	endWait(w, false)
	p.firedHandles = append(p.firedHandles, w.key)
}

// closeHandles ends every wait, when the Poller closes.
func (p *sysPoller) closeHandles() {
	for h, w := range p.handles {
		delete(p.handles, h)
		endWait(w, true)
	}
}
