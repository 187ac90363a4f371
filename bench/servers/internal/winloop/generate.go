package winloop

// The Winsock calls that golang.org/x/sys/windows lacks are declared with
// //sys lines in syscall_windows.go and generated on any host.
//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go
