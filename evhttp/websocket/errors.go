package websocket

import (
	"errors"
	"strconv"
)

// Close codes (RFC 6455 section 7.4.1).
const (
	CloseNormalClosure           = 1000
	CloseGoingAway               = 1001
	CloseProtocolError           = 1002
	CloseUnsupportedData         = 1003
	CloseNoStatusReceived        = 1005 // never sent: the peer's close frame had no code
	CloseAbnormalClosure         = 1006 // never sent: the connection went without a close frame
	CloseInvalidFramePayloadData = 1007
	ClosePolicyViolation         = 1008
	CloseMessageTooBig           = 1009
	CloseMandatoryExtension      = 1010
	CloseInternalServerErr       = 1011
	CloseServiceRestart          = 1012
	CloseTryAgainLater           = 1013
	CloseTLSHandshake            = 1015 // never sent
)

// Errors of the package, matchable with errors.Is.
var (
	// ErrProtocol: the peer broke RFC 6455; the connection was failed
	// with close code 1002. A *CloseError wraps it.
	ErrProtocol = errors.New("websocket: protocol error")
	// ErrInvalidUTF8: a text message or a close reason was not UTF-8
	// (close code 1007).
	ErrInvalidUTF8 = errors.New("websocket: invalid UTF-8")
	// ErrMessageTooBig: a message was over the size limit (close code
	// 1009).
	ErrMessageTooBig = errors.New("websocket: message too big")
	// ErrClosed: the connection is closing or closed; nothing more can
	// be sent.
	ErrClosed = errors.New("websocket: connection closed")
	// ErrBadHandshake: the opening handshake was refused or malformed.
	ErrBadHandshake = errors.New("websocket: bad handshake")
	// ErrCloseTimeout: the peer did not answer a close frame in time.
	ErrCloseTimeout = errors.New("websocket: close handshake timed out")
)

// A CloseError is how a connection ended: the close frame the peer sent
// (Remote), or the one this side sent when it failed the connection for
// the peer's error (Err says which: ErrProtocol, ErrInvalidUTF8,
// ErrMessageTooBig), or 1006 when the connection went without a close
// frame (Err then says why, when known).
type CloseError struct {
	Code   int
	Text   string
	Remote bool  // the code and text are the peer's
	Err    error // the cause, for a connection this side failed
}

func (e *CloseError) Error() string {
	s := "websocket: close " + strconv.Itoa(e.Code)
	if e.Remote {
		s += " from peer"
	}
	if e.Text != "" {
		s += " (" + e.Text + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CloseError) Unwrap() error { return e.Err }

// protocolError is the failure of a connection with code 1002.
func protocolError(msg string) *CloseError {
	return &CloseError{Code: CloseProtocolError, Text: msg, Err: ErrProtocol}
}

// IsCloseError reports whether err is a *CloseError with one of codes,
// as gorilla/websocket's function of that name does.
func IsCloseError(err error, codes ...int) bool {
	var ce *CloseError
	if !errors.As(err, &ce) {
		return false
	}
	for _, c := range codes {
		if ce.Code == c {
			return true
		}
	}
	return false
}

// validCloseCode reports whether a peer may send code in a close frame
// (RFC 6455 section 7.4, and the IANA registry).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
