package iocp

//sys	getQueuedCompletionStatusEx(port windows.Handle, entries *Entry, count uint32, removed *uint32, timeout uint32, alertable bool) (err error) = kernel32.GetQueuedCompletionStatusEx
