package tlssession

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Role says which side of the handshake a session plays.
type Role uint8

const (
	Server Role = iota // waits for a ClientHello
	Client             // sends the ClientHello
)

// hsState is where a handshake stands, shared between the caller, the
// pool worker and the timer under Session.mu.
type hsState uint8

const (
	hsWaitHello hsState = iota // server: waiting for the first record; no goroutine yet
	hsQueued                   // waiting for a pool worker
	hsRunning                  // on a pool worker
	hsDone                     // completed; Step has not taken it yet
	hsFailed                   // failed (hsErr); Step has not taken it yet
	hsTaken                    // Step has taken the outcome, or Close ended it
)

// phase is the session's state as its caller sees it, owned by the
// caller's goroutine.
type phase uint8

const (
	phaseHandshake phase = iota // Feed buffers ciphertext for the handshake
	phaseOpen                   // records: Feed decrypts, Write encrypts
	phaseClosed                 // Close called, or the handshake failed
)

// A Session drives one crypto/tls connection for a caller that must not
// block, such as an event loop: the caller feeds it the ciphertext it
// reads from the socket and sends what it hands out. See the package
// documentation for the model.
//
// All its methods belong to the caller's goroutine, one call at a time;
// only Options.Notify comes from elsewhere.
type Session struct {
	cfg   *Config
	role  Role
	opts  Options
	tc    *tls.Conn
	tr    transport
	timer *time.Timer
	phase phase // caller-owned
	ended bool  // caller-owned: Close has run

	// Shared with the worker and the timer.
	mu       sync.Mutex
	hs       hsState
	hsErr    error
	notified bool // Notify called and Step not run since
	closed   bool // Close called
	expired  bool // the handshake timeout fired while the handshake ran

	// Queue links, guarded by the pool's mu.
	inQueue      bool
	qprev, qnext *Session
}

// New returns a session in role over cfg. A client session starts its
// handshake at once (its ClientHello is output, through Notify and
// Step); a server session waits for the peer's first record, so that a
// peer that connects and sends nothing, or half a record, holds no
// goroutine. The handshake timeout starts now.
func New(cfg *Config, role Role, opts Options) (*Session, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if opts.Send == nil || opts.Notify == nil {
		return nil, errors.New("tlssession: Options.Send and Options.Notify are required")
	}
	s := &Session{cfg: cfg, role: role, opts: opts}
	s.tr.s = s
	s.tr.wake.L = &s.mu
	if role == Client {
		s.tc = tls.Client(&s.tr, cfg.TLS)
		s.hs = hsQueued
	} else {
		s.tc = tls.Server(&s.tr, cfg.TLS)
	}
	s.timer = time.AfterFunc(cfg.timeout(), s.expire)
	if role == Client && !cfg.pool().submit(s) {
		s.timer.Stop()
		s.phase = phaseClosed
		return nil, newError("handshake", opts.RemoteAddr, ErrPoolFull)
	}
	return s, nil
}

// Feed hands the session ciphertext read from the socket and returns
// the plaintext it yields, written into pt. ct is the caller's only for
// the call: what crypto/tls does not take during the call is copied.
//
// During the handshake, Feed buffers ct for the handshake's goroutine
// and returns 0. Once Step has reported the handshake complete, it
// decrypts the records of ct (and of earlier calls) into pt; if it fills
// pt, more may be waiting: call Feed(nil, pt) again after consuming pt.
// Right after Step reports completion, call Feed(nil, pt) once too: the
// peer's first data may have come with its last handshake message.
//
// The error io.EOF means the peer sent close_notify: no more data comes
// (pt[:n] is still valid). Another error fails the session (an *Error;
// the alert crypto/tls sent in answer, if any, went to Send): the caller
// should close the connection after sending what it has.
func (s *Session) Feed(ct, pt []byte) (int, error) {
	switch s.phase {
	case phaseOpen:
		return s.read(ct, pt)
	case phaseClosed:
		return 0, net.ErrClosed
	}
	if len(ct) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	if len(s.tr.in) >= s.cfg.maxInput() {
		s.mu.Unlock()
		s.Close()
		return 0, newError("handshake", s.opts.RemoteAddr, ErrInputFull)
	}
	s.tr.in = append(s.tr.in, ct...)
	start := s.hs == hsWaitHello && helloReady(s.tr.in)
	if start {
		s.hs = hsQueued
	}
	s.tr.wake.Signal()
	s.mu.Unlock()
	if start {
		return 0, s.submit()
	}
	return 0, nil
}

