// Package servertest runs an example server's run function in the test's
// own process, as the examples' tests do.
package servertest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
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
	addrs, stop := StartN(t, name, run, 1, args...)
	tcp := addrs["tcp"]
	if len(tcp) != 1 {
		t.Fatalf("%s printed %v, want one tcp address", name, addrs)
	}
	return tcp[0].String(), stop
}

// StartN is Start for a server that prints n addresses, as
// "<name>: listening on NETWORK://ADDR" lines: it returns them by
// network.
func StartN(t testing.TB, name string, run Run, n int, args ...string) (map[string][]netip.AddrPort, func() error) {
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
	addrs := map[string][]netip.AddrPort{}
	for range n {
		select {
		case line, ok := <-lines:
			if !ok {
				cancel()
				t.Fatalf("%s exited: %v", name, <-done)
			}
			u, ok := strings.CutPrefix(line, name+": listening on ")
			network, hostport, ok2 := strings.Cut(u, "://")
			ap, err := netip.ParseAddrPort(hostport)
			if !ok || !ok2 || err != nil {
				t.Fatalf("unexpected line %q", line)
			}
			addrs[network] = append(addrs[network], ap)
		case <-time.After(Timeout):
			t.Fatalf("%s printed no address", name)
		}
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
	return addrs, stop
}
