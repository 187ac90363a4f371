module github.com/goafd/afd/evhttp/websocket/interop

go 1.26.0

replace github.com/goafd/afd => ../../..

require (
	github.com/coder/websocket v1.8.15
	github.com/goafd/afd v0.0.0-00010101000000-000000000000
	github.com/gorilla/websocket v1.5.3
)

require golang.org/x/sys v0.50.0 // indirect