// submit hands a server's handshake to the pool.
func (s *Session) submit() error {
	if s.cfg.pool().submit(s) {
		return nil
	}
	s.Close()
	return newError("handshake", s.opts.RemoteAddr, ErrPoolFull)
}

// helloReady reports whether the first ciphertext of a server session,
// in, is worth a worker: a whole first record, or a header that
// crypto/tls will refuse at once.
func helloReady(in []byte) bool {
	const (
		recordHeaderLen     = 5
		recordTypeHandshake = 22
		maxCiphertext       = 16384 + 2048
	)
	if len(in) < recordHeaderLen {
		return false
	}
	if in[0] != recordTypeHandshake {
		return true
	}
	n := int(in[3])<<8 | int(in[4])
	return n > maxCiphertext || len(in) >= recordHeaderLen+n
}

// FeedEOF tells the session that the socket has reached end of stream.
// During the handshake the handshake then fails once it has read what
// was fed (reported by Step, or by the error returned here if no
// handshake was started). After it, Feed returns the rest and then
// io.EOF, or the error of a record cut short.
func (s *Session) FeedEOF() error {
	switch s.phase {
	case phaseOpen:
		s.tr.eof = true
		return nil
	case phaseClosed:
		return net.ErrClosed
	}
	s.mu.Lock()
	if s.tr.inErr == nil {
		s.tr.inErr = io.EOF
	}
	s.tr.wake.Signal()
	start := false
	if s.hs == hsWaitHello {
		if len(s.tr.in) == 0 {
			s.mu.Unlock()
			s.Close()
			return newError("handshake", s.opts.RemoteAddr, io.EOF)
		}
		// Let crypto/tls say what the partial record was.
		s.hs = hsQueued
		start = true
	}
	s.mu.Unlock()
	if start {
		return s.submit()
	}
	return nil
}

// WantInput reports whether the caller should read from the socket
// for this session: false while the handshake has MaxHandshakeInput
// unread, and once the session is closed.
func (s *Session) WantInput() bool {
	switch s.phase {
	case phaseOpen:
		return true
	case phaseClosed:
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tr.in) < s.cfg.maxInput()
}

// Step takes the news that Notify announced, on the caller's goroutine:
// it hands the handshake's pending output to Send and reports the
// handshake's end. opened is true once, when the handshake has
// completed: Write, CloseWrite and ConnectionState then work, and the
// caller should call Feed(nil, pt) for data that came with it. err is
// the handshake's failure (an *Error), once; the alert crypto/tls sent
// about it has gone to Send, and the session is closed. Otherwise Step
// reports nothing: the handshake goes on.
func (s *Session) Step() (opened bool, err error) {
	if s.phase != phaseHandshake {
		return false, nil
	}
	s.mu.Lock()
	out := s.tr.out
	s.tr.out = nil
	s.notified = false
	st, herr := s.hs, s.hsErr
	var pending []byte
	if st == hsDone || st == hsFailed {
		s.hs = hsTaken
		pending = s.tr.in
		s.tr.in = nil
	}
	s.mu.Unlock()
	if len(out) > 0 {
		if serr := s.opts.Send(out); serr != nil && st != hsFailed {
			s.Close()
			return false, newError("handshake", s.opts.RemoteAddr, serr)
		}
	}
	switch st {
	case hsDone:
		// The worker is done with the transport: its last use came
		// before it set hsDone under mu, which Step read under mu.
		s.timer.Stop()
		s.tr.open = true
		s.tr.pending = pending
		s.phase = phaseOpen
		return true, nil
	case hsFailed:
		s.timer.Stop()
		s.phase = phaseClosed
		return false, herr
	}
	return false, nil
}

// read is Feed once the handshake is over.
func (s *Session) read(ct, pt []byte) (int, error) {
	s.tr.cur = ct
	n := 0
	var err error
	for n < len(pt) {
		var m int
		m, err = s.tc.Read(pt[n:])
		n += m
		if err != nil || m == 0 {
			break
		}
	}
	if len(s.tr.cur) > 0 {
		s.tr.pending = append(s.tr.pending, s.tr.cur...)
	}
	s.tr.cur = nil
	switch {
	case err == nil, err == errWouldBlock:
		return n, nil
	case err == io.EOF:
		return n, io.EOF
	}
	return n, newError("read", s.opts.RemoteAddr, err)
}

