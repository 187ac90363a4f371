package poll

// Thread-pool waits, which golang.org/x/sys/windows lacks.
//
//sys	registerWaitForSingleObject(wait *windows.Handle, object windows.Handle, callback uintptr, context uintptr, millis uint32, flags uint32) (err error) = kernel32.RegisterWaitForSingleObject
//sys	unregisterWaitEx(wait windows.Handle, completionEvent windows.Handle) (err error) = kernel32.UnregisterWaitEx
