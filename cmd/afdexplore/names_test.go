package main

import (
	"testing"

	"github.com/goafd/afd"
)

func TestAfdNames(t *testing.T) {
	for e, want := range map[afd.Events]string{
		0:                            "no event",
		afd.ConnectFail:              "AFD_POLL_CONNECT_FAIL",
		afd.Receive | afd.Send:       "AFD_POLL_RECEIVE|AFD_POLL_SEND",
		afd.LocalClose | 0x1000:      "AFD_POLL_LOCAL_CLOSE|0x1000",
		afd.AllEvents &^ afd.Connect: "AFD_POLL_RECEIVE|AFD_POLL_RECEIVE_EXPEDITED|AFD_POLL_SEND|AFD_POLL_DISCONNECT|AFD_POLL_ABORT|AFD_POLL_LOCAL_CLOSE|AFD_POLL_ACCEPT|AFD_POLL_CONNECT_FAIL",
	} {
		if got := afdNames(e); got != want {
			t.Errorf("afdNames(%#x) = %q, want %q", uint32(e), got, want)
		}
	}
}

func TestStatusText(t *testing.T) {
	for s, want := range map[afd.Status]string{
		afd.StatusConnectionRefused: "0xC0000236 STATUS_CONNECTION_REFUSED",
		afd.StatusSuccess:           "0x00000000 STATUS_SUCCESS",
		afd.StatusPending:           "0x00000103 STATUS_PENDING",
		0xC0001234:                  "0xC0001234",
	} {
		if got := statusText(s); got != want {
			t.Errorf("statusText(%#x) = %q, want %q", uint32(s), got, want)
		}
	}
}
