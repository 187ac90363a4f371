// Command afdping bounces one UDP datagram between two sockets through a
// poll.Poller, for a given number of events, and reports the rate. Each
// event is one readiness report, one receive and one send: the loop that
// the cost of a poller is measured with.
//
// Under Wine every Windows call is a request to the wine server, so
// counting those requests per event gives a cost that machine noise
// cannot move; scripts/count-requests.sh runs afdping twice under a
// tracing wine server and prints the requests per event.
//
// Usage:
//
//	afdping [-n events] [-pairs n] [-mode level|edge|oneshot]
package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/poll"
)

func main() {
	n := flag.Int("n", 10000, "events to run")
	pairs := flag.Int("pairs", 1, "socket pairs, each bouncing its own datagram")
	mode := flag.String("mode", "level", "registration mode: level, edge or oneshot; spin: no poller, retry receives until one succeeds (the cost of the I/O alone)")
	flag.Parse()
	var flags poll.Events
	run := run
	switch *mode {
	case "spin":
		run = spin
	case "level":
	case "edge":
		flags = poll.Edge
	case "oneshot":
		flags = poll.Oneshot
	default:
		fmt.Fprintf(os.Stderr, "afdping: unknown mode %q\n", *mode)
		os.Exit(2)
	}
	elapsed, err := run(*n, *pairs, flags)
	if err != nil {
		fmt.Fprintln(os.Stderr, "afdping:", err)
		os.Exit(1)
	}
	fmt.Printf("%d events in %v: %.0f events/s (%s, %d pairs)\n", *n, elapsed.Round(time.Millisecond),
		float64(*n)/elapsed.Seconds(), *mode, *pairs)
}

// run bounces a datagram within each of pairs socket pairs until n
// events were handled. Socket 2i and 2i+1 form a pair; the key of a
// registration is its socket's index.
func run(n, pairs int, flags poll.Events) (time.Duration, error) {
	p, err := poll.New()
	if err != nil {
		return 0, err
	}
	defer p.Close()
	h := make([]sock.Handle, 2*pairs)
	addr := make([]netip.AddrPort, 2*pairs)
	for i := range h {
		s, a, err := sock.Bind(sock.UDP4)
		if err != nil {
			return 0, err
		}
		defer sock.Close(s)
		h[i], addr[i] = s, a
		if err := p.Add(uintptr(s), uint64(i), poll.In|flags); err != nil {
			return 0, err
		}
	}
	buf := make([]byte, 64)
	events := make([]poll.Event, 128)
	start := time.Now()
	for i := 0; i < len(h); i += 2 {
		if err := sock.SendTo(h[i], []byte("ping"), addr[i+1]); err != nil {
			return 0, err
		}
	}
	for done := 0; done < n; {
		k, err := p.Wait(events, 5*time.Second)
		if err != nil {
			return 0, err
		}
		if k == 0 {
			return 0, fmt.Errorf("no event in 5s after %d events", done)
		}
		for _, e := range events[:k] {
			i := e.Key
			m, _, err := sock.RecvFrom(h[i], buf)
			if err != nil {
				if sock.WouldBlock(err) {
					continue // a stale report
				}
				return 0, err
			}
			done++
			if err := sock.SendTo(h[i], buf[:m], addr[i^1]); err != nil {
				return 0, err
			}
			switch {
			case flags&poll.Oneshot != 0:
				err = p.Modify(uintptr(h[i]), i, poll.In|flags)
			case flags&poll.Edge != 0:
				// One datagram is in flight per pair, so this read drained
				// the socket: tell the poller, as edge mode asks.
				err = p.Rearm(uintptr(h[i]), poll.In)
			}
			if err != nil {
				return 0, err
			}
		}
	}
	return time.Since(start), nil
}

// spin bounces datagrams like run, without a poller: it retries each
// socket's receive until one succeeds. What it costs per event is the
// receive and the send alone, plus the receives that found nothing.
func spin(n, pairs int, _ poll.Events) (time.Duration, error) {
	h := make([]sock.Handle, 2*pairs)
	addr := make([]netip.AddrPort, 2*pairs)
	for i := range h {
		s, a, err := sock.Bind(sock.UDP4)
		if err != nil {
			return 0, err
		}
		defer sock.Close(s)
		h[i], addr[i] = s, a
	}
	buf := make([]byte, 64)
	start := time.Now()
	for i := 0; i < len(h); i += 2 {
		if err := sock.SendTo(h[i], []byte("ping"), addr[i+1]); err != nil {
			return 0, err
		}
	}
	deadline := time.Now().Add(time.Minute)
	for done := 0; done < n; {
		for i := range h {
			m, _, err := sock.RecvFrom(h[i], buf)
			if sock.WouldBlock(err) {
				continue
			}
			if err != nil {
				return 0, err
			}
			done++
			if err := sock.SendTo(h[i], buf[:m], addr[i^1]); err != nil {
				return 0, err
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("only %d events in a minute", done)
		}
	}
	return time.Since(start), nil
}
