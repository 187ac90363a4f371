package websocket

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// mframe builds a frame as a client sends it (masked with a fixed key),
// or as a server does for masked false.
func mframe(fin bool, rsv byte, op opcode, p []byte, masked bool) []byte {
	b0 := byte(op) | rsv<<4
	if fin {
		b0 |= 0x80
	}
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	b := appendHeader(nil, false, 0, len(p), masked, mask)
	b[0] = b0
	start := len(b)
	b = append(b, p...)
	if masked {
		maskBytes(mask, 0, b[start:])
	}
	return b
}

func closePayload(code int, text string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), text...)
}

// A got is one event of a reader, for comparison.
type got struct {
	ev   event
	typ  MessageType
	data string
	code int
}

// feed runs a reader over stream, delivered in pieces of the sizes of
// split (the last repeated), as a loop's buffer would hold it: what the
// reader leaves stays for the next call. It returns the events and the
// error that ended the stream, if any.
func feed(r *reader, stream []byte, split int) ([]got, *CloseError) {
	var out []got
	var buf []byte
	for off := 0; off < len(stream) || len(buf) > 0; {
		if off < len(stream) {
			k := min(split, len(stream)-off)
			buf = append(buf, stream[off:off+k]...)
			off += k
		}
		for {
			n, ev, err := r.next(buf)
			buf = buf[n:]
			if err != nil {
				return out, err
			}
			if ev == evMore {
				break
			}
			g := got{ev: ev}
			switch ev {
			case evMessage:
				g.typ, g.data = r.msgType, string(r.take())
			case evPing, evPong:
				g.data = string(r.control())
			case evClose:
				g.code, g.data = r.closeCode, r.closeText
			}
			out = append(out, g)
		}
		if off >= len(stream) {
			break
		}
	}
	return out, nil
}

func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// TestReader: frames of every kind, fragmented messages with control
// frames between their fragments, and every protocol error with its
// close code, each stream fed whole and split at every byte.
func TestReader(t *testing.T) {
	long := bytes.Repeat([]byte("abcdefgh"), 9000) // 72000 bytes: a 64-bit length
	mid := bytes.Repeat([]byte("x"), 300)          // a 16-bit length
	tests := []struct {
		name   string
		client bool // the reader is a client's: frames unmasked
		max    int64
		stream []byte
		want   []got
		code   int   // the failure's close code, 0 for none
		is     error // the failure's cause
	}{
		{name: "text", stream: mframe(true, 0, opText, []byte("héllo"), true),
			want: []got{{ev: evMessage, typ: TextMessage, data: "héllo"}}},
		{name: "empty binary", stream: mframe(true, 0, opBinary, nil, true),
			want: []got{{ev: evMessage, typ: BinaryMessage}}},
		{name: "lengths", stream: cat(mframe(true, 0, opBinary, mid, true), mframe(true, 0, opBinary, long, true)),
			want: []got{{ev: evMessage, typ: BinaryMessage, data: string(mid)}, {ev: evMessage, typ: BinaryMessage, data: string(long)}}},
		{name: "fragments with control frames between", stream: cat(
			mframe(false, 0, opText, []byte("one "), true),
			mframe(true, 0, opPing, []byte("p"), true),
			mframe(false, 0, opContinuation, nil, true),
			mframe(true, 0, opPong, nil, true),
			mframe(true, 0, opContinuation, []byte("two"), true),
			mframe(true, 0, opClose, closePayload(1000, "bye"), true)),
			want: []got{{ev: evPing, data: "p"}, {ev: evPong}, {ev: evMessage, typ: TextMessage, data: "one two"},
				{ev: evClose, code: 1000, data: "bye"}}},
		{name: "rune split between fragments", stream: cat(
			mframe(false, 0, opText, []byte("a\xe2\x82"), true),
			mframe(true, 0, opContinuation, []byte("\xac"), true)),
			want: []got{{ev: evMessage, typ: TextMessage, data: "a€"}}},
		{name: "close without code", stream: mframe(true, 0, opClose, nil, true),
			want: []got{{ev: evClose, code: CloseNoStatusReceived}}},
		{name: "client reads unmasked", client: true, stream: mframe(true, 0, opText, []byte("hi"), false),
			want: []got{{ev: evMessage, typ: TextMessage, data: "hi"}}},

		{name: "unmasked from client", stream: mframe(true, 0, opText, []byte("hi"), false), code: 1002, is: ErrProtocol},
		{name: "masked from server", client: true, stream: mframe(true, 0, opText, []byte("hi"), true), code: 1002, is: ErrProtocol},
		{name: "rsv1", stream: mframe(true, 4, opText, []byte("hi"), true), code: 1002, is: ErrProtocol},
		{name: "rsv3", stream: mframe(true, 1, opBinary, nil, true), code: 1002, is: ErrProtocol},
		{name: "reserved opcode 3", stream: mframe(true, 0, 3, nil, true), code: 1002, is: ErrProtocol},
		{name: "reserved control opcode 11", stream: mframe(true, 0, 11, nil, true), code: 1002, is: ErrProtocol},
		{name: "fragmented ping", stream: mframe(false, 0, opPing, nil, true), code: 1002, is: ErrProtocol},
		{name: "ping of 126 bytes", stream: mframe(true, 0, opPing, make([]byte, 126), true), code: 1002, is: ErrProtocol},
		{name: "continuation first", stream: mframe(true, 0, opContinuation, []byte("x"), true), code: 1002, is: ErrProtocol},
		{name: "text inside a fragmented message", stream: cat(
			mframe(false, 0, opText, []byte("a"), true), mframe(true, 0, opText, []byte("b"), true)), code: 1002, is: ErrProtocol},
		{name: "close with 1 byte", stream: mframe(true, 0, opClose, []byte{3}, true), code: 1002, is: ErrProtocol},
		{name: "close code 1005", stream: mframe(true, 0, opClose, closePayload(1005, ""), true), code: 1002, is: ErrProtocol},
		{name: "close code 999", stream: mframe(true, 0, opClose, closePayload(999, ""), true), code: 1002, is: ErrProtocol},
		{name: "close code 2000", stream: mframe(true, 0, opClose, closePayload(2000, ""), true), code: 1002, is: ErrProtocol},
		{name: "close code 5000", stream: mframe(true, 0, opClose, closePayload(5000, ""), true), code: 1002, is: ErrProtocol},
		{name: "close code 4000", stream: mframe(true, 0, opClose, closePayload(4000, "ok"), true),
			want: []got{{ev: evClose, code: 4000, data: "ok"}}},
		{name: "invalid UTF-8 text", stream: mframe(true, 0, opText, []byte("a\xffb"), true), code: 1007, is: ErrInvalidUTF8},
		{name: "invalid UTF-8 in a first fragment", stream: mframe(false, 0, opText, []byte("\xc0\xafmore"), true), code: 1007, is: ErrInvalidUTF8},
		{name: "surrogate across fragments", stream: cat(
			mframe(false, 0, opText, []byte("\xed"), true), mframe(true, 0, opContinuation, []byte("\xa0\x80"), true)), code: 1007, is: ErrInvalidUTF8},
		{name: "text ending in half a rune", stream: mframe(true, 0, opText, []byte("a\xe2\x82"), true), code: 1007, is: ErrInvalidUTF8},
		{name: "binary need not be UTF-8", stream: mframe(true, 0, opBinary, []byte("\xff"), true),
			want: []got{{ev: evMessage, typ: BinaryMessage, data: "\xff"}}},
		{name: "invalid UTF-8 close reason", stream: mframe(true, 0, opClose, closePayload(1000, "\xff"), true), code: 1007, is: ErrInvalidUTF8},
		{name: "message at the limit", max: 5, stream: mframe(true, 0, opBinary, []byte("12345"), true),
			want: []got{{ev: evMessage, typ: BinaryMessage, data: "12345"}}},
		{name: "message over the limit", max: 5, stream: mframe(true, 0, opBinary, []byte("123456"), true), code: 1009, is: ErrMessageTooBig},
		{name: "fragments over the limit", max: 5, stream: cat(
			mframe(false, 0, opBinary, []byte("123"), true), mframe(true, 0, opContinuation, []byte("456"), true)), code: 1009, is: ErrMessageTooBig},
		{name: "huge length", stream: []byte{0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4}, code: 1009, is: ErrMessageTooBig},
		{name: "length with the top bit", stream: []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, code: 1002, is: ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			for split := 1; split <= len(tt.stream); split++ {
				if split > 300 && split < len(tt.stream) {
					split = len(tt.stream) // the long stream: small pieces and whole
				}
				r := &reader{server: !tt.client, max: max}
				out, err := feed(r, tt.stream, split)
				if tt.code != 0 {
					if err == nil || err.Code != tt.code || !errors.Is(err, tt.is) {
						t.Fatalf("split %d: error %v, want close code %d (%v)", split, err, tt.code, tt.is)
					}
					continue
				}
				if err != nil {
					t.Fatalf("split %d: %v", split, err)
				}
				if len(out) != len(tt.want) {
					t.Fatalf("split %d: %d events %v, want %v", split, len(out), out, tt.want)
				}
				for i := range out {
					if out[i] != tt.want[i] {
						t.Fatalf("split %d: event %d is %+v, want %+v", split, i, out[i], tt.want[i])
					}
				}
			}
		})
	}
}

