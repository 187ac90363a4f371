// Command wsapoll is the benchmark server on a WSAPoll loop: one OS
// thread, non-blocking sockets, one 64 KiB read buffer shared by all
// connections, pending output sent when WSAPoll reports POLLWRNORM (see
// package winloop). It serves on one thread whatever -loops says. The
// protocol is package harness's.
package main

import (
	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/bench/servers/internal/winloop"
)

func main() {
	harness.Main(func(cfg harness.Config) (*harness.Server, error) {
		return winloop.Serve(cfg, winloop.WSAPoll)
	})
}
