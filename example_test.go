package afd_test

import (
	"fmt"

	"github.com/goafd/afd"
)

func ExampleEvents_String() {
	fmt.Println(afd.Receive | afd.Send)
	fmt.Println(afd.Send | afd.Receive)
	fmt.Println(afd.Events(0))
	fmt.Println(afd.ConnectFail | 0x400)
	// Output:
	// RECEIVE|SEND
	// RECEIVE|SEND
	// 0
	// CONNECT_FAIL|0x400
}

func ExampleStatus() {
	st := afd.StatusConnectionRefused
	fmt.Println(st.Name())
	fmt.Println(st)
	fmt.Println(st.IsError(), st.Timeout())
	// STATUS_TIMEOUT is how a poll ends when its timeout passes: not an error.
	fmt.Println(afd.StatusTimeout.IsError(), afd.StatusTimeout.Timeout())
	fmt.Println(afd.Status(0xC0001234))
	// Output:
	// STATUS_CONNECTION_REFUSED
	// STATUS_CONNECTION_REFUSED (0xC0000236)
	// true false
	// false true
	// NTSTATUS 0xC0001234
}
