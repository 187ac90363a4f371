package load

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// fillMessage writes the seq-th message of connection conn into msg: the
// two numbers, then bytes derived from them, so that an echo of another
// connection's message, an old one, or a damaged one does not compare
// equal.
func fillMessage(msg []byte, conn, seq uint64) {
	binary.LittleEndian.PutUint64(msg[0:], conn)
	binary.LittleEndian.PutUint64(msg[8:], seq)
	x := byte(conn*131 + seq*7)
	for i := 16; i < len(msg); i++ {
		msg[i] = x + byte(i)
	}
}

// ErrWrongAnswer is wrapped by the errors of a server's answer that is not
// the one expected: an echo that differs, an HTTP response that is not
// the request's.
var ErrWrongAnswer = errors.New("wrong answer")

// mismatchError describes an echo that differs from the message sent.
func mismatchError(conn, seq uint64, sent, got []byte) error {
	for i := range sent {
		if sent[i] != got[i] {
			return fmt.Errorf("connection %d, message %d: echo differs at byte %d of %d: sent %#02x, got %#02x: %w",
				conn, seq, i, len(sent), sent[i], got[i], ErrWrongAnswer)
		}
	}
	return nil
}
