package evloop

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

var underWine = sync.OnceValue(func() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})

// systemHandleEntryEx is SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX.
type systemHandleEntryEx struct {
	Object                uintptr
	UniqueProcessId       uintptr
	HandleValue           uintptr
	GrantedAccess         uint32
	CreatorBackTraceIndex uint16
	ObjectTypeIndex       uint16
	HandleAttributes      uint32
	Reserved              uint32
}

// openHandles counts the process's open handles with
// NtQuerySystemInformation(SystemExtendedHandleInformation), filtered by
// process id: GetProcessHandleCount answers 0 under Wine.
func openHandles() (int, bool) {
	pid := uintptr(windows.GetCurrentProcessId())
	size := uint32(1 << 20)
	for range 8 {
		buf := make([]byte, size)
		var ret uint32
		err := windows.NtQuerySystemInformation(windows.SystemExtendedHandleInformation,
			unsafe.Pointer(&buf[0]), size, &ret)
		if err == windows.STATUS_INFO_LENGTH_MISMATCH {
			size = max(size*2, ret+64<<10)
			continue
		}
		if err != nil {
			return 0, false
		}
		n := *(*uintptr)(unsafe.Pointer(&buf[0]))
		const head = 2 * unsafe.Sizeof(uintptr(0))
		if head+n*unsafe.Sizeof(systemHandleEntryEx{}) > uintptr(len(buf)) {
			return 0, false
		}
		entries := unsafe.Slice((*systemHandleEntryEx)(unsafe.Pointer(&buf[head])), n)
		count := 0
		for i := range entries {
			if entries[i].UniqueProcessId == pid {
				count++
			}
		}
		return count, true
	}
	return 0, false
}

// errConnRefused is what a refused connect gives.
var errConnRefused error = windows.WSAECONNREFUSED