// Write encrypts p into records and hands them to Send. It fails with
// ErrNotOpen before the handshake has completed, net.ErrClosed after
// Close, and with the error of crypto/tls or Send (an *Error) otherwise.
func (s *Session) Write(p []byte) (int, error) {
	switch s.phase {
	case phaseHandshake:
		return 0, ErrNotOpen
	case phaseClosed:
		return 0, net.ErrClosed
	}
	n, err := s.tc.Write(p)
	if err != nil {
		return n, newError("write", s.opts.RemoteAddr, err)
	}
	return n, nil
}

// CloseWrite sends close_notify: the peer reads end of stream after
// what was written before, and Write fails from then on. Feed still
// works. It fails with ErrNotOpen before the handshake has completed (a
// caller closing then just closes the connection) and net.ErrClosed
// after Close.
func (s *Session) CloseWrite() error {
	switch s.phase {
	case phaseHandshake:
		return ErrNotOpen
	case phaseClosed:
		return net.ErrClosed
	}
	if err := s.tc.CloseWrite(); err != nil {
		return newError("close", s.opts.RemoteAddr, err)
	}
	return nil
}

// Close ends the session at once, sending nothing: a handshake running
// fails (its worker returns to the pool without notifying), a queued
// one leaves the queue, the timer stops. Later calls to the session
// fail with net.ErrClosed. Close is for when the connection closes;
// CloseWrite is the graceful end.
func (s *Session) Close() {
	if s.ended {
		return
	}
	s.ended = true
	s.phase = phaseClosed
	s.mu.Lock()
	queued := s.hs == hsQueued
	if s.hs != hsDone && s.hs != hsFailed {
		s.hs = hsTaken
	}
	s.closed = true
	if s.tr.inErr == nil || s.tr.inErr == io.EOF {
		s.tr.inErr = net.ErrClosed
	}
	s.tr.wake.Broadcast()
	s.tr.in, s.tr.out = nil, nil
	s.mu.Unlock()
	if queued {
		s.cfg.pool().remove(s)
	}
	s.timer.Stop()
	s.tr.pending, s.tr.cur = nil, nil
}

// ConnectionState returns the state of the connection once the
// handshake has completed (ALPN in NegotiatedProtocol, SNI in
// ServerName, DidResume, the peer's certificates), and the zero value
// before.
func (s *Session) ConnectionState() tls.ConnectionState {
	if s.phase != phaseOpen {
		return tls.ConnectionState{}
	}
	return s.tc.ConnectionState()
}

// handshake runs on a worker of p, unless the session was closed or
// timed out while it was queued.
func (s *Session) handshake(p *Pool) {
	s.mu.Lock()
	if s.hs != hsQueued {
		s.mu.Unlock()
		return
	}
	s.hs = hsRunning
	s.mu.Unlock()
	p.begin()

	err := s.tc.Handshake()

	s.mu.Lock()
	if s.hs != hsRunning {
		s.mu.Unlock() // closed meanwhile
		return
	}
	if err != nil {
		if s.expired && !errors.Is(err, ErrHandshakeTimeout) {
			// The timeout broke a Read; crypto/tls may have said so
			// in words of its own.
			err = errors.Join(ErrHandshakeTimeout, err)
		}
		s.hs, s.hsErr = hsFailed, newError("handshake", s.opts.RemoteAddr, err)
	} else {
		s.hs = hsDone
	}
	notify := s.markNotify()
	s.mu.Unlock()
	if notify {
		s.opts.Notify()
	}
}

// expire is the handshake timeout, on the timer's goroutine.
func (s *Session) expire() {
	s.mu.Lock()
	switch s.hs {
	case hsWaitHello, hsQueued:
		queued := s.hs == hsQueued
		s.hs, s.hsErr = hsFailed, newError("handshake", s.opts.RemoteAddr, ErrHandshakeTimeout)
		notify := s.markNotify()
		s.mu.Unlock()
		if queued {
			s.cfg.pool().remove(s)
		}
		if notify {
			s.opts.Notify()
		}
		return
	case hsRunning:
		s.expired = true
		if s.tr.inErr == nil || s.tr.inErr == io.EOF {
			s.tr.inErr = ErrHandshakeTimeout
		}
		s.tr.wake.Broadcast()
	}
	s.mu.Unlock()
}

// markNotify reports whether Notify is due, and records that it is
// (mu held): once per Step, and never after Close.
func (s *Session) markNotify() bool {
	if s.notified || s.closed {
		return false
	}
	s.notified = true
	return true
}
