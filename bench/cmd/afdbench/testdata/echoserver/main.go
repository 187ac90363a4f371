// Command echoserver is a minimal benchmark server for afdbench's tests:
// Go's net, a goroutine per connection, speaking package harness's
// protocol. With AFDBENCH_TEST_DAMAGE=1 in its environment it flips the
// bits of the first byte of every read before echoing it: a broken
// contender; with AFDBENCH_TEST_UNSUPPORTED=1 it says that it does not
// run on this system.
package main

import (
	"io"
	"net"
	"os"
	"sync"

	"github.com/goafd/afd/bench/internal/harness"
)

func main() {
	if os.Getenv("AFDBENCH_TEST_UNSUPPORTED") == "1" {
		harness.Unsupported()
	}
	damage := os.Getenv("AFDBENCH_TEST_DAMAGE") == "1"
	harness.Main(func(cfg harness.Config) (*harness.Server, error) {
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return nil, err
		}
		var (
			mu    sync.Mutex
			conns = make(map[net.Conn]bool)
			wg    sync.WaitGroup
		)
		wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns[c] = true
				mu.Unlock()
				wg.Go(func() {
					serve(c, cfg.Mode, damage)
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				})
			}
		})
		return &harness.Server{
			Addr: ln.Addr(),
			Conns: func() int {
				mu.Lock()
				defer mu.Unlock()
				return len(conns)
			},
			Stop: func() error {
				err := ln.Close()
				mu.Lock()
				for c := range conns {
					c.Close()
				}
				mu.Unlock()
				wg.Wait()
				return err
			},
		}, nil
	})
}

// serve echoes, or discards, what c sends until it closes.
func serve(c net.Conn, mode harness.Mode, damage bool) {
	if mode == harness.Sink {
		io.Copy(io.Discard, c)
		return
	}
	buf := make([]byte, 16<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if damage {
				buf[0] ^= 0xff
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
