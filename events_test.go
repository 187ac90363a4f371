package afd_test

import (
	"testing"

	"github.com/goafd/afd"
)

func TestEventsString(t *testing.T) {
	tests := []struct {
		e    afd.Events
		want string
	}{
		{0, "0"},
		{afd.Receive, "RECEIVE"},
		{afd.Receive | afd.Send, "RECEIVE|SEND"},
		{afd.Send | afd.Receive, "RECEIVE|SEND"}, // bit order, not argument order
		{afd.ConnectFail, "CONNECT_FAIL"},
		{afd.LocalClose | afd.Abort | afd.Disconnect, "DISCONNECT|ABORT|LOCAL_CLOSE"},
		{afd.AllEvents, "RECEIVE|RECEIVE_EXPEDITED|SEND|DISCONNECT|ABORT|LOCAL_CLOSE|CONNECT|ACCEPT|CONNECT_FAIL"},
		{0x200, "0x200"},
		{afd.Receive | 0x1000, "RECEIVE|0x1000"},
		{afd.Accept | 0xFFFF0000, "ACCEPT|0xffff0000"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("Events(%#x).String() = %q, want %q", uint32(tt.e), got, tt.want)
		}
	}
}

func TestEventValues(t *testing.T) {
	// The AFD_POLL_* values of the driver.
	for e, want := range map[afd.Events]uint32{
		afd.Receive: 0x1, afd.ReceiveExpedited: 0x2, afd.Send: 0x4, afd.Disconnect: 0x8,
		afd.Abort: 0x10, afd.LocalClose: 0x20, afd.Connect: 0x40, afd.Accept: 0x80,
		afd.ConnectFail: 0x100, afd.AllEvents: 0x1FF,
	} {
		if uint32(e) != want {
			t.Errorf("%v = %#x, want %#x", e, uint32(e), want)
		}
	}
}
