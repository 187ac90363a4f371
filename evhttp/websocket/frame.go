package websocket

import (
	"encoding/binary"
)

// An opcode is a frame's kind (RFC 6455 section 5.2).
type opcode byte

const (
	opContinuation opcode = 0x0
	opText         opcode = 0x1
	opBinary       opcode = 0x2
	opClose        opcode = 0x8
	opPing         opcode = 0x9
	opPong         opcode = 0xA
)

func (op opcode) control() bool { return op&0x8 != 0 }

// MessageType is the kind of a data message, with gorilla/websocket's
// values.
type MessageType int

const (
	TextMessage   MessageType = 1
	BinaryMessage MessageType = 2
)

func (t MessageType) String() string {
	switch t {
	case TextMessage:
		return "text"
	case BinaryMessage:
		return "binary"
	}
	return "invalid"
}

// maxControlPayload is the largest payload of a control frame (RFC 6455
// section 5.5).
const maxControlPayload = 125

// maxHeader is the largest frame header: 2 bytes, 8 of extended length,
// 4 of mask.
const maxHeader = 14

// A frameHeader is a parsed frame header.
type frameHeader struct {
	fin    bool
	rsv    byte // the three reserved bits, RSV1 as 0x4
	op     opcode
	masked bool
	mask   [4]byte
	length uint64
}

// parseHeader parses the frame header at the start of b: its length in
// bytes, or 0 when b does not hold all of it yet. It checks only what the
// header's own syntax says (the 64-bit length's top bit, minimal length
// encoding is not required by the RFC); the reader checks the rest.
func parseHeader(b []byte) (h frameHeader, n int, err *CloseError) {
	if len(b) < 2 {
		return h, 0, nil
	}
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0] >> 4 & 0x7
	h.op = opcode(b[0] & 0xF)
	h.masked = b[1]&0x80 != 0
	n = 2
	switch l := b[1] & 0x7F; l {
	case 126:
		if len(b) < 4 {
			return h, 0, nil
		}
		h.length = uint64(binary.BigEndian.Uint16(b[2:]))
		n = 4
	case 127:
		if len(b) < 10 {
			return h, 0, nil
		}
		h.length = binary.BigEndian.Uint64(b[2:])
		n = 10
		if h.length>>63 != 0 {
			return h, 0, protocolError("frame length with its most significant bit set")
		}
	default:
		h.length = uint64(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return h, 0, nil
		}
		copy(h.mask[:], b[n:])
		n += 4
	}
	return h, n, nil
}

// appendHeader appends a frame header for a payload of n bytes, masked
// with mask if masked.
func appendHeader(b []byte, fin bool, op opcode, n int, masked bool, mask [4]byte) []byte {
	b0 := byte(op)
	if fin {
		b0 |= 0x80
	}
	var m byte
	if masked {
		m = 0x80
	}
	switch {
	case n <= 125:
		b = append(b, b0, m|byte(n))
	case n <= 0xFFFF:
		b = append(b, b0, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if masked {
		b = append(b, mask[:]...)
	}
	return b
}

// maskBytes XORs b with mask, starting at the key's byte pos, and returns
// the position after b.
func maskBytes(mask [4]byte, pos int, b []byte) int {
	for i := range b {
		b[i] ^= mask[(pos+i)&3]
	}
	return (pos + len(b)) & 3
}
