package tlssession

import (
	"io"
	"net"
	"sync"
	"time"
)

// transport is the net.Conn under a session's tls.Conn. It has two
// modes. During the handshake, which runs on a pool worker, Read blocks
// until the caller feeds ciphertext (or EOF, a timeout, Close), and
// Write collects the handshake's output for Step; both under the
// session's mu. Once the caller has taken the handshake's end (Step),
// only the caller's goroutine uses it: Read takes the ciphertext being
// fed and says "would block" (a temporary error) when there is none,
// Write goes straight to Options.Send.
type transport struct {
	s *Session

	// Handshake mode, guarded by s.mu.
	in    []byte    // ciphertext fed and not read yet
	inErr error     // what Read returns once in is empty: io.EOF, a timeout, net.ErrClosed
	wake  sync.Cond // signalled when in or inErr change
	out   []byte    // handshake output not yet taken by Step

	// Record mode, owned by the caller's goroutine.
	open    bool   // record mode; set by Step once the worker is done
	pending []byte // ciphertext fed but not read by crypto/tls: a copy, nil when empty
	cur     []byte // the caller's ciphertext during a Feed, not copied
	eof     bool   // the socket's end of stream came after pending
}

func (t *transport) Read(b []byte) (int, error) {
	if t.open {
		switch {
		case len(t.pending) > 0:
			n := copy(b, t.pending)
			t.pending = t.pending[n:]
			if len(t.pending) == 0 {
				t.pending = nil // no read buffer kept by an idle session
			}
			return n, nil
		case len(t.cur) > 0:
			n := copy(b, t.cur)
			t.cur = t.cur[n:]
			return n, nil
		case t.eof:
			return 0, io.EOF
		}
		return 0, errWouldBlock
	}
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(t.in) == 0 && t.inErr == nil {
		t.wake.Wait()
	}
	if len(t.in) == 0 {
		return 0, t.inErr
	}
	n := copy(b, t.in)
	t.in = t.in[n:]
	if len(t.in) == 0 {
		t.in = nil
	}
	return n, nil
}

func (t *transport) Write(b []byte) (int, error) {
	s := t.s
	if t.open {
		if err := s.opts.Send(b); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, net.ErrClosed
	}
	t.out = append(t.out, b...)
	notify := s.markNotify()
	s.mu.Unlock()
	if notify {
		s.opts.Notify()
	}
	return len(b), nil
}

// Close is called by crypto/tls only from tls.Conn.Close, which the
// session does not call; the session's Close is what ends it.
func (t *transport) Close() error { return nil }

func (t *transport) LocalAddr() net.Addr  { return addrOr(t.s.opts.LocalAddr) }
func (t *transport) RemoteAddr() net.Addr { return addrOr(t.s.opts.RemoteAddr) }

// Deadlines are the session's: crypto/tls sets a write deadline around
// close_notify, and writes here never block.
func (t *transport) SetDeadline(time.Time) error      { return nil }
func (t *transport) SetReadDeadline(time.Time) error  { return nil }
func (t *transport) SetWriteDeadline(time.Time) error { return nil }

// noAddr stands for an address the caller did not give.
type noAddr struct{}

func (noAddr) Network() string { return "tlssession" }
func (noAddr) String() string  { return "unknown" }

func addrOr(a net.Addr) net.Addr {
	if a == nil {
		return noAddr{}
	}
	return a
}
