package winloop

// The Winsock readiness calls that golang.org/x/sys/windows lacks.
//
//sys	wsaPoll(fds *pollFd, n uint32, timeout int32) (ready int32, err error) [failretval==-1] = ws2_32.WSAPoll
//sys	sockSelect(nfds int32, readfds *uintptr, writefds *uintptr, exceptfds *uintptr, timeout *windows.Timeval) (ready int32, err error) [failretval==-1] = ws2_32.select
