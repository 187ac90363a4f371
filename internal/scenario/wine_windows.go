package scenario

import (
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// Wine reports whether the program runs under Wine, and which version:
// Wine's ntdll exports wine_get_version, Windows' does not.
func Wine() (version string, ok bool) {
	p := windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version")
	if p.Find() != nil {
		return "", false
	}
	r, _, _ := p.Call()
	if r == 0 {
		return "unknown", true
	}
	// r is a C string in ntdll's memory, not Go memory.
	return windows.BytePtrToString(*(**byte)(unsafe.Pointer(&r))), true
}

// WineConnectFailEvents is what Wine 8.0 sometimes reports for a refused
// loopback connect instead of CONNECT_FAIL alone: a race in its emulation
// adds RECEIVE (seen in about one run in fifteen). Windows reports
// CONNECT_FAIL alone.
const WineConnectFailEvents = afd.ConnectFail | afd.Receive

// wineConnectFailNote explains WineConnectFailEvents in results.
const wineConnectFailNote = "Wine sometimes adds RECEIVE to CONNECT_FAIL for a refused loopback connect"
