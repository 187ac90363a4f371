// Package servertest runs an example server's run function in the test's
// own process, as the examples' tests do.
package servertest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// Timeout bounds the start and the stop of a server.
const Timeout = 30 * time.Second

// Run is an example's run function: serve until ctx is done, printing
// "<name>: listening on tcp://ADDR" when ready and "<name>: shut down"
// when done.
type Run func(ctx context.Context, args []string, out io.Writer) error

// Start runs run with args and returns the address it printed (host:port)
// and a function that stops it and returns run's error. The server is
// stopped when the test ends; any line it prints other than those two
// fails the test.
func Start(t testing.TB, name string, run Run, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw)
		pw.Close()
		done <- err
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var addr string
	select {
	case line, ok := <-lines:
		if !ok {
			cancel()
			t.Fatalf("%s exited: %v", name, <-done)
		}
		u, ok := strings.CutPrefix(line, name+": listening on tcp://")
		if !ok {
			t.Fatalf("unexpected line %q", line)
		}
		addr = u
	case <-time.After(Timeout):
		t.Fatalf("%s printed no address", name)
	}
	var (
		once sync.Once
		err  error
	)
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(Timeout):
				err = fmt.Errorf("%s did not stop", name)
			}
			for line := range lines {
				if line != name+": shut down" {
					t.Errorf("unexpected line %q", line)
				}
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return addr, stop
}
