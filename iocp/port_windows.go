package iocp

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/sys/windows"
)

// Entry is OVERLAPPED_ENTRY: one dequeued completion packet.
type Entry struct {
	// Key is the completion key the handle was associated with, or the
	// key given to Post.
	Key uintptr
	// Overlapped is the operation's OVERLAPPED (or IO_STATUS_BLOCK)
	// address; nil for packets posted without one.
	Overlapped *windows.Overlapped
	// Internal is the operation's status: an NTSTATUS for I/O packets.
	Internal uintptr
	// Bytes is the number of bytes transferred (IO_STATUS_BLOCK.Information).
	Bytes uint32
}

// ErrClosed is returned by calls on a closed Port.
var ErrClosed = errors.New("iocp: port closed")

// A Port is an I/O completion port.
//
// Wait may be called from several goroutines at once; each packet goes to
// exactly one of them. Close may be called concurrently with Wait: post a
// packet first if a waiter must return (Close alone does not wake it on
// every Windows version).
type Port struct {
	mu sync.RWMutex // Close takes it exclusively; the other calls share it
	h  windows.Handle
}

// New creates a completion port. concurrency is the number of threads the
// system lets run at once for it; 0 means one per processor.
func New(concurrency int) (*Port, error) {
	h, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, uint32(concurrency))
	if err != nil {
		return nil, fmt.Errorf("iocp: create: %w", err)
	}
	return &Port{h: h}, nil
}

// Handle returns the port handle; 0 once closed.
func (p *Port) Handle() windows.Handle {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.h
}

// Associate associates h with the port: completions of asynchronous I/O on
// h are queued on the port with the given key. A handle can be associated
// with one port only, once.
func (p *Port) Associate(h windows.Handle, key uintptr) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.h == 0 {
		return fmt.Errorf("iocp: associate %#x: %w", uintptr(h), ErrClosed)
	}
	if _, err := windows.CreateIoCompletionPort(h, p.h, key, 0); err != nil {
		return fmt.Errorf("iocp: associate %#x: %w", uintptr(h), err)
	}
	return nil
}

// Wait dequeues up to len(entries) packets, waiting at most timeout for the
// first (a negative timeout waits forever, zero does not wait). It returns
// how many entries it filled; 0 with a nil error means the timeout passed.
// Waits longer than about 49 days are treated as forever.
func (p *Port) Wait(entries []Entry, timeout time.Duration) (int, error) {
	if len(entries) == 0 {
		return 0, errors.New("iocp: wait with no room for entries")
	}
	p.mu.RLock()
	h := p.h
	p.mu.RUnlock()
	if h == 0 {
		return 0, fmt.Errorf("iocp: wait: %w", ErrClosed)
	}
	// A local variable whose address goes to the system would be
	// allocated on every call: the count comes from a pool.
	removed := removedPool.Get().(*uint32)
	defer removedPool.Put(removed)
	errno := getQueuedCompletionStatusEx(h, &entries[0], uint32(min(len(entries), math.MaxUint32)), removed, millis(timeout))
	switch errno {
	case 0:
		return int(*removed), nil
	case windows.WAIT_TIMEOUT:
		return 0, nil
	case windows.ERROR_ABANDONED_WAIT_0, windows.ERROR_INVALID_HANDLE:
		// The port was closed while this call waited on it.
		return 0, fmt.Errorf("iocp: wait: %w", ErrClosed)
	default:
		return 0, fmt.Errorf("iocp: wait: %w", errno)
	}
}

var removedPool = sync.Pool{New: func() any { return new(uint32) }}

// millis converts a timeout for the Win32 API: negative is INFINITE,
// and a positive timeout shorter than a millisecond rounds up so that it
// does not become a poll.
func millis(d time.Duration) uint32 {
	switch {
	case d < 0:
		return windows.INFINITE
	case d == 0:
		return 0
	case d >= windows.INFINITE*time.Millisecond:
		// Also keeps the rounding below from overflowing.
		return windows.INFINITE
	}
	return uint32((d + time.Millisecond - 1) / time.Millisecond)
}

// Post queues a packet of the caller's on the port. Wait returns it as an
// Entry with the same key, overlapped pointer and byte count.
func (p *Port) Post(key uintptr, ov *windows.Overlapped, bytes uint32) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.h == 0 {
		return fmt.Errorf("iocp: post: %w", ErrClosed)
	}
	if err := windows.PostQueuedCompletionStatus(p.h, bytes, key, ov); err != nil {
		return fmt.Errorf("iocp: post: %w", err)
	}
	return nil
}

// Close closes the port. Packets still queued are discarded; handles
// associated with it keep their association until they are closed.
func (p *Port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == 0 {
		return fmt.Errorf("iocp: close: %w", ErrClosed)
	}
	err := windows.CloseHandle(p.h)
	p.h = 0
	if err != nil {
		return fmt.Errorf("iocp: close: %w", err)
	}
	return nil
}
