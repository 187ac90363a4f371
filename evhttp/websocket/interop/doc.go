// Package interop tests package evhttp/websocket against independent
// implementations, gorilla/websocket and coder/websocket, as clients of
// its server and servers of its client. It is a module of its own so
// that the library's go.mod names golang.org/x/sys alone.
package interop
