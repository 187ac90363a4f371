package evhttp

import (
	"io"
	"runtime"
	"testing"
)

// TestCloseReleasesWorkers: Close has the pool's waiting workers exit at
// once, not at the end of their linger.
func TestCloseReleasesWorkers(t *testing.T) {
	s := &Server{Handler: hello}
	addr := serve(t, s)
	nc, br := dial(t, addr)
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	readResp(t, br, "GET")
	for { // until the worker waits for the next request
		if _, waiting, _ := s.pool.Counts(); waiting == 1 {
			break
		}
		runtime.Gosched()
	}
	s.Close()
	running, waiting, _ := s.pool.Counts()
	if running != 0 || waiting != 0 {
		t.Fatalf("after Close: %d workers, %d waiting; want none", running, waiting)
	}
}
