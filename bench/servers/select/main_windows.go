// Command select is the benchmark server on a Winsock select loop: one OS
// thread, non-blocking sockets, fd_sets sized to the connections (not
// FD_SETSIZE), one 64 KiB read buffer shared by all connections, pending
// output sent when the socket shows in the write set (see package
// winloop). It serves on one thread whatever -loops says. The protocol is
// package harness's.
package main

import (
	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/bench/servers/internal/winloop"
)

func main() {
	harness.Main(func(cfg harness.Config) (*harness.Server, error) {
		return winloop.Serve(cfg, winloop.Select)
	})
}