// TestReaderHoldsNothingIdle: after a message is taken, the reader keeps
// no buffer, and a header announcing a large message reserves nothing
// before its payload arrives.
func TestReaderHoldsNothingIdle(t *testing.T) {
	r := &reader{server: true, max: 1 << 30}
	if _, err := feed(r, mframe(true, 0, opBinary, make([]byte, 1000), true), 1000); err != nil {
		t.Fatal(err)
	}
	if r.msg != nil {
		t.Fatalf("reader keeps %d bytes of buffer after the message was taken", cap(r.msg))
	}
	h := appendHeader(nil, true, opBinary, 1<<29, true, [4]byte{})
	n, ev, err := r.next(h)
	if err != nil || ev != evMore || n != len(h) {
		t.Fatalf("header of a 512 MiB frame: %d, %v, %v", n, ev, err)
	}
	if cap(r.msg) > 0 {
		t.Fatalf("a header alone made the reader take %d bytes", cap(r.msg))
	}
}

// FuzzReader: any input, in any split, ends in messages or a close code,
// never a panic, and a message never exceeds the limit.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}, 1)
	f.Add(mframe(false, 0, opText, []byte("a\xe2"), true), 2)
	f.Add([]byte{0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 3)
	f.Add(cat(mframe(true, 0, opPing, []byte("x"), true), mframe(true, 0, opClose, closePayload(1000, ""), true)), 5)
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		if split <= 0 {
			split = 1
		}
		r := &reader{server: true, max: 64}
		out, err := feed(r, data, split)
		for _, g := range out {
			if g.ev == evMessage && len(g.data) > 64 {
				t.Fatalf("message of %d bytes over the limit of 64", len(g.data))
			}
		}
		if err != nil && err.Code != 1002 && err.Code != 1007 && err.Code != 1009 {
			t.Fatalf("close code %d", err.Code)
		}
	})
}
