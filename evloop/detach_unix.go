//go:build unix

package evloop

import (
	"net"
	"os"

	"github.com/goafd/afd/internal/sock"
)

// handBack makes a net.Conn of Go's on the socket of an accepted or
// dialled connection. It works on a duplicate: the loop deletes fd from
// its poller and closes it after (an epoll registration lives as long
// as any descriptor of the socket does).
func handBack(fd sock.Handle) (net.Conn, error) {
	dup, err := sock.Dup(fd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "evloop-detached")
	defer f.Close() // net.FileConn makes a descriptor of its own
	return net.FileConn(f)
}
