package main

import (
	"fmt"
	"strings"

	"github.com/goafd/afd"
)

// afdNames returns e as the driver's constant names, AFD_POLL_CONNECT_FAIL
// for instance; bits that name no event stay in hexadecimal.
func afdNames(e afd.Events) string {
	if e == 0 {
		return "no event"
	}
	parts := strings.Split(e.String(), "|")
	for i, p := range parts {
		if !strings.HasPrefix(p, "0x") {
			parts[i] = "AFD_POLL_" + p
		}
	}
	return strings.Join(parts, "|")
}

// statusText returns s as "0xC0000236 STATUS_CONNECTION_REFUSED".
func statusText(s afd.Status) string {
	if n := s.Name(); n != "" {
		return fmt.Sprintf("0x%08X %s", uint32(s), n)
	}
	return fmt.Sprintf("0x%08X", uint32(s))
}
