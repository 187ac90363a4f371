package websocket

import (
	"encoding/binary"
	"unicode/utf8"
)

// An event is what reader.next completed.
type event uint8

const (
	evMore    event = iota // nothing complete: more input is needed
	evMessage              // a data message: reader.msgType, reader.msg
	evPing                 // a ping: reader.control()
	evPong                 // a pong: reader.control()
	evClose                // a close frame: reader.closeCode, reader.closeText
)

// A reader parses frames incrementally from a connection's input, as it
// arrives in the evloop buffer, and reassembles messages. It holds no
// buffer of its own between messages: the message under way is the only
// memory it keeps (msg), and a control frame's payload (at most 125
// bytes) sits in an array of the struct.
type reader struct {
	server bool  // frames must be masked (a server's reader); unmasked otherwise
	max    int64 // the largest message

	// The frame under way, once its header is parsed.
	inFrame bool
	op      opcode
	fin     bool
	masked  bool
	mask    [4]byte
	maskPos int
	left    uint64 // payload bytes still to come

	// The message under way.
	inMsg   bool
	msgType MessageType
	msg     []byte
	checked int // msg[:checked] is known to be valid UTF-8 (text)

	ctl  [maxControlPayload]byte
	ctlN int

	closeCode int
	closeText string
}

// control returns the payload of the last control frame; valid until the
// next call of next.
func (r *reader) control() []byte { return r.ctl[:r.ctlN] }

// take hands the completed message over and forgets it.
func (r *reader) take() []byte {
	m := r.msg
	r.msg, r.checked = nil, 0
	return m
}

// next consumes frames from in: it returns how many bytes it consumed and
// the event that stopped it, evMore when it has consumed all of in
// without completing a message or control frame. A non-nil error fails
// the connection with its code.
func (r *reader) next(in []byte) (n int, ev event, err *CloseError) {
	for {
		if !r.inFrame {
			h, hn, err := parseHeader(in[n:])
			if err != nil || hn == 0 {
				return n, evMore, err
			}
			if err := r.begin(&h); err != nil {
				return n, evMore, err
			}
			n += hn
		}
		k := int(min(r.left, uint64(len(in)-n)))
		p := in[n : n+k]
		if r.op.control() {
			dst := r.ctl[r.ctlN : r.ctlN+k]
			copy(dst, p)
			r.ctlN += k
			if r.masked {
				r.maskPos = maskBytes(r.mask, r.maskPos, dst)
			}
		} else {
			start := len(r.msg)
			r.msg = append(r.msg, p...)
			if r.masked {
				r.maskPos = maskBytes(r.mask, r.maskPos, r.msg[start:])
			}
		}
		n += k
		r.left -= uint64(k)
		if r.left > 0 {
			return n, evMore, nil
		}
		r.inFrame = false
		switch r.op {
		case opPing:
			return n, evPing, nil
		case opPong:
			return n, evPong, nil
		case opClose:
			return n, evClose, r.parseClose()
		}
		if r.msgType == TextMessage {
			if err := r.checkUTF8(r.fin); err != nil {
				return n, evMore, err
			}
		}
		if r.fin {
			r.inMsg = false
			return n, evMessage, nil
		}
	}
}

// begin checks a frame's header against the protocol and the state of
// the message, and starts the frame.
func (r *reader) begin(h *frameHeader) *CloseError {
	switch {
	case h.rsv != 0:
		return protocolError("reserved bits set without an extension")
	case h.masked != r.server:
		if r.server {
			return protocolError("unmasked frame from a client")
		}
		return protocolError("masked frame from a server")
	}
	switch h.op {
	case opClose, opPing, opPong:
		if !h.fin {
			return protocolError("fragmented control frame")
		}
		if h.length > maxControlPayload {
			return protocolError("control frame payload over 125 bytes")
		}
		r.ctlN = 0
	case opText, opBinary:
		if r.inMsg {
			return protocolError("new message inside a fragmented one")
		}
		if h.length > uint64(r.max) {
			return tooBig()
		}
		r.inMsg, r.msgType, r.checked = true, MessageType(h.op), 0
		r.msg = r.msg[:0]
	case opContinuation:
		if !r.inMsg {
			return protocolError("continuation frame without a message")
		}
		if h.length > uint64(r.max)-uint64(len(r.msg)) {
			return tooBig()
		}
	default:
		return protocolError("reserved opcode")
	}
	r.inFrame = true
	r.op, r.fin, r.masked, r.mask, r.maskPos, r.left = h.op, h.fin, h.masked, h.mask, 0, h.length
	return nil
}

func tooBig() *CloseError {
	return &CloseError{Code: CloseMessageTooBig, Text: "message too big", Err: ErrMessageTooBig}
}

func invalidUTF8(what string) *CloseError {
	return &CloseError{Code: CloseInvalidFramePayloadData, Text: "invalid UTF-8 in " + what, Err: ErrInvalidUTF8}
}

// checkUTF8 checks the text received so far: all of it at the message's
// end, up to a rune cut by the frame's end before, so that invalid text
// fails the connection at the frame where it shows, across fragments too.
func (r *reader) checkUTF8(end bool) *CloseError {
	stop := len(r.msg)
	if !end {
		// Leave out a rune the next fragment may complete: at most 3
		// bytes from a start byte whose rune does not fit.
		for i := len(r.msg) - 1; i >= r.checked && i >= len(r.msg)-3; i-- {
			b := r.msg[i]
			if b < utf8.RuneSelf {
				break
			}
			if utf8.RuneStart(b) {
				if !utf8.FullRune(r.msg[i:]) {
					stop = i
				}
				break
			}
		}
	}
	if !utf8.Valid(r.msg[r.checked:stop]) {
		return invalidUTF8("text message")
	}
	r.checked = stop
	return nil
}

// parseClose reads the close frame's code and reason.
func (r *reader) parseClose() *CloseError {
	p := r.control()
	r.closeCode, r.closeText = CloseNoStatusReceived, ""
	switch {
	case len(p) == 0:
		return nil
	case len(p) == 1:
		return protocolError("close frame with a 1-byte payload")
	}
	code := int(binary.BigEndian.Uint16(p))
	if !validCloseCode(code) {
		return protocolError("invalid close code")
	}
	if !utf8.Valid(p[2:]) {
		return invalidUTF8("close reason")
	}
	r.closeCode, r.closeText = code, string(p[2:])
	return nil
}
