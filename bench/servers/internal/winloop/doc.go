// Package winloop is the single-threaded Winsock server that the wsapoll
// and select contenders share: one loop, locked to one OS thread, over
// non-blocking sockets, with one 64 KiB read buffer for all connections
// and per-connection pending output that is sent when the socket is
// writable. The two differ only in how the loop waits for readiness:
// WSAPoll, or select with fd_sets as large as the connections need
// (FD_SETSIZE is only Winsock's default).
//
// The sockets are this project's (package internal/sock, the calls that
// evloop makes too), so that the contenders differ only in the loop.
// Windows only.
package winloop
