package evloop

import (
	"errors"
	"fmt"
	"net"

	"github.com/goafd/afd/internal/sock"
)

// handBack fails on Windows: Go's net cannot take over a socket there
// (net.FileConn is not implemented), and a net.Conn of evloop's own over
// the raw socket would make deadlines and cancellation approximate.
func handBack(sock.Handle) (net.Conn, error) {
	return nil, fmt.Errorf("an accepted or dialled connection on Windows: %w", errors.ErrUnsupported)
}
