package tlssession

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
)

var (
	// ErrHandshakeTimeout ends a handshake that did not complete within
	// Config.HandshakeTimeout of the session's creation: a peer that
	// stalled, or a pool too busy to start it in time. It matches
	// os.ErrDeadlineExceeded with errors.Is, and is a net.Error whose
	// Timeout is true.
	ErrHandshakeTimeout error = timeoutError{}

	// ErrPoolFull refuses a handshake when the pool's workers are all
	// busy and its queue is full (see PoolConfig).
	ErrPoolFull = errors.New("tlssession: handshake pool full")

	// ErrInputFull fails a session whose caller fed it more ciphertext
	// during the handshake than Config.MaxHandshakeInput, although
	// WantInput said to stop.
	ErrInputFull = errors.New("tlssession: handshake input above limit")

	// ErrNotOpen is returned by Write and CloseWrite before the
	// handshake has completed.
	ErrNotOpen = errors.New("tlssession: handshake not complete")
)

// timeoutError is ErrHandshakeTimeout.
type timeoutError struct{}

func (timeoutError) Error() string   { return "tlssession: handshake timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return false }

// Is makes ErrHandshakeTimeout match os.ErrDeadlineExceeded, as a
// deadline of Go's net does.
func (timeoutError) Is(target error) bool { return target == os.ErrDeadlineExceeded }

// wouldBlock is what the transport's Read returns, once the handshake
// is over, when the caller has fed no more ciphertext. It is a
// temporary net.Error: crypto/tls then keeps the partial record it has
// read and returns the error without making it the connection's
// (TestFactTemporaryReadErrorIsNotSticky).
type wouldBlock struct{}

func (wouldBlock) Error() string   { return "tlssession: no more input" }
func (wouldBlock) Timeout() bool   { return false }
func (wouldBlock) Temporary() bool { return true }

var errWouldBlock error = wouldBlock{}

// An Error is a failure of a session: the operation (handshake, read,
// write, close), the peer's address when known, and the cause, which
// errors.Is and errors.As see through: *tls.RecordHeaderError for a peer
// that does not speak TLS, *tls.CertificateVerificationError and the x509
// errors in it for a certificate refused, ErrHandshakeTimeout, and
// tls.AlertError for an alert the peer sent (crypto/tls reports those as
// a *net.OpError "remote error" around a value of an unexported type;
// Error adds the AlertError of the same code).
type Error struct {
	Op     string
	Remote net.Addr // nil if not known
	Err    error
	alert  *tls.AlertError
}

func newError(op string, remote net.Addr, err error) *Error {
	e := &Error{Op: op, Remote: remote, Err: err}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil {
		if a, ok := alertCodes()[oe.Err.Error()]; ok {
			e.alert = &a
		}
	}
	return e
}

func (e *Error) Error() string {
	s := "tlssession: " + e.Op
	if e.Remote != nil {
		s += " with " + e.Remote.String()
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause and, for an alert from the peer, its
// tls.AlertError.
func (e *Error) Unwrap() []error {
	if e.alert != nil {
		return []error{e.Err, *e.alert}
	}
	return []error{e.Err}
}

// alertCodes maps the text of each alert to its code. crypto/tls gives
// an alert received the same text as AlertError of its code.
var alertCodes = sync.OnceValue(func() map[string]tls.AlertError {
	m := make(map[string]tls.AlertError, 256)
	for i := 255; i >= 0; i-- {
		m[tls.AlertError(i).Error()] = tls.AlertError(i)
	}
	return m
})
