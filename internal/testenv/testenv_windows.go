package testenv

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// UnderWine reports whether the process runs under Wine, whose ntdll
// exports wine_get_version.
var UnderWine = sync.OnceValue(func() bool {
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

// countedTypes are the object types of the handles the code under test
// opens: files (sockets, the AFD device) and I/O completion ports. Handles
// of other types come and go with the Go runtime and with Wine, whatever the
// test does: each thread the scheduler starts keeps a thread, two events and
// a timer for the life of the process, and handles open and close briefly
// around waits. Counting them would make a leak check fail on scheduling.
var countedTypes = map[string]bool{"File": true, "IoCompletion": true}

// HandleCount counts the process's open files and completion ports
// (countedTypes). It lists the process's handles with
// NtQuerySystemInformation(SystemExtendedHandleInformation), filtered by
// process id (GetProcessHandleCount answers 0 under Wine), and names their
// types with NtQueryObject (see HandleTypes). It reports false if the
// handles could not be listed.
func HandleCount() (int, bool) {
	counts, ok := HandleTypes()
	if !ok {
		return 0, false
	}
	n := 0
	for typ, c := range counts {
		if countedTypes[typ] {
			n += c
		}
	}
	return n, true
}

// HandleTypes counts the process's open handles by object type name
// ("File", "IoCompletion", "Thread", ...). It reports false if the handles
// could not be listed.
func HandleTypes() (map[string]int, bool) {
	handles, ok := ownHandles()
	if !ok {
		return nil, false
	}
	// The table gives each handle's type as an index: one NtQueryObject
	// per type names them all. A handle whose type cannot be asked (closed
	// since it was listed) leaves its index to the next of that type.
	names := make(map[uint16]string)
	counts := make(map[string]int)
	for _, h := range handles {
		name, ok := names[h.typ]
		if !ok {
			if name = objectType(h.handle); name != "?" {
				names[h.typ] = name
			}
		}
		counts[name]++
	}
	return counts, true
}

// ownHandle is a handle of the process and its object type index.
type ownHandle struct {
	handle windows.Handle
	typ    uint16
}

// ownHandles lists the process's open handles.
func ownHandles() ([]ownHandle, bool) {
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
			return nil, false
		}
		// SYSTEM_HANDLE_INFORMATION_EX: NumberOfHandles, Reserved, Handles[].
		n := *(*uintptr)(unsafe.Pointer(&buf[0]))
		const head = 2 * unsafe.Sizeof(uintptr(0))
		if head+n*unsafe.Sizeof(systemHandleEntryEx{}) > uintptr(len(buf)) {
			return nil, false
		}
		entries := unsafe.Slice((*systemHandleEntryEx)(unsafe.Pointer(&buf[head])), n)
		var handles []ownHandle
		for i := range entries {
			if e := &entries[i]; e.UniqueProcessId == pid {
				handles = append(handles, ownHandle{windows.Handle(e.HandleValue), e.ObjectTypeIndex})
			}
		}
		return handles, true
	}
	return nil, false
}

var procNtQueryObject = windows.NewLazySystemDLL("ntdll.dll").NewProc("NtQueryObject")

// objectTypeInformation is OBJECT_TYPE_INFORMATION's class number for
// NtQueryObject.
const objectTypeInformation = 2

// objectType names h's object type, or "?" if NtQueryObject cannot say (the
// handle was closed since it was listed, say).
func objectType(h windows.Handle) string {
	// PUBLIC_OBJECT_TYPE_INFORMATION starts with the UNICODE_STRING TypeName,
	// whose buffer NtQueryObject places after the structure, inside buf: a
	// heap buffer, which does not move while the name is read.
	buf := make([]uint64, 512)
	r, _, _ := procNtQueryObject.Call(uintptr(h), objectTypeInformation,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf))*8, 0)
	if r != 0 {
		return "?"
	}
	name := (*windows.NTUnicodeString)(unsafe.Pointer(&buf[0]))
	return name.String()
}
