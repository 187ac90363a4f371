package scenario

import (
	"unsafe"

	"golang.org/x/sys/windows"
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
