package afd

import "github.com/goafd/afd/internal/bitset"

// Events is a set of AFD_POLL_* bits: what a poll asks for in
// PollHandleInfo.Events, and what fired when it completes.
type Events uint32

// The nine events of IOCTL_AFD_POLL.
const (
	// Receive: data can be read, or a datagram is queued.
	Receive Events = 0x0001
	// ReceiveExpedited: out-of-band (urgent) data can be read.
	ReceiveExpedited Events = 0x0002
	// Send: the send buffer has room. Also how a non-blocking connect
	// reports success.
	Send Events = 0x0004
	// Disconnect: the peer shut down its sending side (a FIN arrived).
	// Sticky: every later poll reports it at once.
	Disconnect Events = 0x0008
	// Abort: the connection was reset (an RST arrived).
	Abort Events = 0x0010
	// LocalClose: the socket was closed by this process while polled. It is
	// reported even when not requested; the socket is gone.
	LocalClose Events = 0x0020
	// Connect: the socket is connected. Never ask for it: a connected
	// socket then reports ready forever. Use Send for connect completion.
	Connect Events = 0x0040
	// Accept: a listening socket has a connection to accept.
	Accept Events = 0x0080
	// ConnectFail: a non-blocking connect failed; the handle's Status holds
	// the reason (for example StatusConnectionRefused). Sticky.
	ConnectFail Events = 0x0100

	// AllEvents is every event a poll can ask for.
	AllEvents = Receive | ReceiveExpedited | Send | Disconnect | Abort |
		LocalClose | Connect | Accept | ConnectFail
)

var eventNames = []bitset.Name{
	{Bit: uint32(Receive), Name: "RECEIVE"},
	{Bit: uint32(ReceiveExpedited), Name: "RECEIVE_EXPEDITED"},
	{Bit: uint32(Send), Name: "SEND"},
	{Bit: uint32(Disconnect), Name: "DISCONNECT"},
	{Bit: uint32(Abort), Name: "ABORT"},
	{Bit: uint32(LocalClose), Name: "LOCAL_CLOSE"},
	{Bit: uint32(Connect), Name: "CONNECT"},
	{Bit: uint32(Accept), Name: "ACCEPT"},
	{Bit: uint32(ConnectFail), Name: "CONNECT_FAIL"},
}

// String returns the set as AFD_POLL_ names without their prefix, joined
// by "|" in bit order ("RECEIVE|SEND"); bits that name no event are shown
// in hexadecimal, and the empty set is "0".
func (e Events) String() string { return bitset.String(uint32(e), eventNames) }
